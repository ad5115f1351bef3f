"""Operational figures for /metrics (api/observability.py): counts only, never a case, a name or a text.

One short read-only transaction per scrape: tasks, timers, the e-mail outbox (``engine.notifications``) and the open
incidents (``engine.incidents``).

Unlike the figures a person reads in the product (``engine.identity.access.counted_condition``), these count every
case: they are read by the monitoring system with a token or from its network (``api.observability``), not by a
user, they are totals over every process, unit and kind of task without a period, and the people who run the
servers are no handlers of reports. Operations must see a stuck task or timer whoever it concerns.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select

from engine.clock import now
from engine.incidents import service as incidents
from engine.notifications import sender as mail
from engine.timers.models import Timer
from engine.worklist.models import WorkItem

@dataclass(frozen=True)
class Snapshot:
    open_tasks: int
    overdue_tasks: int
    timers: dict[str, int]  # state -> count (pending | fired | cancelled)
    timers_due: int  # pending and past their firing time (a backlog the workers have not reached)
    timers_failing: int  # pending with a failed firing attempt (retried with backoff)
    timer_firings: int  # sum of fire_count: how often timers fired, over all time
    outbox_backlog: int  # e-mails not yet sent
    open_incidents: int  # cases that could not go on (engine.incidents)


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
                    timers_failing=failing, timer_firings=int(firings), outbox_backlog=mail.backlog(session=session),
                    open_incidents=incidents.open_count(session=session))
