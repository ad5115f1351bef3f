"""Issue 15, findings 5, 6, 8 and 13 on the process files themselves: each legal clock is a timer from the moment
the law names, on bare SpiffWorkflow and on the engine (same driver interface as test_process_files)."""
from __future__ import annotations

from datetime import datetime

import pytest

from .driver import SpiffDriver, end_of_day, legal_date
from .scenarios import DEFAULTS, TODAY


@pytest.fixture(params=["spiff", pytest.param("engine", marks=pytest.mark.db)])
def make_driver(request):
    if request.param == "spiff":
        return lambda **kw: SpiffDriver(**kw)
    from .engine_driver import EngineDriver
    db, clock = request.getfixturevalue("db"), request.getfixturevalue("clock")
    return lambda **kw: EngineDriver(db, clock, **kw)


@pytest.fixture
def rdriver(make_driver):
    return make_driver()


def _ready(driver) -> dict:
    return {t.element: t for t in driver.ready()}


def _due(driver, timer) -> datetime:
    return datetime.fromisoformat(driver.waiting_timers()[timer])


DAY7 = legal_date("P7D", start=TODAY)
COORDINATOR = ("Integriteitscoördinator", "integriteitscoordinator")  # lane on bare Spiff, role on the engine


def test_finding13_the_clocks_run_before_registration(rdriver):
    rdriver.start({"datum_melding": TODAY})
    assert set(_ready(rdriver)) == {"melding_registreren"}
    assert _due(rdriver, "registratie_ontvangsttermijn") == datetime.fromisoformat(end_of_day(DAY7))
    assert _due(rdriver, "registratie_gegrondheidstermijn") == datetime.fromisoformat(
        end_of_day(legal_date("P12W", start=TODAY)))
    assert _due(rdriver, "registratie_terugkoppelingstermijn") == datetime.fromisoformat(
        end_of_day(legal_date("P3M", start=DAY7)))
    rdriver.expire("registratie_ontvangsttermijn")
    ready = _ready(rdriver)
    assert ready["escalatie_registratie_ontvangstbevestiging"].lane in COORDINATOR
    assert "melding_registreren" in ready  # non-interrupting


def test_finding13_registration_ends_the_registration_clocks(rdriver):
    rdriver.start({"datum_melding": TODAY})
    rdriver.complete("melding_registreren", DEFAULTS["melding_registreren"])
    assert not {"registratie_ontvangsttermijn", "registratie_gegrondheidstermijn",
                "registratie_terugkoppelingstermijn"} & set(rdriver.waiting_timers())


def test_finding5_without_acknowledgement_the_feedback_clock_runs_from_day_7(rdriver):
    rdriver.start({"datum_melding": TODAY})
    rdriver.complete("melding_registreren", DEFAULTS["melding_registreren"])
    assert _due(rdriver, "ontvangst_terugkoppelingstermijn") == datetime.fromisoformat(
        end_of_day(legal_date("P3M", start=DAY7)))
    rdriver.expire("ontvangst_terugkoppelingstermijn")
    ready = _ready(rdriver)
    assert ready["escalatie_terugkoppeling_zonder_bevestiging"].lane in COORDINATOR
    assert "ontvangst_bevestigen" in ready


def test_finding6_the_12_weeks_run_from_receipt_before_the_feedback_is_sent(rdriver):
    rdriver.start({"datum_melding": TODAY})
    rdriver.complete("melding_registreren", DEFAULTS["melding_registreren"])
    twelve = datetime.fromisoformat(end_of_day(legal_date("P12W", start=TODAY)))
    assert _due(rdriver, "ontvangst_gegrondheidstermijn") == twelve
    rdriver.complete("ontvangst_bevestigen", DEFAULTS["ontvangst_bevestigen"])
    assert _due(rdriver, "terugkoppeling_gegrondheidstermijn") == twelve
    rdriver.expire("terugkoppeling_gegrondheidstermijn")
    assert "escalatie_gegrondheid_voor_terugkoppeling" in _ready(rdriver)


def _to_aangifte(driver):
    driver.start({"datum_melding": TODAY})
    driver.complete("melding_registreren", DEFAULTS["melding_registreren"])
    driver.complete("ernst_en_strafbaarheid", {**DEFAULTS["ernst_en_strafbaarheid"], "strafbaar_feit": True,
                                               "strafbaar_feit_toelichting": "Mogelijk omkoping van een ambtenaar."})
    assert "aangifte_doen" in _ready(driver)


def test_finding8_aangifte_has_a_timer_with_escalation(rdriver):
    _to_aangifte(rdriver)
    assert _due(rdriver, "aangifte_termijn_verstreken") == datetime.fromisoformat(
        end_of_day(legal_date("P1D", start=TODAY)))
    rdriver.expire("aangifte_termijn_verstreken")
    ready = _ready(rdriver)
    assert ready["escalatie_aangifte"].lane in COORDINATOR
    assert "aangifte_doen" in ready


def test_finding8_the_aangifte_term_is_a_setting(make_driver):
    driver = make_driver(settings={"aangifte_termijn": "P5D"}, deadline_terms={"aangifte": "P5D"})
    _to_aangifte(driver)
    assert _due(driver, "aangifte_termijn_verstreken") == datetime.fromisoformat(
        end_of_day(legal_date("P5D", start=TODAY)))
