"""Issue 15, finding 9: witnesses get the minutes of their interview to check, correct and sign.

Through the API on the real process (and on SQLite and PostgreSQL through the ``db`` fixture): every witness heard
in the investigation gets a letter with the minutes and a 14-day term (multi-instance subprocess
``getuigenverslagen`` in processes/onderzoek.bpmn); the answer (corrections, signature) is recorded; a witness who
does not answer leaves an escalation for the investigator when the term ends; and the report cannot be finalised
before every witness answered or the term ran. That last rule is the engine's (``legal_rules.minutes_review`` in
the manifest): a process version that skips the minutes (stored as an older release could have) is refused at
the report, with a Dutch message naming the witness.
"""
from __future__ import annotations

from datetime import timedelta

from lxml import etree

from features.steps.getuigen import step_witnesses_heard
from features.steps.common import (World, _complete, docx_text, run_timers, step_demo, step_report_about, step_user,
                                   time_moved, wereld)  # noqa: F401  (wereld: fixture)
from tests.api.test_legal_rules import _refused, _state, _store_unproven_version

WITNESSES = ["Gerrit Getuige", "Wilma Waarnemer"]


def _to_witnesses(w: World) -> None:
    step_demo(w)
    step_user(w, "cora", "geen", "Douane")
    step_report_about(w, "meldpunt", "medewerker", "cora", "Financiële schendingen")
    step_witnesses_heard(w, "onderzoeker1", "onderzoeker2", ", ".join(f'"{g}"' for g in WITNESSES))


def _open(w: World, element: str) -> list[dict]:
    return [t for t in w.open_tasks() if t["element_id"] == element]


def _complete_task(w: World, who: str, task: dict, values: dict):
    r = w.client.post(f"/api/v1/taken/{task['id']}/claimen", headers=w.h(who))
    assert r.status_code == 200, r.text
    r = w.client.post(f"/api/v1/taken/{task['id']}/afronden", headers=w.h(who), json={"gegevens": values})
    run_timers(w)
    return r


def _witness_letters(w: World) -> dict[str, str]:
    r = w.client.get(f"/api/v1/zaken/{w.case_id}/documenten", headers=w.h("onderzoeker1"))
    assert r.status_code == 200, r.text
    out = {}
    for letter in r.json():
        if letter["ontvanger"] == "getuige":
            assert letter["sjabloon"] == "verslag_getuigenverhoor"
            content = w.client.get(f"/api/v1/zaken/{w.case_id}/documenten/{letter['id']}", headers=w.h("onderzoeker1"))
            text = docx_text(content.content)
            out[next(g for g in WITNESSES if g in text)] = text
    return out


def _case_data(w: World) -> dict:
    from engine.cases import service as cases

    with w.db.session() as s:
        return cases.case_data(session=s, case_id=w.case_id)


def test_each_witness_gets_the_minutes_with_a_term_and_the_report_waits_for_them(wereld):
    w = wereld
    _to_witnesses(w)
    offers = _open(w, "getuigenverslag_aanbieden")
    assert len(offers) == 2  # one per witness, in parallel
    assert not _open(w, "rapport_opstellen")
    offered = w.clock.now().date()
    for task in offers:
        r = _complete_task(w, "onderzoeker1", task, {"getuige_verslag_aangeboden_op": offered.isoformat()})
        assert r.status_code == 200, r.text

    letters = _witness_letters(w)
    assert set(letters) == set(WITNESSES)  # a letter per witness, with their own minutes
    assert "Verklaring van Gerrit Getuige: zag de betrokkene die dag op kantoor." in letters["Gerrit Getuige"]
    assert "Verklaring van Wilma Waarnemer" in letters["Wilma Waarnemer"]
    assert "Wilma Waarnemer" not in letters["Gerrit Getuige"]
    assert "ondertekenen" in letters["Wilma Waarnemer"] and "uiterlijk op" in letters["Wilma Waarnemer"]

    reviews = _open(w, "getuigenverslag_reactie")
    assert len(reviews) == 2 and all(t["termijn"] is not None for t in reviews)  # the term runs on each
    term_ends = {t["termijn"] for t in reviews}
    assert len(term_ends) == 1
    # Gerrit answers with corrections and signs; Wilma does not answer.
    gerrit = next(t for t in reviews if (w.client.get(f"/api/v1/taken/{t['id']}", headers=w.h("onderzoeker1"))
                                         .json()["gegevens"].get("getuige") == "Gerrit Getuige"))
    r = _complete_task(w, "onderzoeker1", gerrit, {"getuige_reactie_ontvangen": True, "getuige_verslag_ondertekend": True,
                                                   "getuige_correcties": "Het was 4 maart, niet 3 maart."})
    assert r.status_code == 200, r.text
    assert not _open(w, "rapport_opstellen")  # Wilma's term still runs

    w.clock.advance(timedelta(days=15))
    time_moved(w)
    assert not _open(w, "getuigenverslag_reactie")
    escalation = _open(w, "getuigenverslag_zonder_reactie")
    assert len(escalation) == 1
    assert not _open(w, "rapport_opstellen")
    r = _complete_task(w, "onderzoeker1", escalation[0],
                       {"getuige_zonder_reactie_toelichting": "Getuige twee keer gebeld, geen reactie."})
    assert r.status_code == 200, r.text
    assert _open(w, "rapport_opstellen")

    answers = {a["getuige"]: a for a in _case_data(w)["getuigenreacties"]}  # recorded in the case
    assert answers["Gerrit Getuige"]["reactie_ontvangen"] is True
    assert answers["Gerrit Getuige"]["ondertekend"] is True
    assert answers["Gerrit Getuige"]["correcties"] == "Het was 4 maart, niet 3 maart."
    assert answers["Wilma Waarnemer"]["reactie_ontvangen"] is False
    assert answers["Wilma Waarnemer"]["ondertekend"] is False


def _edit_onderzoek(files: dict, edit) -> dict:
    tree = etree.fromstring(files["onderzoek.bpmn"])
    edit(tree)
    files["onderzoek.bpmn"] = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    return files


def _flow(tree, flow_id: str):
    return tree.xpath("//*[@id=$id]", id=flow_id)[0]


def _skip_minutes(files: dict) -> dict:
    """An edited version in which the witnesses' minutes are never offered."""
    def edit(tree):
        _flow(tree, "Flow_getuigen_horen_to_getuigenverslagen").set("targetRef", "getuigen_join")
    return _edit_onderzoek(files, edit)


def _offer_only(files: dict) -> dict:
    """An edited version that offers the minutes but does not wait for the answer or the term."""
    def edit(tree):
        _flow(tree, "Flow_getuigenverslag_aanbieden_to_getuigenverslag_reactie").set("targetRef", "getuigenverslag_end")
        for element in tree.xpath("//*[local-name()='loopDataOutputRef' or local-name()='outputDataItem']"):
            element.getparent().remove(element)  # nothing is answered, so nothing to collect
    return _edit_onderzoek(files, edit)


REPORT = {"uitkomst": "aangetoond", "rapport_samenvatting": "De bewering is aangetoond.",
          "bevindingen": [{"bewering": "Onterecht reiskosten gedeclareerd", "uitkomst": "aangetoond"}]}


def test_the_engine_refuses_a_report_when_the_witnesses_never_got_their_minutes(wereld):
    step_demo(wereld)
    _store_unproven_version(wereld, _skip_minutes)
    _to_witnesses(wereld)
    before = _state(wereld)
    r = _complete(wereld, "onderzoeker1", "rapport_opstellen", REPORT)
    _refused(r, "Getuige 'Gerrit Getuige'", "ter controle, correctie en ondertekening", "Protocol integriteitsonderzoek")
    assert r.json()["type"].endswith("/legal-rule")
    assert _state(wereld) == before  # nothing changed


def test_the_engine_refuses_a_report_while_a_witness_term_runs(wereld):
    step_demo(wereld)
    _store_unproven_version(wereld, _offer_only)
    _to_witnesses(wereld)
    for task in _open(wereld, "getuigenverslag_aanbieden"):
        r = _complete_task(wereld, "onderzoeker1", task,
                           {"getuige_verslag_aangeboden_op": wereld.clock.now().date().isoformat()})
        assert r.status_code == 200, r.text
    before = _state(wereld)
    r = _complete(wereld, "onderzoeker1", "rapport_opstellen", REPORT)
    _refused(r, "kan het verslag van het verhoor nog controleren, corrigeren en ondertekenen tot en met")
    assert _state(wereld) == before
    wereld.clock.advance(timedelta(days=15))
    time_moved(wereld)
    r = _complete(wereld, "onderzoeker1", "rapport_opstellen", REPORT)
    assert r.status_code == 200, r.text  # the term ran for both witnesses
