"""Need to know: which cases a user may see through staff paths, and whose identity.

Rules (issue 5, DOMAIN §2 and §4):

* A user sees a case only if they hold or held a task in it (a work item assigned to
  or completed by them), are bound to one of its actor slots (assignment, separation
  of duties), or hold an oversight role for its unit (``roles.oversees_unit``). An open
  pool task for one of their roles does not count: it shows in the worklist, and the
  case becomes visible once they claim it.
* Involvement counts only while the user still holds the role of that work: the task's
  ``WorkItem.role``; for a slot, the role of the case's work in that slot (each work item
  records the lane and slot its process declares). A role taken away (the administrator,
  ``engine.identity.admin``, or the OpenID provider at login, ``engine.identity.oidc``)
  ends the sight of every case it gave, at once: the roles are read from ``user_roles``
  inside the same SQL condition (also the oversight roles), never from the roles a request
  loaded (``engine.identity.session_cache`` may keep those a few seconds in another server
  process). Another role does not stand in for the one taken away. Giving the role back
  restores the sight. Claimed open tasks of a role taken away go back to the pool
  (``engine.worklist.service.release_claims``); one's own task needs its role too.
* Excluded always, whatever their roles: the reporter, the subject and the subject's
  line manager of the case. Parties are the ``case_parties`` rows; the line manager is
  also derived from ``users.manager_id`` of every subject, so a change of manager is
  covered without touching the case.
* Excluded likewise: a handler the reporter (or the staff member registering for her) named at intake
  because the report concerns them (party ``uitgesloten``, :data:`EXCLUDED_HANDLER`; ``engine.intake.exclusions``).
  Until the desk links the subject as a party, a report about an integrity coordinator or a desk member would
  otherwise reach that very person through their oversight role or the desk's pool. The row is written with the
  case, before its first task exists, so the person never sees, is told of, is drawn for or is assigned any of it
  (every door asks this condition, the worklist's pool and ``engine.cases.duties`` read every ``case_parties``
  row). Nothing in the product removes it (who is excluded can not lift it; nobody else can either).
  :func:`report_handlers` says who a reporter may exclude: who would otherwise see a new report.
* Not visible and not existing look the same: callers answer 404 (:func:`require_visible_case`).
* The reporter's identity is for the reporting desk (``meldpunt``) and the integrity
  coordinator of a case they can see (``roles.IDENTITY_ROLES``); everyone else sees a
  pseudonym. Revealing it to another role (with reason, coordinator approval and prior
  notice to the reporter) is a later addition on top of :func:`may_see_reporter_identity`.
* Letters to the reporter (``IDENTITY_RECIPIENTS``) carry the reporter's name and address: they are
  part of the reporter's identity (``engine.cases.letters.may_see_letter``). Every other letter of the case file is for
  everyone who may see the case.

One door per resource (issue 16): the API (``api/routers``) and the web pages (``web/``) ask these
functions, or the engine services built on them (e.g. ``engine.cases.letters``), and nothing else.

Everything is expressed as SQL conditions so lists can filter and paginate in the database.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import and_, bindparam, event, exists, false, or_, select
from sqlalchemy.orm import Session, aliased, defer, undefer
from sqlalchemy.sql.elements import ColumnElement

from engine.cases.models import Case, CaseActor, CaseParty
from engine.db import in_values
from engine.errors import NotFound
from engine.identity import second_factor
from engine.identity.models import User, UserRole
from engine.identity.roles import DESK_ROLES, EXPORT_ROLES, IDENTITY_ROLES, INTAKE_ROLES, OVERSIGHT_ROLES
from engine.worklist.models import TaskDraft, WorkItem

# A handler of reports the reporter excluded at intake because the report concerns them (engine.intake.exclusions).
EXCLUDED_HANDLER = "uitgesloten"
EXCLUDED_PARTIES = ("melder", "betrokkene", "leidinggevende", EXCLUDED_HANDLER)

# Letter recipients whose letters carry the reporter's identity (name, address or e-mail in the text).
IDENTITY_RECIPIENTS = frozenset({"melder"})


def _excluded(uid) -> ColumnElement[bool]:
    subject = aliased(User)
    as_party = exists().where(CaseParty.case_id == Case.id, CaseParty.user_id == uid,
                              in_values(CaseParty.party, EXCLUDED_PARTIES))
    as_manager_of_subject = exists().where(
        CaseParty.case_id == Case.id, CaseParty.party == "betrokkene",
        CaseParty.user_id == subject.id, subject.manager_id == uid)
    return or_(as_party, as_manager_of_subject)


def _involved(uid) -> ColumnElement[bool]:
    """The user holds or held a task in the case, or is bound to one of its slots, and *still holds the role of
    that work*: read from ``user_roles`` in the same statement (never from a cached user), so a role taken away
    ends the access it gave at once, on every surface."""
    role = aliased(UserRole)
    holds_task_role = exists().where(role.user_id == uid, role.role == WorkItem.role).correlate(WorkItem)
    task = exists().where(WorkItem.case_id == Case.id,
                          or_(WorkItem.assignee_id == uid, WorkItem.completed_by_id == uid), holds_task_role)
    # A slot's role is the lane of the case's work in that slot (each work item records the role and slot its
    # process declares; a slot is bound when its holder completes such work): no slot name is mapped in Python.
    slot_role, slot_item = aliased(UserRole), aliased(WorkItem)
    holds_slot_role = exists().where(slot_item.case_id == CaseActor.case_id, slot_item.slot == CaseActor.slot,
                                     slot_role.user_id == uid, slot_role.role == slot_item.role).correlate(CaseActor)
    slot = exists().where(CaseActor.case_id == Case.id, CaseActor.user_id == uid, holds_slot_role)
    return or_(task, slot)


_LIVE_ROLES = "meldpunt_live_roles"
_ROLES_OF = select(UserRole.role).where(UserRole.user_id == bindparam("uid"))  # built once (issue 25)


def live_roles(*, session: Session, user: User) -> frozenset[str]:
    """The roles ``user`` holds *now*: their ``user_roles`` rows that the request's roles also show. Not only the
    roles a request loaded, which ``engine.identity.session_cache`` may keep a few seconds in another server process
    after a role was taken away; a role given meanwhile counts once the request's roles show it too. Read once per
    transaction (one statement), again after a flush that changed roles."""
    if not user.active:
        return frozenset()
    transaction = session.get_transaction()
    memo = session.info.get(_LIVE_ROLES)
    if memo is None or memo[0] is not transaction:
        memo = session.info[_LIVE_ROLES] = (transaction, {})
    held = memo[1].get(user.id)
    if held is None:
        held = memo[1][user.id] = frozenset(session.scalars(_ROLES_OF, {"uid": user.id}))
    return held & user.role_codes


@event.listens_for(Session, "before_flush")
def _forget_live_roles(session: Session, _context, _instances) -> None:
    if any(isinstance(o, (UserRole, User)) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(_LIVE_ROLES, None)


def holds_any_role(*, session: Session, user: User, roles) -> bool:
    """Does ``user`` hold one of ``roles`` now (:func:`live_roles`)? For the decisions that are no SQL condition on a
    case (whose contact task is this, who writes the reporter, who reads her identity)."""
    if not (set(roles) & user.role_codes):
        return False  # nothing to ask the database
    return bool(live_roles(session=session, user=user) & set(roles))


def excluded_condition(user: User) -> ColumnElement[bool]:
    """True for cases in which ``user`` is reporter, subject, the subject's line manager or a handler the reporter
    excluded (:data:`EXCLUDED_PARTIES`)."""
    return _excluded(user.id)


def counted_condition(user: User) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Case` for the cases that may count in a figure shown to ``user``: every case except
    those ``user`` is excluded from (:func:`excluded_condition`). For every aggregate a person reads (the dashboard,
    the annual annex, the Woo overview, the monthly overview, "n more" and "n hidden" counts): a case from which the
    reader is excluded is not counted, as if it did not exist for them, not even as a case they may not open, since
    "one more report, hidden from you" tells the person a report concerns that it exists. A case merely outside
    their need to know (another unit's, one they hold no task in) still counts: it tells them nothing personal."""
    return ~excluded_condition(user)


def involvement_condition(user: User) -> ColumnElement[bool]:
    """True for cases in which ``user`` holds or held a task or is bound to a slot."""
    return _involved(user.id)


def _oversees(uid) -> ColumnElement[bool]:
    """The user holds an oversight role now (live ``user_roles``: the roles a request loaded may be a few seconds
    old in another server process, ``engine.identity.session_cache``)."""
    role = aliased(UserRole)
    return exists().where(role.user_id == uid, in_values(role.role, sorted(OVERSIGHT_ROLES)))


def oversight_condition(user: User) -> ColumnElement[bool]:
    if not (user.role_codes & OVERSIGHT_ROLES):
        return false()
    if user.unit is None:
        return _oversees(user.id)
    return and_(Case.unit == user.unit, _oversees(user.id))


def visible_cases_condition(user: User) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Case` for the cases ``user`` may see through staff endpoints."""
    if not user.active:
        return false()
    # An instance of another process (the risk inventory) is never an integrity case to anyone.
    return and_(Case.process_kind.is_(None), or_(involvement_condition(user), oversight_condition(user)),
                ~excluded_condition(user))


# The single-case checks run on every request; building the conditions above costs more
# Python time than the query itself, so they are built once per shape with bound parameters.
@lru_cache(maxsize=None)
def _can_see_statement(oversight: str):
    uid = bindparam("uid")
    over = {"none": false(), "all": _oversees(uid),
            "unit": and_(Case.unit == bindparam("unit"), _oversees(uid))}[oversight]
    return select(Case.id).where(Case.id == bindparam("cid"), Case.process_kind.is_(None), or_(_involved(uid), over),
                                 ~_excluded(uid))


@lru_cache(maxsize=None)
def _excluded_statement():
    return select(Case.id).where(Case.id == bindparam("cid"), _excluded(bindparam("uid")))


def can_see_case(*, session: Session, user: User, case_id: int) -> bool:
    if not user.active:
        return False
    oversight = "none" if not (user.role_codes & OVERSIGHT_ROLES) else "all" if user.unit is None else "unit"
    params = {"cid": case_id, "uid": user.id, **({"unit": user.unit} if oversight == "unit" else {})}
    return session.scalar(_can_see_statement(oversight), params) is not None


def require_visible_case(*, session: Session, user: User, case_id: int) -> Case:
    """The case, or :class:`NotFound` when it does not exist *or* the user may not see it."""
    case = session.scalar(select(Case).where(Case.id == case_id, visible_cases_condition(user)))
    if case is None:
        raise NotFound("Zaak niet gevonden.")
    return case


def visible_references(*, session: Session, user: User, case_ids) -> dict[int, str]:
    """Case id -> reference for those of ``case_ids`` that ``user`` may see (e.g. to link a report's figures)."""
    ids = set(case_ids)
    if not ids:
        return {}
    return dict(session.execute(select(Case.id, Case.reference)
                                .where(Case.id.in_(ids), visible_cases_condition(user))).all())


def is_excluded(*, session: Session, user: User, case_id: int) -> bool:
    return session.scalar(_excluded_statement(), {"cid": case_id, "uid": user.id}) is not None


def excluded_cases(*, session: Session, user: User, case_ids) -> set[int]:
    """Those of ``case_ids`` that ``user`` is excluded from (:func:`excluded_condition`), in one query: left out of
    any count shown to ``user`` (:func:`counted_condition`), e.g. "n more tasks in cases outside your oversight"."""
    ids = {i for i in case_ids if i is not None}
    if not ids:
        return set()
    return set(session.scalars(select(Case.id).where(Case.id.in_(sorted(ids)), excluded_condition(user))))


def excluded_among(*, session: Session, user_ids, case_id: int) -> set[int]:
    """Those of ``user_ids`` excluded from the case (:func:`is_excluded`), in one query."""
    ids = sorted(set(user_ids))
    if not ids:
        return set()
    person = aliased(User)
    q = select(person.id).select_from(person).join(Case, Case.id == case_id)  # the one case beside each user
    return set(session.scalars(q.where(person.id.in_(ids), _excluded(person.id))))


def may_see_reporter_identity(*, session: Session, user: User, case_id: int, seen: TaskAccess | None = None) -> bool:
    """Reporting desk and integrity coordinator of a case they may see, or a user to whom an approved
    reveal applies (engine.cases.reveal); nobody else. The desk and the coordinator only in a session (or
    with an API token) whose second factor was verified, where the deployment requires it
    (``engine.identity.second_factor.identity_allowed``). ``seen``: this user's :func:`task_access` to a task
    of this case in the same transaction, which already answered whether they may see the case."""
    if user.role_codes & IDENTITY_ROLES and not second_factor.identity_allowed(user):
        return False
    return entitled_to_reporter_identity(session=session, user=user, case_id=case_id, seen=seen)


def entitled_to_reporter_identity(*, session: Session, user: User, case_id: int,
                                  seen: TaskAccess | None = None) -> bool:
    """The rule of :func:`may_see_reporter_identity` for ``user`` as a person, whatever their current login
    (e.g. to list who does not yet see the identity, ``engine.cases.reveal``). Not for showing the identity."""
    if seen is not None and seen.case.id == case_id:
        visible = user.active and seen.sees_case  # the same condition as can_see_case, asked moments ago
    else:
        visible = can_see_case(session=session, user=user, case_id=case_id)
    if not visible:
        return False
    if seen is not None and seen.case.id == case_id and seen.need_to_know is not None:
        # read with the access decision in this transaction (task_access(reading=True)): the same rows, the same
        # rule as below (live roles that the request's roles also show; an approved, announced reveal)
        held, revealed = seen.need_to_know
        return bool(held & user.role_codes & IDENTITY_ROLES) or revealed
    if holds_any_role(session=session, user=user, roles=IDENTITY_ROLES):  # live: a role taken away ends it at once
        return True
    from engine.cases.reveal import is_revealed_to  # an approved reveal, reporter informed (DOMAIN §4)

    return is_revealed_to(session=session, user=user, case_id=case_id)


def may_export_cases(user: User) -> bool:
    """May ``user`` export the case list (CSV/XLSX, ``engine.cases.export``)? Only the rows they may see are in it."""
    return user.active and bool(user.role_codes & EXPORT_ROLES)


def may_register_report(*, session: Session, user: User) -> bool:
    """Staff intake: the roles that take reports (``engine.identity.roles.INTAKE_ROLES``) and every line manager
    (someone who manages at least one employee), who may pass on a report made to them."""
    if not user.active:
        return False
    if user.role_codes & INTAKE_ROLES:
        return True
    return bool(session.scalar(select(exists().where(User.manager_id == user.id))))


# Who sees a new report before anyone is linked to it: the desk, whose pool holds the registration, and the
# oversight roles (the integrity coordinator, the security and integrity bureau), who see it through their unit or
# organisation-wide and take its assessment from their pool (which is not bound to a unit). A reporter may exclude
# any of them (EXCLUDED_HANDLER); nobody else sees a report unless given a task in it.
REPORT_HANDLER_ROLES: frozenset[str] = DESK_ROLES | OVERSIGHT_ROLES


def report_handlers(*, session: Session) -> list[User]:
    """The active holders of :data:`REPORT_HANDLER_ROLES` (live ``user_roles``), by display name: the people a new
    report would reach, whom the reporter may exclude (``engine.intake.exclusions``)."""
    role = aliased(UserRole)
    held = exists().where(role.user_id == User.id, role.role.in_(sorted(REPORT_HANDLER_ROLES)))
    return list(session.scalars(select(User).where(User.active.is_(True), held)
                                .order_by(User.display_name, User.id)))


def is_reporter_of(*, session: Session, user: User, case_id: int) -> bool:
    """The known reporter's own channel: ``user`` is recorded as the reporter of the case."""
    return session.scalar(select(CaseParty.id).where(CaseParty.case_id == case_id, CaseParty.party == "melder",
                                                     CaseParty.user_id == user.id).limit(1)) is not None


def may_message_reporter(*, session: Session, user: User, case_id: int) -> bool:
    """Read and write the messages with the reporter of a case: the desk or the coordinator, and only while they
    may see her identity in this case. The one decision for the API, the web pages and ``engine.intake``."""
    return holds_any_role(session=session, user=user, roles=DESK_ROLES) and may_see_reporter_identity(
        session=session, user=user, case_id=case_id)


@dataclass(frozen=True)
class TaskAccess:
    """A task ``user`` may see, its case, and whether the user may see the case's content (else: the pool)."""

    item: WorkItem
    case: Case  # loaded without its workflow state (``Case.state`` deferred): see ``has_state``
    sees_case: bool
    excluded: bool = False  # the user is a party of the case (reporter, subject, the subject's manager)
    has_state: bool = True  # the case has a workflow state (not imported, not destroyed)
    works: bool = False  # the user may work on it (:func:`_works`); else they may only read it
    # ``task_access(for_step=True)``: read as the step's locked read (the case's state loaded, its row locked): the
    # version's hash and whether the task has a draft; None otherwise
    step_read: tuple[str | None, bool] | None = None
    # ``task_access(reading=True)``: the need-to-know facts read with the decision (issue 25): the identity roles the
    # user holds in ``user_roles`` now, and whether an approved reveal of the reporter's identity applies to them
    # (``engine.cases.reveal.is_revealed_to``); None otherwise (:func:`entitled_to_reporter_identity` asks itself)
    need_to_know: tuple[frozenset[str], bool] | None = None
    # and the case's confidential row read with it: held here because the session's identity map keeps an unchanged
    # object only while something refers to it (``engine.cases.confidential.read`` finds it there while ``seen`` lives)
    confidential_row: object | None = field(default=None, repr=False, compare=False)
    # ``task_access(claiming=True)``: the user's part in the case (``engine.cases.duties.Facts``) for the claim's
    # separation of duties (``worklist.claim(seen=...)``), read with the decision; None otherwise
    facts: object | None = field(default=None, repr=False, compare=False)

    @property
    def decision(self) -> str:
        """What ``user`` may do with the task: ``"work"`` (open its form, claim it from the pool) or ``"read"``
        (its read-only view). Not even reading it is :class:`NotFound` from :func:`task_access`."""
        return "work" if self.works else "read"


def _works(user: User, item: WorkItem, unit: str | None, *, excluded: bool, holds: bool) -> bool:
    """May ``user`` work on ``item``: it is open, they hold its role now (``holds``: live ``user_roles``; and the
    request's roles), they are no party of the case, and it is assigned to them or unassigned in their role's pool
    (a team-bound role: of their own unit). The one rule for :func:`task_access` and :func:`may_work_on_task`."""
    if item.state != "open" or not user.active or excluded or not holds or item.role not in user.role_codes:
        return False
    return item.assignee_id == user.id or (item.assignee_id is None and _in_team(user, item, unit))


@lru_cache(maxsize=None)
def _task_access_statement(oversight: str, for_step: bool = False, head: bool = False, reading: bool = False,
                           facts: str | None = None):
    """The work item, its case, may-see-the-case, is-excluded and has-a-workflow-state in one query (bound
    parameters ``wid``, ``uid``, and ``unit`` for a unit-bound oversight role).

    The case's workflow state is not read (issue 25): it is the row's largest value by far (~16 KB compressed on a
    long case, TOASTed on PostgreSQL, decompressed by ``CompressedText``) and no caller of the access decision uses
    it; ``state IS NULL`` is read instead (PostgreSQL answers it from the row's null bitmap, without the TOAST). The
    step reads the case again ``FOR UPDATE`` with its state (``engine.cases.service.complete_task``): that row fills
    the deferred attribute of the case already in the session, no extra statement.

    ``for_step`` (issue 25: the API's completion, one read instead of two): the same decision read as the step's
    own locked read of item and case, the case row locked ``FOR NO KEY UPDATE`` (PostgreSQL) as
    ``engine.cases.service._ITEM_CASE_HASH`` locks it, with the workflow state and whether the task has a draft;
    ``head``: and the case's audit head, locked as the step's first event would lock it (``_ITEM_CASE_HASH_HEAD``).

    ``reading`` (issue 25: the task's read and claim-and-open, which show the case file next): with the need to know
    of the reporter's identity (:func:`entitled_to_reporter_identity`: which identity roles the user holds in
    ``user_roles``, one column a role, and whether an approved reveal applies to them) and the case's confidential
    row (``engine.cases.confidential.read`` then finds it in the session, no statement of its own): three reads
    fewer, the same rows asked in the same transaction.

    ``facts`` (the dialect's name; a claim, ``claiming=True``): with the user's part in the case for the claim's
    separation of duties (``engine.cases.duties.facts_columns``, read unlocked as ``duties._facts`` reads it)."""
    uid = bindparam("uid")
    item = aliased(WorkItem)  # the involvement test below has its own work items, not correlated with this one
    over = {"none": false(), "all": _oversees(uid),
            "unit": and_(Case.unit == bindparam("unit"), _oversees(uid))}[oversight]
    sees = and_(Case.process_kind.is_(None), or_(_involved(uid), over), ~_excluded(uid))
    role = aliased(UserRole)  # the user holds the task's role now (live, like the involvement test)
    holds = exists().where(role.user_id == uid, role.role == item.role).correlate(item)
    from engine.processes.models import ProcessVersion

    # the version's hash too (issue 25): the callers ask for the case's process version next (the form, the field
    # classes, the claim's duties), and would read it in a statement of its own (engine.processes.hash_read)
    columns = [item, Case, sees.label("sees"), _excluded(uid).label("excluded"), holds.label("holds"),
               Case.state.is_not(None).label("has_state"), ProcessVersion.content_hash.label("version_hash")]
    if for_step:
        columns.append(exists().where(TaskDraft.work_item_id == item.id).label("has_draft"))
    statement = (select(*columns).join(Case, Case.id == item.case_id)
                 .outerjoin(ProcessVersion, ProcessVersion.id == Case.process_version_id)
                 .where(item.id == bindparam("wid")))
    if facts and not for_step:
        from engine.cases import duties

        statement = statement.add_columns(*duties.facts_columns(facts, Case.id, uid))
    if not for_step:  # the task's form shows its projection (cases.task_view); the step leaves it unread
        statement = statement.options(undefer(item.view))
    if reading and not for_step:
        from engine.cases.models import CaseConfidential
        from engine.cases.reveal_models import IdentityReveal

        held = aliased(UserRole)
        roles = [exists().where(held.user_id == uid, held.role == r).label(f"identity_{i}")
                 for i, r in enumerate(_IDENTITY_ORDER)]
        revealed = exists().where(IdentityReveal.case_id == Case.id, IdentityReveal.grantee_id == uid,
                                  IdentityReveal.state == "goedgekeurd",
                                  IdentityReveal.reporter_informed_at.is_not(None)).label("revealed")
        return (statement.add_columns(*roles, revealed, CaseConfidential)
                .outerjoin(CaseConfidential, CaseConfidential.case_id == Case.id).options(defer(Case.state)))
    if for_step and head:
        from engine.audit.models import AuditHead
        from engine.cases.service import CASE_CHAIN

        return (statement.add_columns(AuditHead.seq, AuditHead.hash).join(AuditHead, AuditHead.chain == CASE_CHAIN)
                .with_for_update(of=(Case, AuditHead), key_share=True))
    if for_step:
        return statement.with_for_update(of=Case, key_share=True)
    return statement.options(defer(Case.state))


_IDENTITY_ORDER = tuple(sorted(IDENTITY_ROLES))  # the identity-role columns of the ``reading`` access read


def task_access(*, session: Session, user: User, work_item_id: int, claiming: bool = False,
                need_case: bool = False, for_step: bool = False, reading: bool = False) -> TaskAccess:
    """The one decision on a task (issue 16): what ``user`` may do with it, for the API (``GET /taken/{id}``) and the
    web's task page alike: work on it (:attr:`TaskAccess.works`), read it, or nothing (:class:`NotFound`: not
    visible and not existing look the same). Item, case and permission come from one query.

    Read: who may see its case, in every state (an open task of a colleague too: its form and data read only, with
    the confidentiality classes applied, ``engine.cases.task_read``). Work: an open task assigned to them or open in
    their role's pool (:func:`_works`); the pool shows it to a holder of its role who is no party of the case, even
    without sight of the case. ``claiming``: a task of one's pool that a colleague has just taken stays
    visible, so the claim answers 409 (taken) rather than 404. ``need_case``: only who may see the case (e.g.
    to assign it: that needs sight of the case, not just the pool). ``for_step``: asked for the task's completion
    in this transaction, as the step's locked read (:attr:`TaskAccess.step_read`, ``cases.complete_task``).
    ``reading``: the caller shows the case file next (``engine.cases.task_read``): the need to know of the reporter's
    identity and the confidential row read with the decision (:attr:`TaskAccess.need_to_know`); with ``claiming``
    also the user's part in the case for the claim's separation of duties (:attr:`TaskAccess.facts`)."""
    oversight = "none" if not (user.role_codes & OVERSIGHT_ROLES) else "all" if user.unit is None else "unit"
    params = {"wid": work_item_id, "uid": user.id, **({"unit": user.unit} if oversight == "unit" else {})}
    if for_step:
        from engine.audit import service as audit

        with audit.reading_heads(session):
            row = session.execute(_task_access_statement(oversight, True, True), params).first()
    else:
        facts_dialect = session.get_bind().dialect.name if claiming else None
        row = session.execute(_task_access_statement(oversight, reading=reading, facts=facts_dialect), params).first()
    need_to_know = confidential_row = facts = None
    if row is not None and reading:
        n = len(_IDENTITY_ORDER)
        *row, revealed, confidential_row = row  # the confidential row: in the session's identity map
        held = frozenset(r for r, h in zip(_IDENTITY_ORDER, row[-n:]) if h)
        row = row[:-n]
        need_to_know = (held, bool(revealed))
    if row is not None and claiming and not for_step:
        from engine.cases import duties

        facts = duties.facts_of(*row[-4:])
        row = row[:-4]
    if row is None and for_step:  # a case without an audit head row
        row = session.execute(_task_access_statement(oversight, True, False), params).first()
    if row is None:
        raise NotFound("Taak niet gevonden.")
    item, case, sees, excluded, holds, has_state, version_hash, *draft = row
    if len(draft) == 3:  # the case's audit head, locked with the case
        audit.head_locked(session, audit.chain_for(case.id), draft[1], draft[2])
    has_state = bool(has_state)
    from engine.processes import service as processes

    processes.hash_read(session, case.process_version_id, version_hash)
    step_read = (version_hash, bool(draft[0])) if for_step else None
    works = _works(user, item, case.unit, excluded=bool(excluded), holds=bool(holds))
    if user.active and sees:
        return TaskAccess(item, case, True, bool(excluded), has_state, works, step_read, need_to_know,
                          confidential_row=confidential_row, facts=facts)
    if not need_case and item.assignee_id == user.id and holds and user.active and not excluded:
        # one's own task while one holds its role (for an integrity case its case is visible anyway; a risk
        # inventory is no case)
        return TaskAccess(item, case, False, False, has_state, works, step_read, need_to_know,
                          confidential_row=confidential_row, facts=facts)
    pool = (not need_case and item.state == "open" and (item.assignee_id is None or claiming)
            and holds and item.role in user.role_codes and user.active and _in_team(user, item, case.unit)
            and not excluded)
    if not pool:
        raise NotFound("Taak niet gevonden.")
    return TaskAccess(item, case, False, False, has_state, works, step_read, need_to_know,
                      confidential_row=confidential_row, facts=facts)


def claimed_task_access(seen: TaskAccess, *, user: User) -> TaskAccess:
    """:func:`task_access` of a task ``user`` has just claimed in this transaction (``seen``: what
    :func:`task_access` answered before the claim), without asking the database again: the task is now theirs,
    so they hold a task in its case (involvement) and see the case unless they are a party of it or it is no
    integrity case, exactly as the query would answer."""
    if seen.item.assignee_id != user.id or not user.active:
        raise ValueError("claimed_task_access: the task is not claimed by this user")
    return TaskAccess(seen.item, seen.case, seen.case.process_kind is None and not seen.excluded, seen.excluded,
                      seen.has_state, _works(user, seen.item, seen.case.unit, excluded=seen.excluded, holds=True),
                      need_to_know=seen.need_to_know,  # a claim changes neither roles nor reveals
                      confidential_row=seen.confidential_row)  # no facts: the claim changed the user's part


def visible_task(*, session: Session, user: User, work_item_id: int, claiming: bool = False,
                 need_case: bool = False) -> WorkItem:
    """The work item of :func:`task_access`."""
    return task_access(session=session, user=user, work_item_id=work_item_id, claiming=claiming,
                       need_case=need_case).item


# Roles whose pool is bound to the holder's own organisational unit: a manager (the risk inventory's lane
# Leidinggevende, issue 24) fills in and follows up the inventory of their own team only.
TEAM_BOUND_ROLES = frozenset({"leidinggevende"})


def own_team_pool(user: User):
    """A WHERE clause on :class:`WorkItem` for the pool of a team-bound role: instances of the user's unit."""
    return WorkItem.case_id.in_(select(Case.id).where(Case.unit == user.unit)) if user.unit else false()


def in_own_team(session: Session, user: User, item: WorkItem) -> bool:
    if item.role not in TEAM_BOUND_ROLES:
        return True
    return _in_team(user, item, session.scalar(select(Case.unit).where(Case.id == item.case_id)))


def _in_team(user: User, item: WorkItem, unit: str | None) -> bool:
    return in_team_of(user, item.role, unit)


def in_team_of(user: User, role: str, unit: str | None) -> bool:
    """May ``user`` take a pool task of ``role`` in a case of ``unit``: any holder, but for a team-bound role only
    one of that unit (the pool, the worklist and the pool's notifications all ask this)."""
    return role not in TEAM_BOUND_ROLES or (user.unit is not None and unit == user.unit)


def may_work_on_task(*, session: Session, user: User, item: WorkItem) -> bool:
    """May ``user`` work on the task (:func:`_works`, the rule of :func:`task_access`): it is open, assigned to them
    or unassigned in their role's pool, they hold its role *now* (:func:`holds_any_role`: a role taken away in
    another server process closes the task page at once), and they are no party of the case."""
    if item.state != "open" or is_excluded(session=session, user=user, case_id=item.case_id):
        return False
    holds = holds_any_role(session=session, user=user, roles={item.role})
    unit = session.scalar(select(Case.unit).where(Case.id == item.case_id)) if item.role in TEAM_BOUND_ROLES else None
    return _works(user, item, unit, excluded=False, holds=holds)


def task_to_work_on(*, session: Session, user: User, work_item_id: int) -> tuple[WorkItem, Case]:
    """The task addressed by id whose form ``user`` may open (:func:`task_access` decides ``"work"``), and its
    case: the web's task form and its send; else :class:`NotFound` (not allowed and not existing look the same)."""
    seen = task_access(session=session, user=user, work_item_id=work_item_id)
    if not seen.works:
        raise NotFound("Taak niet gevonden.")
    return seen.item, seen.case


def done_by(*, session: Session, user: User, work_item_id: int) -> bool:
    """``user`` completed the task (a second send of their own form is not an error to show them)."""
    item = session.get(WorkItem, work_item_id)
    return item is not None and item.state == "completed" and item.completed_by_id == user.id


def task_done_by(*, session: Session, user: User, work_item_id: int) -> tuple[WorkItem, Case]:
    """A task ``user`` completed and its case (the page after the step: the case's reference and its next tasks,
    whether or not the user may still see the case's content); else :class:`NotFound`."""
    item = session.get(WorkItem, work_item_id)
    case = session.get(Case, item.case_id) if item is not None and item.state == "completed" \
        and item.completed_by_id == user.id else None
    if case is None:
        raise NotFound("Taak niet gevonden.")
    return item, case


def case_of_task_done_by(*, session: Session, user: User, work_item_id: int) -> Case:
    """The case of a task ``user`` completed (:func:`task_done_by`)."""
    return task_done_by(session=session, user=user, work_item_id=work_item_id)[1]


def reporter_pseudonym(case_id: int) -> str:
    """The reporter of a case as shown to who may not see the identity: stable per case, e.g. 'Melder A-1234'
    (no information about the person). The same on every page and in every API answer."""
    n = int.from_bytes(hashlib.sha256(f"meldpunt-pseudoniem:{case_id}".encode()).digest()[:4], "big") % 10000
    return f"Melder A-{n:04d}"


def visible_parties(*, session: Session, user: User, case_id: int) -> list[tuple[str, int | None]]:
    """The case's parties as ``(party, user id)`` for a case ``user`` may see (callers checked that).

    Who may not see the reporter's identity gets no reporter row, and no other row of the person who is
    also the reporter: a line manager reporting their own employee is also the case's ``leidinggevende``,
    and that row would name them."""
    rows = [(p.party, p.user_id) for p in session.scalars(
        select(CaseParty).where(CaseParty.case_id == case_id).order_by(CaseParty.id))]
    if may_see_reporter_identity(session=session, user=user, case_id=case_id):
        return rows
    reporters = {uid for party, uid in rows if party == "melder" and uid is not None}
    return [(party, uid) for party, uid in rows if party != "melder" and uid not in reporters]


# --------------------------------------------------------------------------- notes and files (issue 23)
# Internal notes are for the case's authorised handlers: exactly who may see the case through staff paths (the
# case visibility rule above, which already excludes the reporter, the subject and the subject's line manager).
# They never reach the reporter's channel, a letter or an export: those read other tables.

def may_read_notes(*, session: Session, user: User, case_id: int) -> bool:
    return can_see_case(session=session, user=user, case_id=case_id)


def may_write_note(*, session: Session, user: User, case_id: int) -> bool:
    return can_see_case(session=session, user=user, case_id=case_id)


def may_add_file(*, session: Session, user: User, case_id: int) -> bool:
    """A handler adds minutes, a signed report or evidence to the case file: who may see the case."""
    return can_see_case(session=session, user=user, case_id=case_id)


def may_read_file(*, session: Session, user: User, case_id: int, source: str) -> bool:
    """A file of the case file: the handlers' files for who may see the case; the reporter's files (``melder``)
    only for who may see her identity (her file may name her)."""
    if source == "melder":
        return may_see_reporter_identity(session=session, user=user, case_id=case_id)
    return can_see_case(session=session, user=user, case_id=case_id)


# --------------------------------------------------------------------------- records lifecycle (issue 20)
# Legal holds and destruction lists are records management for the whole organisation: the integrity
# coordinator places holds (on a case they can see) and proposes a list; a second person, coordinator or
# the security and integrity bureau, approves it (four eyes: never the proposer).
RECORDS_ROLES = frozenset({"integriteitscoordinator"})
DESTRUCTION_APPROVER_ROLES = frozenset({"integriteitscoordinator", "bureau_vi"})


def may_manage_records(user: User) -> bool:
    return user.active and bool(user.role_codes & RECORDS_ROLES)


def may_read_records(user: User) -> bool:
    return user.active and bool(user.role_codes & (RECORDS_ROLES | DESTRUCTION_APPROVER_ROLES))


def may_approve_destruction(user: User, *, proposed_by: str | None) -> bool:
    """Four eyes: an approver role, and not the person who proposed the list."""
    return user.active and bool(user.role_codes & DESTRUCTION_APPROVER_ROLES) and user.username != proposed_by


# Rights of the people in a case (AVG art. 15, 16, 18: engine.records.subject_rights): the integrity coordinator,
# who coordinates the cases, watches deadlines and may see the reporter's identity (DOMAIN §2, §4).
SUBJECT_RIGHTS_ROLES = frozenset({"integriteitscoordinator"})


def may_handle_access_requests(user: User) -> bool:
    return user.active and bool(user.role_codes & SUBJECT_RIGHTS_ROLES)
