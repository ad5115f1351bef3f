"""The functions process files may call from scripts, conditions, timers and DMN cells.

:data:`ENGINE_FUNCTIONS` is the complete catalogue; the script sandbox exposes exactly
these names. Task data is JSON, so every function accepts the ISO 8601 strings task
data holds as well as ``date``/``datetime`` objects:

* a date: ``"2026-12-16"``;
* a moment: ``"2026-12-16T09:30:00+00:00"`` (or ``Z``). A moment without a zone
  (``"2026-12-16T09:30"``, as a form's date-time field gives it) is read as
  Europe/Amsterdam wall-clock time.

A moment's *date* is its calendar date in Europe/Amsterdam. Moments are returned
as ISO 8601 strings in UTC, dates as ``JJJJ-MM-DD``. Bad input raises ``ValueError``
with a Dutch message for the process owner.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from engine import clock
from engine.legal_terms import (
    AMSTERDAM,
    add_calendar,
    end_of_day_utc,
    legal_deadline,
    local_date,
    parse_duration,
    timer_deadline,
)

DateLike = date | datetime | str

_MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)


def _parse(value: Any, what: str) -> date | datetime:
    """A date, or an aware datetime, from a date/datetime object or an ISO 8601 string."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=AMSTERDAM)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return moment if moment.tzinfo else moment.replace(tzinfo=AMSTERDAM)
    raise ValueError(
        f"Ongeldige {what}: {value!r}; verwacht een datum als '2026-12-16' "
        "of een tijdstip als '2026-12-16T09:30:00+00:00'"
    )


def _as_date(value: Any, what: str) -> date:
    parsed = _parse(value, what)
    return local_date(parsed) if isinstance(parsed, datetime) else parsed


def _as_moment(value: Any, what: str) -> datetime:
    """An aware datetime; a date stands for 00:00 Europe/Amsterdam on that day."""
    parsed = _parse(value, what)
    if isinstance(parsed, datetime):
        return parsed
    return datetime(parsed.year, parsed.month, parsed.day, tzinfo=AMSTERDAM)


def legal_term(duration: str, start: DateLike | None = None) -> str:
    """Fire time (ISO UTC) of a legal term per the Algemene termijnenwet: 00:00
    Europe/Amsterdam after the term's last day. ``start`` defaults to now."""
    start_value = None if start is None else _parse(start, "begindatum")
    return timer_deadline(duration, start_value)


def legal_date(duration: str, start: DateLike | None = None) -> str:
    """The last day (``JJJJ-MM-DD``) of a legal term per the Algemene termijnenwet.

    Use it to store a deadline in case data (for letters) and fire the timer with
    ``end_of_day(that_date)``, so the letter and the timer name the same day."""
    begin = local_date(clock.now()) if start is None else _as_date(start, "begindatum")
    return legal_deadline(begin, duration).isoformat()


def end_of_day(value: DateLike) -> str:
    """Fire time (ISO UTC) for a deadline date: 00:00 Europe/Amsterdam after that day."""
    return end_of_day_utc(_as_date(value, "datum")).isoformat()


def add_duration(duration: str, start: DateLike | None = None) -> str:
    """``start`` (default: now) plus an ISO 8601 duration, without any legal extension.

    Years, months, weeks and days count on the Europe/Amsterdam calendar (the
    wall-clock time stays the same across a DST change; month ends are clamped);
    hours, minutes and seconds are elapsed time. Returns an ISO UTC moment.
    """
    term = parse_duration(duration)
    local = (clock.now() if start is None else _as_moment(start, "begindatum")).astimezone(AMSTERDAM)
    day = add_calendar(local.date(), term)
    shifted = datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=AMSTERDAM)
    # Round-trip through UTC so a wall-clock time that does not exist (DST gap) is normalised.
    moment = shifted.astimezone(timezone.utc) + timedelta(seconds=term.seconds)
    return moment.isoformat()


def now() -> str:
    """Now (engine clock), ISO 8601 in UTC."""
    return clock.now().astimezone(timezone.utc).isoformat()


def today() -> str:
    """Today's date in Europe/Amsterdam (engine clock), ``JJJJ-MM-DD``."""
    return local_date(clock.now()).isoformat()


def parse_date(value: DateLike) -> date:
    """The date of ``value`` (a moment counts by its Europe/Amsterdam date)."""
    return _as_date(value, "datum")


def days_between(a: DateLike, b: DateLike) -> int:
    """Calendar days from ``a`` to ``b`` (negative when ``b`` is earlier)."""
    return (_as_date(b, "datum") - _as_date(a, "datum")).days


def dutch_date(value: DateLike) -> str:
    """A date written out in Dutch: ``16 december 2026``."""
    day = _as_date(value, "datum")
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


ENGINE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "legal_term": legal_term,
    "legal_date": legal_date,
    "end_of_day": end_of_day,
    "add_duration": add_duration,
    "now": now,
    "today": today,
    "parse_date": parse_date,
    "days_between": days_between,
    "dutch_date": dutch_date,
}
