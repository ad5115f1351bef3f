"""The deployment check reads where a legal term starts (`start=`), as the engine does at every step.

Before: the check read only the duration of `legal_date(...)`/`legal_term(...)`. A process owner who wrote
`zienswijze_termijn = legal_date("P14D", start=datum_melding)` in the voornemen's post-script passed `processes
check` and deploy, and then the engine refused the voornemen of every case of that version (the timer ran out
fourteen days after the report, long before fourteen days after the voornemen): every case stuck at the voornemen.
The same hole was in every declared term whose start the process writes. One rule decides both
(`engine.processes.legal_rules.term_starts`): a minimum (time given to a person) counts from the day its timer is
armed and from its declared start when that is later; a maximum (what the organisation must do) from its declared
start (`from`/`after`).
"""
from __future__ import annotations

import pytest

from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)

ZIENSWIJZE = 'zienswijze_termijn = legal_date("P14D", start=voornemen_datum)'
BEZWAAR = 'bezwaar_termijn = legal_date("P6W", start=besluit_datum if besluit_datum &gt;= today() else today())'
GEGRONDHEID = 'gegrondheid_termijn = legal_date("P12W", start=datum_melding)'
TERUGKOPPELING = 'terugkoppeling_uiterlijk = legal_date("P3M", start=ontvangstbevestiging_termijn)'


def _line(path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_a_zienswijze_term_from_the_date_of_the_report_is_refused(copy):
    edit(copy / "afdoening.bpmn", ZIENSWIJZE, 'zienswijze_termijn = legal_date("P14D", start=datum_melding)')
    issue = named(refusals(copy), "afdoening.bpmn", "voornemen_verzenden",
                  "Wettelijke termijn 'zienswijzetermijn' (CAO Rijk hoofdstuk 15): de termijn wordt gerekend vanaf "
                  "'datum_melding'")
    # the line of the post-script that writes it, and why: what the engine counts from and what happens otherwise
    assert issue.startswith(f"afdoening.bpmn:{_line(copy / 'afdoening.bpmn', 'start=datum_melding')} ")
    assert "vanaf de dag waarop het voornemen wordt verzonden, of vanaf de datum in 'voornemen_datum' als die " \
           "later ligt" in issue
    assert "de engine weigert dan bij elke zaak de stap die de timer zet" in issue


@pytest.mark.parametrize("start", ["datum_melding", "min(voornemen_datum, datum_melding)",
                                   "datum_melding if datum_melding &lt;= voornemen_datum else voornemen_datum",
                                   "besluit_datum"])
def test_a_zienswijze_term_from_any_other_or_earlier_day_is_refused(copy, start):
    edit(copy / "afdoening.bpmn", ZIENSWIJZE, f'zienswijze_termijn = legal_date("P14D", start={start})')
    named(refusals(copy), "afdoening.bpmn", "voornemen_verzenden", "een eerdere begindatum kort de termijn in")


def test_a_name_set_by_a_script_to_an_earlier_day_is_followed(copy):
    edit(copy / "afdoening.bpmn", ZIENSWIJZE,
         'termijn_vanaf = datum_melding\nzienswijze_termijn = legal_date("P14D", start=termijn_vanaf)')
    named(refusals(copy), "afdoening.bpmn", "voornemen_verzenden", "vanaf 'termijn_vanaf'")


@pytest.mark.parametrize("start", ["", ", start=today()", ", start=max(voornemen_datum, today())",
                                   ", start=voornemen_datum if voornemen_datum &gt;= today() else today()"])
def test_a_zienswijze_term_from_the_day_it_is_sent_or_its_declared_start_passes(copy, start):
    edit(copy / "afdoening.bpmn", ZIENSWIJZE, f'zienswijze_termijn = legal_date("P14D"{start})')
    assert refusals(copy) == []


def test_an_objection_term_from_the_date_of_the_report_is_refused(copy):
    edit(copy / "afdoening.bpmn", BEZWAAR, 'bezwaar_termijn = legal_date("P6W", start=datum_melding)')
    issue = named(refusals(copy), "afdoening.bpmn", "besluit_disciplinaire_maatregel",
                  "Wettelijke termijn 'bezwaar binnen 6 weken' (Awb art. 6:7): de termijn wordt gerekend vanaf "
                  "'datum_melding'")
    assert "vanaf de dag waarop het besluit wordt verzonden, of vanaf de datum in 'besluit_datum'" in issue


def test_the_witness_term_from_the_date_of_the_report_is_refused(copy):
    edit(copy / "onderzoek.bpmn", "start=getuige_verslag_aangeboden_op)", "start=datum_melding)")
    issue = named(refusals(copy), "onderzoek.bpmn", "getuigenverslag_aanbieden", "vanaf 'datum_melding'")
    assert "de gehoorde krijgt ten minste P14D vanaf de dag waarop het verslag wordt aangeboden" in issue


def test_a_term_the_organisation_keeps_counted_from_a_later_day_is_refused(copy):
    # twelve weeks from today instead of from the day the report came in: a report entered late gets longer
    edit(copy / "melding.bpmn", GEGRONDHEID, 'gegrondheid_termijn = legal_date("P12W", start=today())', count=2)
    issues = refusals(copy)
    for element in ("melding_registreren", "termijnen_vanaf_ontvangst"):
        issue = named(issues, "melding.bpmn", element, "Wettelijke termijn 'melder hoort binnen 12 weken")
        assert "de organisatie moet handelen binnen P12W vanaf de datum in 'datum_melding'" in issue
        assert "een latere begindatum verlengt de termijn" in issue


@pytest.mark.parametrize("start", ["today()", "gegrondheid_termijn"])
def test_the_feedback_term_from_another_day_than_the_end_of_the_seven_days_is_refused(copy, start):
    edit(copy / "melding.bpmn", TERUGKOPPELING,
         f'terugkoppeling_uiterlijk = legal_date("P3M", start={start})', count=2)
    named(refusals(copy), "melding.bpmn", "melding_registreren",
          "vanaf het einde van de termijn van mijlpaal 'ontvangstbevestiging'")


@pytest.mark.db
def test_deploy_refuses_the_start_the_engine_would_refuse_and_runs_the_one_it_passes(db, clock, copy):
    """Check and engine agree: the set with the zienswijze from the date of the report is not deployed; the set
    that counts it from the day the voornemen goes out (start left out) is, and its voornemen goes through."""
    import shutil

    from engine.errors import ProcessValidationError
    from engine.processes import service
    from tests.engine.test_minimum_term_start import _until
    from tests.process.engine_driver import EngineDriver
    from tests.process.scenarios import DEFAULTS, FEITENONDERZOEK

    refused = copy.parent / "geweigerd"
    shutil.copytree(copy, refused)
    edit(refused / "afdoening.bpmn", ZIENSWIJZE, 'zienswijze_termijn = legal_date("P14D", start=datum_melding)')
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=refused)
    assert any(i.element_id == "voornemen_verzenden" and "'datum_melding'" in i.message for i in info.value.issues)

    edit(copy / "afdoening.bpmn", ZIENSWIJZE, 'zienswijze_termijn = legal_date("P14D")')
    driver = EngineDriver(db, clock, directory=copy)
    _until(driver, "voornemen_verzenden", FEITENONDERZOEK)
    driver.complete("voornemen_verzenden", DEFAULTS["voornemen_verzenden"])
    assert "zienswijze_verwerken" in [t.element for t in driver.ready()]
    assert driver.data()["zienswijze_termijn"] == "2026-11-16"  # Monday 2 November + 14 days
