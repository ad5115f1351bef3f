"""The one clock. Everything that needs 'now' asks :func:`now`.

Production uses the wall clock; tests and scenarios install a :class:`FrozenClock`
and move time forward without sleeping. SpiffWorkflow's timer definitions call
``datetime.now(timezone.utc)`` themselves; :func:`install_spiff_clock` rebinds the
``datetime`` name inside that one module to a subclass whose ``now()`` asks this clock.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FrozenClock:
    """A clock that stands still until moved. Thread-safe."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(timezone.utc)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("aware datetime required")
        with self._lock:
            self._now = moment.astimezone(timezone.utc)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now = self._now + delta
            return self._now


_clock: Clock = SystemClock()


def get_clock() -> Clock:
    return _clock


def set_clock(clock: Clock) -> Clock:
    """Install ``clock``; returns the previous one (so tests can restore it)."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def now() -> datetime:
    """Aware UTC 'now' from the installed clock."""
    return _clock.now()


class _ClockedDatetime(datetime):
    """``datetime`` whose ``now()`` asks the engine clock (used inside SpiffWorkflow)."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        current = _clock.now()
        if tz is None:
            return current.astimezone().replace(tzinfo=None)
        return current.astimezone(tz)

    @classmethod
    def utcnow(cls):  # type: ignore[override]
        return _clock.now().replace(tzinfo=None)


_installed = False


def install_spiff_clock() -> None:
    """Make SpiffWorkflow's timer module read time from the engine clock. Idempotent."""
    global _installed
    if _installed:
        return
    from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

    spiff_timer.datetime = _ClockedDatetime
    _installed = True
