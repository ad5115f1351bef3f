"""Firing due timers durably and exactly once.

Each due timer is claimed and fired in its own transaction. On PostgreSQL the
claim is ``SELECT … FOR UPDATE SKIP LOCKED``, so any number of workers can run at
once without firing a timer twice or skipping one; the firing and the state change
to ``fired`` commit together. SQLite serialises writers (BEGIN IMMEDIATE), so a
single worker there is safe as well.
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from engine.cases import service as cases
from engine.clock import now
from engine.db import Database
from engine.errors import DomainError
from engine.timers.models import Timer

log = logging.getLogger(__name__)


def _claim_next(session, *, skip_locked: bool, exclude: set[int]) -> Timer | None:
    q = select(Timer).where(Timer.state == "pending", Timer.fire_at < now())
    if exclude:
        q = q.where(Timer.id.not_in(exclude))
    q = q.order_by(Timer.fire_at, Timer.id).limit(1)
    if skip_locked:
        q = q.with_for_update(skip_locked=True)
    return session.execute(q).scalar_one_or_none()


def fire_due(*, database: Database, limit: int | None = None) -> int:
    """Fire due timers until none is left (or ``limit``). Returns how many were handled."""
    skip_locked = database.dialect == "postgresql"
    handled, failed = 0, set()
    while limit is None or handled < limit:
        try:
            with database.session() as session:
                timer = _claim_next(session, skip_locked=skip_locked, exclude=failed)
                if timer is None:
                    return handled
                timer_id, case_id = timer.id, timer.case_id
                cases.fire_timers(session=session, case_id=case_id, timer_id=timer_id)
                if timer.state == "pending":  # not fired by the engine (clock skew): leave it
                    failed.add(timer_id)
        except DomainError as exc:
            log.warning("timer %s of case %s not fired: %s", timer_id, case_id, exc.code)
            failed.add(timer_id)
            with database.session() as session:
                row = session.get(Timer, timer_id)
                if row is not None:
                    row.last_error = f"{exc.code}: {exc.title}"
            continue
        handled += 1
    return handled


def pending_count(*, session) -> int:
    from sqlalchemy import func

    return session.execute(select(func.count()).select_from(Timer).where(Timer.state == "pending")).scalar_one()
