"""Outside-in audit of the legal terms against the Algemene termijnenwet (Atw), EU Regulation 1182/71 and the
terms of DOMAIN §3. Every expected value here was worked out by hand from the law and a calendar, not from the
code: the Easter dates (2026: 5 April, 2027: 28 March, 2028: 16 April, 2029: 1 April), the weekdays, and the days
the Crown equated by decree for 2026-2028 (2 January 2026, 15 May 2026, 7 May 2027, 28 April 2028, 26 May 2028:
"Besluit gelijkstelling van 2 januari 2026, 15 mei 2026, 7 mei 2027, 28 april 2028 en 26 mei 2028 met een
algemeen erkende feestdag").
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from engine import legal_terms
from engine.legal_terms import general_holidays, legal_deadline, timer_deadline

D = date


# --------------------------------------------------------------------------- art. 3: the holidays, by hand
@pytest.mark.parametrize("year, expected", [
    (2028, {D(2028, 1, 1), D(2028, 4, 14), D(2028, 4, 17), D(2028, 4, 27), D(2028, 4, 28), D(2028, 5, 5),
            D(2028, 5, 25), D(2028, 5, 26), D(2028, 6, 5), D(2028, 12, 25), D(2028, 12, 26)}),
    # 2029: no decree yet configured; the statutory days only (Koningsdag Friday 27 April, 5 May a Saturday).
    (2029, {D(2029, 1, 1), D(2029, 3, 30), D(2029, 4, 2), D(2029, 4, 27), D(2029, 5, 5), D(2029, 5, 10),
            D(2029, 5, 21), D(2029, 12, 25), D(2029, 12, 26)}),
    # 2025: 27 April a Sunday, so Koningsdag on Saturday 26 April; 30 May 2025 equated (Friday after Ascension).
    (2025, {D(2025, 1, 1), D(2025, 4, 18), D(2025, 4, 21), D(2025, 4, 26), D(2025, 5, 5), D(2025, 5, 29),
            D(2025, 5, 30), D(2025, 6, 9), D(2025, 12, 25), D(2025, 12, 26)}),
])
def test_audit_holidays_by_hand(year, expected):
    assert set(general_holidays(year)) == expected


@pytest.mark.parametrize("year", [2031, 2036])
def test_audit_kings_day_on_26_april_when_27_is_a_sunday(year):
    holidays = general_holidays(year)
    assert D(year, 4, 26) in holidays and D(year, 4, 27) not in holidays


# --------------------------------------------------------------------------- art. 1 and 2, by hand
@pytest.mark.parametrize("start, term, expected", [
    # 7 days (acknowledgement)
    (D(2026, 12, 18), "P7D", D(2026, 12, 28)),  # Fri 25 Dec Christmas, Sat 26, Sun 27 -> Mon 28
    (D(2026, 12, 24), "P7D", D(2026, 12, 31)),  # Thu 31 Dec: a working day
    (D(2026, 12, 25), "P7D", D(2027, 1, 4)),    # Fri 1 Jan New Year -> Mon 4 Jan
    (D(2025, 12, 26), "P7D", D(2026, 1, 5)),    # Fri 2 Jan 2026 equated by decree -> Mon 5 Jan
    (D(2026, 5, 7), "P7D", D(2026, 5, 18)),     # Thu 14 May Ascension, Fri 15 equated -> Mon 18
    (D(2026, 4, 28), "P7D", D(2026, 5, 6)),     # Tue 5 May (not a lustrum year) -> Wed 6 May
    (D(2026, 3, 30), "P7D", D(2026, 4, 7)),     # Mon 6 Apr Easter Monday -> Tue 7 Apr
    # art. 2: terms of at least three days hold two working days
    (D(2026, 5, 13), "P3D", D(2026, 5, 19)),    # Thu 14, Fri 15 (equated), Sat 16: none -> Mon 18, Tue 19
    (D(2026, 4, 2), "P3D", D(2026, 4, 8)),      # Good Friday, Sat, Sun; Easter Monday -> Tue 7, Wed 8
    (D(2026, 12, 23), "P4D", D(2026, 12, 28)),  # Thu 24 and Mon 28 are the two working days
    # terms under three days: art. 1 only
    (D(2026, 12, 23), "P2D", D(2026, 12, 28)),
    (D(2026, 5, 14), "P1D", D(2026, 5, 18)),    # Fri 15 equated
    # months (calendar; the same day-number, else the month's last day)
    (D(2027, 1, 31), "P1M", D(2027, 3, 1)),     # Sun 28 Feb 2027 -> Mon 1 Mar
    (D(2028, 1, 31), "P1M", D(2028, 2, 29)),    # leap year: Tue 29 Feb
    (D(2026, 1, 30), "P1M", D(2026, 3, 2)),     # Sat 28 Feb 2026 -> Mon 2 Mar
    (D(2026, 3, 31), "P1M", D(2026, 4, 30)),    # Thu 30 Apr
    (D(2026, 11, 30), "P3M", D(2027, 3, 1)),    # Sun 28 Feb 2027 -> Mon 1 Mar
    (D(2027, 11, 29), "P3M", D(2028, 2, 29)),   # Tue 29 Feb 2028
    (D(2028, 2, 29), "P3M", D(2028, 5, 29)),    # Mon 29 May 2028
    (D(2026, 1, 31), "P3M", D(2026, 4, 30)),    # Thu 30 Apr
    (D(2026, 2, 27), "P2M", D(2026, 4, 28)),    # Mon 27 Apr King's Day -> Tue 28 Apr
    # weeks
    (D(2026, 3, 2), "P12W", D(2026, 5, 26)),    # Mon 25 May Whit Monday -> Tue 26 May
    (D(2028, 3, 16), "P6W", D(2028, 5, 1)),     # Thu 27 Apr King's Day, Fri 28 equated, weekend -> Mon 1 May
    (D(2026, 12, 11), "P2W", D(2026, 12, 28)),  # Fri 25 Dec -> Mon 28 Dec
    (D(2027, 4, 22), "P14D", D(2027, 5, 10)),   # Thu 6 May Ascension, Fri 7 equated, weekend -> Mon 10 May
])
def test_audit_terms_by_hand(start, term, expected):
    assert legal_deadline(start, term) == expected


# --------------------------------------------------------------------------- the moment a timer fires
@pytest.mark.parametrize("start, term, expected_utc", [
    # CEST -> 00:00 local is 22:00 UTC the evening before
    (D(2027, 3, 21), "P7D", datetime(2027, 3, 30, 22, 0, tzinfo=timezone.utc)),  # Sun 28 Mar, Easter Mon -> Tue 30
    # reported 00:30 local on Sunday 25 October 2026 (the night the clocks go back): that Sunday is the start day
    (datetime(2026, 10, 24, 22, 30, tzinfo=timezone.utc), "P7D", datetime(2026, 11, 2, 23, 0, tzinfo=timezone.utc)),
    # reported 00:30 local on Sunday 29 March 2026 (the night the clocks go forward), still CET
    (datetime(2026, 3, 28, 23, 30, tzinfo=timezone.utc), "P7D", datetime(2026, 4, 7, 22, 0, tzinfo=timezone.utc)),
    # reported 00:30 local on New Year's Day 2027: 1 January is the start day, the term ends Fri 8 January
    (datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc), "P7D", datetime(2027, 1, 8, 23, 0, tzinfo=timezone.utc)),
    # reported 23:30 local on 31 December 2026 (22:30 UTC): 31 December is the start day -> Thu 7 January 2027
    (datetime(2026, 12, 31, 22, 30, tzinfo=timezone.utc), "P7D", datetime(2027, 1, 7, 23, 0, tzinfo=timezone.utc)),
    # last day Fri 23 Oct 2026 (CEST), fires 00:00 Sat 24 Oct local = 22:00 UTC
    (D(2026, 10, 16), "P7D", datetime(2026, 10, 23, 22, 0, tzinfo=timezone.utc)),
    # last day Mon 26 Oct 2026, the day after the change (CET), fires 00:00 Tue 27 Oct local = 23:00 UTC
    (D(2026, 10, 19), "P7D", datetime(2026, 10, 26, 23, 0, tzinfo=timezone.utc)),
])
def test_audit_timer_moment_by_hand(start, term, expected_utc):
    assert datetime.fromisoformat(timer_deadline(term, start)) == expected_utc


def test_audit_timer_default_start_is_the_engine_clock(clock):
    # The engine clock at 23:30 local on Friday 18 December 2026 (22:30 UTC): the start day is Friday 18 Dec.
    clock.set(datetime(2026, 12, 18, 22, 30, tzinfo=timezone.utc))
    assert datetime.fromisoformat(timer_deadline("P7D")) == datetime(2026, 12, 28, 23, 0, tzinfo=timezone.utc)
    assert legal_terms.local_date(clock.now()) == D(2026, 12, 18)
