"""A legal term the process computes (no literal the check can read) is held at the step that arms its timer.

A process owner writes the term as an expression, ``legal_date("P" + "30D")`` for the aangifte (art. 162 Sv:
without delay; declared maximum P1D) or ``legal_date("P" + "2D", start=voornemen_datum)`` for the zienswijze
(declared minimum P14D). `processes check` cannot read the term, so the version deploys; the step that arms the
timer (the coordinator's assessment, the voornemen) is refused with a Dutch message and nothing of it is saved.
The shipped process passes the same steps (the last test).
"""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from engine.cases.models import Case
from engine.processes import service as processes
from features.steps.afdoening import _do, step_investigated
from features.steps.common import (World, _complete, step_demo, step_report_about, step_user,  # noqa: F401
                                   wereld)
from tests.api.test_legal_clocks import _at, _register
from tests.api.test_legal_rules import BERISPING, _state
from tests.process.driver import PROCESSES

AANGIFTE = ('aangifte_termijn = legal_date(instellingen["aangifte_termijn"] if "aangifte_termijn" in instellingen '
            'else "P1D")')
ZIENSWIJZE = 'zienswijze_termijn = legal_date("P14D", start=voornemen_datum)'


def _deploy(w: World, file: str, old: str, new: str, count: int = 1) -> None:
    """Deploy the shipped set with one edit (in ``count`` places), through the real check (which cannot read a
    computed term)."""
    files = {str(f.relative_to(PROCESSES)).replace("\\", "/"): f.read_bytes() for f in PROCESSES.rglob("*")
             if f.is_file()}
    text = files[file].decode("utf-8")
    assert text.count(old) == count, old
    files[file] = text.replace(old, new).encode("utf-8")
    json.loads(files["manifest.json"])
    with w.db.session() as s:
        processes.deploy(session=s, files=files)


def _assessed(w: World):
    return _complete(w, "coordinator", "ernst_en_strafbaarheid", {
        "strafbaar_feit": True, "strafbaar_feit_toelichting": "Mogelijk valsheid in geschrifte door een ambtenaar."})


def test_an_aangifte_term_computed_longer_than_declared_is_refused_when_the_timer_is_armed(wereld):
    step_demo(wereld)
    _deploy(wereld, "beoordeling.bpmn", AANGIFTE, 'aangifte_termijn = legal_date("P" + "30D")')
    _register(wereld, date(2027, 4, 6))  # a Tuesday: one working day ends Wednesday 7 April
    before = _state(wereld)
    r = _assessed(wereld)
    assert r.status_code == 422, r.text
    assert r.json()["type"].endswith("/legal-rule")
    detail = r.json()["detail"]
    assert "Wettelijke termijn 'aangifte ambtsmisdrijf onverwijld" in detail, detail
    assert "art. 162 Wetboek van Strafvordering" in detail
    assert "de organisatie moet uiterlijk op 7 april 2027 handelen (termijn P1D)" in detail, detail
    assert _state(wereld) == before
    assert "aangifte_doen" not in {t["element_id"] for t in wereld.open_tasks()}


def test_a_zienswijze_term_computed_shorter_than_declared_is_refused_when_the_timer_is_armed(wereld):
    step_demo(wereld)
    _deploy(wereld, "afdoening.bpmn", ZIENSWIJZE, 'zienswijze_termijn = legal_date("P" + "2D", start=voornemen_datum)')
    _to_voornemen(wereld)
    before = _state(wereld)
    r = _complete(wereld, "directeur", "voornemen_verzenden", {})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert "Wettelijke termijn 'zienswijzetermijn' (CAO Rijk hoofdstuk 15)" in detail, detail
    assert "maar de betrokkene heeft tot en met" in detail and "(termijn P14D)" in detail, detail
    assert _state(wereld) == before


def _to_voornemen(w: World) -> None:
    step_user(w, "cora", "geen", "Douane")
    step_report_about(w, "meldpunt", "medewerker", "cora", "Financiële schendingen")
    step_investigated(w, "onderzoeker1", "onderzoeker2", "aangetoond")
    _do(w, "hr", "sanctieadvies_opstellen")
    _do(w, "directeur", "afdoening_bepalen", {"afdoening_keuze": "disciplinaire_maatregel",
                                               "voorgenomen_maatregel": [BERISPING],
                                               "besluit_motivering": "Conform het sanctieadvies."})


def test_the_shipped_terms_pass_the_same_steps(wereld):
    step_demo(wereld)
    _register(wereld, date(2027, 4, 6))
    r = _assessed(wereld)
    assert r.status_code == 200, r.text
    assert "aangifte_doen" in {t["element_id"] for t in wereld.open_tasks()}
    _to_voornemen(wereld)
    r = _complete(wereld, "directeur", "voornemen_verzenden", {})
    assert r.status_code == 200, r.text
    assert "zienswijze_verwerken" in {t["element_id"] for t in wereld.open_tasks()}


def test_the_first_round_of_an_extendable_term_is_held_to_it(wereld):
    """The 12 weeks in which the reporter hears whether the report is founded (practice, not law) may be extended
    by an interim message with a promised date: a later round of the task keeps that date
    (tests/api/test_letter_contents.py, finding 6). The first round is held to the term: a computed 13 weeks is
    refused at the step that arms its timer, and nothing of the step is saved."""
    from features.steps.common import step_report_named

    step_demo(wereld)
    _deploy(wereld, "melding.bpmn", 'gegrondheid_termijn = legal_date("P12W", start=datum_melding)',
            'gegrondheid_termijn = legal_date("P" + "13W", start=datum_melding)', count=2)
    _at(wereld, date(2027, 3, 10))
    with pytest.raises(AssertionError) as refused:  # the report itself arms the first deadline: refused
        step_report_named(wereld, "meldpunt", "medewerker", "Financiële schendingen", "Facturen van een leverancier")
    message = str(refused.value)
    assert "In strijd met een wettelijke regel" in message and "(redencode 'termijn-te-lang')" in message, message
    assert "melder hoort binnen 12 weken of de melding gegrond is" in message and "(termijn P12W)" in message
    with wereld.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0  # nothing of the step was saved
