"""A minimum legal term (time given to a person: the zienswijze, the objection, the witness's check of the minutes)
cannot start before the day the engine arms it: the letter that gives the person the term goes out in that step.

Before: the term counted from whatever date was typed on the form. A voornemen dated ten days back gave the subject
four days for the zienswijze instead of fourteen, the voornemen letter named that date and the engine recorded
"geen zienswijze" after it: the statutory floor (P14D, refused when written as P2D) was bypassed through the start
date. Expected values worked out by hand (the engine clock stands at Monday 2 November 2026).
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from tests.process.driver import run_scenario
from tests.process.engine_driver import EngineDriver
from tests.process.scenarios import DEFAULTS, FEITENONDERZOEK, with_

pytestmark = pytest.mark.db


def _until(driver: EngineDriver, element: str, answers: dict) -> None:
    """Run the scenario until ``element`` is ready (not completed)."""
    class _Stop(Exception):
        pass

    complete = driver.complete

    def stop_at(el, data):
        if el == element:
            raise _Stop
        complete(el, data)

    driver.complete = stop_at
    with pytest.raises(_Stop):
        run_scenario(driver, answers, DEFAULTS, {})
    driver.complete = complete


def _timer_fire_at(db, case_id: int, element: str) -> datetime:
    from engine.timers.models import Timer

    with db.session() as s:
        fire_at = s.scalar(select(Timer.fire_at).where(Timer.case_id == case_id, Timer.element_id == element,
                                                       Timer.state == "pending"))
    return fire_at if fire_at.tzinfo else fire_at.replace(tzinfo=timezone.utc)


def test_a_backdated_voornemen_does_not_shorten_the_zienswijze(db, clock):
    driver = EngineDriver(db, clock)
    answers = with_(FEITENONDERZOEK, {"voornemen_verzenden": {"voornemen_datum": "2026-10-23"}})
    _until(driver, "voornemen_verzenden", answers)
    today = date.fromisoformat(DEFAULTS["voornemen_verzenden"]["voornemen_datum"])
    assert clock.now().date() == today == date(2026, 11, 2)
    with pytest.raises(AssertionError) as refused:
        driver.complete("voornemen_verzenden", {**DEFAULTS["voornemen_verzenden"], "voornemen_datum": "2026-10-23"})
    # 14 days from 23 October end on Friday 6 November: four days for the subject. The engine refuses: the
    # subject has until Monday 16 November 2026 (14 days from today, the day the letter goes out).
    assert "termijn-te-kort" in str(refused.value) or "16 november 2026" in str(refused.value)
    assert "16 november 2026" in str(refused.value)
    assert "zienswijze_verwerken" not in [t.element for t in driver.ready()]  # nothing of the step remains


def test_a_decision_dated_before_it_is_recorded_gets_its_full_objection_term(db, clock):
    """Awb 6:7 and 6:8: six weeks from the day after the decision is made known, i.e. sent, not from the date
    it bears. Recorded on Monday 2 November 2026 with the date Thursday 22 October: the objection term runs to
    Monday 14 December 2026 (2 November + 6 weeks), not to Thursday 3 December (22 October + 6 weeks)."""
    driver = EngineDriver(db, clock, settings={"rechtspositie": "publiekrechtelijk"})
    answers = with_(FEITENONDERZOEK, {"besluit_disciplinaire_maatregel": {"besluit_datum": "2026-10-22"}})
    _until(driver, "bezwaar_registreren", answers)
    data = driver.data()
    assert data["besluit_datum"] == "2026-10-22"  # the decision keeps its own date (the letter is dated so)
    assert data["bezwaar_termijn"] == "2026-12-14"
    assert _timer_fire_at(db, driver.case_id, "bezwaar_termijn") == datetime(2026, 12, 14, 23, 0, tzinfo=timezone.utc)
