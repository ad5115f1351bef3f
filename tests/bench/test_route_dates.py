"""The benchmark's integrity route across midnight: its answers are dated on the case's receipt date.

A full benchmark run takes ~25 minutes; one that started before midnight (Dutch time) started its letter cases
after it, and the route's answers, prepared once on the first day, moved the new case's receipt date a day back:
the law's rule refused the step ("Een correctie van de datum van ontvangst ... vereist een reden") and the run
died without results. The engine clock is moved here; the wall clock plays no part.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bench.m1_baseline import run_service_case, setup_service
from bench.scenarios import INTEGRITY_SCENARIO, LONGEST_ROUTE_OVERRIDES, route_form

BEFORE_MIDNIGHT = datetime(2026, 11, 2, 22, 50, tzinfo=timezone.utc)  # 23:50 on 2 November in the Netherlands
AFTER_MIDNIGHT = datetime(2026, 11, 2, 23, 10, tzinfo=timezone.utc)  # 00:10 on 3 November there


def test_the_answers_take_the_cases_receipt_date_and_else_the_day_they_are_asked_on(clock):
    form = route_form(LONGEST_ROUTE_OVERRIDES)
    clock.set(BEFORE_MIDNIGHT)
    assert form("melding_registreren", {}, 0)["datum_melding"] == "2026-11-02"
    assert form("aangifte_doen", {"datum_melding": "2026-11-02"}, 8)["aangifte_datum"] == "2026-11-02"
    clock.set(AFTER_MIDNIGHT)
    assert form("melding_registreren", {}, 0)["datum_melding"] == "2026-11-03"  # not the day prepared first
    # a case received before midnight keeps its receipt date in the answers given after it
    answer = form("melding_registreren", {"datum_melding": "2026-11-02"}, 0)
    assert answer["datum_melding"] == "2026-11-02"
    assert form("zaak_registreren", {"datum_melding": "2026-11-03"}, 30)["datum_afsluiting"] == "2026-11-03"


@pytest.mark.db
def test_a_run_that_crosses_midnight_starts_and_closes_its_next_case(db, clock):
    clock.set(BEFORE_MIDNIGHT)
    version_id, team_ids, starter = setup_service(db, INTEGRITY_SCENARIO, prefix="m")
    first = run_service_case(db, INTEGRITY_SCENARIO, version_id, team_ids, starter)
    clock.set(AFTER_MIDNIGHT)
    second = run_service_case(db, INTEGRITY_SCENARIO, version_id, team_ids, starter)  # refused before the fix
    assert first["trail"] == second["trail"] and "melding_registreren" in second["trail"]
