"""A reporter term's timer that fell due while the timer worker had not fired it yet, and a step completed on the
case in between: the step leaves the due timer READY but not run (SpiffWorkflow refreshes the timers after its last
round). It stays pending for the worker, which fires it: the escalation comes exactly once (session 20's fix, until
now tested only through a migration)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.engine.test_case_migration import ANSWERS, _walk_to
from tests.process.engine_driver import EngineDriver

pytestmark = pytest.mark.db


def test_a_due_term_timer_survives_a_step_and_escalates_once(db, clock):
    from engine.timers import service as timers
    from engine.timers.models import Timer

    driver = EngineDriver(db, clock)
    _walk_to(driver, "ontvangst_bevestigen")
    clock.advance(timedelta(days=8))  # the seven days for the acknowledgement ran out; the worker has not run
    driver.complete("ernst_en_strafbaarheid", ANSWERS["ernst_en_strafbaarheid"])  # another step on the case
    assert "ontvangst_termijn" in driver.waiting_timers()  # still the worker's to fire
    assert "escalatie_ontvangstbevestiging" not in [t.element for t in driver.ready()]
    timers.fire_due(database=db)
    timers.fire_due(database=db)
    assert [t.element for t in driver.ready()].count("escalatie_ontvangstbevestiging") == 1
    assert "ontvangst_termijn" not in driver.waiting_timers()
    with db.session() as s:
        fired = s.execute(select(Timer.state).where(Timer.case_id == driver.case_id,
                                                    Timer.element_id == "ontvangst_termijn")).scalars().all()
    assert fired == ["fired"], fired
