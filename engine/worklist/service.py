"""Worklists and task claiming. Queries read only the work-item table (indexed)."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlalchemy import Integer, and_, bindparam, case as sql_case, exists, false, func, or_, select, union_all, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.cases import duties, reasons
from engine.cases.models import Case, CaseParty
from engine.clock import now
from engine.db import in_values, is_read_only, write_before_answer
from engine.errors import (ConflictOfInterest, FieldError, InvalidData, NotAuthorized, NotFound, TaskNotReady,
                           TaskTaken)
from engine.identity import access
from engine.identity.access import visible_cases_condition
from engine.identity.models import User, UserRole
from engine.notifications import service as notifications
from engine.processes import service as processes
from engine.worklist import drafts
from engine.worklist.models import OPEN, WorkItem, WorklistVisit

COORDINATOR_ROLE = "integriteitscoordinator"

# Matches the partial indexes of migration 0008 so the database can stop after ``limit`` rows.
_ORDER = (WorkItem.due_at.asc().nulls_last(), WorkItem.priority.desc(), WorkItem.created_at, WorkItem.id)


# One alias for every worklist query (the SQL is the same; a fresh alias per call made SQLAlchemy rebuild and
# adapt its column collection on every request, which cost more than running the query)
_SUBJECT = aliased(User)


def _not_party(user: User):
    """Exclude the cases in which the user is melder, betrokkene or the betrokkene's manager
    (written as NOT IN over a small per-user set: cheap next to the worklist indexes)."""
    subject = _SUBJECT
    direct = select(CaseParty.case_id).where(CaseParty.user_id == user.id)
    as_manager = (select(CaseParty.case_id).join(subject, subject.id == CaseParty.user_id)
                  .where(CaseParty.party == "betrokkene", subject.manager_id == user.id))
    return WorkItem.case_id.not_in(direct.union(as_manager))


def position(item: WorkItem) -> str:
    """A keyset cursor: the item's place in worklist order, for ``after=`` of the next page."""
    due = item.due_at.isoformat() if item.due_at else None
    raw = json.dumps([due, item.priority, item.created_at.isoformat(), item.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_position(cursor: str) -> tuple[datetime | None, int, datetime, int]:
    """A keyset cursor (:func:`position`) read back: (due date or None, priority, created, id); a Dutch error on the
    field ``na`` for anything else."""
    try:
        due, priority, created, item_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        due = datetime.fromisoformat(due) if due is not None else None
        return due, int(priority), datetime.fromisoformat(created), int(item_id)
    except (ValueError, TypeError):
        raise InvalidData([FieldError("na", "is geen geldige vervolgpositie")]) from None


def _after(cursor: str):
    """Work items strictly after the cursor in worklist order (due date first, no due date last; then
    priority high to low, oldest first, id): stable pages when tasks arrive or leave between requests."""
    due, priority, created, item_id = _decode_position(cursor)
    rest = or_(WorkItem.priority < priority,
               and_(WorkItem.priority == priority,
                    or_(WorkItem.created_at > created, and_(WorkItem.created_at == created, WorkItem.id > item_id))))
    if due is None:
        return and_(WorkItem.due_at.is_(None), rest)
    return or_(WorkItem.due_at > due, WorkItem.due_at.is_(None), and_(WorkItem.due_at == due, rest))


def _first(query, n: int):
    """One branch of a worklist: its first ``n`` rows in worklist order (an index range scan
    that stops after ``n`` rows), wrapped so branches can be combined with UNION ALL."""
    return select(query.order_by(*_ORDER).limit(n).subquery())


def _merged(session: Session, branches: list, *, limit: int, offset: int, after: str | None = None) -> list[WorkItem]:
    """The union of several worklist branches in worklist order.

    A role IN (...) list or an OR of "mine" and "unassigned in my roles" cannot be read
    from one index in sort order, so the database would fetch and sort every match
    (tens of thousands of rows at a million cases). Each branch instead reads its own
    index range in order and stops after ``offset + limit`` rows; only those are sorted."""
    if after:
        branches, offset = [b.where(_after(after)) for b in branches], 0
    n = limit + offset
    if len(branches) == 1:
        q = branches[0].order_by(*_ORDER).limit(limit).offset(offset)
        return list(session.execute(q).scalars())
    sub = union_all(*[_first(b, n) for b in branches]).subquery()
    row = aliased(WorkItem, sub)
    q = (select(row).order_by(sub.c.due_at.asc().nulls_last(), sub.c.priority.desc(), sub.c.created_at, sub.c.id)
         .limit(limit).offset(offset))
    return list(session.execute(q).scalars())


def my_tasks(*, session: Session, user: User, limit: int = 200, offset: int = 0,
             after: str | None = None) -> list[WorkItem]:
    if not after:  # the usual first page: one statement built once, the user and the page as parameters
        return list(session.execute(_my_tasks_statement(), {"uid": user.id, "lim": limit, "off": offset}).scalars())
    q = select(WorkItem).where(WorkItem.state == OPEN, WorkItem.assignee_id == user.id, _not_party(user))
    return _merged(session, [q], limit=limit, offset=offset, after=after)


_LIM, _OFF, _N = (bindparam(name, type_=Integer) for name in ("lim", "off", "n"))


def _not_party_param():
    """:func:`_not_party` with the user as the bound parameter ``uid``."""
    uid = bindparam("uid")
    direct = select(CaseParty.case_id).where(CaseParty.user_id == uid)
    as_manager = (select(CaseParty.case_id).join(_SUBJECT, _SUBJECT.id == CaseParty.user_id)
                  .where(CaseParty.party == "betrokkene", _SUBJECT.manager_id == uid))
    return WorkItem.case_id.not_in(direct.union(as_manager))


@lru_cache(maxsize=1)
def _my_tasks_statement():
    """:func:`my_tasks` without a keyset position, as :func:`_merged` builds it for one branch."""
    q = select(WorkItem).where(WorkItem.state == OPEN, WorkItem.assignee_id == bindparam("uid"), _not_party_param())
    return q.order_by(*_ORDER).limit(_LIM).offset(_OFF)


def _holds(uid, role=None):
    """The user (``uid``: an id or a bound parameter) holds the pool's role *now* (``role``; default the work
    item's own role): read from ``user_roles`` in the same statement, never only from the roles a request loaded,
    which ``engine.identity.session_cache`` may keep a few seconds in another server process after the role was
    taken away. As opening a task (``access.task_access``), the pool of a role taken away is empty at once."""
    held = aliased(UserRole)
    return exists().where(held.user_id == uid, held.role == (WorkItem.role if role is None else role))


_DONE = aliased(WorkItem)


def _involved(uid, case_id):
    """Has the user (``uid``) a part in the case (``case_id``: a column) that the separation of duties weighs: work
    completed in it, or a slot held. Cheap (indexed EXISTS); only such a task is checked in detail
    (:func:`pool_page`)."""
    from engine.cases.models import CaseActor

    return or_(exists().where(_DONE.case_id == case_id, _DONE.completed_by_id == uid, _DONE.state == "completed"),
               exists().where(CaseActor.case_id == case_id, CaseActor.user_id == uid)).label("involved")


def _pool_branches(roles: tuple[str, ...], team_unit: bool, uid) -> list:
    """One SELECT of work items per role: the open tasks nobody holds in that role, without the cases the user
    (``uid``: a bound parameter) is a party to, while the user holds the role; a team-bound role's only in the
    user's unit (bound parameter ``unit``), as :func:`_pool` and ``access.own_team_pool``."""
    branches = []
    for role in roles:
        q = select(WorkItem).where(WorkItem.state == OPEN, WorkItem.assignee_id.is_(None), WorkItem.role == role,
                                   _not_party_param(), _holds(uid, role))
        if role in access.TEAM_BOUND_ROLES:  # as access.own_team_pool
            q = q.where(WorkItem.case_id.in_(select(Case.id).where(Case.unit == bindparam("unit")))
                        if team_unit else false())
        branches.append(q)
    return branches


# the keyset position of a pool batch as bound parameters (see :func:`_after`): a cached statement per shape
_A_DUE = bindparam("a_due", type_=WorkItem.__table__.c.due_at.type)
_A_CREATED = bindparam("a_created", type_=WorkItem.__table__.c.created_at.type)
_A_PRIORITY, _A_ID = bindparam("a_priority", type_=Integer), bindparam("a_id", type_=Integer)


def _after_param(due_is_null: bool):
    """:func:`_after` with the position as the parameters ``a_due``, ``a_priority``, ``a_created``, ``a_id``."""
    rest = or_(WorkItem.priority < _A_PRIORITY,
               and_(WorkItem.priority == _A_PRIORITY,
                    or_(WorkItem.created_at > _A_CREATED,
                        and_(WorkItem.created_at == _A_CREATED, WorkItem.id > _A_ID))))
    if due_is_null:
        return and_(WorkItem.due_at.is_(None), rest)
    return or_(WorkItem.due_at > _A_DUE, WorkItem.due_at.is_(None), and_(WorkItem.due_at == _A_DUE, rest))


def _position_params(cursor: str) -> tuple[bool, dict]:
    """A keyset cursor (:func:`position`) as the parameters of :func:`_after_param`: (due date is NULL, params)."""
    due, priority, created, item_id = _decode_position(cursor)
    return due is None, {"a_due": due, "a_priority": priority, "a_created": created, "a_id": item_id}


@lru_cache(maxsize=512)
def _pools_statement(roles: tuple[str, ...], team_unit: bool, after: bool | None = None, excluding: bool = False):
    """The pool of :func:`pool_page` in worklist order, as :func:`_merged` builds it (one branch per role, each its
    first ``n`` rows), with the user (``uid``), ``n``, the page (``lim``, ``off``) and, for a team-bound role, the
    user's unit (``unit``) as parameters; each row with whether the user has a part in its case
    (:func:`_involved`). ``after``: None for the first page, else whether the keyset position's due date is NULL
    (:func:`_after_param`, its parameters); ``excluding``: without the work items of the expanding parameter
    ``refused``. Built once per shape."""
    uid = bindparam("uid")
    branches = _pool_branches(roles, team_unit, uid)
    if after is not None:
        branches = [b.where(_after_param(after)) for b in branches]
    if excluding:
        branches = [b.where(WorkItem.id.not_in(bindparam("refused", expanding=True))) for b in branches]
    if len(branches) == 1:
        return (branches[0].add_columns(_involved(uid, WorkItem.case_id))
                .order_by(*_ORDER).limit(_LIM).offset(_OFF))
    sub = union_all(*[select(b.order_by(*_ORDER).limit(_N).subquery()) for b in branches]).subquery()
    row = aliased(WorkItem, sub)
    return (select(row, _involved(uid, sub.c.case_id))
            .order_by(sub.c.due_at.asc().nulls_last(), sub.c.priority.desc(), sub.c.created_at, sub.c.id)
            .limit(_LIM).offset(_OFF))


@lru_cache(maxsize=256)
def _involved_pool_statement(roles: tuple[str, ...], team_unit: bool, late: bool = False):
    """The tasks of the user's pool (as :func:`_pools_statement`) in the cases the user has a part in that the
    separation of duties weighs (work completed in it, a slot held: :func:`_involved`) - only these can be refused
    to them. Read from the pool's side, one indexed look-up per open task: the pool is bounded by the open work,
    the user's history is not (an integrity coordinator triages every report, so their completed work spans nearly
    every case ever made; read from that side, the overdue list of a coordinator read ~12,000 items at 100,000
    cases and ten times as many at 1,000,000). Parameters as :func:`_pools_statement`'s; built once per set of
    roles. ``late``: only the tasks past their due date (the bound parameter ``late``: now), as the overdue list
    needs them."""
    uid = bindparam("uid")
    branches = [b.where(_involved(uid, WorkItem.case_id)) for b in _pool_branches(roles, team_unit, uid)]
    if late:
        late_at = bindparam("late", type_=WorkItem.__table__.c.due_at.type)
        branches = [b.where(WorkItem.due_at.is_not(None), WorkItem.due_at < late_at) for b in branches]
    if len(branches) == 1:
        return branches[0]
    sub = union_all(*branches).subquery()
    return select(aliased(WorkItem, sub))


def _pool(user: User, role: str):
    q = select(WorkItem).where(WorkItem.state == OPEN, WorkItem.assignee_id.is_(None), WorkItem.role == role,
                               _not_party(user), _holds(user.id, role))
    if role in access.TEAM_BOUND_ROLES:  # a manager's pool: the own team's instances only
        q = q.where(access.own_team_pool(user))
    return q


def claim_refusals(*, session: Session, user: User, items: list[WorkItem]) -> dict[int, str]:
    """Work item id -> why (Dutch) the separation of duties keeps ``user`` from taking it, for those of ``items``
    it does: the one rule of the claim, the assignment, the draw and the step (``duties.separation_refusal``), over
    the user's part in the items' cases (one query, none without items)."""
    if not items:
        return {}
    earlier = duties.earlier_in_cases(session, user_id=user.id, case_ids={item.case_id for item in items})
    out = {}
    for item in items:
        version, pieces = earlier.get(item.case_id, (None, []))
        if version is None or not pieces:
            continue
        parsed = processes.parsed_version(session=session, version_id=version)
        refusal = duties.separation_refusal(parsed, target=duties.Target.of(item), earlier=pieces)
        if refusal is not None:
            out[item.id] = refusal.text(action="oppakken") + "."
    return out


class Page(NamedTuple):
    """One page of a worklist: its tasks in worklist order and the keyset position of the next page (``after=``),
    None when no task follows."""
    items: list[WorkItem]
    next_after: str | None


def _pool_params(user: User, roles: tuple[str, ...]) -> tuple[bool, dict]:
    team_unit = bool(user.unit) and any(r in access.TEAM_BOUND_ROLES for r in roles)  # as access.own_team_pool
    return team_unit, {"uid": user.id, **({"unit": user.unit} if team_unit else {})}


def refused_in_pool(*, session: Session, user: User, late: datetime | None = None) -> set[int]:
    """The ids of the tasks in the user's pools that the separation of duties keeps from them (:func:`claim_refusals`).
    Only a task in a case the user has a part in (work completed, a slot held) can be refused, so only those are read
    (:func:`_involved_pool_statement`, from the pool's side: one indexed look-up per open task of the pool, bounded
    by the open work, never by the user's history or the number of cases) and checked: one query, a second only
    when there are such tasks. ``late`` (a moment): only those due before it (the overdue list's, far fewer)."""
    return {item.id for item in _refused_pool_items(session=session, user=user, late=late)}


def _refused_pool_items(*, session: Session, user: User, late: datetime | None = None) -> list[WorkItem]:
    """The tasks of :func:`refused_in_pool` (with their due dates: the "te laat" tab leaves out the late ones)."""
    roles = tuple(sorted(user.role_codes))
    if not roles:
        return []
    team_unit, params = _pool_params(user, roles)
    if late is not None:
        params["late"] = late
    statement = _involved_pool_statement(roles, team_unit, late is not None)
    involved = list(session.execute(statement, params).scalars())
    refused = claim_refusals(session=session, user=user, items=involved) if involved else {}
    return [item for item in involved if item.id in refused]


def pool_page(*, session: Session, user: User, limit: int = 200, offset: int = 0,
              after: str | None = None) -> Page:
    """One page of the user's pools ("Open in mijn rollen"): the open tasks nobody holds in the user's roles that the
    user may take, in worklist order - without the cases they are a party to and without a task the separation of
    duties keeps from them (:func:`claim_refusals`; such a task waits for a colleague or the coordinator's
    assignment). ``offset`` counts tasks the user may take; ``after`` (a :func:`position`) replaces it.

    The page and whether a next one exists come from the ordered query itself, never from the length of a
    filtered list: a page holds ``limit`` tasks whenever that many more exist, its ``next_after`` is None only
    when none follows, so walking the pages reaches every task (a task nobody finds misses its legal term).

    Statements: one, reading ``limit + 1`` rows (each with whether the user has a part in its case). Only when that
    read holds a task the user has a part in, one more reads their part in those cases; only when that refuses
    one of them, the pool's refused tasks are read as a whole (:func:`refused_in_pool`: one or two statements) and
    the page is read again without them: at most five, whatever the number of cases or of refused tasks."""
    roles = tuple(sorted(user.role_codes))
    if not roles:
        return Page([], None)
    team_unit, params = _pool_params(user, roles)
    shape: bool | None = None
    if after:
        shape, position_params = _position_params(after)
        params.update(position_params)
        offset = 0
    want = offset + limit
    params.update({"lim": want + 1, "off": 0, "n": want + 1})
    rows = session.execute(_pools_statement(roles, team_unit, shape), params).all()
    involved = [item for item, flag in rows if flag]
    if involved and claim_refusals(session=session, user=user, items=involved):
        refused = refused_in_pool(session=session, user=user)
        rows = session.execute(_pools_statement(roles, team_unit, shape, True),
                               {**params, "refused": sorted(refused)}).all()
    items = [item for item, _ in rows]
    more = len(items) > want
    items = items[offset:want]
    return Page(items, position(items[-1]) if more and items else None)


def unassigned_in_my_roles(*, session: Session, user: User, limit: int = 200, offset: int = 0,
                           after: str | None = None) -> list[WorkItem]:
    """The tasks of :func:`pool_page` (its ``items``)."""
    return pool_page(session=session, user=user, limit=limit, offset=offset, after=after).items


def mine_in_case(*, session: Session, user: User, case_id: int) -> list[WorkItem]:
    """The open tasks of one case on the user's own worklists, in worklist order: assigned to them (as
    :func:`my_tasks`) or unassigned in a role they hold (as :func:`unassigned_in_my_roles`), with the same
    exclusions. What a completion answers as the handler's next tasks in the case (one query, built once per
    set of roles: building it cost more than running it)."""
    roles = tuple(sorted(user.role_codes))
    team_unit = user.unit is not None and any(r in access.TEAM_BOUND_ROLES for r in roles)
    params = {"uid": user.id, "cid": case_id, **({"unit": user.unit} if team_unit else {})}
    items = list(session.execute(_mine_in_case_statement(roles, team_unit), params).scalars())
    pool = [item for item in items if item.assignee_id is None]
    refused = claim_refusals(session=session, user=user, items=pool) if pool else {}
    return [item for item in items if item.id not in refused]  # as the pools: never one the user may not take


@lru_cache(maxsize=256)
def _mine_in_case_statement(roles: tuple[str, ...], team_unit: bool):
    """:func:`mine_in_case`'s query with the user (``uid``), the case (``cid``) and the user's unit (``unit``,
    for a team-bound role) as parameters: the rows :func:`my_tasks` and :func:`_pool` show, for one case.

    Written for that one case (issue 25, PostgreSQL CPU): the party exclusion is a property of the case, so it is
    two ``NOT EXISTS`` over the case's parties instead of ``case_id NOT IN`` the user's party cases per branch,
    and the branches are one ``OR`` over the case's open items. The former shape (a ``UNION ALL`` of one
    branch per role, each with the ``NOT IN`` union) cost PostgreSQL ~0.8 ms to plan, and PostgreSQL kept
    planning it on every call (custom plans); this one plans in a fraction of that. Same rows, same order
    (tests/engine/test_worklist.py compares it with the worklists)."""
    cid = bindparam("cid")
    return (select(WorkItem)
            .where(WorkItem.case_id == cid, WorkItem.state == OPEN, _mine_in_case_condition(roles, team_unit))
            .order_by(*_ORDER))


def open_in_case(*, session: Session, user: User, case_id: int) -> tuple[list[WorkItem], list[WorkItem]]:
    """The open tasks of one case (as :func:`for_case`, by id) and those of them on the user's own worklists (as
    :func:`mine_in_case`, in worklist order), from one query: the case's open items in worklist order, each with
    whether :func:`mine_in_case` selects it. What a completion answers (issue 25: one statement instead of two)."""
    roles = tuple(sorted(user.role_codes))
    team_unit = user.unit is not None and any(r in access.TEAM_BOUND_ROLES for r in roles)
    params = {"uid": user.id, "cid": case_id, **({"unit": user.unit} if team_unit else {})}
    rows = session.execute(_open_in_case_statement(roles, team_unit), params).all()
    items = [item for item, mine in rows if mine]
    pool = [item for item in items if item.assignee_id is None]
    refused = claim_refusals(session=session, user=user, items=pool) if pool else {}
    return (sorted((item for item, _ in rows), key=lambda item: item.id),
            [item for item in items if item.id not in refused])


@lru_cache(maxsize=256)
def _open_in_case_statement(roles: tuple[str, ...], team_unit: bool):
    """:func:`open_in_case`'s query: every open item of the case (``cid``), in worklist order, with a boolean
    ``mine``: :func:`mine_in_case`'s condition as a column."""
    mine = _mine_in_case_condition(roles, team_unit)
    return (select(WorkItem, sql_case((mine, True), else_=False).label("mine"))
            .where(WorkItem.case_id == bindparam("cid"), WorkItem.state == OPEN)
            .order_by(*_ORDER))


def _mine_in_case_condition(roles: tuple[str, ...], team_unit: bool):
    """The condition of :func:`mine_in_case` over one open item of the case ``cid`` (bound parameters ``uid``,
    ``cid`` and, for a team-bound role, ``unit``)."""
    uid, cid = bindparam("uid"), bindparam("cid")
    subject = aliased(User)
    party = select(CaseParty.id).where(CaseParty.case_id == cid, CaseParty.user_id == uid).exists()
    as_manager = (select(CaseParty.id).join(subject, subject.id == CaseParty.user_id)
                  .where(CaseParty.case_id == cid, CaseParty.party == "betrokkene", subject.manager_id == uid)
                  .exists())
    mine = [WorkItem.assignee_id == uid]
    pool_roles = [r for r in roles if r not in access.TEAM_BOUND_ROLES]
    if pool_roles:
        mine.append(and_(WorkItem.assignee_id.is_(None), in_values(WorkItem.role, pool_roles), _holds(uid)))
    team_roles = [r for r in roles if r in access.TEAM_BOUND_ROLES]
    if team_roles and team_unit:  # as access.own_team_pool: the own unit's instances only
        in_team = select(Case.id).where(Case.id == cid, Case.unit == bindparam("unit")).exists()
        mine.append(and_(WorkItem.assignee_id.is_(None), in_values(WorkItem.role, team_roles), in_team, _holds(uid)))
    return and_(or_(*mine), ~party, ~as_manager)


def deadline_monitor_roles(session: Session) -> frozenset[str]:
    """The roles that watch every deadline, as the process owner declared them (manifest
    ``legal_rules.deadline_monitor_roles`` of the current process version)."""
    try:
        rules = processes.active_parsed(session=session).manifest.legal_rules
    except NotFound:
        return frozenset()
    return frozenset(rules.deadline_monitor_roles) if rules else frozenset()


def overdue(*, session: Session, user: User | None = None, limit: int = 200, offset: int = 0,
            after: str | None = None) -> list[WorkItem]:
    """Open tasks past their due date. Without a user: all of them. For a user, the people responsible:

    * a deadline monitor (a role of ``deadline_monitor_roles``): every overdue task of every case they may
      see (access.visible_cases_condition: oversight or involvement, never a case they are a party to);
    * anyone: the overdue tasks assigned to them, and the unassigned ones in their roles that they may take: as
      the pool (:func:`pool_page`), without a task the separation of duties keeps from them (:func:`refused_in_pool`:
      one or two statements more); it waits for a colleague, the coordinator's assignment or the monitors. A task a
      colleague claimed is that colleague's (and the monitors'): the others cannot act on it without it being handed
      back.
    """
    moment = now()
    late = (WorkItem.due_at.is_not(None), WorkItem.due_at < moment)
    if user is None:
        q = select(WorkItem).where(WorkItem.state == OPEN, *late)
        return _merged(session, [q], limit=limit, offset=offset, after=after)
    if user.role_codes & deadline_monitor_roles(session):
        visible = select(Case.id).where(visible_cases_condition(user))
        q = select(WorkItem).where(WorkItem.state == OPEN, *late, WorkItem.case_id.in_(visible))
        return _merged(session, [q], limit=limit, offset=offset, after=after)
    mine = select(WorkItem).where(WorkItem.state == OPEN, WorkItem.assignee_id == user.id, _not_party(user), *late)
    pools = [_pool(user, role).where(*late) for role in sorted(user.role_codes)]
    refused = refused_in_pool(session=session, user=user, late=moment) if pools else set()
    if refused:
        pools = [q.where(WorkItem.id.not_in(sorted(refused))) for q in pools]
    return _merged(session, [mine, *pools], limit=limit, offset=offset, after=after)


# built once (issue 25): every completion answers with the case's open tasks
_FOR_CASE = select(WorkItem).where(WorkItem.case_id == bindparam("case_id")).order_by(WorkItem.id)
_OPEN_FOR_CASE = (select(WorkItem).where(WorkItem.case_id == bindparam("case_id"), WorkItem.state == OPEN)
                  .order_by(WorkItem.id))


def items_of_case(*, session: Session, case_id: int, include_closed: bool = False) -> list[WorkItem]:
    """The case's open work items (``include_closed``: all of them), for the engine itself (the demo, the step, the
    tests' drivers). Not for a surface: api/ and web/ ask :func:`for_case` or :func:`after_step`, which decide who
    may see them (``tests/api/test_access_in_engine.py`` refuses this name there)."""
    q = _FOR_CASE if include_closed else _OPEN_FOR_CASE
    return list(session.execute(q, {"case_id": case_id}).scalars())


def for_case(*, session: Session, user: User, case_id: int, include_closed: bool = False) -> list[WorkItem]:
    """The case's open work items (``include_closed``: all of them), for who may see the case; :class:`NotFound`
    otherwise (``access.can_see_case``: not visible and not existing look the same)."""
    if not access.can_see_case(session=session, user=user, case_id=case_id):
        raise NotFound("Zaak niet gevonden.")
    return items_of_case(session=session, case_id=case_id, include_closed=include_closed)


def after_step(*, session: Session, user: User, work_item_id: int) -> tuple[WorkItem, Case, list[WorkItem]]:
    """The page after a step: the task ``user`` completed, its case and the case's open work items, whether or not
    the user may still see the case's content (``access.task_done_by``; the rows show a task's case only to who may
    see it); :class:`NotFound` for a task they did not complete."""
    item, case = access.task_done_by(session=session, user=user, work_item_id=work_item_id)
    return item, case, items_of_case(session=session, case_id=case.id)


def get_item(*, session: Session, work_item_id: int) -> WorkItem:
    item = session.get(WorkItem, work_item_id)
    if item is None:
        raise NotFound("Taak niet gevonden.")
    return item


def _parsed(session: Session, item: WorkItem):
    case = session.get(Case, item.case_id)
    return processes.parsed_version(session=session, version_id=case.process_version_id)


def _manifest(session: Session, item: WorkItem):
    return _parsed(session, item).manifest


def _open(item: WorkItem) -> None:
    if item.state != "open":
        raise TaskNotReady("Deze taak is al afgerond of vervallen.")


# built once (issue 25): every pick-up of a pool task sends it
_CLAIM = (update(WorkItem)
          .where(WorkItem.id == bindparam("wid"), WorkItem.state == OPEN,
                 or_(WorkItem.assignee_id.is_(None), WorkItem.assignee_id == bindparam("uid")))
          .values(assignee_id=bindparam("uid"))
          .execution_options(synchronize_session=False))


def claim(*, session: Session, work_item_id: int, user: User, seen=None) -> WorkItem:
    """Take an open task. Exclusive: a conditional update, so of N concurrent claims exactly one wins
    (the others wait for its row lock, see the task taken and get :class:`TaskTaken`). ``seen``: ``user``'s
    ``access.task_access(claiming=True)`` of this task in this transaction: its part in the case read with it
    (issue 25: the separation of duties decided on it, no read of its own)."""
    item = get_item(session=session, work_item_id=work_item_id)
    parsed = _parsed(session, item)
    facts = seen.facts if seen is not None and seen.item.id == item.id and seen.case.id == item.case_id else None
    duties.ensure_can_act(session, case_id=item.case_id, user=user, role=item.role, slot=item.slot,
                          manifest=parsed.manifest, assigned=item.assignee_id == user.id, task=item, parsed=parsed,
                          action="oppakken", facts=facts)
    _open(item)
    if item.assignee_id not in (None, user.id):
        raise TaskTaken("Deze taak is al door een andere medewerker opgepakt.")
    if not access.in_own_team(session, user, item):
        raise NotAuthorized("Deze taak hoort bij een ander team.")
    won = session.execute(_CLAIM, {"wid": item.id, "uid": user.id}).rowcount
    if won != 1:
        raise TaskTaken("Deze taak is net door een andere medewerker opgepakt of afgerond.")
    set_committed_value(item, "assignee_id", user.id)
    audit.append(session=session, actor=user.username, action="task.claimed", case_id=item.case_id,
                 task_id=item.task_id, details={"element": item.element_id})
    return item


def may_assign_tasks(user: User) -> bool:
    """The coordinator directs the work: assigns tasks (:func:`assign`) and takes a colleague's task back to the pool
    (:func:`unclaim`); the worklist and the case page offer those actions exactly to them."""
    return bool(user.active) and COORDINATOR_ROLE in user.role_codes


def unclaim(*, session: Session, work_item_id: int, user: User) -> WorkItem:
    item = get_item(session=session, work_item_id=work_item_id)
    _open(item)
    if item.assignee_id != user.id and not may_assign_tasks(user):
        raise NotAuthorized("U kunt alleen uw eigen taak teruggeven.")
    previous = item.assignee_id
    item.assignee_id = None
    drafts.discard(session, work_item_id=item.id)  # handed back: the next one starts from the case data
    audit.append(session=session, actor=user.username, action="task.unclaimed", case_id=item.case_id,
                 task_id=item.task_id, details={"element": item.element_id, "was_toegewezen_aan": previous})
    return item


def release_claims(*, session: Session, user: User, actor: str, reason: str,
                   roles: set[str] | None = None, case_ids: set[int] | None = None,
                   except_item_id: int | None = None) -> list:
    """Hand the user's claimed open tasks back to the pool of their role (drafts discarded), each audited with
    ``reason``: a role taken away (only ``roles``), an account blocked (all of them), the user become a party of a
    case (only ``case_ids``; ``except_item_id``: the task being completed in that step). Contact tasks outside the
    BPMN process (``engine.contact``: a transcript left unsigned, a reporter's signal of retaliation) go back too.
    Returns the work items, then the contact tasks."""
    from engine.contact import service as contact

    q = select(WorkItem).where(WorkItem.assignee_id == user.id, WorkItem.state == OPEN)
    if roles is not None:
        q = q.where(WorkItem.role.in_(sorted(roles)))
    if case_ids is not None:
        q = q.where(WorkItem.case_id.in_(sorted(case_ids)))
    if except_item_id is not None:
        q = q.where(WorkItem.id != except_item_id)
    released = list(session.scalars(q.order_by(WorkItem.id)))
    for item in released:
        item.assignee_id = None
        drafts.discard(session, work_item_id=item.id)
        audit.append(session=session, actor=actor, action="task.unclaimed", case_id=item.case_id,
                     task_id=item.task_id, details={"element": item.element_id, "was_toegewezen_aan": user.id,
                                                    "reden": reason})
    session.flush()
    return [*released, *contact.release_claims(session=session, user=user, actor=actor, reason=reason, roles=roles,
                                               case_ids=case_ids)]


def assign(*, session: Session, work_item_id: int, by: User, assignee: User, reason: str) -> WorkItem:
    """A coordinator assigns (or overrides an automatic draw) with a recorded reason."""
    if not may_assign_tasks(by):
        raise NotAuthorized("Alleen de integriteitscoördinator kan taken toewijzen.")
    if not reason or not reason.strip():
        raise InvalidData([FieldError("reden", "is verplicht bij het toewijzen van een taak")])
    item = get_item(session=session, work_item_id=work_item_id)
    _open(item)
    parsed = _parsed(session, item)
    manifest = parsed.manifest
    duties.ensure_can_act(session, case_id=item.case_id, user=by, role=COORDINATOR_ROLE,
                          slot=COORDINATOR_ROLE, manifest=manifest)
    reasons.check_reason(session, case_id=item.case_id, text=reason)  # the reason stands in the case's audit chain
    from engine.staff import service as staff  # absence with a delegate (issue 22)

    absence = staff.active_absence(session, assignee.id)
    away = None
    if absence is not None:  # the person is away: the task goes to their delegate, or is refused with the reason
        delegate, why = staff.delegate_decision(session, absence=absence, case_id=item.case_id, role=item.role,
                                                slot=item.slot, manifest=manifest, task=item, parsed=parsed)
        if delegate is None:
            raise ConflictOfInterest(f"{why} Kies een andere medewerker.")
        away, assignee = assignee.username, delegate
    duties.ensure_can_act(session, case_id=item.case_id, user=assignee, role=item.role, slot=item.slot,
                          manifest=manifest, task=item, parsed=parsed, who="de gekozen medewerker",
                          action="krijgen")
    previous = item.assignee_id
    item.assignee_id = assignee.id
    drafts.discard(session, work_item_id=item.id, keep_user_id=assignee.id)
    notifications.task_assigned(session, item, assignee_id=assignee.id, by_id=by.id)
    audit.append(session=session, actor=by.username, action="task.assigned", case_id=item.case_id,
                 task_id=item.task_id, details={"element": item.element_id, "aan": assignee.username,
                                                "was_toegewezen_aan": previous, "reden": reason.strip(),
                                                **({"vervangt": away} if away else {})})
    return item


def assign_candidates(*, session: Session, role: str) -> list[User]:
    """Active users holding ``role``, by display name: whom a coordinator may pick when assigning a task of it
    (``assign`` still checks separation of duties for the one chosen)."""
    from engine.identity.models import UserRole

    return list(session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                .where(UserRole.role == role, User.active.is_(True)).order_by(User.display_name)))


def assign_candidates_by_role(*, session: Session, roles) -> dict[str, list[User]]:
    """:func:`assign_candidates` for several roles in one query (a worklist page's rows): role -> users."""
    from engine.identity.models import UserRole

    found: dict[str, list[User]] = {role: [] for role in sorted(set(roles))}
    if found:
        for role, user in session.execute(select(UserRole.role, User).join(UserRole, UserRole.user_id == User.id)
                                          .where(UserRole.role.in_(list(found)), User.active.is_(True))
                                          .order_by(User.display_name)):
            found[role].append(user)
    return found


# --------------------------------------------------------------------------- arrival (issue 17)

def counts(*, session: Session, user: User) -> dict[str, int]:
    """How many tasks each worklist tab holds (``my_tasks``, ``unassigned_in_my_roles``, ``overdue``): the
    same conditions, counted by the database, never capped by a page size. One statement: each branch is a scalar
    subquery of one SELECT (a role's pool reads its own partial index), summed here.

    "Open in mijn rollen" counts what its pages show (:func:`pool_page`): without the tasks the separation of duties
    keeps from the user, found without a query per task. Only a task in a case the user has a part in (work
    completed, a slot held) can be refused; the same statement counts those (read from the user's side,
    :func:`_involved_pool_statement`), and only when there are any they are read and checked
    (:func:`refused_in_pool`: one or two statements more) and the refused ones taken off. So a user with no such
    task - most, most of the time - pays one statement, anyone at most three, whatever the number of cases; and the
    count equals the number of tasks the pages show (the same rule over the same rows). "Te laat" of a user who
    watches no deadlines lists the late tasks of that pool the user may take (:func:`overdue`): the refused ones
    that are late are taken off it too, from the same read."""
    counters: list = []

    def count(branches: list) -> list[int]:
        start = len(counters)
        counters.extend(select(func.count()).select_from(b.subquery()).scalar_subquery() for b in branches)
        return list(range(start, len(counters)))

    mine = select(WorkItem.id).where(WorkItem.state == OPEN, WorkItem.assignee_id == user.id, _not_party(user))
    roles = tuple(sorted(user.role_codes))
    pools = [select(WorkItem.id).where(WorkItem.state == OPEN, WorkItem.assignee_id.is_(None),
                                       WorkItem.role == role, _not_party(user), _holds(user.id, role))
             for role in roles]
    moment = now()
    late = (WorkItem.due_at.is_not(None), WorkItem.due_at < moment)
    monitor = bool(user.role_codes & deadline_monitor_roles(session))
    if monitor:
        visible = select(Case.id).where(visible_cases_condition(user))
        overdue_branches = [select(WorkItem.id).where(WorkItem.state == OPEN, *late, WorkItem.case_id.in_(visible))]
    else:
        overdue_branches = [b.where(*late) for b in [mine, *pools]]
    slots = {"mijn": count([mine]), "open": count(pools), "te-laat": count(overdue_branches)}
    team_unit, params = _pool_params(user, roles)
    if roles:  # the pool's tasks that the separation of duties might refuse to the user
        slots["weighed"] = count([_involved_pool_statement(roles, team_unit)])
    values = session.execute(select(*[c.label(f"n{i}") for i, c in enumerate(counters)]), params).one()
    out = {tab: sum(values[i] or 0 for i in where) for tab, where in slots.items()}
    if out.pop("weighed", 0):
        # refused tasks are tasks of the pool (the same conditions), so they are taken off; a task that changed
        # between the two reads can make the count one off until the next page, never negative
        refused = _refused_pool_items(session=session, user=user)
        out["open"] = max(0, out["open"] - len(refused))
        if not monitor:  # the "te laat" tab lists the pool's late tasks the user may take (:func:`overdue`)
            out["te-laat"] = max(0, out["te-laat"] - sum(1 for item in refused
                                                       if item.due_at is not None and item.due_at < moment))
    return out


VISIT_GAP = timedelta(minutes=30)  # requests closer together than this are one visit of the worklist
# A visit's latest request is recorded to the minute: the page is then a pure read (no write) for every other
# request of a visit. Work that arrived in the last minute of the previous visit may show as new once more.
VISIT_RECORD_EVERY = timedelta(minutes=1)


def record_visit(*, session: Session, user: User) -> datetime | None:
    """Note that ``user`` looks at the worklist now; returns the end of their previous visit (None: a first visit).

    Requests less than :data:`VISIT_GAP` apart are one visit: switching tabs, sorting or paging does not make the
    new work of the same visit old. Work that became ready after the previous visit is new (:func:`is_new`).
    In a read-only unit of work (the worklist page, ``engine.db.read_session``) the visit is read there and written,
    when it changed, in the short write transaction before the page goes out (``write_before_answer``)."""
    moment = now()
    if is_read_only(session):
        visit = session.get(WorklistVisit, user.id)
        if visit is None:
            write_before_answer(session, lambda w, uid=user.id: _first_visit(w, uid, moment))
            return None
        previous = visit.visited_at if moment - visit.visited_at > VISIT_GAP else visit.previous_at
        if moment - visit.visited_at >= VISIT_RECORD_EVERY:
            write_before_answer(session, lambda w, uid=user.id: w.execute(
                update(WorklistVisit).where(WorklistVisit.user_id == uid)
                .values(visited_at=moment, previous_at=previous)))
        return previous
    visit = session.get(WorklistVisit, user.id)
    if visit is None:
        if _first_visit(session, user.id, moment):
            return None
        visit = session.get(WorklistVisit, user.id, populate_existing=True)
        if visit is None:
            return None
    if moment - visit.visited_at > VISIT_GAP:
        visit.previous_at = visit.visited_at
    visit.visited_at = moment
    return visit.previous_at


def _first_visit(session: Session, user_id: int, moment: datetime) -> bool:
    """Record a first visit; False when another request of the same user recorded it first (no 500 for a page)."""
    try:
        with session.begin_nested():
            session.add(WorklistVisit(user_id=user_id, visited_at=moment, previous_at=None))
            session.flush()
        return True
    except IntegrityError:
        return False


def is_new(item: WorkItem, since: datetime | None) -> bool:
    """Work that became ready after the user's previous visit of the worklist (all of it on a first visit)."""
    return since is None or item.created_at > since
