"""The engine functions offered to process files. Expected values are worked out by hand."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from engine import clock as clock_mod
from engine.functions import (
    ENGINE_FUNCTIONS,
    add_duration,
    days_between,
    dutch_date,
    legal_term,
    now,
    parse_date,
    today,
)
from engine.legal_terms import configure_equated_days


@pytest.fixture(autouse=True)
def no_equated_days():
    previous = configure_equated_days({})
    yield
    configure_equated_days(previous)


@pytest.fixture
def frozen():
    """Engine clock at Tue 15 Dec 2026 23:30 UTC = Wed 16 Dec 00:30 in Amsterdam."""
    frozen_clock = clock_mod.FrozenClock(datetime(2026, 12, 15, 23, 30, tzinfo=timezone.utc))
    previous = clock_mod.set_clock(frozen_clock)
    yield frozen_clock
    clock_mod.set_clock(previous)


def test_catalogue_is_exactly_the_offered_functions():
    assert set(ENGINE_FUNCTIONS) == {
        "legal_term", "legal_date", "end_of_day", "add_duration", "now", "today", "parse_date", "days_between", "dutch_date",
    }


# --- the engine clock ------------------------------------------------------------------


def test_now_and_today_read_the_engine_clock(frozen):
    assert now() == "2026-12-15T23:30:00+00:00"
    assert today() == "2026-12-16"  # already Wednesday in Amsterdam
    frozen.set(datetime(2026, 6, 30, 21, 59, tzinfo=timezone.utc))
    assert today() == "2026-06-30"  # 23:59 CEST
    frozen.advance(timedelta(minutes=1))
    assert now() == "2026-06-30T22:00:00+00:00"
    assert today() == "2026-07-01"  # 00:00 CEST


def test_legal_term_counts_from_the_engine_clock(frozen):
    # Start day Wed 16 Dec (Amsterdam); last day Wed 23 Dec; fires 24 Dec 00:00 CET.
    assert legal_term("P7D") == "2026-12-23T23:00:00+00:00"
    frozen.advance(timedelta(days=1))  # Thu 17 Dec: ends Thu 24 Dec
    assert legal_term("P7D") == "2026-12-24T23:00:00+00:00"
    frozen.advance(timedelta(days=1))  # Fri 18 Dec: ends Fri 25 Dec (Christmas) -> Mon 28 Dec
    assert legal_term("P7D") == "2026-12-28T23:00:00+00:00"


def test_add_duration_counts_from_the_engine_clock(frozen):
    # 00:30 CET on Wed 16 Dec + 14 days = 00:30 CET on Wed 30 Dec.
    assert add_duration("P14D") == "2026-12-29T23:30:00+00:00"


# --- legal_term with the string forms task data holds ----------------------------------


@pytest.mark.parametrize(
    "duration, start, expected",
    [
        ("P3D", "2026-12-24", "2026-12-29T23:00:00+00:00"),  # art. 1 + 2 -> Tue 29 Dec
        ("P3D", date(2026, 12, 24), "2026-12-29T23:00:00+00:00"),
        ("P3M", "2026-11-16", "2027-02-16T23:00:00+00:00"),  # Tue 16 Feb 2027
        ("P6W", "2026-11-04", "2026-12-16T23:00:00+00:00"),  # Wed 16 Dec 2026
        ("P7D", "2026-11-02T23:30:00Z", "2026-11-10T23:00:00+00:00"),  # 00:30 Tue 3 Nov local
        ("P7D", "2026-11-02T23:30:00+00:00", "2026-11-10T23:00:00+00:00"),
        ("P7D", "2026-11-02T23:30", "2026-11-09T23:00:00+00:00"),  # naive = Amsterdam time, Mon 2 Nov
        ("P7D", datetime(2026, 11, 2, 23, 30, tzinfo=timezone.utc), "2026-11-10T23:00:00+00:00"),
        ("P7D", datetime(2026, 11, 2, 23, 30), "2026-11-09T23:00:00+00:00"),
        ("p2w", "2026-03-16", "2026-03-30T22:00:00+00:00"),  # ends after the DST change: CEST
    ],
)
def test_legal_term_accepts_dates_and_moments(duration, start, expected):
    assert legal_term(duration, start=start) == expected


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"duration": "7 dagen"}, "Ongeldige duur"),
        ({"duration": 7}, "Ongeldige duur"),
        ({"duration": "PT12H"}, "niet in uren"),
        ({"duration": "P7D", "start": "morgen"}, "Ongeldige begindatum"),
        ({"duration": "P7D", "start": "2026-02-30"}, "Ongeldige begindatum"),
        ({"duration": "P7D", "start": 20261102}, "Ongeldige begindatum"),
    ],
)
def test_legal_term_refuses_bad_input_in_dutch(kwargs, message):
    with pytest.raises(ValueError, match=message):
        legal_term(**kwargs)


# --- add_duration: plain calendar arithmetic, no legal extension -----------------------


@pytest.mark.parametrize(
    "duration, start, expected",
    [
        ("P7D", "2026-10-24", "2026-10-30T23:00:00+00:00"),  # Sat 31 Oct 00:00 CET, not moved
        ("P1M", "2026-01-31", "2026-02-27T23:00:00+00:00"),  # Sat 28 Feb 00:00 CET, not moved
        ("P14D", "2026-03-20T09:00:00+00:00", "2026-04-03T08:00:00+00:00"),  # 10:00 CET -> 10:00 CEST
        ("PT24H", "2026-03-28T12:00:00+00:00", "2026-03-29T12:00:00+00:00"),  # elapsed hours
        ("P1DT2H", "2026-11-02T09:00:00Z", "2026-11-03T11:00:00+00:00"),
        ("P1Y", date(2028, 2, 29), "2029-02-27T23:00:00+00:00"),  # 28 Feb 2029 00:00 CET
    ],
)
def test_add_duration(duration, start, expected):
    assert add_duration(duration, start=start) == expected


def test_add_duration_refuses_bad_input():
    with pytest.raises(ValueError, match="Ongeldige duur"):
        add_duration("14 dagen", start="2026-11-02")
    with pytest.raises(ValueError, match="Ongeldige begindatum"):
        add_duration("P14D", start=["2026-11-02"])


# --- dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-12-16", date(2026, 12, 16)),
        (" 2026-12-16 ", date(2026, 12, 16)),
        ("2026-12-15T23:30:00Z", date(2026, 12, 16)),  # 00:30 in Amsterdam
        ("2026-12-15T22:30:00+00:00", date(2026, 12, 15)),
        ("2026-12-16T09:00", date(2026, 12, 16)),
        (date(2026, 12, 16), date(2026, 12, 16)),
        (datetime(2026, 7, 1, 22, 30, tzinfo=timezone.utc), date(2026, 7, 2)),  # 00:30 CEST
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["16-12-2026", "16 december 2026", "", None, 20261216, "2026-13-01"])
def test_parse_date_refuses_bad_input_in_dutch(value):
    with pytest.raises(ValueError, match="Ongeldige datum"):
        parse_date(value)


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ("2026-11-02", "2026-12-16", 44),
        ("2026-12-16", "2026-11-02", -44),
        (date(2026, 1, 1), "2027-01-01", 365),
        ("2028-02-28", "2028-03-01", 2),
        ("2026-11-02T23:30:00Z", "2026-11-03", 0),  # both Tue 3 Nov in Amsterdam
    ],
)
def test_days_between(a, b, expected):
    assert days_between(a, b) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-12-16", "16 december 2026"),
        (date(2027, 3, 1), "1 maart 2027"),
        ("2026-05-05T23:30:00Z", "6 mei 2026"),  # 01:30 CEST on 6 May
        ("2026-01-31", "31 januari 2026"),
    ],
)
def test_dutch_date(value, expected):
    assert dutch_date(value) == expected


def test_results_are_json_serialisable(frozen):
    values = [legal_term("P7D"), add_duration("P7D"), now(), today(), days_between("2026-01-01", today()),
              dutch_date(today())]
    assert json.loads(json.dumps(values)) == values


def test_legal_date_and_end_of_day_name_the_same_deadline_as_legal_term():
    from datetime import datetime, timezone

    from engine import clock as clock_mod
    from engine.functions import end_of_day, legal_date, legal_term

    previous = clock_mod.set_clock(clock_mod.FrozenClock(datetime(2026, 12, 18, 10, 0, tzinfo=timezone.utc)))
    try:
        # Friday 18 Dec + 7 days = Christmas; 26 Dec is a holiday and Saturday, 27 a Sunday: Monday 28 Dec.
        assert legal_date("P7D") == "2026-12-28"
        assert end_of_day("2026-12-28") == "2026-12-28T23:00:00+00:00"
        assert end_of_day(legal_date("P7D")) == legal_term("P7D")
        assert legal_date("P14D", start="2026-04-13") == "2026-04-28"  # 27 April 2026 is King's Day (Monday)
    finally:
        clock_mod.set_clock(previous)
