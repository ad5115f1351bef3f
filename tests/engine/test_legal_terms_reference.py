"""Legal terms checked against an independent reference implementation (property tests).

The reference below is written from the law (DOMAIN §3; Algemene termijnenwet), not from engine/legal_terms.py:

* art. 1: a term set by law that ends on a Saturday, Sunday or general holiday is extended to and including the
  next day that is none of these;
* art. 2: a term of at least three days is extended so that it contains at least two days that are not a
  Saturday, Sunday or general holiday;
* art. 3 lid 1: Nieuwjaarsdag, Tweede Paasdag, Tweede Pinksterdag, both Christmas days, Hemelvaartsdag, the day
  the King's (before 2014: the Queen's) birthday is celebrated, and 5 May (every year); lid 2: Goede Vrijdag is
  equated by the law itself; lid 3: days equated by royal decree (configured per year, never computed);
* the day of the event is not counted: a term of n days started on day S runs S+1 .. S+n; months and years go by
  the calendar, clamped to the last day of a shorter month.

It is deliberately naive: Easter by the anonymous Gregorian algorithm, month arithmetic by stepping a month
counter, art. 1 and 2 by extending the end one day at a time until neither article asks for more, and the
Amsterdam UTC offset from the EU summer-time rule (last Sunday of March to the last Sunday of October, or of
September before 1996, switching at 01:00 UTC). Hypothesis runs derandomized with bounded examples; nothing
reads the wall clock.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import functions
from engine.legal_terms import (
    DEFAULT_EQUATED_DAYS_FILE,
    EquatedDays,
    add_calendar,
    configure_equated_days,
    end_of_day_utc,
    general_holidays,
    is_free_day,
    legal_deadline,
    local_date,
    parse_duration,
    timer_deadline,
)

D = date
ONE_DAY = timedelta(days=1)
FIRST_YEAR, LAST_YEAR = 1990, 2100

PROPERTY = settings(derandomize=True, max_examples=300, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def no_equated_days():
    """No decreed days unless a test configures them; the previous setting is restored."""
    previous = configure_equated_days({})
    yield
    configure_equated_days(previous)


# =================================================================== the reference


def ref_easter(year: int) -> date:
    """Easter Sunday, Gregorian calendar (anonymous algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def ref_royal_birthday(year: int) -> date:
    """Koningsdag 27 April (from 2014), Koninginnedag 30 April (before); a Sunday moves it a day back."""
    day = date(year, 4, 27) if year >= 2014 else date(year, 4, 30)
    return day - ONE_DAY if day.weekday() == 6 else day


def ref_holidays(year: int, equated: dict[int, set[date]]) -> set[date]:
    easter = ref_easter(year)
    statutory = {
        date(year, 1, 1),                  # Nieuwjaarsdag
        easter - timedelta(days=2),        # Goede Vrijdag (art. 3 lid 2)
        easter + timedelta(days=1),        # Tweede Paasdag
        ref_royal_birthday(year),
        date(year, 5, 5),                  # de vijfde mei, every year
        easter + timedelta(days=39),       # Hemelvaartsdag
        easter + timedelta(days=50),       # Tweede Pinksterdag
        date(year, 12, 25), date(year, 12, 26),
    }
    return statutory | set(equated.get(year, ()))


class Reference:
    def __init__(self, equated: dict[int, set[date]] | None = None):
        self.equated = equated or {}
        self._cache: dict[int, set[date]] = {}

    def holidays(self, year: int) -> set[date]:
        if year not in self._cache:
            self._cache[year] = ref_holidays(year, self.equated)
        return self._cache[year]

    def free(self, day: date) -> bool:
        return day.isoweekday() in (6, 7) or day in self.holidays(day.year)

    def deadline(self, start: date, years: int, months: int, days: int) -> date:
        nominal = ref_add(start, years, months, days)
        long_term = (nominal - start).days >= 3
        end = nominal
        while True:
            if self.free(end):  # art. 1
                end += ONE_DAY
                continue
            term_days = [start + timedelta(days=n) for n in range(1, (end - start).days + 1)]
            if long_term and sum(not self.free(day) for day in term_days) < 2:  # art. 2
                end += ONE_DAY
                continue
            return end


def ref_last_day_of_month(year: int, month: int) -> int:
    day = date(year + month // 12, month % 12 + 1, 1) - ONE_DAY  # first of the next month, minus one day
    return day.day


def ref_add(start: date, years: int, months: int, days: int) -> date:
    year, month = start.year, start.month
    for _ in range(12 * years + months):
        month += 1
        if month == 13:
            year, month = year + 1, 1
    end = date(year, month, min(start.day, ref_last_day_of_month(year, month)))
    for _ in range(days):
        end += ONE_DAY
    return end


def ref_last_sunday(year: int, month: int) -> date:
    day = date(year, month, ref_last_day_of_month(year, month))
    while day.isoweekday() != 7:
        day -= ONE_DAY
    return day


def ref_summer_time_utc(year: int) -> tuple[datetime, datetime]:
    """The UTC moments summer time starts and ends in the Netherlands (EU rule; end in September before 1996)."""
    start = ref_last_sunday(year, 3)
    end = ref_last_sunday(year, 10 if year >= 1996 else 9)
    at_one = datetime.min.time().replace(hour=1)
    return (datetime.combine(start, at_one, tzinfo=timezone.utc), datetime.combine(end, at_one, tzinfo=timezone.utc))


def ref_offset_at(moment_utc: datetime) -> timedelta:
    begin, end = ref_summer_time_utc(moment_utc.year)
    return timedelta(hours=2 if begin <= moment_utc < end else 1)


def ref_local_date(moment: datetime) -> date:
    utc = moment.astimezone(timezone.utc)
    return (utc + ref_offset_at(utc)).date()


def ref_end_of_day_utc(day: date) -> datetime:
    """00:00 local on the next day, in UTC. Midnight is never within an hour of a switch (01:00 UTC), so the
    offset of the (UTC) moment 'next day 00:00 minus one hour' settles which offset applies."""
    next_midnight = datetime.combine(day + ONE_DAY, datetime.min.time(), tzinfo=timezone.utc)
    guess = next_midnight - timedelta(hours=1)
    offset = ref_offset_at(guess)
    result = next_midnight - offset
    assert ref_offset_at(result) == offset
    return result


# --------------------------------------------------------------- the reference's own sanity (by hand)


@pytest.mark.parametrize("year, easter", [
    (1990, D(1990, 4, 15)), (1991, D(1991, 3, 31)), (2000, D(2000, 4, 23)), (2008, D(2008, 3, 23)),
    (2011, D(2011, 4, 24)), (2019, D(2019, 4, 21)), (2024, D(2024, 3, 31)), (2025, D(2025, 4, 20)),
    (2026, D(2026, 4, 5)), (2027, D(2027, 3, 28)), (2038, D(2038, 4, 25)), (2100, D(2100, 3, 28)),
])
def test_reference_easter_known_dates(year, easter):
    assert ref_easter(year) == easter


def test_reference_agrees_with_hand_worked_examples():
    ref = Reference()
    assert ref.deadline(D(2026, 12, 24), 0, 0, 3) == D(2026, 12, 29)   # module docstring, art. 2
    assert ref.deadline(D(2026, 11, 6), 0, 0, 3) == D(2026, 11, 10)
    assert ref.deadline(D(2017, 12, 20), 0, 0, 3) == D(2017, 12, 27)  # published cooling-off example
    assert ref_add(D(2026, 1, 31), 0, 1, 0) == D(2026, 2, 28)
    assert ref_add(D(2028, 2, 29), 1, 0, 0) == D(2029, 2, 28)
    assert ref_end_of_day_utc(D(2026, 3, 28)) == datetime(2026, 3, 28, 23, tzinfo=timezone.utc)
    assert ref_end_of_day_utc(D(2026, 3, 29)) == datetime(2026, 3, 29, 22, tzinfo=timezone.utc)
    assert ref_end_of_day_utc(D(2026, 10, 24)) == datetime(2026, 10, 24, 22, tzinfo=timezone.utc)
    assert ref_end_of_day_utc(D(2026, 10, 25)) == datetime(2026, 10, 25, 23, tzinfo=timezone.utc)


# =================================================================== strategies

days_in_range = st.dates(min_value=D(FIRST_YEAR, 1, 1), max_value=D(LAST_YEAR - 11, 12, 31))


@st.composite
def term_shapes(draw):
    """(text, years, months, days) for the term shapes the parser accepts, the process files' shapes included."""
    kind = draw(st.sampled_from(["D", "W", "M", "Y", "combo", "used"]))
    if kind == "used":
        text = draw(st.sampled_from(["P1D", "P5D", "P7D", "P10D", "P14D", "P1W", "P2W", "P6W", "P12W",
                                     "P1M", "P2M", "P3M", "P12M", "P1Y", "P5Y", "P10Y"]))
        parsed = parse_duration(text)  # only used to split the text; the parser itself is checked separately
        return text, parsed.years, parsed.months, parsed.days
    if kind == "D":
        n = draw(st.integers(1, 400))
        return f"P{n}D", 0, 0, n
    if kind == "W":
        n = draw(st.integers(1, 60))
        return f"P{n}W", 0, 0, 7 * n
    if kind == "M":
        n = draw(st.integers(1, 36))
        return f"P{n}M", 0, n, 0
    if kind == "Y":
        n = draw(st.integers(1, 10))
        return f"P{n}Y", n, 0, 0
    years = draw(st.integers(0, 3))
    months = draw(st.integers(0, 14))
    weeks = draw(st.integers(0, 8))
    days = draw(st.integers(0, 40))
    if not (years or months or weeks or days):
        days = 1
    text = "P" + "".join(f"{n}{unit}" for n, unit in ((years, "Y"), (months, "M"), (weeks, "W"), (days, "D")) if n)
    if draw(st.booleans()):
        text = text.lower()
    return text, years, months, 7 * weeks + days


def _anchors(year: int) -> list[date]:
    """Days around which a short term meets a long weekend: the holidays, Christmas and the turn of the year."""
    easter = ref_easter(year)
    return [easter - timedelta(days=2), easter + timedelta(days=1), easter + timedelta(days=39),
            easter + timedelta(days=50), D(year, 4, 27), D(year, 4, 30), D(year, 5, 5), D(year, 12, 25),
            D(year, 12, 31), D(year, 2, 28)]


@st.composite
def starts_near_long_weekends(draw):
    year = draw(st.integers(FIRST_YEAR, LAST_YEAR - 1))
    anchor = draw(st.sampled_from(_anchors(year)))
    return anchor + timedelta(days=draw(st.integers(-8, 3)))


@st.composite
def equated_configuration(draw, around: date):
    """A decree's worth of equated days near ``around`` (some of them on working days, some on free days)."""
    count = draw(st.integers(0, 4))
    days = {around + timedelta(days=draw(st.integers(-5, 20))) for _ in range(count)}
    by_year: dict[int, set[date]] = {}
    for day in days:
        by_year.setdefault(day.year, set()).add(day)
    return by_year


def _install(by_year: dict[int, set[date]]) -> None:
    configure_equated_days({str(year): [d.isoformat() for d in days] for year, days in by_year.items()})


# =================================================================== art. 3: the holiday set


def test_holiday_set_every_year_1990_2100_matches_the_reference():
    ref = Reference()
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        assert set(general_holidays(year)) == ref.holidays(year), year


def test_free_days_every_day_2020_2035_match_the_reference():
    ref = Reference()
    day = D(2020, 1, 1)
    while day <= D(2035, 12, 31):
        assert is_free_day(day) == ref.free(day), day
        day += ONE_DAY


def test_project_equated_days_file_matches_an_independent_reading():
    raw = json.loads(DEFAULT_EQUATED_DAYS_FILE.read_text(encoding="utf-8"))
    by_year = {int(k): {D.fromisoformat(v) for v in values} for k, values in raw.items() if not k.startswith("_")}
    configure_equated_days(EquatedDays.from_file(DEFAULT_EQUATED_DAYS_FILE))
    ref = Reference(by_year)
    for year in range(2022, 2031):
        assert set(general_holidays(year)) == ref.holidays(year), year
    day = D(2022, 12, 1)
    while day <= D(2029, 1, 31):
        for n in (1, 2, 3, 4, 5, 7, 14):
            assert legal_deadline(day, f"P{n}D") == ref.deadline(day, 0, 0, n), (day, n)
        day += ONE_DAY


# =================================================================== the calendar part


@PROPERTY
@given(start=days_in_range, term=term_shapes())
def test_add_calendar_matches_the_reference(start, term):
    text, years, months, days = term
    assert add_calendar(start, parse_duration(text)) == ref_add(start, years, months, days)


@PROPERTY
@given(years=st.integers(0, 20), months=st.integers(0, 30), weeks=st.integers(0, 60), days=st.integers(0, 400))
def test_parse_duration_splits_every_accepted_combination(years, months, weeks, days):
    text = "P" + "".join(f"{n}{unit}" for n, unit in ((years, "Y"), (months, "M"), (weeks, "W"), (days, "D")) if n)
    if text == "P":
        with pytest.raises(ValueError):
            parse_duration(text)
        return
    parsed = parse_duration(text)
    assert (parsed.years, parsed.months, parsed.days, parsed.seconds) == (years, months, 7 * weeks + days, 0)


@pytest.mark.parametrize("start, text, expected", [
    (D(2026, 1, 31), "P1M", D(2026, 2, 28)), (D(2028, 1, 31), "P1M", D(2028, 2, 29)),
    (D(2026, 1, 31), "P2M", D(2026, 3, 31)), (D(2026, 1, 31), "P3M", D(2026, 4, 30)),
    (D(2028, 2, 29), "P1Y", D(2029, 2, 28)), (D(2028, 2, 29), "P4Y", D(2032, 2, 29)),
    (D(2028, 2, 29), "P12M", D(2029, 2, 28)), (D(2026, 12, 31), "P2M", D(2027, 2, 28)),
    (D(2026, 1, 31), "P1M1D", D(2026, 3, 1)), (D(2099, 12, 31), "P1M", D(2100, 1, 31)),
    (D(2100, 1, 29), "P1M", D(2100, 2, 28)),  # 2100 is no leap year
])
def test_month_end_and_leap_year_examples(start, text, expected):
    assert add_calendar(start, parse_duration(text)) == expected == ref_add(start, *_split(text))


def _split(text: str) -> tuple[int, int, int]:
    parsed = parse_duration(text)
    return parsed.years, parsed.months, parsed.days


# =================================================================== art. 1 and 2: the deadline


@PROPERTY
@given(start=days_in_range, term=term_shapes())
def test_legal_deadline_matches_the_reference_over_wide_ranges(start, term):
    text, years, months, days = term
    assert legal_deadline(start, text) == Reference().deadline(start, years, months, days)


@PROPERTY
@given(start=starts_near_long_weekends(), n=st.integers(1, 10), unit=st.sampled_from(["D", "W"]))
def test_short_terms_near_long_weekends_match_the_reference(start, n, unit):
    days = n * (7 if unit == "W" else 1)
    assert legal_deadline(start, f"P{n}{unit}") == Reference().deadline(start, 0, 0, days)


@PROPERTY
@given(data=st.data(), start=starts_near_long_weekends(), n=st.integers(1, 8))
def test_equated_days_count_like_holidays(data, start, n):
    by_year = data.draw(equated_configuration(start))
    _install(by_year)
    try:
        assert legal_deadline(start, f"P{n}D") == Reference(by_year).deadline(start, 0, 0, n)
    finally:
        configure_equated_days({})


@PROPERTY
@given(start=days_in_range, term=term_shapes())
def test_deadline_obeys_the_law_on_its_own(start, term):
    """Independent of the reference: the result is the earliest day that satisfies art. 1 and art. 2."""
    text, years, months, days = term
    nominal = ref_add(start, years, months, days)
    end = legal_deadline(start, text)
    ref = Reference()

    def working_days_in_term(last: date) -> int:
        return sum(not ref.free(start + timedelta(days=k)) for k in range(1, (last - start).days + 1))

    def satisfies(last: date) -> bool:
        return (last >= nominal and not ref.free(last)
                and ((nominal - start).days < 3 or working_days_in_term(last) >= 2))

    assert satisfies(end)
    assert not satisfies(end - ONE_DAY)
    assert end > start  # the day of the event itself never ends a term


def test_every_start_day_and_short_term_2024_2030():
    """Exhaustive for the years the product is used in now: every start day, P1D..P10D."""
    ref = Reference()
    day = D(2024, 1, 1)
    while day <= D(2030, 12, 31):
        for n in range(1, 11):
            assert legal_deadline(day, f"P{n}D") == ref.deadline(day, 0, 0, n), (day, n)
        day += ONE_DAY


# Hand-worked long weekends (each also checked against the reference).
@pytest.mark.parametrize("start, text, expected, why", [
    (D(2026, 4, 2), "P3D", D(2026, 4, 8), "Thu before Easter 2026: Fri GF, Sat, Sun, Mon EM -> Tue 7, Wed 8"),
    (D(2026, 4, 3), "P3D", D(2026, 4, 8), "Good Friday itself: Sat, Sun, Mon EM -> Tue 7, Wed 8"),
    (D(2026, 4, 2), "P2D", D(2026, 4, 7), "P2D: art. 2 does not apply; Sat -> art. 1 Tue 7"),
    (D(2027, 3, 25), "P3D", D(2027, 3, 31), "Thu before Easter 2027 -> Tue 30, Wed 31"),
    (D(2025, 12, 24), "P3D", D(2025, 12, 30), "Wed 24 Dec 2025: Thu 25, Fri 26, Sat 27 -> Mon 29, Tue 30"),
    (D(2020, 12, 24), "P3D", D(2020, 12, 29), "Thu 24 Dec 2020: Christmas Fri, Boxing Day Sat, Sun -> Mon, Tue"),
    (D(2024, 4, 25), "P3D", D(2024, 4, 29), "King's Day Sat 27 Apr 2024: Fri 26, Sat, Sun -> Mon 29 (Fri+Mon)"),
    (D(2024, 4, 26), "P3D", D(2024, 4, 30), "Fri 26 Apr 2024: Sat KD, Sun, Mon 29 -> Tue 30"),
    (D(2026, 5, 13), "P3D", D(2026, 5, 18), "Wed before Ascension 2026 (no decree): Thu, Fri 15, Sat -> Mon 18"),
    (D(2030, 12, 31), "P1D", D(2031, 1, 2), "New Year's Day 2031 a Wednesday -> Thu 2 Jan"),
    (D(2027, 12, 30), "P3D", D(2028, 1, 3), "Thu 30 Dec 2027: Fri 31, Sat 1 Jan, Sun -> Mon 3 (Fri+Mon)"),
    (D(2027, 12, 31), "P3D", D(2028, 1, 4), "Fri 31 Dec 2027: Sat 1 Jan, Sun, Mon 3 -> Tue 4"),
])
def test_hand_worked_long_weekends(start, text, expected, why):
    years, months, days = _split(text)
    assert Reference().deadline(start, years, months, days) == expected, why
    assert legal_deadline(start, text) == expected, why


def test_friday_after_ascension_decreed_moves_the_term():
    # Same start as above but with 15 May 2026 equated (as the 2026-2028 decree does).
    configure_equated_days({"2026": ["2026-05-15"]})
    assert legal_deadline(D(2026, 5, 13), "P3D") == D(2026, 5, 19)  # Mon 18 is now the only working day
    assert legal_deadline(D(2026, 5, 11), "P4D") == D(2026, 5, 18)  # ends Fri 15 (equated) -> Mon 18


# =================================================================== Europe/Amsterdam: end of day and local date


@PROPERTY
@given(day=st.dates(min_value=D(FIRST_YEAR, 1, 1), max_value=D(LAST_YEAR, 12, 30)))
def test_end_of_day_utc_matches_the_reference(day):
    moment = end_of_day_utc(day)
    assert moment == ref_end_of_day_utc(day)
    assert moment.utcoffset() == timedelta(0)
    assert local_date(moment) == day + ONE_DAY
    assert local_date(moment - timedelta(microseconds=1)) == day


def _switch_days() -> list[date]:
    days = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        begin, end = ref_summer_time_utc(year)
        days += [begin.date() + timedelta(days=k) for k in (-1, 0, 1)]
        days += [end.date() + timedelta(days=k) for k in (-1, 0, 1)]
        days += [D(year, 12, 30), D(year, 12, 31)]
    return days


def test_end_of_day_utc_around_every_switch_and_year_end():
    for day in _switch_days():
        if day < D(LAST_YEAR, 12, 31):
            assert end_of_day_utc(day) == ref_end_of_day_utc(day), day


@st.composite
def moments_near_switches(draw, last_year: int = LAST_YEAR):
    year = draw(st.integers(FIRST_YEAR, last_year))
    begin, end = ref_summer_time_utc(year)
    new_year = datetime(year, 1, 1, tzinfo=timezone.utc) - timedelta(hours=1)  # local midnight in winter
    anchor = draw(st.sampled_from([begin, end, new_year, begin - timedelta(hours=1), end - timedelta(hours=2)]))
    return anchor + timedelta(minutes=draw(st.integers(-180, 180)), microseconds=draw(st.integers(-1, 1)))


@PROPERTY
@given(moment=moments_near_switches())
def test_local_date_near_switches_and_the_turn_of_the_year(moment):
    assert local_date(moment) == ref_local_date(moment)
    other_zone = moment.astimezone(timezone(timedelta(hours=-5)))
    assert local_date(other_zone) == ref_local_date(moment)


@PROPERTY
@given(moment=st.datetimes(min_value=datetime(FIRST_YEAR, 1, 1), max_value=datetime(LAST_YEAR, 12, 31),
                           timezones=st.just(timezone.utc)))
def test_local_date_matches_the_reference_anywhere(moment):
    assert local_date(moment) == ref_local_date(moment)


@PROPERTY
@given(moment=moments_near_switches(last_year=LAST_YEAR - 11), term=term_shapes())
def test_timer_deadline_counts_from_the_amsterdam_date(moment, term):
    text, years, months, days = term
    start_day = ref_local_date(moment)
    expected = ref_end_of_day_utc(Reference().deadline(start_day, years, months, days))
    assert datetime.fromisoformat(timer_deadline(text, moment)) == expected
    assert datetime.fromisoformat(functions.legal_term(text, moment.isoformat())) == expected
    assert functions.legal_date(text, moment.isoformat()) == Reference().deadline(start_day, years, months,
                                                                                  days).isoformat()


def test_timer_deadline_examples_at_the_edges():
    # 23:30 UTC on Sat 28 Mar 2026 is 00:30 CET on Sun 29 Mar (summer time starts at 01:00 UTC that day):
    # the event day is Sunday 29 March; P7D ends Sun 5 Apr (Easter) -> Tue 7 Apr (Easter Monday 6 Apr), CEST.
    assert timer_deadline("P7D", datetime(2026, 3, 28, 23, 30, tzinfo=timezone.utc)) == "2026-04-07T22:00:00+00:00"
    # 22:30 UTC on Sat 24 Oct 2026 is 00:30 CEST on Sun 25 Oct: P7D ends Sun 1 Nov -> Mon 2 Nov, CET.
    assert timer_deadline("P7D", datetime(2026, 10, 24, 22, 30, tzinfo=timezone.utc)) == "2026-11-02T23:00:00+00:00"
    # 23:00 UTC on 31 Dec 2026 is 00:00 on 1 Jan 2027 (a Friday, Nieuwjaarsdag): P1D ends Sat 2 Jan -> Mon 4 Jan.
    assert timer_deadline("P1D", datetime(2026, 12, 31, 23, 0, tzinfo=timezone.utc)) == "2027-01-04T23:00:00+00:00"
    # One microsecond earlier it is still Thu 31 Dec 2026: P3D covers Fri 1 Jan (Nieuwjaarsdag), Sat and Sun, so
    # art. 1 gives Mon 4 Jan and art. 2 Tue 5 Jan.
    before = datetime(2026, 12, 31, 22, 59, 59, 999999, tzinfo=timezone.utc)
    assert timer_deadline("P3D", before) == "2027-01-05T23:00:00+00:00"
