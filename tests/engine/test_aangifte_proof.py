"""Art. 162 Sv: a crime by an official is reported to police or prosecutor without delay, and the system records
whether and when that was done (DOMAIN §1.2, §3). Edits of the shipped process files a process owner could make
that deployed before and let a case a person judged a possible crime by an official go on without the aangifte:

1. the gateway after the assessment reaches the aangifte only under an extra condition (or never);
2. the aangifte task's form lets it be completed with 'Aangifte gedaan: nee' (its timer then stops, nobody is told);
3. the assessment ('strafbaar_feit') made by nobody: read-only in its form with a default, or set by a script.

`processes check` and deploy refuse each, naming file, element and the rule. Every edit is made to a copy of
processes/.
"""
from __future__ import annotations

import pytest

from engine.errors import ProcessValidationError
from engine.processes import service
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
