"""Issue 15, finding 9 at deployment: the witnesses' term to check, correct and sign their minutes is a legal
deadline of the manifest (milestone ``getuigenverslag``), so ``processes check`` and deploy refuse a version in
which it has no timer or no escalation, or in which no task carries the report milestone the engine's
``minutes_review`` rule waits at. Broken copies of the real processes/; each refusal names file, element and rule.
"""
from __future__ import annotations

import json

from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)

WITNESS_TERM = "Wettelijke termijn 'getuige controleert, corrigeert en ondertekent het verslag van het verhoor"


def test_the_witness_term_without_its_timer_is_refused(copy):
    text = (copy / "onderzoek.bpmn").read_text(encoding="utf-8")
    start = text.index('<bpmn:boundaryEvent id="getuigenverslag_termijn"')
    end = text.index("</bpmn:boundaryEvent>", start) + len("</bpmn:boundaryEvent>")
    text = text[:start] + text[end:]
    text = text.replace('<bpmn:sequenceFlow id="Flow_getuigenverslag_termijn_to_getuigenverslag_zonder_reactie" '
                        'sourceRef="getuigenverslag_termijn" targetRef="getuigenverslag_zonder_reactie" />', "")
    (copy / "onderzoek.bpmn").write_text(text, encoding="utf-8")
    issue = named(refusals(copy), "onderzoek.bpmn", "getuigenverslag_reactie", WITNESS_TERM)
    assert "heeft geen timer op deze taak" in issue and "Protocol integriteitsonderzoek" in issue


def test_the_witness_term_without_escalation_is_refused(copy):
    # the timer ends the instance at once: nobody is told that the witness did not answer
    edit(copy / "onderzoek.bpmn",
         'sourceRef="getuigenverslag_termijn" targetRef="getuigenverslag_zonder_reactie"',
         'sourceRef="getuigenverslag_termijn" targetRef="getuigenverslag_end"')
    issue = named(refusals(copy), "onderzoek.bpmn", "getuigenverslag_reactie", WITNESS_TERM)
    assert "na de timer volgt geen escalatie" in issue


def test_a_review_task_without_its_milestone_is_refused(copy):
    edit(copy / "onderzoek.bpmn", '<spiffworkflow:property name="legal_milestone" value="getuigenverslag" />', "")
    issues = refusals(copy)
    assert any("manifest.json" in i and "getuigenverslag" in i and "geen taak draagt" in i for i in issues), issues


def test_a_report_without_its_milestone_is_refused(copy):
    edit(copy / "onderzoek.bpmn", '<spiffworkflow:property name="legal_milestone" value="rapport" />', "")
    issues = refusals(copy)
    assert any("manifest.json" in i and "minutes_review" in i and "'rapport'" in i for i in issues), issues


def test_the_manifest_declares_the_witness_term_with_its_source():
    from tests.process.driver import PROCESSES

    manifest = json.loads((PROCESSES / "manifest.json").read_text(encoding="utf-8"))
    rules = manifest["legal_rules"]
    term = [d for d in rules["deadlines"] if d["milestone"] == rules["minutes_review"]["review_milestone"]]
    assert term and term[0]["escalation"] is True and term[0]["source"]
