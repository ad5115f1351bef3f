"""Audit: the date a person sees is the date the engine enforces, and the escalation fires on it by the engine
clock. A report received on Friday 18 December 2026 (worked out by hand): 7 days end on Friday 25 December
(Eerste Kerstdag), Saturday 26 (Tweede Kerstdag) and Sunday 27 are free, so the acknowledgement is due on Monday
28 December 2026; the timer fires at 00:00 Amsterdam (CET) on 29 December = 28 December 23:00 UTC."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from engine.timers import service as timers
from tests.process.engine_driver import EngineDriver
from tests.process.scenarios import DEFAULTS

pytestmark = pytest.mark.db

DUE = datetime(2026, 12, 28, 23, 0, tzinfo=timezone.utc)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _open(db, case_id: int) -> dict[str, datetime | None]:
    from engine.worklist import service as worklist

    with db.session() as s:
        return {i.element_id: (_aware(i.due_at) if i.due_at else None)
                for i in worklist.items_of_case(session=s, case_id=case_id)}


def test_acknowledgement_over_christmas_one_date_everywhere_and_the_escalation_fires_on_it(db, clock):
    from engine.cases.reporter_view import reporter_view
    from web.pages.common import due_text

    clock.set(datetime(2026, 12, 18, 9, 0, tzinfo=timezone.utc))
    driver = EngineDriver(db, clock)
    driver.start({})
    assert _open(db, driver.case_id)["melding_registreren"] == DUE
    driver.complete("melding_registreren", {**DEFAULTS["melding_registreren"], "datum_melding": "2026-12-18"})
    assert driver.data()["ontvangstbevestiging_termijn"] == "2026-12-28"
    assert _open(db, driver.case_id)["ontvangst_bevestigen"] == DUE
    assert due_text(DUE) == "28 december 2026"  # worklist, case page and task page
    with db.session() as s:
        texts = [d.text for d in reporter_view(session=s, case_id=driver.case_id).deadlines]
    assert "U krijgt uiterlijk 28 december 2026 een bevestiging dat uw melding is ontvangen." in texts

    # the whole of Monday 28 December is still in time, by the engine clock
    clock.set(datetime(2026, 12, 28, 22, 59, 59, tzinfo=timezone.utc))
    timers.fire_due(database=db)
    assert "escalatie_ontvangstbevestiging" not in _open(db, driver.case_id)
    clock.set(datetime(2026, 12, 28, 23, 0, 1, tzinfo=timezone.utc))
    timers.fire_due(database=db)
    assert "escalatie_ontvangstbevestiging" in _open(db, driver.case_id)
    assert "ontvangst_bevestigen" in _open(db, driver.case_id)  # still to be done
