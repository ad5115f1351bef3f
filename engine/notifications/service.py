"""Writing notifications: the outbox row in the caller's transaction, the preferences, and the events.

Nothing here talks to a mail server: :mod:`engine.notifications.sender` sends after commit. A row holds a kind
(what happened, in general terms) and a link into the product; never a case reference, a name, a category or any
other case data, so neither the outbox nor the mail can leak them (docs/NOTIFICATIONS.md).
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, inspect as sa_inspect, select
from sqlalchemy.event import listens_for
from sqlalchemy.orm import Session, lazyload

from engine.clock import now
from engine.errors import FieldError, InvalidData
from engine.identity.models import User, UserRole
from engine.legal_terms import end_of_day_utc, is_free_day, local_date
from engine.notifications.models import DIGEST, DIRECT, MODES, OFF, Notification, NotificationPreference

# What a notification may say: per kind its subject line and its one sentence. Nothing else reaches a mail.
KINDS: dict[str, tuple[str, str]] = {
    "nieuwe_taak": ("Nieuwe taak", "Er staat een nieuwe taak klaar in uw werkvoorraad of in die van uw rol."),
    "taak_toegewezen": ("Taak aan u toegewezen", "Er is een taak aan u toegewezen."),
    "termijn_nadert": ("Termijn nadert", "De termijn van een taak in uw werkvoorraad loopt binnenkort af."),
    "termijn_verstreken": ("Termijn verstreken", "De termijn van een taak is verstreken."),
    "bericht_melder": ("Nieuw bericht", "Er is een nieuw bericht binnengekomen in een zaak die u behandelt."),
    "werk_teruggegeven": ("Werk teruggegeven", "Er is werk teruggegeven aan de pool en dat vraagt om verdeling."),
    "taken_overgedragen": ("Taken overgedragen", "Er zijn taken aan u overgedragen."),
    "weergave_verwijderd": ("Weergave verwijderd", "Een van uw opgeslagen weergaven is verwijderd, omdat de zaak "
                                                   "waarnaar zij zocht na afloop van de bewaartermijn is vernietigd."),
}
MODE_LABELS = {DIRECT: "Direct: een e-mail per gebeurtenis", DIGEST: "Dagelijks: één overzicht per dag",
               OFF: "Uit: geen e-mail"}
# A link is a path into the product (optionally one simple query parameter): nothing more can be carried.
_LINK = re.compile(r"^/[a-z0-9/-]{0,200}(\?[a-z]{1,20}=[a-z0-9-]{1,40})?$")

WORKLIST = "/werkvoorraad"
WORKLIST_MINE = "/werkvoorraad?tab=mijn"
WORKLIST_POOL = "/werkvoorraad?tab=open"
WORKLIST_LATE = "/werkvoorraad?tab=te-laat"
PREFERENCES_PAGE = "/meldingsvoorkeuren"


# --------------------------------------------------------------------------- preferences

def preference(*, session: Session, user_id: int) -> str:
    row = session.get(NotificationPreference, user_id)
    return row.mode if row is not None else DIRECT


def set_preference(*, session: Session, user: User, mode: str) -> str:
    """Set ``user``'s own preference (one of :data:`MODES`); audited."""
    from engine.audit import service as audit

    if mode not in MODES:
        raise InvalidData([FieldError("voorkeur", "moet één van " + ", ".join(MODES) + " zijn")])
    row = session.get(NotificationPreference, user.id)
    if row is None:
        row = NotificationPreference(user_id=user.id, mode=mode, changed_at=now())
        session.add(row)
    else:
        row.mode, row.changed_at = mode, now()
    session.flush()
    audit.append(session=session, actor=user.username, action="notifications.preference",
                 details={"voorkeur": mode})
    return mode


# --------------------------------------------------------------------------- the outbox

def enqueue(session: Session, *, user_id: int, kind: str, link: str, key: str | None = None) -> Notification | None:
    """Write one notification for ``user_id`` into the outbox, in the caller's transaction (it commits or rolls
    back with the event). Respects the user's preference: ``uit`` writes nothing; ``dagelijks`` marks it for the
    day's overview. An inactive user or one without an e-mail address gets nothing. ``key`` deduplicates (a second
    row with the same key is not written). Returns the row, or None when nothing was written."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}; known: {', '.join(sorted(KINDS))}")
    if not _LINK.match(link or ""):
        raise ValueError(f"notification link must be a plain path into the product, got {link!r}")
    user = session.get(User, user_id, options=_NO_ROLES)  # (not loaded yet: without its roles, unused here)
    if user is None or not user.active or not (user.email or "").strip():
        return None
    modes = session.info.get(_MODES)  # while a commit's events become rows: each user's preference read once
    if modes is None:
        mode = preference(session=session, user_id=user_id)
    elif user_id in modes:
        mode = modes[user_id]
    else:
        mode = modes[user_id] = preference(session=session, user_id=user_id)
    if mode == OFF:
        return None
    if key is not None and session.scalar(select(Notification.id).where(Notification.key == key)) is not None:
        return None
    moment = now()
    row = Notification(user_id=user_id, kind=kind, link=link, delivery=mode, day=local_date(moment), key=key,
                       state="pending", attempts=0, created_at=moment)
    if key is None:
        session.add(row)
        return row
    from sqlalchemy.exc import IntegrityError

    try:  # two workers finding the same deadline at once: the second one's row is not written
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


# --------------------------------------------------------------------------- who hears of what

_HOLDERS = "meldpunt_role_holders"  # role -> holders, while ``_before_commit`` turns a batch of events into rows
_MODES = "meldpunt_notification_modes"  # user id -> preference, likewise


def _role_holders(session: Session, role: str) -> list[User]:
    """Active holders of ``role`` who can be mailed (an e-mail address): nobody else would get a row anyway."""
    memo = session.info.get(_HOLDERS)
    if memo is not None:
        if role not in memo:
            memo[role] = _read_role_holders(session, role)
        return memo[role]
    return _read_role_holders(session, role)


def _read_role_holders(session: Session, role: str) -> list[User]:
    return list(session.scalars(_ROLE_HOLDERS, {"role": role}))


_NO_ROLES = (lazyload(User.roles),)
# built once (issue 25): every new task in a pool asks at its step's commit. The holders' own roles are not
# loaded with them (nothing here reads them; read later, they load then): one query instead of two.
_ROLE_HOLDERS = (select(User).join(UserRole, UserRole.user_id == User.id)
                 .where(UserRole.role == bindparam("role"), User.active.is_(True), User.email.is_not(None),
                        User.email != "").order_by(User.id)
                 .options(*_NO_ROLES))
_MODES_OF = (select(NotificationPreference.user_id, NotificationPreference.mode)
             .where(NotificationPreference.user_id.in_(bindparam("ids", expanding=True))))


def _read_modes(session: Session, user_ids: list[int]) -> None:
    """While a commit's events become rows: the preferences of ``user_ids`` not known yet, in one query (a user
    without a row has the default, as :func:`preference` says) instead of one per user in :func:`enqueue`."""
    modes = session.info.get(_MODES)
    if modes is None:
        return
    ids = sorted({i for i in user_ids if i not in modes})
    if len(ids) < 2:  # enqueue asks for a single one itself
        return
    found = dict(session.execute(_MODES_OF, {"ids": ids}).all())
    for i in ids:
        modes[i] = found.get(i, DIRECT)


def _pool(session: Session, role: str, case_id: int) -> list[User]:
    """Who may pick up an unassigned task of ``role`` in the case: active holders of the role, no party to it, and
    for a team-bound role (a manager's risk inventory) only the holders in the case's own unit, as the pool
    itself shows it (``access.in_own_team``)."""
    from engine.cases.models import Case
    from engine.identity import access

    holders = _role_holders(session, role)
    if role in access.TEAM_BOUND_ROLES:
        unit = session.scalar(select(Case.unit).where(Case.id == case_id))
        holders = [u for u in holders if access.in_team_of(u, role, unit)]
    excluded = access.excluded_among(session=session, user_ids=[u.id for u in holders], case_id=case_id)
    return [u for u in holders if u.id not in excluded]


# The engine's events are collected during the transaction and turned into outbox rows once, just before it
# commits (``before_commit``, still inside the transaction: they commit together, or not at all). Working out the
# recipients needs queries; run in the middle of a step they would flush the step's audit events early and
# take the audit head twice (tests/engine/test_statement_budget.py). An event whose task was rolled back with a
# savepoint (a timer that failed) is dropped.
_PENDING = "meldpunt_notifications"


def _later(session: Session, event: tuple) -> None:
    session.info.setdefault(_PENDING, []).append(event)


@listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint is released: the transaction goes on
        return
    events = session.info.pop(_PENDING, None)
    if not events:
        return
    session.flush()
    # The events of one commit (a timer batch: many tasks of one role) ask once per role and user.
    session.info[_HOLDERS], session.info[_MODES] = {}, {}
    try:
        for kind, *args in events:
            _EVENTS[kind](session, *args)
    finally:
        session.info.pop(_HOLDERS, None)
        session.info.pop(_MODES, None)


@listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():  # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)


def _alive(item) -> bool:
    state = sa_inspect(item)
    return state.persistent and not state.deleted and item.state == "open"


def task_ready(session: Session, item) -> None:
    """A task became ready: its assignee (drawn automatically), else everyone who may take it from the pool."""
    _later(session, ("ready", item))


def _task_ready(session: Session, item) -> None:
    if not _alive(item):
        return
    if item.assignee_id is not None:
        enqueue(session, user_id=item.assignee_id, kind="nieuwe_taak", link=WORKLIST_MINE)
        return
    pool = _pool(session, item.role, item.case_id)
    from engine.contact.models import ContactTask

    if isinstance(item, ContactTask):  # its pool is who may act on it (the contact's own decision), not the role
        from engine.contact import service as contact

        pool = [u for u in pool if contact.may_act(session=session, user=u, task=item)]
    _read_modes(session, [u.id for u in pool])
    for user in pool:
        enqueue(session, user_id=user.id, kind="nieuwe_taak", link=WORKLIST_POOL)


def task_assigned(session: Session, item, *, assignee_id: int, by_id: int | None = None) -> None:
    """A coordinator assigned a task: its new assignee hears of it (not when one assigns to oneself)."""
    if assignee_id != by_id:
        _later(session, ("assigned", item, assignee_id))


def _task_assigned(session: Session, item, assignee_id: int) -> None:
    if _alive(item) and item.assignee_id == assignee_id:
        enqueue(session, user_id=assignee_id, kind="taak_toegewezen", link=WORKLIST_MINE)


def handlers(session: Session, case_id: int) -> list[User]:
    """The case's handlers: who holds or completed one of its tasks and may still see the case; none yet, the
    desk and coordinators who may write the reporter (``access.may_message_reporter``)."""
    from engine.identity import access
    from engine.identity.roles import DESK_ROLES
    from engine.worklist.models import OPEN, WorkItem

    ids = set(session.scalars(select(WorkItem.assignee_id).where(WorkItem.case_id == case_id,
                                                                 WorkItem.state == OPEN,
                                                                 WorkItem.assignee_id.is_not(None))))
    ids |= set(session.scalars(select(WorkItem.completed_by_id).where(WorkItem.case_id == case_id,
                                                                      WorkItem.completed_by_id.is_not(None))))
    found = [u for u in (session.get(User, i) for i in sorted(ids))
             if u is not None and u.active and access.can_see_case(session=session, user=u, case_id=case_id)]
    if found:
        return found
    desk = {u.id: u for role in sorted(DESK_ROLES) for u in _role_holders(session, role)}
    return [u for _, u in sorted(desk.items())
            if access.may_message_reporter(session=session, user=u, case_id=case_id)]


def reporter_message(session: Session, *, case_id: int) -> None:
    """The reporter wrote: the case's handlers hear that there is a message (never what it says)."""
    _later(session, ("message", case_id))


def _reporter_message(session: Session, case_id: int) -> None:
    for user in handlers(session, case_id):
        enqueue(session, user_id=user.id, kind="bericht_melder", link=WORKLIST)


_EVENTS = {"ready": _task_ready, "assigned": _task_assigned, "message": _reporter_message}


# --------------------------------------------------------------------------- deadlines (found by the worker)

def working_days_until(today: date, last_day: date) -> int:
    """Working days (Atw: no weekend, no general or equated holiday) after ``today`` up to ``last_day``."""
    days, day = 0, today
    while day < last_day:
        day += timedelta(days=1)
        if not is_free_day(day):
            days += 1
    return days


def horizon(moment: datetime, working_days: int) -> datetime:
    """The end (Europe/Amsterdam) of the ``working_days``-th working day after ``moment``'s date."""
    day, found = local_date(moment), 0
    while found < working_days:
        day += timedelta(days=1)
        if not is_free_day(day):
            found += 1
    return end_of_day_utc(day)


def scan_deadlines(session: Session, *, working_days: int) -> int:
    """Write the deadline notifications due at the engine clock's now, once per task, deadline and user:

    * ``termijn_nadert``: an open task whose deadline lies within ``working_days`` working days: its assignee, or
      (unassigned) who may take it from the pool;
    * ``termijn_verstreken``: an open task past its deadline: its assignee (or the pool) and the coordinators who
      may see the case.

    The deadline is the work item's ``due_at``, the same the worklist shows. A handled task deadline is recorded
    (:class:`DeadlineScan`), so a sweep reads only the new ones. Returns the rows written."""
    from sqlalchemy import and_, exists
    from sqlalchemy.exc import IntegrityError

    from engine.identity import access
    from engine.notifications.models import DeadlineScan
    from engine.worklist.models import OPEN, WorkItem
    from engine.worklist.service import COORDINATOR_ROLE

    moment = now()
    written = 0
    coordinators: list[User] | None = None
    for kind, window in (("termijn_verstreken", WorkItem.due_at <= moment),
                         ("termijn_nadert", and_(WorkItem.due_at > moment,
                                                 WorkItem.due_at <= horizon(moment, working_days)))):
        handled = exists().where(DeadlineScan.work_item_id == WorkItem.id, DeadlineScan.kind == kind,
                                 DeadlineScan.due_at == WorkItem.due_at)
        items = session.scalars(select(WorkItem).where(WorkItem.state == OPEN, WorkItem.due_at.is_not(None),
                                                       window, ~handled)
                                .order_by(WorkItem.due_at, WorkItem.id).limit(500)).all()
        for item in items:
            try:  # two workers at once: the second one's record fails and it leaves the task to the first
                with session.begin_nested():
                    session.add(DeadlineScan(work_item_id=item.id, kind=kind, due_at=item.due_at))
                    session.flush()
            except IntegrityError:
                continue
            late = kind == "termijn_verstreken"
            people = ([session.get(User, item.assignee_id)] if item.assignee_id is not None
                      else _pool(session, item.role, item.case_id))
            if late:
                if coordinators is None:
                    coordinators = _role_holders(session, COORDINATOR_ROLE)
                people += [u for u in coordinators
                           if access.can_see_case(session=session, user=u, case_id=item.case_id)]
            link = WORKLIST_LATE if late else WORKLIST_MINE
            for user in {u.id: u for u in people if u is not None}.values():
                key = f"{kind}:{item.id}:{item.due_at.isoformat()}:{user.id}"
                if enqueue(session, user_id=user.id, kind=kind, link=link, key=key) is not None:
                    written += 1
    return written


def scan_contact_deadlines(session: Session, *, working_days: int) -> int:
    """:func:`scan_deadlines` for the contact tasks around the reporter (``engine.contact``: a signal of
    retaliation, an unsigned transcript), which are no work items: an open task with a ``due_at`` gets
    ``termijn_nadert`` (its assignee, or who may pick it up: the engine's own decision, ``contact.may_act``, as the
    worklist's ``contact.open_tasks``) and, once passed, ``termijn_verstreken`` (them plus the coordinators who may
    see the task, ``contact.may_see_task``). Once per task, deadline and user by the notification's unique key (a
    second sweep, or a second worker at the same moment, writes nothing). The link is the task's own page.
    Returns the rows written."""
    from engine.contact import service as contact
    from engine.contact.models import ContactTask
    from engine.worklist.service import COORDINATOR_ROLE

    moment = now()
    tasks = session.scalars(select(ContactTask).where(ContactTask.state == "open", ContactTask.due_at.is_not(None),
                                                      ContactTask.due_at <= horizon(moment, working_days))
                            .order_by(ContactTask.due_at, ContactTask.id)).all()
    written = 0
    for task in tasks:
        late = task.due_at <= moment
        kind = "termijn_verstreken" if late else "termijn_nadert"
        if task.assignee_id is not None:
            people = [session.get(User, task.assignee_id)]
        else:
            people = [u for u in _role_holders(session, task.role)
                      if contact.may_act(session=session, user=u, task=task)]
        if late:
            people += [u for u in _role_holders(session, COORDINATOR_ROLE)
                       if contact.may_see_task(session=session, user=u, task=task)]
        link = f"/zaken/{task.case_id}/contacttaken/{task.id}"
        for user in {u.id: u for u in people if u is not None}.values():
            key = f"{kind}:contacttaak:{task.id}:{task.due_at.isoformat()}:{user.id}"
            if enqueue(session, user_id=user.id, kind=kind, link=link, key=key) is not None:
                written += 1
    return written
