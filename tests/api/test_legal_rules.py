"""Issue 15, findings 1–4: the manifest's legal rules refuse the step through the API (422), and nothing changes.

Each case is driven through the real process over HTTP with the scenario step library (features/steps); the
refusal comes from the engine's step transaction (engine/cases/legal_rules.py), or for finding 1 on the real
process also from the form, which no longer offers a penalty without a voornemen.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from engine.processes.models import ProcessFile, ProcessVersion
from engine.processes.service import content_hash
from engine.worklist.models import WorkItem
from features.steps.afdoening import _do, step_investigated
from features.steps.common import (World, _complete, run_timers, step_demo, step_report_about, step_report_public,
                                   step_user, wereld)  # noqa: F401  (wereld: fixture)
from tests.process.driver import PROCESSES

HEARING_RULE = "Een straf vereist eerst een voornemen en zienswijze (CAO Rijk hoofdstuk 15)"
BERISPING, ONTSLAG, VERPLAATSING = "Schriftelijke berisping", "Beëindiging dienstverband", "Verplaatsing"


def _to_afdoening(w: World) -> None:
    step_demo(w)
    step_user(w, "cora", "geen", "Douane")
    step_report_about(w, "meldpunt", "medewerker", "cora", "Financiële schendingen")
    step_investigated(w, "onderzoeker1", "onderzoeker2", "aangetoond")
    _do(w, "hr", "sanctieadvies_opstellen")


def _state(w: World) -> tuple:
    """What a refused step must leave untouched: open tasks, case data, workflow version."""
    from engine.cases.models import Case
    tasks = sorted(t["element_id"] for t in w.open_tasks())
    with w.db.session() as s:
        case = s.get(Case, w.case_id)
        return (tasks, case.version, dict(case.summary or {}))


def _refused(r, *words: str) -> None:
    assert r.status_code == 422, r.text
    body = r.json()
    for word in words:
        assert word in body["detail"], body


def _hearing(w: World, voornemen: list[str], *, zienswijze: dict | None = None) -> None:
    _do(w, "directeur", "afdoening_bepalen", {"afdoening_keuze": "disciplinaire_maatregel",
                                               "voorgenomen_maatregel": voornemen,
                                               "besluit_motivering": "Conform het sanctieadvies."})
    _do(w, "directeur", "voornemen_verzenden")
    _do(w, "directeur", "zienswijze_verwerken", zienswijze or {
        "zienswijze_ontvangen": True, "zienswijze_vorm": "schriftelijk",
        "zienswijze_samenvatting": "Betrokkene erkent de feiten."})


# --------------------------------------------------------------------------- finding 1

def test_finding1_no_dismissal_without_hearing_on_the_real_process(wereld):
    _to_afdoening(wereld)
    before = _state(wereld)
    r = _complete(wereld, "directeur", "afdoening_bepalen", {
        "afdoening_keuze": "andere_afdoening", "afdoeningen": [ONTSLAG],
        "besluit_motivering": "Direct afdoen zonder voornemen."})
    assert r.status_code == 422, r.text
    assert _state(wereld) == before
    assert "afsluiten_zonder_maatregel" not in _state(wereld)[0]
    # a measure that is no penalty still closes without a hearing
    r = _complete(wereld, "directeur", "afdoening_bepalen", {
        "afdoening_keuze": "andere_afdoening",
        "afdoeningen": ["Afdoening d.m.v. corrigerend gesprek, waarschuwingsbrief, training, coaching, e.d."],
        "besluit_motivering": "Een corrigerend gesprek volstaat."})
    assert r.status_code == 200, r.text


def _store_unproven_version(w: World, edit) -> None:
    """A version as an older release could have stored it (the form still offers every measure): the engine's
    own rule must refuse the penalty, whatever the process files allow."""
    files = {str(p.relative_to(PROCESSES)).replace("\\", "/"): p.read_bytes()
             for p in PROCESSES.rglob("*") if p.is_file() and (p.suffix in (".bpmn", ".dmn", ".json"))}
    files = edit(files)
    with w.db.session() as s:
        version = ProcessVersion(content_hash=content_hash(files), main_process_id="integriteitsmelding",
                                 deployed_by="test")
        version.files = [ProcessFile(path=p, sha256=hashlib.sha256(c).hexdigest(), content=c)
                         for p, c in sorted(files.items())]
        s.add(version)


def _old_afdoening_form(files: dict) -> dict:
    import json
    form = json.loads(files["forms/afdoening_bepalen.json"])
    form["properties"]["afdoeningen"]["items"]["enum"] = form["properties"]["voorgenomen_maatregel"]["items"]["enum"]
    files["forms/afdoening_bepalen.json"] = json.dumps(form, ensure_ascii=False).encode()
    return files


def _to_advice(w: World) -> None:
    """A report about Cora, investigated and found proven, with the HR adviser's sanction advice done."""
    step_user(w, "cora", "geen", "Douane")
    step_report_about(w, "meldpunt", "medewerker", "cora", "Financiële schendingen")
    step_investigated(w, "onderzoeker1", "onderzoeker2", "aangetoond")
    _do(w, "hr", "sanctieadvies_opstellen")


def test_finding1_the_engine_refuses_a_penalty_without_hearing_whatever_the_form_allows(wereld):
    step_demo(wereld)
    _store_unproven_version(wereld, _old_afdoening_form)
    _to_advice(wereld)
    before = _state(wereld)
    r = _complete(wereld, "directeur", "afdoening_bepalen", {
        "afdoening_keuze": "andere_afdoening", "afdoeningen": [ONTSLAG],
        "besluit_motivering": "Direct afdoen zonder voornemen."})
    _refused(r, HEARING_RULE, ONTSLAG)
    assert r.json()["type"].endswith("/legal-rule")
    assert _state(wereld) == before


# --------------------------------------------------------------------------- finding 2

def test_finding2_besluit_may_not_exceed_the_voornemen(wereld):
    _to_afdoening(wereld)
    _hearing(wereld, [BERISPING])
    before = _state(wereld)
    r = _complete(wereld, "directeur", "besluit_disciplinaire_maatregel", {
        "afdoeningen": [ONTSLAG], "ontslag_op_staande_voet": True,
        "besluit_motivering": "Zwaarder dan voorgenomen."})
    _refused(r, "zwaardere of andere straf", ONTSLAG, BERISPING)
    assert _state(wereld) == before
    r = _complete(wereld, "directeur", "besluit_disciplinaire_maatregel", {
        "afdoeningen": [BERISPING, "Vermindering IKB-uren"], "ontslag_op_staande_voet": False,
        "besluit_motivering": "Een straf erbij."})
    _refused(r, "Vermindering IKB-uren")
    r = _complete(wereld, "directeur", "besluit_disciplinaire_maatregel", {
        "afdoeningen": [BERISPING], "ontslag_op_staande_voet": False, "besluit_motivering": "Zoals voorgenomen."})
    assert r.status_code == 200, r.text


def test_finding2_a_lighter_penalty_than_heard_is_allowed(wereld):
    _to_afdoening(wereld)
    _hearing(wereld, [VERPLAATSING])
    r = _complete(wereld, "directeur", "besluit_disciplinaire_maatregel", {
        "afdoeningen": [BERISPING], "ontslag_op_staande_voet": False,
        "besluit_motivering": "De zienswijze geeft reden tot matigen."})
    assert r.status_code == 200, r.text


# --------------------------------------------------------------------------- finding 3

def test_finding3_no_zienswijze_cannot_be_recorded_before_the_term_ends(wereld):
    _to_afdoening(wereld)
    _do(wereld, "directeur", "afdoening_bepalen", {"afdoening_keuze": "disciplinaire_maatregel",
                                                    "voorgenomen_maatregel": [BERISPING],
                                                    "besluit_motivering": "Conform het sanctieadvies."})
    _do(wereld, "directeur", "voornemen_verzenden")
    wereld.clock.advance(timedelta(days=1))
    run_timers(wereld)
    before = _state(wereld)
    r = _complete(wereld, "directeur", "zienswijze_verwerken", {"zienswijze_ontvangen": False})
    _refused(r, "De zienswijzetermijn loopt tot en met", HEARING_RULE)
    assert _state(wereld) == before and "besluit_disciplinaire_maatregel" not in before[0]
    # a waiver only counts in writing, with its date
    r = _complete(wereld, "directeur", "zienswijze_verwerken", {"zienswijze_ontvangen": False,
                                                                  "zienswijze_afstand": True})
    assert r.status_code == 422, r.text
    r = _complete(wereld, "directeur", "zienswijze_verwerken", {
        "zienswijze_ontvangen": False, "zienswijze_afstand": True,
        "zienswijze_afstand_datum": wereld.clock.now().date().isoformat()})
    assert r.status_code == 200, r.text
    assert "besluit_disciplinaire_maatregel" in _state(wereld)[0]


# --------------------------------------------------------------------------- finding 4

def _registration(w: World, values: dict):
    return _complete(w, "meldpunt", "melding_registreren", {
        "kanaal": "anoniem", "melder_anoniem": True, "via_vertrouwenspersoon": False, **values})


def _due(w: World, element: str):
    with w.db.session() as s:
        return next(i.due_at for i in s.query(WorkItem).filter_by(case_id=w.case_id, element_id=element,
                                                                      state="open"))


def test_finding4_receipt_date_only_moves_earlier_with_a_reason_audited(wereld):
    step_demo(wereld)
    step_report_public(wereld, "Financiële schendingen", "Een collega neemt kantoorspullen mee naar huis")
    received = wereld.clock.now().date()
    wereld.clock.advance(timedelta(days=3))
    run_timers(wereld)
    before = _state(wereld)
    r = _registration(wereld, {"datum_melding": (received + timedelta(days=3)).isoformat()})
    _refused(r, "datum_melding", "alleen naar een eerdere datum")
    assert _state(wereld) == before
    r = _registration(wereld, {"datum_melding": (received - timedelta(days=2)).isoformat()})
    _refused(r, "vereist een reden", "datum_melding_correctie_reden")
    assert _state(wereld) == before
    r = _registration(wereld, {"datum_melding": (received - timedelta(days=2)).isoformat(),
                               "datum_melding_correctie_reden": "De brief lag al twee dagen eerder in de bus."})
    assert r.status_code == 200, r.text
    trail = wereld.client.get(f"/api/v1/audit/zaken/{wereld.case_id}", headers=wereld.h("auditor")).json()
    corrected = [e for e in trail if e["actie"] == "legal.date_corrected"]
    assert len(corrected) == 1, trail


def test_finding4_the_seven_day_term_counts_from_receipt(wereld):
    """Registered three days after a web report: the later date is refused, the 7-day term runs from receipt."""
    step_demo(wereld)
    step_report_public(wereld, "Financiële schendingen", "Een collega neemt kantoorspullen mee naar huis")
    received = wereld.clock.now().date()
    wereld.clock.advance(timedelta(days=3))
    r = _registration(wereld, {"datum_melding": (received + timedelta(days=3)).isoformat()})
    assert r.status_code == 422, r.text
    r = _registration(wereld, {"datum_melding": received.isoformat()})
    assert r.status_code == 200, r.text
    from engine.functions import legal_term
    assert _due(wereld, "ontvangst_bevestigen").isoformat()[:16] == \
        legal_term("P7D", start=received.isoformat())[:16]


# --------------------------------------------------------------------------- the zienswijze without its term

def _zienswijze_by_script(files: dict) -> dict:
    """A version whose zienswijze is a script right after the voornemen (no timer), with a term the voornemen's
    post-script sets in the past: the subject would get no time at all to answer."""
    text = files["afdoening.bpmn"].decode()
    text = text.replace('legal_date("P14D", start=voornemen_datum)</spiffworkflow:postScript>',
                        '"2000-01-01"</spiffworkflow:postScript>')
    text = text.replace(
        '<bpmn:sequenceFlow id="Flow_voornemen_verzenden_to_zienswijze_verwerken" sourceRef="voornemen_verzenden" '
        'targetRef="zienswijze_verwerken" />',
        '<bpmn:sequenceFlow id="Flow_voornemen_verzenden_to_zienswijze_verwerken" sourceRef="voornemen_verzenden" '
        'targetRef="zienswijze_kort" />'
        '<bpmn:scriptTask id="zienswijze_kort" name="Zienswijze kort" scriptFormat="python"><bpmn:extensionElements>'
        '<spiffworkflow:properties><spiffworkflow:property name="legal_milestone" value="zienswijze" />'
        '</spiffworkflow:properties></bpmn:extensionElements><bpmn:script>zienswijze_ontvangen = False</bpmn:script>'
        '</bpmn:scriptTask><bpmn:sequenceFlow id="Flow_kort" sourceRef="zienswijze_kort" targetRef="zienswijze_join" />')
    files["afdoening.bpmn"] = text.encode()
    return files


def test_no_zienswijze_waits_for_the_statutory_term_whatever_the_process_wrote(wereld):
    """The 14 days count from the day the voornemen went out, not from the date the process wrote in
    'zienswijze_termijn': a step that records 'no zienswijze' earlier is refused, with or without a timer."""
    step_demo(wereld)
    _store_unproven_version(wereld, _zienswijze_by_script)
    _to_advice(wereld)
    _do(wereld, "directeur", "afdoening_bepalen", {"afdoening_keuze": "disciplinaire_maatregel",
                                                    "voorgenomen_maatregel": [BERISPING],
                                                    "besluit_motivering": "Conform het sanctieadvies."})
    before = _state(wereld)
    r = _complete(wereld, "directeur", "voornemen_verzenden", {})
    _refused(r, "De zienswijzetermijn loopt tot en met", HEARING_RULE)
    assert _state(wereld) == before and "besluit_disciplinaire_maatregel" not in before[0]
