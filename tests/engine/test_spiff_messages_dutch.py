"""The deployment check speaks Dutch about what only SpiffWorkflow (or the BPMN/DMN schema) finds.

Before: a second outgoing flow from a user task was refused with SpiffWorkflow's English ("Multiple outgoing flows
are not supported for tasks of type."), and so were a gateway flow without condition, a process not marked
executable and a schema error. Now each says in Dutch what is wrong and what to do (engine/processes/
spiff_messages.py), without SpiffWorkflow's own words (they go to the server log only). Each test edits a copy of the shipped
processes/ as a process owner could.
"""
from __future__ import annotations

import re

import pytest

from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)

ENGLISH = re.compile(r"\b(not supported|not executable|without condition|is not expected|was not found)\b")


def _dutch_only_before_the_detail(issue: str) -> None:
    """The message says in Dutch what is wrong, without SpiffWorkflow's words."""
    assert not ENGLISH.search(issue) and "SpiffWorkflow:" not in issue, issue


def _second_flow_from_a_user_task(directory) -> None:
    """A second outgoing flow from 'Ernst en strafbaarheid inschatten', drawn (so only SpiffWorkflow objects). It
    leads to the same gateway as the first: a flow that went around the art. 162 Sv choice would be refused first by
    the legal proof (the aangifte not on every path), and the build that finds this one would not run."""
    edit(directory / "beoordeling.bpmn",
         '<bpmn:sequenceFlow id="Flow_ernst_en_strafbaarheid_to_strafbaar_gateway" sourceRef="ernst_en_strafbaarheid"'
         ' targetRef="strafbaar_gateway" />',
         '<bpmn:sequenceFlow id="Flow_ernst_en_strafbaarheid_to_strafbaar_gateway" sourceRef="ernst_en_strafbaarheid"'
         ' targetRef="strafbaar_gateway" />\n'
         '    <bpmn:sequenceFlow id="Flow_extra" sourceRef="ernst_en_strafbaarheid" targetRef="strafbaar_gateway" />')
    edit(directory / "beoordeling.bpmn", '<bpmndi:BPMNEdge id="Flow_strafbaar_gateway_to_aangifte_doen_di"',
         '<bpmndi:BPMNEdge id="Flow_extra_di" bpmnElement="Flow_extra"><di:waypoint x="660" y="155" />'
         '<di:waypoint x="900" y="155" /></bpmndi:BPMNEdge>\n'
         '      <bpmndi:BPMNEdge id="Flow_strafbaar_gateway_to_aangifte_doen_di"')


def test_a_second_outgoing_flow_from_a_task_is_refused_in_dutch(copy):
    _second_flow_from_a_user_task(copy)
    # refused by the routing check before SpiffWorkflow's parser (engine.processes.validation.check_routing), which
    # names the task as the process owner knows it
    issue = named(refusals(copy), "beoordeling.bpmn", "ernst_en_strafbaarheid", "vertrekken 2 verbindingen")
    assert "'Ernst en strafbaarheid (art. 162 Sv) inschatten'" in issue and "exclusieve gateway" in issue
    _dutch_only_before_the_detail(issue)


@pytest.mark.parametrize("file, old, new, element, words", [
    # (a gateway outside the legal proofs: the art. 162 Sv choice without its condition is refused by its proof first)
    ("beoordeling.bpmn",
     '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">risicofunctie == "meest_risicovol"'
     '</bpmn:conditionExpression>',
     "", "Flow_meest_risicovol_gateway_to_signaal_bureau_vi", "Verbinding uit een exclusieve gateway zonder voorwaarde"),
    ("melding.bpmn", 'isExecutable="true"', 'isExecutable="false"', "melding",
     "Proces 'melding' staat niet op uitvoerbaar"),
    ("beoordeling.bpmn", "<bpmn:incoming>Flow_ernst_en_strafbaarheid_to_strafbaar_gateway</bpmn:incoming>",
     "<bpmn:incoming>Flow_ernst_en_strafbaarheid_to_strafbaar_gateway</bpmn:incoming><bpmn:onbekend />",
     "strafbaar_gateway", "Element 'bpmn:onbekend' hoort hier niet volgens het BPMN/DMN-schema"),
])
def test_spiffworkflow_and_schema_errors_are_refused_in_dutch(copy, file, old, new, element, words):
    edit(copy / file, old, new)
    issue = named(refusals(copy), file, element, words)
    _dutch_only_before_the_detail(issue)


def test_an_unknown_spiffworkflow_message_is_introduced_in_dutch():
    from engine.processes.spiff_messages import dutch

    text = dutch("KeyError('x')")
    assert text == ("De procesengine kan dit element niet verwerken (de controle stuitte op een verwijzing naar iets "
                    "dat niet bestaat); controleer het in de modeler")
