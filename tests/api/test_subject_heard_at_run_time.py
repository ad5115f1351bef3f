"""Hoor en wederhoor at run time: the investigation's report waits until the subject was heard.

`processes check` and deploy refuse a set with a path to the report around the subject's hearing
(tests/engine/test_subject_hearing_proof.py). A version that slipped in anyway (stored by an older release, without
the proof) is stopped at the step: completing the report before any task with the milestone ``hoorverslag`` (the
subject's reaction to the minutes of the hearing, or its term) was done in the case is refused (HTTP 422,
``legal-rule``, reden ``betrokkene-niet-gehoord``) and nothing of the step remains.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from features.steps.afdoening import by, start_investigation
from features.steps.common import (World, _complete, step_demo, step_report_about, step_user, time_moved,  # noqa: F401
                                   wereld)
from tests.api.test_legal_rules import _state, _store_unproven_version
from tests.bpmn_edits import skip_subject_hearing

REPORT = "Conclusies per bewering en onderzoeksrapport"
FINDINGS = {"uitkomst": "aangetoond", "rapport_samenvatting": "De bewering is aangetoond.",
            "bevindingen": [{"bewering": "Onterecht reiskosten gedeclareerd", "uitkomst": "aangetoond"}]}


def _without_hearing(directory: Path):
    def edit(files: dict) -> dict:
        (directory / "onderzoek.bpmn").write_bytes(files["onderzoek.bpmn"])
        skip_subject_hearing(directory, "False")
        files["onderzoek.bpmn"] = (directory / "onderzoek.bpmn").read_bytes()
        return files
    return edit


def _report_task(w: World) -> dict:
    return next(t for t in w.open_tasks(True) if t["element_id"] == "rapport_opstellen")


def test_a_report_before_the_subject_was_heard_is_refused_at_the_step(wereld, tmp_path):
    step_demo(wereld)
    _store_unproven_version(wereld, _without_hearing(tmp_path))
    step_user(wereld, "cora", "geen", "Douane")
    step_report_about(wereld, "meldpunt", "medewerker", "cora", "Financiële schendingen")
    start_investigation(wereld, "onderzoeker1", "onderzoeker2", feedback=True)
    opened = {t["element_id"] for t in wereld.open_tasks()}
    assert "rapport_opstellen" in opened and "hoorgesprek_voeren" not in opened, opened  # the edit took effect
    before = _state(wereld)
    task = _report_task(wereld)
    r = _complete(wereld, task["bij"] or "onderzoeker1", "rapport_opstellen", FINDINGS)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["type"].endswith("/legal-rule") and body.get("reden") == "betrokkene-niet-gehoord", body
    assert f"de taak '{REPORT}' kan pas worden afgerond als de betrokkene is gehoord" in body["detail"], body
    assert "Hoor en wederhoor" in body["detail"] and "er is niets opgeslagen" in body["detail"], body
    assert _state(wereld) == before


def test_the_shipped_report_follows_the_hearing(wereld):
    step_demo(wereld)
    step_user(wereld, "cora", "geen", "Douane")
    step_report_about(wereld, "meldpunt", "medewerker", "cora", "Financiële schendingen")
    start_investigation(wereld, "onderzoeker1", "onderzoeker2", feedback=True)
    by(wereld, "onderzoeker2", "Hoorgesprek betrokkene voeren")
    by(wereld, "onderzoeker2", "Verslag hoorgesprek ter correctie aanbieden")
    by(wereld, "onderzoeker2", "Reactie op verslag verwerken")
    by(wereld, "onderzoeker1", REPORT, FINDINGS)
    assert "rapport_opstellen" not in {t["element_id"] for t in wereld.open_tasks()}


def test_the_report_follows_the_hearing_whose_term_ran_without_a_reaction(wereld):
    """The subject did not react to the minutes: the term's timer on 'Reactie op verslag verwerken' ran (the task is
    gone); that ends the hearing too, and the report can be made."""
    step_demo(wereld)
    step_user(wereld, "cora", "geen", "Douane")
    step_report_about(wereld, "meldpunt", "medewerker", "cora", "Financiële schendingen")
    start_investigation(wereld, "onderzoeker1", "onderzoeker2", feedback=True)
    by(wereld, "onderzoeker2", "Hoorgesprek betrokkene voeren")
    by(wereld, "onderzoeker2", "Verslag hoorgesprek ter correctie aanbieden")
    wereld.clock.set(wereld.clock.now() + timedelta(days=30))
    time_moved(wereld)
    opened = {t["element_id"] for t in wereld.open_tasks()}
    assert "reactie_verslag_verwerken" not in opened and "rapport_opstellen" in opened, opened
    by(wereld, "onderzoeker1", REPORT, FINDINGS)
    assert "rapport_opstellen" not in {t["element_id"] for t in wereld.open_tasks()}
