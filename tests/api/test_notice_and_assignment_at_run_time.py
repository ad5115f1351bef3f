"""Kennisgeving and onderzoeksopdracht at run time (DOMAIN §1.2–1.3).

`processes check` and deploy refuse a set with a path to the subject's hearing around the written notice, or into an
investigating task around the competent authority's assignment (tests/engine/test_investigation_notice_proof.py). A
version that slipped in anyway (stored without that proof) is stopped at the step: completing the hearing before any
task with the milestone ``kennisgeving`` was done in the case is refused (reden ``betrokkene-niet-ingelicht``), and so
is completing an investigating task before any task with the milestone ``onderzoeksopdracht`` (reden
``geen-onderzoeksopdracht``): HTTP 422, ``legal-rule``, nothing of the step remains.
"""
from __future__ import annotations

from pathlib import Path

from features.steps.afdoening import _do, by, to_assignment
from features.steps.common import (World, _complete, step_demo, step_report_about, step_user,  # noqa: F401
                                   task_fulfilling, task_with_form, wereld)
from tests.api.test_legal_rules import _state, _store_unproven_version
from tests.bpmn_edits import skip_notice


def _edited(directory: Path, file: str, change):
    def edit(files: dict) -> dict:
        (directory / file).write_bytes(files[file])
        change(directory, "False")
        files[file] = (directory / file).read_bytes()
        return files
    return edit


def _assignment_bypassed(directory: Path, _condition: str) -> None:
    """As an older release could have stored it: 'Opdracht verleend?' = ja leads straight into the investigation;
    'Beslissen over onderzoeksopdracht' sets the report's target date that 'Onderzoeksopdracht verstrekken' set."""
    path = directory / "integriteitsmelding.bpmn"
    text = path.read_text(encoding="utf-8")
    flow = 'sourceRef="opdracht_gateway" targetRef="onderzoeksopdracht_verstrekken"'
    assert text.count(flow) == 1
    text = text.replace(flow, 'sourceRef="opdracht_gateway" targetRef="onderzoek_call"')
    task = text.index('<bpmn:userTask id="onderzoeksopdracht_beslissen"')
    end = text.index("</spiffworkflow:properties>", task) + len("</spiffworkflow:properties>")
    text = text[:end] + '<spiffworkflow:postScript>rapportage_termijn = legal_date("P12W")</spiffworkflow:postScript>' \
        + text[end:]
    path.write_text(text, encoding="utf-8")


def _open(w: World, element_id: str) -> dict:
    return next(t for t in w.open_tasks(True) if t["element_id"] == element_id)


def _refused(w: World, r, reason: str, *words: str) -> None:
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["type"].endswith("/legal-rule") and body.get("reden") == reason, body
    for word in (*words, "er is niets opgeslagen"):
        assert word in body["detail"], body


def test_a_hearing_before_the_subject_was_notified_is_refused_at_the_step(wereld, tmp_path):
    step_demo(wereld)
    _store_unproven_version(wereld, _edited(tmp_path, "onderzoek.bpmn", skip_notice))
    step_user(wereld, "cora", "geen", "Douane")
    step_report_about(wereld, "meldpunt", "medewerker", "cora", "Financiële schendingen")
    to_assignment(wereld)
    opened = {t["element_id"] for t in wereld.open_tasks()}
    assert "hoorgesprek_voeren" in opened and "onderzoek_starten" not in opened, opened  # the edit took effect
    before = _state(wereld)
    task = _open(wereld, "hoorgesprek_voeren")
    r = _complete(wereld, task["bij"] or "onderzoeker2", "hoorgesprek_voeren", {})
    _refused(wereld, r, "betrokkene-niet-ingelicht", "Kennisgeving",
             "de taak 'Hoorgesprek betrokkene voeren' kan pas worden afgerond als de betrokkene schriftelijk is "
             "ingelicht over het onderzoek", "mijlpaal 'kennisgeving'")
    assert _state(wereld) == before


def test_an_investigation_without_the_assignment_is_refused_at_the_step(wereld, tmp_path):
    step_demo(wereld)
    _store_unproven_version(wereld, _edited(tmp_path, "integriteitsmelding.bpmn", _assignment_bypassed))
    step_user(wereld, "cora", "geen", "Douane")
    step_report_about(wereld, "meldpunt", "medewerker", "cora", "Financiële schendingen")
    _do(wereld, "meldpunt", task_with_form("melding_registreren.json"))
    _do(wereld, "meldpunt", task_fulfilling("ontvangstbevestiging"))
    _do(wereld, "meldpunt", task_fulfilling("terugkoppeling"))
    _do(wereld, "coordinator", task_with_form("ernst_en_strafbaarheid.json"))
    by(wereld, "coordinator", "Melding beoordelen en route kiezen", {
        "route": "feitenonderzoek", "onderzoek_soort": "intern", "beoordeling_motivering": "Ernstige verdenking."})
    by(wereld, "directeur", "Beslissen over onderzoeksopdracht")
    opened = {t["element_id"] for t in wereld.open_tasks()}
    assert "onderzoek_starten" in opened and "onderzoeksopdracht_verstrekken" not in opened, opened
    before = _state(wereld)
    task = _open(wereld, "onderzoek_starten")
    r = _complete(wereld, task["bij"] or "onderzoeker1", "onderzoek_starten", {})
    _refused(wereld, r, "geen-onderzoeksopdracht", "Onderzoeksopdracht",
             "de taak 'Onderzoek starten en betrokkene informeren' (onderzoek) kan pas worden afgerond als het "
             "bevoegd gezag de onderzoeksopdracht heeft verstrekt", "mijlpaal 'onderzoeksopdracht'")
    assert _state(wereld) == before


def test_the_shipped_investigation_follows_the_assignment_and_the_notice(wereld):
    step_demo(wereld)
    step_user(wereld, "cora", "geen", "Douane")
    step_report_about(wereld, "meldpunt", "medewerker", "cora", "Financiële schendingen")
    to_assignment(wereld)
    by(wereld, "onderzoeker1", "Onderzoek starten en betrokkene informeren")
    by(wereld, "onderzoeker2", "Hoorgesprek betrokkene voeren")
    assert "hoorgesprek_voeren" not in {t["element_id"] for t in wereld.open_tasks()}


def test_the_preliminary_investigation_needs_no_assignment(wereld):
    """'Vooronderzoek uitvoeren' (milestone 'vooronderzoek') judges whether a formal investigation is needed: it
    comes before the competent authority's assignment."""
    step_demo(wereld)
    step_user(wereld, "cora", "geen", "Douane")
    step_report_about(wereld, "meldpunt", "medewerker", "cora", "Financiële schendingen")
    _do(wereld, "meldpunt", task_with_form("melding_registreren.json"))
    _do(wereld, "meldpunt", task_fulfilling("ontvangstbevestiging"))
    _do(wereld, "coordinator", task_with_form("ernst_en_strafbaarheid.json"))
    by(wereld, "coordinator", "Melding beoordelen en route kiezen", {
        "route": "vooronderzoek", "onderzoek_soort": "intern", "beoordeling_motivering": "Eerst vooronderzoek."})
    by(wereld, "onderzoeker1", "Vooronderzoek uitvoeren", {
        "vooronderzoek_bevindingen": "Er zijn aanwijzingen.", "vooronderzoek_conclusie": "feitenonderzoek",
        "onderzoek_soort": "intern", "betrokkene_geinformeerd": False})
    assert "onderzoeksopdracht_beslissen" in {t["element_id"] for t in wereld.open_tasks()}
