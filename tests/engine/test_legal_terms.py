"""Algemene termijnenwet: holidays, art. 1, art. 2, equated days, timer moments.

Every expected date below is worked out by hand from the calendar (weekdays and
Easter dates), not by calling the code under test.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from engine import clock as clock_mod
from engine import legal_terms
from engine.config import get_settings
from engine.legal_terms import (
    DEFAULT_EQUATED_DAYS_FILE,
    EQUATED_DAY_NAME,
    EquatedDays,
    configure_equated_days,
    general_holidays,
    is_free_day,
    legal_deadline,
    timer_deadline,
)

D = date


@pytest.fixture(autouse=True)
def no_equated_days():
    """No decreed days unless a test configures them; the previous setting is restored."""
    previous = configure_equated_days({})
    yield
    configure_equated_days(previous)


# --- the law's holiday set (art. 3) ----------------------------------------------


def test_general_holidays_2026_is_the_laws_set():
    # Easter 2026 is 5 April: Good Friday 3 April, Ascension 14 May, Whit Monday 25 May.
    assert general_holidays(2026) == {
        D(2026, 1, 1): "Nieuwjaarsdag",
        D(2026, 4, 3): "Goede Vrijdag",
        D(2026, 4, 6): "Tweede Paasdag",
        D(2026, 4, 27): "Koningsdag",
        D(2026, 5, 5): "Bevrijdingsdag",
        D(2026, 5, 14): "Hemelvaartsdag",
        D(2026, 5, 25): "Tweede Pinksterdag",
        D(2026, 12, 25): "Eerste Kerstdag",
        D(2026, 12, 26): "Tweede Kerstdag",
    }


def test_general_holidays_2027():
    # Easter 2027 is 28 March.
    assert general_holidays(2027) == {
        D(2027, 1, 1): "Nieuwjaarsdag",
        D(2027, 3, 26): "Goede Vrijdag",
        D(2027, 3, 29): "Tweede Paasdag",
        D(2027, 4, 27): "Koningsdag",
        D(2027, 5, 5): "Bevrijdingsdag",
        D(2027, 5, 6): "Hemelvaartsdag",
        D(2027, 5, 17): "Tweede Pinksterdag",
        D(2027, 12, 25): "Eerste Kerstdag",
        D(2027, 12, 26): "Tweede Kerstdag",
    }


def test_easter_and_whit_sunday_are_not_named_by_the_law():
    holidays_2026 = general_holidays(2026)
    assert D(2026, 4, 5) not in holidays_2026  # Eerste Paasdag
    assert D(2026, 5, 24) not in holidays_2026  # Eerste Pinksterdag
    assert is_free_day(D(2026, 4, 5))  # still free: a Sunday


@pytest.mark.parametrize("year", [2025, 2031])
def test_kings_day_moves_to_26_april_when_27_april_is_a_sunday(year):
    holidays_of_year = general_holidays(year)
    assert holidays_of_year[D(year, 4, 26)] == "Koningsdag"
    assert D(year, 4, 27) not in holidays_of_year


@pytest.mark.parametrize("year", [2026, 2027, 2029, 2031])
def test_liberation_day_every_year_not_only_lustrum_years(year):
    assert general_holidays(year)[D(year, 5, 5)] == "Bevrijdingsdag"


def test_liberation_day_sharing_a_date_keeps_both_names():
    # 2016: Easter 27 March, so Ascension fell on 5 May.
    assert general_holidays(2016)[D(2016, 5, 5)] == "Hemelvaartsdag; Bevrijdingsdag"


def test_free_days():
    assert is_free_day(D(2026, 11, 7))  # Saturday
    assert is_free_day(D(2026, 11, 8))  # Sunday
    assert is_free_day(D(2026, 5, 5))  # Bevrijdingsdag on a Tuesday
    assert not is_free_day(D(2026, 11, 9))  # Monday
    assert not is_free_day(D(2026, 5, 15))  # Friday after Ascension, not configured here


# --- art. 1: a term ending on a free day ----------------------------------------

# (start, duration, expected last day, what the nominal end day is)
ART_1_CASES = [
    (D(2026, 11, 2), "P7D", D(2026, 11, 9), "Monday: no shift"),
    (D(2026, 11, 4), "P6W", D(2026, 12, 16), "Wednesday: no shift"),
    (D(2026, 11, 2), "P12W", D(2027, 1, 25), "Monday: no shift"),
    (D(2026, 10, 24), "P7D", D(2026, 11, 2), "Saturday 31 Oct -> Monday"),
    (D(2026, 10, 25), "P7D", D(2026, 11, 2), "Sunday 1 Nov -> Monday"),
    (D(2026, 11, 14), "P2W", D(2026, 11, 30), "Saturday 28 Nov -> Monday"),
    (D(2027, 1, 16), "P1W", D(2027, 1, 25), "Saturday 23 Jan 2027 -> Monday"),
    (D(2027, 1, 17), "P7D", D(2027, 1, 25), "Sunday 24 Jan 2027 -> Monday"),
    # Each general holiday, in two years each (P7D ending on the holiday).
    (D(2025, 12, 25), "P7D", D(2026, 1, 2), "Nieuwjaarsdag Thu 1 Jan 2026"),
    (D(2026, 12, 25), "P7D", D(2027, 1, 4), "Nieuwjaarsdag Fri 1 Jan 2027, then weekend"),
    (D(2026, 3, 27), "P7D", D(2026, 4, 7), "Goede Vrijdag 3 Apr 2026, weekend, Tweede Paasdag"),
    (D(2027, 3, 19), "P7D", D(2027, 3, 30), "Goede Vrijdag 26 Mar 2027, weekend, Tweede Paasdag"),
    (D(2026, 3, 30), "P7D", D(2026, 4, 7), "Tweede Paasdag Mon 6 Apr 2026"),
    (D(2027, 3, 22), "P7D", D(2027, 3, 30), "Tweede Paasdag Mon 29 Mar 2027"),
    (D(2026, 4, 20), "P7D", D(2026, 4, 28), "Koningsdag Mon 27 Apr 2026"),
    (D(2027, 4, 20), "P7D", D(2027, 4, 28), "Koningsdag Tue 27 Apr 2027"),
    (D(2025, 4, 19), "P7D", D(2025, 4, 28), "Koningsdag Sat 26 Apr 2025 (27th a Sunday)"),
    (D(2026, 4, 28), "P7D", D(2026, 5, 6), "Bevrijdingsdag Tue 5 May 2026 (no lustrum)"),
    (D(2027, 4, 28), "P7D", D(2027, 5, 7), "Bevrijdingsdag Wed 5 May 2027, Hemelvaartsdag"),
    (D(2026, 5, 7), "P7D", D(2026, 5, 15), "Hemelvaartsdag Thu 14 May 2026"),
    (D(2027, 4, 29), "P7D", D(2027, 5, 7), "Hemelvaartsdag Thu 6 May 2027"),
    (D(2026, 5, 18), "P7D", D(2026, 5, 26), "Tweede Pinksterdag Mon 25 May 2026"),
    (D(2027, 5, 10), "P7D", D(2027, 5, 18), "Tweede Pinksterdag Mon 17 May 2027"),
    (D(2025, 12, 18), "P7D", D(2025, 12, 29), "Eerste Kerstdag Thu 25 Dec 2025"),
    (D(2026, 12, 18), "P7D", D(2026, 12, 28), "Eerste Kerstdag Fri 25 Dec 2026"),
    (D(2028, 12, 18), "P7D", D(2028, 12, 27), "Eerste Kerstdag Mon 25 Dec 2028"),
    (D(2025, 12, 19), "P7D", D(2025, 12, 29), "Tweede Kerstdag Fri 26 Dec 2025"),
    (D(2028, 12, 19), "P7D", D(2028, 12, 27), "Tweede Kerstdag Tue 26 Dec 2028"),
]


@pytest.mark.parametrize(
    "start, duration, expected",
    [case[:3] for case in ART_1_CASES],
    ids=[case[3] for case in ART_1_CASES],
)
def test_art_1_term_ending_on_a_free_day_moves_to_next_working_day(start, duration, expected):
    assert legal_deadline(start, duration) == expected


# --- months and years by the calendar -------------------------------------------


@pytest.mark.parametrize(
    "start, duration, expected",
    [
        (D(2026, 3, 31), "P1M", D(2026, 4, 30)),  # clamped to 30 April (a Thursday)
        (D(2028, 1, 31), "P1M", D(2028, 2, 29)),  # leap year, a Tuesday
        (D(2026, 1, 31), "P1M", D(2026, 3, 2)),  # 28 Feb 2026 is a Saturday -> Monday 2 March
        (D(2026, 11, 16), "P3M", D(2027, 2, 16)),  # Tuesday
        (D(2026, 11, 30), "P3M", D(2027, 3, 1)),  # 28 Feb 2027 is a Sunday -> Monday
        (D(2026, 12, 31), "P2M", D(2027, 3, 1)),  # clamped to Sunday 28 Feb 2027 -> Monday
        (D(2028, 2, 29), "P1Y", D(2029, 2, 28)),  # clamped; a Wednesday
    ],
)
def test_month_and_year_terms_follow_the_calendar(start, duration, expected):
    assert legal_deadline(start, duration) == expected


# --- art. 2: at least two working days in a term of three days or more -----------

# (start, duration, expected, why)
ART_2_CASES = [
    (D(2026, 11, 6), "P3D", D(2026, 11, 10), "Fri: Sat, Sun, Mon has one working day -> Tue"),
    (D(2026, 11, 7), "P3D", D(2026, 11, 10), "Sat: Sun, Mon, Tue has two -> no extension"),
    (D(2026, 11, 5), "P3D", D(2026, 11, 9), "Thu: ends Sun -> art. 1 Mon; Fri+Mon are two"),
    (D(2026, 11, 4), "P3D", D(2026, 11, 9), "Wed: ends Sat -> art. 1 Mon; Thu+Fri are two"),
    (D(2026, 11, 3), "P3D", D(2026, 11, 6), "Tue: ends Fri, no change"),
    (D(2026, 11, 6), "P4D", D(2026, 11, 10), "Fri + 4 days: Mon and Tue are two"),
    (D(2026, 11, 6), "P2D", D(2026, 11, 9), "two days: art. 2 does not apply; art. 1 Sun -> Mon"),
    (D(2026, 11, 6), "P1D", D(2026, 11, 9), "one day: art. 1 Sat -> Mon"),
    # art. 1 and 2 combined: art. 1 alone would give the Monday.
    (D(2026, 12, 24), "P3D", D(2026, 12, 29), "Thu 24 Dec: Christmas, Sat, Sun; art. 1 Mon 28, art. 2 Tue 29"),
    (D(2026, 4, 2), "P3D", D(2026, 4, 8), "Thu before Easter: GF, Sat, Sun; art. 1 Tue 7, art. 2 Wed 8"),
    (D(2026, 12, 23), "P3D", D(2026, 12, 28), "Wed 23 Dec: Thu 24 and Mon 28 are the two"),
    # Published example (house purchase, cooling-off 3 days, December 2017).
    (D(2017, 12, 19), "P3D", D(2017, 12, 22), "signed Tue 19 Dec 2017 -> Fri 22 Dec"),
    (D(2017, 12, 20), "P3D", D(2017, 12, 27), "signed Wed 20 Dec 2017 -> Wed 27 Dec"),
]


@pytest.mark.parametrize(
    "start, duration, expected",
    [case[:3] for case in ART_2_CASES],
    ids=[case[3] for case in ART_2_CASES],
)
def test_art_2_term_contains_two_working_days(start, duration, expected):
    assert legal_deadline(start, duration) == expected


# --- equated days (art. 3 lid 3) ---------------------------------------------------


def test_equated_day_moves_the_term_in_its_year_only():
    configure_equated_days({"2026": ["2026-05-15"]})
    # Ends Fri 15 May 2026 (equated) -> Mon 18 May.
    assert legal_deadline(D(2026, 5, 8), "P7D") == D(2026, 5, 18)
    # Ends Thu 14 May (Ascension) -> Fri 15 (equated) -> weekend -> Mon 18 May.
    assert legal_deadline(D(2026, 5, 7), "P7D") == D(2026, 5, 18)
    # 2027 has nothing configured: ends Thu 6 May (Ascension) -> Fri 7 May 2027.
    assert legal_deadline(D(2027, 4, 29), "P7D") == D(2027, 5, 7)
    assert general_holidays(2026)[D(2026, 5, 15)] == EQUATED_DAY_NAME
    assert D(2027, 5, 7) not in general_holidays(2027)


def test_equated_day_of_another_year_does_not_move_this_years_term():
    configure_equated_days({"2027": ["2027-05-07"]})
    assert legal_deadline(D(2026, 5, 8), "P7D") == D(2026, 5, 15)
    assert legal_deadline(D(2027, 4, 30), "P7D") == D(2027, 5, 10)  # Fri 7 May equated -> Mon


def test_equated_day_counts_for_art_2():
    # Wed 13 May 2026 + 3 days: Thu 14 (Ascension), Fri 15, Sat 16.
    assert legal_deadline(D(2026, 5, 13), "P3D") == D(2026, 5, 18)  # Fri 15 + Mon 18
    configure_equated_days({"2026": ["2026-05-15"]})
    assert legal_deadline(D(2026, 5, 13), "P3D") == D(2026, 5, 19)  # Mon 18 + Tue 19


def test_configure_returns_previous_and_none_reloads_from_file():
    first = configure_equated_days({"2026": ["2026-05-15"]})
    assert first == EquatedDays(by_year={})
    previous = configure_equated_days(None)
    assert previous.for_year(2026) == frozenset({D(2026, 5, 15)})
    assert legal_terms.equated_days() == EquatedDays.from_file(DEFAULT_EQUATED_DAYS_FILE)


def test_project_file_holds_the_decreed_days():
    configured = EquatedDays.from_file(DEFAULT_EQUATED_DAYS_FILE)
    assert configured.for_year(2026) == frozenset({D(2026, 1, 2), D(2026, 5, 15)})
    assert configured.for_year(2027) == frozenset({D(2027, 5, 7)})
    assert configured.for_year(2028) == frozenset({D(2028, 4, 28), D(2028, 5, 26)})
    assert configured.for_year(2030) == frozenset()
    configure_equated_days(configured)
    # Thu 1 Jan 2026 (Nieuwjaarsdag), Fri 2 Jan (equated), weekend -> Mon 5 Jan.
    assert legal_deadline(D(2025, 12, 25), "P7D") == D(2026, 1, 5)


def test_equated_days_file_from_settings(tmp_path, monkeypatch):
    path = tmp_path / "dagen.json"
    path.write_text('{"_toelichting": "test", "2027": ["2027-05-07"]}', encoding="utf-8")
    monkeypatch.setenv("MELDPUNT_EQUATED_DAYS_FILE", str(path))
    get_settings.cache_clear()
    try:
        configure_equated_days(None)
        assert legal_deadline(D(2027, 4, 30), "P7D") == D(2027, 5, 10)
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    "mapping, message",
    [
        ({"2026": ["2027-05-07"]}, "staat onder jaar 2026"),
        ({"2026": ["15 mei 2026"]}, "geen datum"),
        ({"twintig": ["2026-05-15"]}, "geen jaartal"),
        ({"2026": "2026-05-15"}, "lijst met datums"),
    ],
)
def test_bad_equated_days_configuration_is_refused(mapping, message):
    with pytest.raises(ValueError, match=message):
        EquatedDays.from_mapping(mapping)


def test_missing_or_broken_equated_days_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="niet gevonden"):
        EquatedDays.from_file(tmp_path / "ontbreekt.json")
    broken = tmp_path / "kapot.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="geen geldige JSON"):
        EquatedDays.from_file(broken)


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize("duration", ["P", "7D", "P7", "P-7D", "P1.5D", "", "PT", "P7DT", "zeven dagen"])
def test_bad_durations_are_refused(duration):
    with pytest.raises(ValueError, match="Ongeldige duur"):
        legal_deadline(D(2026, 11, 2), duration)


@pytest.mark.parametrize("duration", ["PT24H", "P1DT12H"])
def test_legal_terms_are_not_in_hours(duration):
    with pytest.raises(ValueError, match="niet in uren"):
        legal_deadline(D(2026, 11, 2), duration)


def test_zero_term_is_refused():
    with pytest.raises(ValueError, match="ten minste één dag"):
        legal_deadline(D(2026, 11, 2), "P0D")


@pytest.mark.parametrize("start", ["2026-11-02", datetime(2026, 11, 2, tzinfo=timezone.utc), None])
def test_legal_deadline_needs_a_date(start):
    with pytest.raises(ValueError, match="Ongeldige begindatum"):
        legal_deadline(start, "P7D")  # type: ignore[arg-type]


# --- timer moments -------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, duration, expected",
    [
        # Last day Mon 9 Nov 2026 (CET): fires 10 Nov 00:00 +01:00.
        (D(2026, 11, 2), "P7D", "2026-11-09T23:00:00+00:00"),
        # Last day Mon 8 Jun 2026 (CEST): fires 9 Jun 00:00 +02:00.
        (D(2026, 6, 1), "P7D", "2026-06-08T22:00:00+00:00"),
        # Started in winter time, last day Mon 30 Mar 2026 after DST began on 29 March.
        (D(2026, 3, 16), "P2W", "2026-03-30T22:00:00+00:00"),
        # Started in summer time, last day Mon 26 Oct 2026 after DST ended on 25 October.
        (D(2026, 10, 19), "P7D", "2026-10-26T23:00:00+00:00"),
        # Last day Sat 24 Oct 2026 (CEST) moves to Mon 26 Oct (CET).
        (D(2026, 10, 17), "P7D", "2026-10-26T23:00:00+00:00"),
        # Ends Sat 28 Mar 2026 (CET), moves to Mon 30 Mar (CEST).
        (D(2026, 3, 21), "P7D", "2026-03-30T22:00:00+00:00"),
    ],
)
def test_timer_fires_after_the_whole_last_day_in_amsterdam(start, duration, expected):
    assert timer_deadline(duration, start) == expected


def test_timer_start_moment_counts_by_its_amsterdam_date():
    # 23:30 UTC on Mon 2 Nov is 00:30 on Tue 3 Nov in Amsterdam: last day Tue 10 Nov.
    late = datetime(2026, 11, 2, 23, 30, tzinfo=timezone.utc)
    assert timer_deadline("P7D", late) == "2026-11-10T23:00:00+00:00"
    early = datetime(2026, 11, 2, 22, 30, tzinfo=timezone.utc)  # 23:30 on Mon 2 Nov
    assert timer_deadline("P7D", early) == "2026-11-09T23:00:00+00:00"


def test_timer_without_start_uses_the_engine_clock():
    frozen = clock_mod.FrozenClock(datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc))
    previous = clock_mod.set_clock(frozen)
    try:
        assert timer_deadline("P7D") == "2026-11-09T23:00:00+00:00"
        frozen.advance(timedelta(days=1))  # Tue 3 Nov: last day Tue 10 Nov
        assert timer_deadline("P7D") == "2026-11-10T23:00:00+00:00"
    finally:
        clock_mod.set_clock(previous)


def test_timer_refuses_a_naive_moment():
    with pytest.raises(ValueError, match="zonder tijdzone"):
        timer_deadline("P7D", datetime(2026, 11, 2, 9, 0))


@pytest.mark.parametrize("day", [date(2206, 1, 1), date(1900, 3, 1)])
def test_a_term_in_a_year_without_known_holidays_is_refused_in_dutch_as_bad_input(day):
    # A mistyped year in a form's date (2206 for 2026) reaches legal_date in a process script: a ValueError (bad
    # input, which the callers turn into a Dutch refusal), not the RuntimeError of a broken holiday library.
    with pytest.raises(ValueError) as refused:
        legal_deadline(day, "P7D")
    assert str(day.year) in str(refused.value) and "Controleer de datum" in str(refused.value)


@pytest.mark.parametrize("term", ["P99999Y", "P9999999D"])
def test_a_term_beyond_the_calendar_is_refused_in_dutch(term):
    with pytest.raises(ValueError) as refused:
        legal_terms.add_calendar(date(2026, 1, 1), legal_terms.parse_duration(term))
    assert "Controleer de termijn" in str(refused.value) and "out of range" not in str(refused.value)


# --- the equated days file cannot lengthen the legal terms at will ------------------------------------------------
# A royal decree equates a bridge day (a working day between a general holiday and the weekend) with a holiday;
# every decree so far names only such Fridays. A file that names other working days (a whole month, say) would
# push every legal term ending in them (the acknowledgement within 7 days, the feedback within 3 months) weeks
# later, yet it loaded.

@pytest.mark.parametrize("day, words", [
    ("2027-03-10", "2027-03-10 (woensdag) is geen brugdag"),
    ("2027-05-08", "2027-05-08 (zaterdag) is geen brugdag"),
    ("2027-05-06", "2027-05-06 (donderdag) is al een algemeen erkende feestdag"),
], ids=["werkdag", "zaterdag", "feestdag"])
def test_an_equated_days_file_naming_a_day_no_decree_can_equate_is_refused(tmp_path, day, words):
    path = tmp_path / "gelijkgestelde_dagen.json"
    path.write_text(f'{{"2027": ["2027-05-07", "{day}"]}}', encoding="utf-8")
    with pytest.raises(ValueError) as info:
        EquatedDays.from_file(path)
    assert str(path) in str(info.value) and words in str(info.value)
    assert "Algemene termijnenwet art. 3" in str(info.value)


def test_an_equated_days_file_naming_a_month_of_working_days_is_refused(tmp_path):
    path = tmp_path / "gelijkgestelde_dagen.json"
    days = [(D(2027, 3, 1) + timedelta(days=n)).isoformat() for n in range(31)]
    path.write_text('{"2027": [' + ", ".join(f'"{d}"' for d in days) + "]}", encoding="utf-8")
    with pytest.raises(ValueError, match="geen brugdag"):
        EquatedDays.from_file(path)


def test_a_monday_before_a_holiday_may_be_equated(tmp_path):
    path = tmp_path / "gelijkgestelde_dagen.json"
    path.write_text('{"2030": ["2030-04-26"]}', encoding="utf-8")  # Fri 26 April 2030, King's Day is Sat 27
    with pytest.raises(ValueError, match="geen brugdag"):
        EquatedDays.from_file(path)
    path.write_text('{"2029": ["2029-12-24"]}', encoding="utf-8")  # Mon 24 Dec 2029, Christmas is Tue 25
    assert EquatedDays.from_file(path).for_year(2029) == frozenset({D(2029, 12, 24)})
