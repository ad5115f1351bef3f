"""Art. 162 Sv: a crime by an official is reported to police or prosecutor without delay, and the system records
whether and when that was done (DOMAIN §1.2, §3). Edits of the shipped process files a process owner could make
that deployed before and let a case a person judged a possible crime by an official go on without the aangifte:

1. the gateway after the assessment reaches the aangifte only under an extra condition (or never);
2. the aangifte task's form lets it be completed with 'Aangifte gedaan: nee' (its timer then stops, nobody is told);
3. the assessment ('strafbaar_feit') made by nobody: read-only in its form with a default, or set by a script;
4. the assessment and the aangifte out of the set's sight: the fields renamed in the forms (and everywhere they are
   read), so no task records what the case summary and the reports read, or the aangifte task deleted (its flows
   reconnected): the proof only looked at a set that assessed art. 162 under these names, and let these pass.

`processes check` and deploy refuse each, naming file, element and the rule. Every edit is made to a copy of
processes/.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from engine.errors import ProcessValidationError
from engine.processes import service
from tests.bpmn_edits import insert_choice
from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)

RULE = "Art. 162 Sv"
CONDITION = "strafbaar_feit == True"


@pytest.mark.parametrize("condition", [
    'strafbaar_feit == True and ernst == "zeer_ernstig"',
    "False",
    "strafbaar_feit == False",
], ids=["extra-voorwaarde", "nooit", "omgekeerd"])
def test_a_gateway_that_can_pass_the_aangifte_by_is_refused(copy, condition):
    edit(copy / "beoordeling.bpmn", CONDITION, condition.replace('"', "&quot;"))
    issue = named(refusals(copy), "beoordeling.bpmn", "strafbaar_gateway", RULE)
    assert "'strafbaar_feit'" in issue and "aangifte_doen" in issue


def test_an_aangifte_form_that_can_record_no_aangifte_is_refused(copy):
    edit(copy / "forms/aangifte_doen.json", '"const": true', '"default": false')
    issue = named(refusals(copy), "beoordeling.bpmn", "aangifte_doen", RULE)
    assert "'aangifte_gedaan'" in issue and "forms/aangifte_doen.json" in issue


def test_an_aangifte_form_without_the_date_is_refused(copy):
    edit(copy / "forms/aangifte_doen.json", '"aangifte_datum",\n', "")
    issue = named(refusals(copy), "beoordeling.bpmn", "aangifte_doen", RULE)
    assert "'aangifte_datum'" in issue


def test_an_assessment_nobody_makes_is_refused(copy):
    edit(copy / "forms/ernst_en_strafbaarheid.json", '"title": "Mogelijk strafbaar feit (art. 162 Sv)",',
         '"title": "Mogelijk strafbaar feit (art. 162 Sv)", "readOnly": true, "default": false,')
    issue = named(refusals(copy), "beoordeling.bpmn", "aangifte_doen", RULE)
    assert "'strafbaar_feit'" in issue and "persoon" in issue


def test_an_assessment_set_by_a_script_is_refused(copy):
    """A script between the assessment and the gateway overrules the person: 'strafbaar_feit' is always no."""
    path = copy / "beoordeling.bpmn"
    edit(path, 'sourceRef="ernst_en_strafbaarheid" targetRef="strafbaar_gateway" />',
         'sourceRef="ernst_en_strafbaarheid" targetRef="strafbaar_herzien" />'
         '<bpmn:sequenceFlow id="Flow_herzien" sourceRef="strafbaar_herzien" targetRef="strafbaar_gateway" />')
    edit(path, '<bpmn:incoming>Flow_ernst_en_strafbaarheid_to_strafbaar_gateway</bpmn:incoming>',
         '<bpmn:incoming>Flow_herzien</bpmn:incoming>')
    edit(path, '<bpmn:exclusiveGateway id="strafbaar_gateway"',
         '<bpmn:scriptTask id="strafbaar_herzien" name="Strafbaarheid herzien">'
         '<bpmn:incoming>Flow_ernst_en_strafbaarheid_to_strafbaar_gateway</bpmn:incoming>'
         '<bpmn:outgoing>Flow_herzien</bpmn:outgoing><bpmn:script>strafbaar_feit = False</bpmn:script>'
         '</bpmn:scriptTask><bpmn:exclusiveGateway id="strafbaar_gateway"')
    edit(path, '<bpmn:flowNodeRef>strafbaar_gateway</bpmn:flowNodeRef>',
         '<bpmn:flowNodeRef>strafbaar_gateway</bpmn:flowNodeRef><bpmn:flowNodeRef>strafbaar_herzien</bpmn:flowNodeRef>')
    edit(path, "</bpmndi:BPMNPlane>",
         '<bpmndi:BPMNShape id="strafbaar_herzien_di" bpmnElement="strafbaar_herzien">'
         '<dc:Bounds x="10" y="10" width="100" height="80" /></bpmndi:BPMNShape>'
         '<bpmndi:BPMNEdge id="Flow_herzien_di" bpmnElement="Flow_herzien">'
         '<di:waypoint x="10" y="10" /><di:waypoint x="20" y="20" /></bpmndi:BPMNEdge></bpmndi:BPMNPlane>')
    issue = named(refusals(copy), "beoordeling.bpmn", "strafbaar_herzien", RULE)
    assert "'strafbaar_feit'" in issue and "persoon" in issue


def test_the_shipped_set_passes(copy):
    assert not [i for i in refusals(copy) if RULE in i]


def test_deploy_refuses_a_gateway_that_can_pass_the_aangifte_by(db, copy):
    edit(copy / "beoordeling.bpmn", CONDITION, "False")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.file == "beoordeling.bpmn" and i.element_id == "strafbaar_gateway" and RULE in i.message
               for i in info.value.issues), info.value.issues


# --------------------------------------------------------------------------- 4. the assessment or the aangifte gone

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def _rename(directory: Path, old: str, new: str) -> None:
    """Rename a case field everywhere the set names it (forms, conditions, decision table, letters, manifest)."""
    for path in directory.rglob("*"):
        if path.suffix in (".bpmn", ".dmn", ".json"):
            text = path.read_text(encoding="utf-8")
            renamed = re.sub(rf"\b{old}\b", new, text)
            if renamed != text:
                path.write_text(renamed, encoding="utf-8")


def _archive(directory: Path, form: str, *fields: str) -> None:
    """Declare fields nothing reads any more as kept for the file only (the owner's answer to 'unread')."""
    path = directory / "forms" / form
    schema = json.loads(path.read_text(encoding="utf-8"))
    for name in fields:
        schema["properties"][name]["x-archief"] = "Voor het zaakdossier."
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")


def _without_the_aangifte_task(directory: Path) -> None:
    """Delete the aangifte task with its timer and escalation; the branch 'ja' goes straight on (reconnected)."""
    path = directory / "beoordeling.bpmn"
    tree = etree.parse(str(path))
    root = tree.getroot()
    flows = list(root.iter(f"{{{BPMN}}}sequenceFlow"))
    gone = {"aangifte_doen", "aangifte_termijn_verstreken", "escalatie_aangifte", "escalatie_aangifte_end"}
    (into,) = [f for f in flows if f.get("targetRef") == "aangifte_doen"]
    (onward,) = [f for f in flows if f.get("sourceRef") == "aangifte_doen"]
    for ref in root.iter(f"{{{BPMN}}}incoming"):
        if ref.text == onward.get("id"):
            ref.text = into.get("id")
    into.set("targetRef", onward.get("targetRef"))
    dead = gone | {f.get("id") for f in flows if f.get("sourceRef") in gone or f.get("targetRef") in gone}
    for element in list(root.iter()):
        if element.get("id") in dead or element.get("bpmnElement") in dead or (
                element.tag in (f"{{{BPMN}}}incoming", f"{{{BPMN}}}outgoing", f"{{{BPMN}}}flowNodeRef")
                and element.text in dead):
            element.getparent().remove(element)
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    for form in ("aangifte_doen.json", "escalatie_aangifte.json"):
        (directory / "forms" / form).unlink()
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    rules = manifest["legal_rules"]
    rules["deadlines"] = [d for d in rules["deadlines"] if d["milestone"] != "aangifte"]
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    _archive(directory, "ernst_en_strafbaarheid.json", "strafbaar_feit_toelichting")  # only the letter read it


def _both_renamed(directory: Path) -> None:
    _rename(directory, "strafbaar_feit", "strafbaar")
    _rename(directory, "aangifte_gedaan", "aangifte_klaar")
    _rename(directory, "aangifte_datum", "aangifte_op")
    _archive(directory, "aangifte_doen.json", "aangifte_klaar", "aangifte_op")


def _of_the_set(issues: list[str], *words: str) -> str:
    """The refusal of the set as a whole (manifest.json [legal_rules], no line) that says all ``words``."""
    for issue in issues:
        if issue.startswith("manifest.json [legal_rules]: ") and all(w in issue for w in words):
            return issue
    raise AssertionError(f"no refusal manifest.json [legal_rules] {words} in:\n" + "\n".join(issues))


def test_the_assessment_and_the_aangifte_renamed_are_refused(copy):
    _both_renamed(copy)
    issues = refusals(copy)
    _of_the_set(issues, RULE, "Geen persoon beoordeelt", "'strafbaar_feit'", "legal_rules")
    _of_the_set(issues, RULE, "Geen taak legt de aangifte vast", "'aangifte_gedaan'", "'aangifte_datum'")


def test_the_assessment_renamed_is_refused(copy):
    _rename(copy, "strafbaar_feit", "strafbaar")
    issue = named(refusals(copy), "beoordeling.bpmn", "aangifte_doen", RULE)
    assert "'strafbaar_feit'" in issue and "persoon" in issue


def test_the_aangifte_task_removed_is_refused(copy):
    _without_the_aangifte_task(copy)
    issue = named(refusals(copy), "beoordeling.bpmn", "ernst_en_strafbaarheid", RULE)
    assert "'aangifte_gedaan'" in issue and "'aangifte_datum'" in issue and "geen taak" in issue, issue


def test_deploy_refuses_a_set_without_the_aangifte_task(db, copy):
    _without_the_aangifte_task(copy)
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.file == "beoordeling.bpmn" and i.element_id == "ernst_en_strafbaarheid" and RULE in i.message
               for i in info.value.issues), info.value.issues


def test_deploy_refuses_a_set_with_both_fields_renamed(db, copy):
    _both_renamed(copy)
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.file == "manifest.json" and RULE in i.message and "'strafbaar_feit'" in i.message
               for i in info.value.issues), info.value.issues


# --------------------------------------------------------------------------- 5. every report is weighed


def _skip_the_assessment(directory: Path, condition: str) -> None:
    """After registration a choice 'In behandeling nemen?': only when ``condition`` does the case go on to the
    questions and the assessment; else straight to closing (past art. 162)."""
    insert_choice(directory, flow="Flow_hoofd_split_to_aanvullende_informatie_call", source="hoofd_split",
                  target="aanvullende_informatie_call", gateway="in_behandeling_gw", name="In behandeling nemen?",
                  condition=condition, otherwise="afhandeling_join", lane_after="hoofd_split")


@pytest.mark.parametrize("condition", ["melder_anoniem == False", "False"])
def test_a_choice_that_closes_the_case_without_the_assessment_is_refused(copy, condition):
    _skip_the_assessment(copy, condition)
    issue = named(refusals(copy), "integriteitsmelding.bpmn", "in_behandeling_gw", RULE)
    assert "'strafbaar_feit'" in issue and "In behandeling nemen?" in issue and "ernst_en_strafbaarheid" in issue


def test_every_path_of_the_shipped_set_passes_the_assessment(copy):
    assert not [i for i in refusals(copy) if RULE in i and "Niet elk pad" in i]
