"""Legal terms under the Algemene termijnenwet (Atw).

The law
-------
* Art. 1: a term set by law that ends on a Saturday, Sunday or general holiday is
  extended to and including the next day that is none of these.
* Art. 2: a term of at least three days is extended, where needed, so that it
  contains at least two days that are not a Saturday, Sunday or general holiday.
* Art. 3: the general holidays are Nieuwjaarsdag, Tweede Paasdag, Tweede
  Pinksterdag, Eerste en Tweede Kerstdag, Hemelvaartsdag, the day on which the
  King's birthday is celebrated (Koningsdag) and 5 May (Bevrijdingsdag, every
  year); Goede Vrijdag is equated with them by the law itself (lid 2), and the
  Crown may equate further days by decree (lid 3). Decreed days are a per-year
  setting (:class:`EquatedDays`, JSON file), never computed here.

Vocabulary: a *free day* (:func:`is_free_day`) is a Saturday, a Sunday, a general
holiday or an equated day; a *working day* is any other day.

The holiday set is built on the ``holidays`` library's NL calendar (names in
Dutch), which differs from the law: it lists Eerste Paasdag and Eerste
Pinksterdag (Sundays, not named by the law: dropped) and marks Bevrijdingsdag
only in lustrum years (the law has 5 May every year: added). Koningsdag (26 April
when the 27th is a Sunday), Easter and Ascension come from the library.

How a term is computed (our reading)
------------------------------------
1. The day of the event that starts the term is not counted ("dies a quo non
   computatur"): a term of n days starting on day S covers S+1 .. S+n and ends on
   S+n. Weeks are 7 days. Months and years go by the calendar: the term ends on
   the same day-number, or on the last day of the month when that month is
   shorter (31 January + P1M = 28/29 February).
2. Art. 2 applies when that nominal term is at least three days long. The
   working days are counted over the days of the term, i.e. after the start day
   up to and including the nominal end; if there are fewer than two, the end
   moves to the second working day after the start day.
3. Art. 1 then moves an end that falls on a free day to the next working day.
   (Art. 2 only ever extends to a working day, so the order does not matter:
   the result is the later of "art. 1 applied to the nominal end" and "the second
   working day after the start day".)

Worked example (2026; no equated days in that week): a 3-day term (P3D) started
on Thursday 24 December. Nominal end: Sunday 27 December. The term's days are
Fri 25 (Eerste Kerstdag), Sat 26 (Tweede Kerstdag, also a Saturday) and Sun 27:
no working day at all. Art. 1 alone would give Monday 28 December; art. 2 needs
two working days after the start day, Mon 28 and Tue 29, so the term ends on
Tuesday 29 December 2026.
A P3D term started on Friday 6 November 2026 ends nominally on Monday 9 November
(art. 1 has nothing to do), but contains only one working day (Mon 9); art. 2
extends it to Tuesday 10 November.

Not modelled: terms counted backwards (art. 1 lid 2) and the exceptions of art. 4;
every call here is a forward term in whole days (durations with hours are refused).

For timers: :func:`timer_deadline` gives the moment the whole last day of the
term has passed (00:00 Europe/Amsterdam on the following day), in UTC.
"""
from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

from engine import clock
from engine.parse_errors import json_problem

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

DEFAULT_EQUATED_DAYS_FILE = Path(__file__).resolve().parent.parent / "processes" / "gelijkgestelde_dagen.json"

EQUATED_DAY_NAME = "Gelijkgestelde dag (koninklijk besluit)"
LIBERATION_DAY_NAME = "Bevrijdingsdag"

# The library's Dutch names (language "nl") of the days art. 3 names, mapped to the
# names used here. Anything the library gives that is not in this map is not a
# general holiday under the law (Eerste Paasdag, Eerste Pinksterdag) or is handled
# separately (Bevrijdingsdag, which the library only gives in lustrum years).
_LIBRARY_TO_LAW_NAMES = {
    "Nieuwjaarsdag": "Nieuwjaarsdag",
    "Goede vrijdag": "Goede Vrijdag",
    "Tweede paasdag": "Tweede Paasdag",
    "Koningsdag": "Koningsdag",
    "Koninginnedag": "Koninginnedag",
    "Hemelvaartsdag": "Hemelvaartsdag",
    "Tweede pinksterdag": "Tweede Pinksterdag",
    "Eerste kerstdag": "Eerste Kerstdag",
    "Tweede kerstdag": "Tweede Kerstdag",
}
_IGNORED_LIBRARY_NAMES = {"Eerste paasdag", "Eerste pinksterdag", LIBERATION_DAY_NAME}
_EXPECTED_PER_YEAR = 8  # the law's holidays the library must supply (all but 5 May)

_DURATION = re.compile(
    r"P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)


@dataclass(frozen=True)
class Duration:
    """An ISO 8601 duration split into calendar parts and an exact time part."""

    years: int = 0
    months: int = 0
    days: int = 0  # weeks are folded in as 7 days
    seconds: int = 0  # hours, minutes and seconds

    @property
    def is_zero(self) -> bool:
        return not (self.years or self.months or self.days or self.seconds)


def parse_duration(text: str) -> Duration:
    """Parse an ISO 8601 duration such as ``P7D``, ``P2W``, ``P3M``, ``P1Y2M``, ``PT12H``."""
    if not isinstance(text, str):
        raise ValueError(f"Ongeldige duur: {text!r}; verwacht een ISO 8601-duur als tekst, bijvoorbeeld 'P7D'")
    match = _DURATION.fullmatch(text.strip().upper())
    if match is None:
        raise ValueError(
            f"Ongeldige duur: {text!r}; verwacht een ISO 8601-duur in hele eenheden, "
            "bijvoorbeeld 'P7D', 'P2W', 'P6W' of 'P3M'"
        )
    parts = {name: int(value) if value else 0 for name, value in match.groupdict().items()}
    return Duration(
        years=parts["years"],
        months=parts["months"],
        days=parts["weeks"] * 7 + parts["days"],
        seconds=parts["hours"] * 3600 + parts["minutes"] * 60 + parts["seconds"],
    )


def add_calendar(start: date, duration: Duration) -> date:
    """``start`` plus the calendar part of ``duration`` (years/months clamped to month end, then days)."""
    total_months = start.month - 1 + duration.months + 12 * duration.years
    year, month = start.year + total_months // 12, total_months % 12 + 1
    try:
        day = min(start.day, calendar.monthrange(year, month)[1])
        return date(year, month, day) + timedelta(days=duration.days)
    except (ValueError, OverflowError):  # beyond the calendar (year 9999): a mistyped term, in Dutch
        raise ValueError(f"De termijn loopt vanaf {start.isoformat()} voorbij het jaar 9999 en kan niet worden "
                         f"berekend. Controleer de termijn.") from None


# --- equated days (art. 3 lid 3) -------------------------------------------------


@dataclass(frozen=True)
class EquatedDays:
    """Days equated with general holidays by royal decree, per year."""

    by_year: Mapping[int, frozenset[date]]

    @classmethod
    def from_mapping(cls, mapping: Mapping[str | int, Iterable[str | date]], source: str = "configuratie") -> EquatedDays:
        """Build from ``{"2026": ["2026-05-15"], ...}``; keys starting with ``_`` are comments."""
        by_year: dict[int, frozenset[date]] = {}
        for key, values in mapping.items():
            if isinstance(key, str) and key.startswith("_"):
                continue
            try:
                year = int(key)
            except (TypeError, ValueError):
                raise ValueError(f"{source}: '{key}' is geen jaartal") from None
            if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
                raise ValueError(f"{source}: bij {year} hoort een lijst met datums")
            days = set()
            for value in values:
                day = _equated_date(value, source)
                if day.year != year:
                    raise ValueError(f"{source}: {day.isoformat()} staat onder jaar {year}")
                days.add(day)
            by_year[year] = frozenset(days)
        return cls(by_year=by_year)

    @classmethod
    def from_file(cls, path: Path) -> EquatedDays:
        try:
            mapping = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ValueError(f"Bestand met gelijkgestelde dagen niet gevonden: {path}") from None
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ValueError(f"{path}: geen geldige JSON: {json_problem(exc)}") from None
        if not isinstance(mapping, dict):
            raise ValueError(f"{path}: verwacht een object {{\"jaar\": [\"datum\", ...]}}")
        configured = cls.from_mapping(mapping, source=str(path))
        for year in sorted(configured.by_year):
            for day in sorted(configured.by_year[year]):
                problem = _not_a_bridge_day(day)
                if problem:
                    raise ValueError(f"{path}: {day.isoformat()} ({_WEEKDAYS[day.weekday()]}) {problem}. Een "
                                     f"koninklijk besluit stelt alleen een brugdag gelijk met een algemeen erkende "
                                     f"feestdag (Algemene termijnenwet art. 3 lid 3): een werkdag tussen een "
                                     f"feestdag en het weekend. Een andere dag zou elke wettelijke termijn die "
                                     f"erop eindigt verlengen; neem alleen de datums uit het besluit over")
        return configured

    def for_year(self, year: int) -> frozenset[date]:
        return self.by_year.get(year, frozenset())

    def covers(self, year: int) -> bool:
        """Whether the configuration names the year at all (an empty list: a year without equated days)."""
        return year in self.by_year


_WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


def _not_a_bridge_day(day: date) -> str | None:
    """Why ``day`` cannot be an equated day from a decree (None: it can): it must be a working day between a
    general holiday and the weekend (a Friday after a holiday, a Monday before one), as every decree names."""
    def holiday(d: date) -> bool:
        return d in dict(_statutory_holidays(d.year))

    if holiday(day):
        return "is al een algemeen erkende feestdag"
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    if (day.weekday() == 4 and holiday(before)) or (day.weekday() == 0 and holiday(after)):
        return None
    return "is geen brugdag"


def _equated_date(value: str | date, source: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{source}: {value!r} is geen datum (verwacht JJJJ-MM-DD)") from None


_equated: EquatedDays | None = None


def configure_equated_days(
    mapping: EquatedDays | Mapping[str | int, Iterable[str | date]] | None,
) -> EquatedDays | None:
    """Install the equated days (``None``: read the settings' file again on next use).

    Returns the previous configuration so tests can restore it.
    """
    global _equated
    previous = _equated
    if mapping is None or isinstance(mapping, EquatedDays):
        _equated = mapping
    else:
        _equated = EquatedDays.from_mapping(mapping)
    return previous


def equated_days() -> EquatedDays:
    """The configured equated days, loaded on first use from ``MELDPUNT_EQUATED_DAYS_FILE``
    (default ``processes/gelijkgestelde_dagen.json``)."""
    global _equated
    if _equated is None:
        from engine.config import get_settings

        _equated = EquatedDays.from_file(get_settings().equated_days_file or DEFAULT_EQUATED_DAYS_FILE)
    return _equated


def equated_days_warnings() -> list[str]:
    """What the operator must be told when this year or the next (by the engine clock) is missing from the
    equated days: a term that ends on such a day would end a day too early (Algemene termijnenwet art. 1 and 3),
    so a term given to a person would be shortened. The decree is published about once every three years; the
    next years must be added when it appears. Shown by the readiness check and logged at start-up."""
    from engine.clock import now

    year = local_date(now()).year
    missing = [y for y in (year, year + 1) if not equated_days().covers(y)]
    if not missing:
        return []
    years = " en ".join(str(y) for y in missing)
    return [f"Gelijkgestelde dagen (Algemene termijnenwet art. 3 lid 3) ontbreken voor {years}: vul ze aan uit het "
            f"koninklijk besluit in de Staatscourant (bestand gelijkgestelde_dagen.json of "
            f"MELDPUNT_EQUATED_DAYS_FILE); tot dan kan een termijn die op zo'n dag eindigt een dag te vroeg aflopen."]


# --- holidays (art. 3) ------------------------------------------------------------


@lru_cache(maxsize=256)
def _statutory_holidays(year: int) -> tuple[tuple[date, str], ...]:
    """Art. 3 lid 1 and 2 for ``year`` (without decreed days), built on the library."""
    names_by_day: dict[date, list[str]] = {}
    found = 0
    # language="nl" explicitly: without it the library picks the names from the locale
    # environment variables (LANGUAGE, LC_ALL, LC_MESSAGES, LANG).
    for day, names in holidays.NL(years=year, language="nl").items():
        for name in names.split("; "):
            if name in _LIBRARY_TO_LAW_NAMES:
                names_by_day.setdefault(day, []).append(_LIBRARY_TO_LAW_NAMES[name])
                found += 1
            elif name not in _IGNORED_LIBRARY_NAMES:
                raise RuntimeError(f"Onbekende feestdag uit de holidays-bibliotheek: {name} ({day})")
    if found == 0:  # a year the library does not cover (before 1966, after 2100): a mistyped date, mostly
        raise ValueError(f"Een wettelijke termijn kan voor het jaar {year} niet worden berekend: de feestdagen van de "
                         f"Algemene termijnenwet zijn bekend voor 1966 tot en met 2100. Controleer de datum.")
    if found != _EXPECTED_PER_YEAR:
        raise RuntimeError(
            f"De holidays-bibliotheek gaf {found} in plaats van {_EXPECTED_PER_YEAR} "
            f"feestdagen van de Algemene termijnenwet voor {year}"
        )
    names_by_day.setdefault(date(year, 5, 5), []).append(LIBERATION_DAY_NAME)  # "de vijfde mei", every year
    return tuple((day, "; ".join(names)) for day, names in sorted(names_by_day.items()))


def general_holidays(year: int) -> dict[date, str]:
    """The general holidays of the Atw in ``year`` (art. 3), including configured equated days."""
    result = dict(_statutory_holidays(year))
    for day in equated_days().for_year(year):
        result.setdefault(day, EQUATED_DAY_NAME)
    return dict(sorted(result.items()))


def is_free_day(day: date) -> bool:
    """Saturday, Sunday, general holiday or equated day: a day on which no legal term ends."""
    return day.weekday() >= 5 or day in general_holidays(day.year)


def _next_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while is_free_day(day):
        day += timedelta(days=1)
    return day


def _second_working_day_after(start: date) -> date:
    day, found = start, 0
    while found < 2:
        day += timedelta(days=1)
        if not is_free_day(day):
            found += 1
    return day


# --- terms ------------------------------------------------------------------------


def legal_deadline(start: date, duration: str) -> date:
    """Last day of a legal term of ``duration`` (ISO 8601, e.g. ``P7D``) started on ``start``,
    extended per Atw art. 1 and 2 (see the module docstring)."""
    if isinstance(start, datetime) or not isinstance(start, date):
        raise ValueError(f"Ongeldige begindatum: {start!r}; verwacht een datum")
    term = parse_duration(duration)
    if term.seconds:
        raise ValueError(
            f"Ongeldige wettelijke termijn: {duration!r}; een wettelijke termijn wordt in dagen, "
            "weken, maanden of jaren uitgedrukt, niet in uren, minuten of seconden"
        )
    if term.is_zero:
        raise ValueError(f"Ongeldige wettelijke termijn: {duration!r}; de termijn moet ten minste één dag zijn")
    nominal_end = add_calendar(start, term)
    end = _next_working_day(nominal_end)  # art. 1
    if (nominal_end - start).days >= 3:  # art. 2
        end = max(end, _second_working_day_after(start))
    return end


def end_of_day_utc(day: date) -> datetime:
    """The moment ``day`` has fully passed in Europe/Amsterdam (next day 00:00 local), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=AMSTERDAM).astimezone(timezone.utc)


def local_date(moment: datetime) -> date:
    """The Europe/Amsterdam calendar date of an aware moment."""
    if moment.tzinfo is None:
        raise ValueError(f"Tijdstip zonder tijdzone: {moment.isoformat()}")
    return moment.astimezone(AMSTERDAM).date()


def timer_deadline(duration: str, start: date | datetime | None = None) -> str:
    """ISO 8601 UTC moment at which a timer for the legal term should fire.

    ``start`` is a date (the day of the event) or an aware datetime (its date in
    Europe/Amsterdam counts); default: now from the engine clock. The timer fires when
    the whole last day of the term has passed: 00:00 Europe/Amsterdam the next day.
    """
    if start is None:
        start = clock.now()
    start_day = local_date(start) if isinstance(start, datetime) else start
    return end_of_day_utc(legal_deadline(start_day, duration)).isoformat()
