"""Operational figures for /metrics (api/observability.py): counts only, never a case, a name or a text.

One short read-only transaction per scrape. Tables that other parts of the product add later (a notifications
outbox, an incident table) are looked up by name and counted when present; while absent their figure is left
out (``None``), so a scrape never fails on a missing table.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, column, func, inspect, select, table

from engine.clock import now
from engine.timers.models import Timer
from engine.worklist.models import WorkItem

# A notifications outbox: the first of these tables that exists. Its backlog is the rows not yet sent: with a
# `sent_at` column those without one, otherwise those whose state/status is one of PENDING_STATES.
OUTBOX_TABLES = ("notification_outbox", "notifications_outbox", "outbox", "mail_outbox")
INCIDENT_TABLES = ("incidents",)
PENDING_STATES = ("pending", "queued", "retry", "retrying", "failed_retry", "wachtend")
CLOSED_STATES = ("resolved", "closed", "opgelost", "gesloten")


@dataclass(frozen=True)
class Snapshot:
    open_tasks: int
    overdue_tasks: int
    timers: dict[str, int]  # state -> count (pending | fired | cancelled)
    timers_due: int  # pending and past their firing time (a backlog the workers have not reached)
    timers_failing: int  # pending with a failed firing attempt (retried with backoff)
    timer_firings: int  # sum of fire_count: how often timers fired, over all time
    outbox_backlog: int | None  # None: there is no outbox table
    open_incidents: int | None  # None: there is no incident table


def _first_table(session, names: tuple[str, ...]) -> tuple[str, set[str]] | None:
    inspector = inspect(session.connection())
    present = set(inspector.get_table_names())
    for name in names:
        if name in present:
            return name, {c["name"] for c in inspector.get_columns(name)}
    return None


def _outbox_backlog(session) -> int | None:
    found = _first_table(session, OUTBOX_TABLES)
    if found is None:
        return None
    name, columns = found
    if "sent_at" in columns:
        where = column("sent_at").is_(None)
    elif "state" in columns or "status" in columns:
        where = column("state" if "state" in columns else "status").in_(PENDING_STATES)
    else:
        where = None
    q = select(func.count()).select_from(table(name, *(column(c) for c in columns)))
    return session.scalar(q.where(where) if where is not None else q)


def _open_incidents(session) -> int | None:
    found = _first_table(session, INCIDENT_TABLES)
    if found is None:
        return None
    name, columns = found
    if "resolved_at" in columns:
        where = column("resolved_at").is_(None)
    elif "state" in columns or "status" in columns:
        where = column("state" if "state" in columns else "status").not_in(CLOSED_STATES)
    else:
        where = None
    q = select(func.count()).select_from(table(name, *(column(c) for c in columns)))
    return session.scalar(q.where(where) if where is not None else q)


def snapshot(*, session) -> Snapshot:
    moment = now()
    open_tasks = session.scalar(select(func.count()).select_from(WorkItem).where(WorkItem.state == "open"))
    overdue = session.scalar(select(func.count()).select_from(WorkItem).where(
        WorkItem.state == "open", WorkItem.due_at.is_not(None), WorkItem.due_at < moment))
    timers = dict(session.execute(select(Timer.state, func.count()).group_by(Timer.state)).all())
    for state in ("pending", "fired", "cancelled"):
        timers.setdefault(state, 0)
    due = session.scalar(select(func.count()).select_from(Timer).where(Timer.state == "pending",
                                                                       Timer.fire_at < moment))
    failing = session.scalar(select(func.count()).select_from(Timer).where(
        and_(Timer.state == "pending", Timer.failures > 0)))
    firings = session.scalar(select(func.coalesce(func.sum(Timer.fire_count), 0)).select_from(Timer))
    return Snapshot(open_tasks=open_tasks, overdue_tasks=overdue, timers=timers, timers_due=due,
                    timers_failing=failing, timer_firings=int(firings), outbox_backlog=_outbox_backlog(session),
                    open_incidents=_open_incidents(session))
