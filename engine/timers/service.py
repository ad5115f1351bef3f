"""Firing due timers durably and exactly once.

Due timers are claimed in batches and fired together in one savepoint of the batch's
transaction; when one of them fails, the batch is fired again with each timer in its own
savepoint (see :func:`fire_due`). On PostgreSQL the claim is ``SELECT … FOR UPDATE SKIP LOCKED``,
so any number of workers can run at once without firing a timer twice or skipping
one; a timer's firing and its state change to ``fired`` commit together. SQLite serialises writers (BEGIN IMMEDIATE), so a
single worker there is safe as well.

A timer whose firing fails keeps state ``pending`` with the error's kind in Dutch in ``last_error``
and is not claimed again before ``retry_at`` (exponential backoff, settings
``timer_retry_seconds``/``timer_retry_max_seconds``), also by a restarted worker, so a
broken case (a runaway script stopped by its bounds) costs little and never holds up the
other timers. Each failure also counts on the case's open incident (``engine.incidents``), which the process
owner and the coordinator see and can retry; a later successful firing resolves it.
"""
from __future__ import annotations

import logging

from datetime import timedelta

from sqlalchemy import or_, select

from engine.audit import service as audit
from engine.cases import service as cases
from engine.clock import now
from engine.config import get_settings
from engine.db import Database
from engine.errors import DomainError
from engine.incidents import service as incidents
from engine.timers.models import Timer

log = logging.getLogger(__name__)


BATCH = 25  # timers claimed per transaction


def _claim(session, *, skip_locked: bool, exclude: set[int], limit: int) -> list[Timer]:
    moment = now()
    q = select(Timer).where(Timer.state == "pending", Timer.fire_at < moment,
                            or_(Timer.retry_at.is_(None), Timer.retry_at <= moment))
    if exclude:
        q = q.where(Timer.id.not_in(exclude))
    q = q.order_by(Timer.fire_at, Timer.id).limit(limit)
    if skip_locked:
        q = q.with_for_update(skip_locked=True)
    return list(session.execute(q).scalars())


def fire_due(*, database: Database, limit: int | None = None, batch: int = BATCH) -> int:
    """Fire due timers until none is left (or ``limit``). Returns how many were handled.

    Up to ``batch`` due timers are claimed (row-locked, skipping rows another worker
    holds) and fired in ONE transaction: first all together in one savepoint, their cases,
    pending timers and open work items read in one query each, their audit heads locked in
    one, and their writes sent in one flush. When anything in that fails (a case's timer,
    or a version conflict with a user completing a task), the batch is rolled back to the
    savepoint — the claim's row locks stay — and fired again case by case, each in its own
    savepoint: a timer whose firing fails is rolled back alone and keeps its error (and
    becomes an incident), the others commit together with their ``fired`` state.
    Exactly-once holds because a timer's firing and its state change commit (or roll back)
    together and its row stays locked until then.
    """
    skip_locked = database.dialect == "postgresql"
    handled, failed = 0, set()
    while limit is None or handled < limit:
        room = batch if limit is None else min(batch, limit - handled)
        with database.session() as session:
            claimed = _claim(session, skip_locked=skip_locked, exclude=failed, limit=room)
            if not claimed:
                return handled
            skew: set[int] = set()
            try:
                with session.begin_nested():  # the whole batch; any failure rolls back to here
                    done = _fire_together(session, claimed, skew)
            except Exception as exc:  # noqa: BLE001 - which case failed is found by firing them one by one
                log.info("timer batch of %d fired one by one after %s", len(claimed), type(exc).__name__)
                skew.clear()
                # cases written by the batch's own UPDATE (cases.write_cases) hold no pending change for the ORM;
                # SQLAlchemy still expires them at this rollback (they stay flagged modified), but that is its
                # internals: read everything again from the savepoint rather than fire from a rolled-back state
                session.expire_all()
                done = _fire_one_by_one(session, claimed, skew)
            failed |= skew
            handled += done
    return handled


def _fire_together(session, claimed: list[Timer], skew: set[int]) -> int:
    batch = cases.read_timer_batch(session, [t.case_id for t in claimed])
    audit.lock_heads(session, batch.cases)
    handled, fired = 0, []
    for timer in claimed:
        if timer.state == "pending":  # else fired with an earlier timer of the same case
            fired.append(cases.fire_timers(session=session, case_id=timer.case_id, timer_id=timer.id, batch=batch))
            _fired(session, timer, skew)
        handled += 1
    cases.write_cases(session, fired)  # the cases' versioned UPDATEs in one executemany
    session.flush()  # every other write of the batch
    return handled


def _fire_one_by_one(session, claimed: list[Timer], failed: set[int]) -> int:
    handled = 0
    for timer in claimed:
        if timer.state != "pending":  # fired with an earlier timer of the same case
            handled += 1
            continue
        timer_id, case_id = timer.id, timer.case_id
        try:
            with session.begin_nested():
                cases.fire_timers(session=session, case_id=case_id, timer_id=timer_id)
        except DomainError as exc:
            log.warning("timer %s of case %s not fired: %s", timer_id, case_id, exc.code)
            failed.add(timer_id)
            _failed(timer, f"{exc.code}: {exc.title}")
            incidents.record(session, case_id=case_id, source="timer", exc=exc,
                             element_id=timer.element_id, timer_id=timer_id)
            continue
        except Exception as exc:  # a broken case must not stop the timers of all others
            # only the type: a message may quote case data
            log.error("timer %s of case %s not fired: %s", timer_id, case_id, type(exc).__name__)
            failed.add(timer_id)
            _failed(timer, incidents.describe(exc)[1])  # Dutch, without case data or a class name
            incidents.record(session, case_id=case_id, source="timer", exc=exc,
                             element_id=timer.element_id, timer_id=timer_id)
            continue
        _fired(session, timer, failed)
        handled += 1
    return handled


def _fired(session, timer: Timer, skew: set[int]) -> None:
    """After a successful firing: an earlier failure's incident is over; a timer the engine did not fire
    (clock skew) stays pending and is not claimed again in this sweep."""
    if timer.failures:
        timer.failures, timer.last_error = 0, None
        incidents.resolve_open(session, timer_id=timer.id)
    timer.retry_at = None
    if timer.state == "pending":
        skew.add(timer.id)


def _failed(timer: Timer, error: str) -> None:
    """Record a failed firing (type only) and when to try again: doubling, up to the maximum."""
    settings = get_settings()
    timer.failures = (timer.failures or 0) + 1
    delay = min(settings.timer_retry_seconds * 2 ** min(timer.failures - 1, 30), settings.timer_retry_max_seconds)
    timer.retry_at = now() + timedelta(seconds=delay)
    timer.last_error = error


def pending_count(*, session) -> int:
    from sqlalchemy import func

    return session.execute(select(func.count()).select_from(Timer).where(Timer.state == "pending")).scalar_one()


def pending_for_case(*, session, case_id: int) -> list[Timer]:
    """The case's pending timers (its running terms), soonest first. Callers checked that the case is visible."""
    return list(session.scalars(select(Timer).where(Timer.case_id == case_id, Timer.state == "pending")
                                .order_by(Timer.fire_at)))
