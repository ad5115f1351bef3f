"""Issue 15: `processes check` and deploy prove the manifest's legal rules over the process graph.

Each test copies the real processes/ to a temporary directory, breaks one thing the way a process owner
could, and expects a refusal that names file, line, element and the rule (`file:line [element]: message`).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import ProcessValidationError
from engine.processes import service
from tests.process.driver import PROCESSES

HEARING = "Een straf vereist eerst een voornemen en zienswijze (CAO Rijk hoofdstuk 15)"
ISSUE = re.compile(r"^(?P<file>[\w./]+):(?P<line>\d+) \[(?P<element>[\w.]+)\]: (?P<message>.+)$")


@pytest.fixture
def copy(tmp_path) -> Path:
    target = tmp_path / "processes"
    shutil.copytree(PROCESSES, target)
    return target


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def refusals(directory: Path) -> list[str]:
    return [str(i) for i in service.check(directory=directory)]


def named(issues: list[str], file: str, element: str, words: str) -> str:
    for issue in issues:
        m = ISSUE.match(issue)
        if m and m["file"] == file and m["element"] == element and words in m["message"]:
            return issue
    raise AssertionError(f"no refusal {file} [{element}] '{words}' in:\n" + "\n".join(issues))


def test_the_real_process_passes_the_proof():
    assert refusals(PROCESSES) == []


def test_a_form_offering_a_penalty_before_the_voornemen_is_refused(copy):
    form = json.loads((copy / "forms/afdoening_bepalen.json").read_text(encoding="utf-8"))
    form["properties"]["afdoeningen"]["items"]["enum"].append("Beëindiging dienstverband")
    (copy / "forms/afdoening_bepalen.json").write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")
    named(refusals(copy), "afdoening.bpmn", "afdoening_bepalen", HEARING)


def test_a_path_around_the_voornemen_is_refused(copy):
    # the gateway's "ja" branch goes straight to the decision: no voornemen, no zienswijze
    edit(copy / "afdoening.bpmn", 'sourceRef="afdoening_gateway" targetRef="voornemen_verzenden"',
         'sourceRef="afdoening_gateway" targetRef="zienswijze_join"')
    issue = named(refusals(copy), "afdoening.bpmn", "besluit_disciplinaire_maatregel", HEARING)
    assert "zonder voornemen en zienswijze" in issue


def test_a_zienswijze_step_without_its_milestone_is_refused(copy):
    edit(copy / "afdoening.bpmn", '<spiffworkflow:property name="legal_milestone" value="zienswijze" />\n'
                                  '          <spiffworkflow:property name="form" value="forms/zienswijze_verwerken.json" />',
         '<spiffworkflow:property name="form" value="forms/zienswijze_verwerken.json" />')
    issue = named(refusals(copy), "afdoening.bpmn", "besluit_disciplinaire_maatregel", HEARING)
    assert "zonder zienswijze" in issue


def test_a_script_that_imposes_a_penalty_is_refused(copy):
    edit(copy / "afdoening.bpmn", 'afdoeningen = ["Geen afdoening/actie"]', 'afdoeningen = ["Verplaatsing"]')
    named(refusals(copy), "afdoening.bpmn", "niet_aangetoond_vastleggen", HEARING)


def test_a_registration_step_that_is_not_terminal_is_refused(copy):
    # calling the decision a "registration" to escape the proof
    edit(copy / "afdoening.bpmn", '<spiffworkflow:property name="form" value="forms/afdoening_bepalen.json" />',
         '<spiffworkflow:property name="form" value="forms/afdoening_bepalen.json" />\n'
         '          <spiffworkflow:property name="legal_milestone" value="registratie" />')
    named(refusals(copy), "afdoening.bpmn", "afdoening_bepalen", "registratietaak")


def test_an_unknown_milestone_is_refused(copy):
    edit(copy / "afdoening.bpmn", 'name="legal_milestone" value="voornemen"', 'name="legal_milestone" value="voornemn"')
    issues = refusals(copy)
    named(issues, "afdoening.bpmn", "voornemen_verzenden", "Onbekende wettelijke mijlpaal 'voornemn'")
    assert any("manifest.json" in i and "mijlpaal 'voornemen'" in i for i in issues), issues


def test_a_legal_deadline_without_timer_is_refused(copy):
    # the 7-day timer hangs on another task: acknowledging receipt has no deadline any more
    edit(copy / "integriteitsmelding.bpmn", 'attachedToRef="ontvangst_bevestigen"',
         'attachedToRef="terugkoppeling_melder"')
    named(refusals(copy), "integriteitsmelding.bpmn", "ontvangst_bevestigen",
          "Wettelijke termijn 'ontvangstbevestiging binnen 7 dagen'")


def test_a_legal_deadline_without_escalation_is_refused(copy):
    edit(copy / "integriteitsmelding.bpmn",
         'sourceRef="ontvangst_termijn" targetRef="escalatie_ontvangstbevestiging"',
         'sourceRef="ontvangst_termijn" targetRef="escalatie_ontvangstbevestiging_end"')
    named(refusals(copy), "integriteitsmelding.bpmn", "ontvangst_bevestigen", "geen escalatie")


def test_a_legal_deadline_whose_task_lost_its_milestone_is_refused(copy):
    # every task (and timer) that carries the 12 weeks loses it
    for name in ("integriteitsmelding.bpmn", "melding.bpmn"):
        text = (copy / name).read_text(encoding="utf-8")
        text = re.sub(r'(name="legal_milestone" value=")([^"]*)"', lambda m: m.group(1) + ", ".join(
            x for x in m.group(2).split(", ") if x != "gegrondheid") + '"', text)
        (copy / name).write_text(text.replace('<spiffworkflow:property name="legal_milestone" value="" />', ""),
                                 encoding="utf-8")
    assert any(i.startswith("manifest.json [legal_rules]: Wettelijke termijn 'melder hoort binnen 12 weken")
               for i in refusals(copy)), refusals(copy)


def test_deploy_refuses_what_check_refuses(db, copy):
    edit(copy / "afdoening.bpmn", 'afdoeningen = ["Geen afdoening/actie"]', 'afdoeningen = ["Verplaatsing"]')
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.element_id == "niet_aangetoond_vastleggen" and HEARING in i.message for i in info.value.issues)


def test_the_cli_check_names_file_line_element_and_rule(copy):
    edit(copy / "afdoening.bpmn", 'sourceRef="afdoening_gateway" targetRef="voornemen_verzenden"',
         'sourceRef="afdoening_gateway" targetRef="zienswijze_join"')
    meldpunt = str(Path(sys.executable).with_name("meldpunt"))
    out = subprocess.run([meldpunt, "processes", "check", str(copy)], capture_output=True, text=True, timeout=180)
    assert out.returncode != 0
    assert re.search(r"afdoening\.bpmn:\d+ \[besluit_disciplinaire_maatregel\]: " + re.escape(HEARING),
                     out.stdout + out.stderr), out.stdout + out.stderr


def test_a_zienswijze_step_without_form_that_does_not_follow_the_term_timer_is_refused(copy):
    """'Geen zienswijze' recorded by a script is lawful only after the timer of the zienswijze term; a script
    with the milestone straight after the voornemen would close the hearing before the subject had a day."""
    bpmn = copy / "afdoening.bpmn"
    edit(bpmn, 'sourceRef="voornemen_verzenden" targetRef="zienswijze_verwerken" />',
         'sourceRef="voornemen_verzenden" targetRef="zienswijze_kort" />'
         '<bpmn:scriptTask id="zienswijze_kort" name="Zienswijze kort" scriptFormat="python">'
         '<bpmn:extensionElements><spiffworkflow:properties>'
         '<spiffworkflow:property name="legal_milestone" value="zienswijze" /></spiffworkflow:properties>'
         '</bpmn:extensionElements><bpmn:script>zienswijze_ontvangen = False</bpmn:script></bpmn:scriptTask>'
         '<bpmn:sequenceFlow id="Flow_kort" sourceRef="zienswijze_kort" targetRef="zienswijze_join" />')
    edit(bpmn, "<bpmn:flowNodeRef>geen_zienswijze</bpmn:flowNodeRef>",
         "<bpmn:flowNodeRef>geen_zienswijze</bpmn:flowNodeRef><bpmn:flowNodeRef>zienswijze_kort</bpmn:flowNodeRef>")
    edit(bpmn, "</bpmndi:BPMNPlane>",
         '<bpmndi:BPMNShape id="zienswijze_kort_di" bpmnElement="zienswijze_kort"><dc:Bounds x="300" y="300" '
         'width="100" height="80" /></bpmndi:BPMNShape><bpmndi:BPMNEdge id="Flow_kort_di" bpmnElement="Flow_kort">'
         '<di:waypoint x="300" y="300" /><di:waypoint x="400" y="300" /></bpmndi:BPMNEdge></bpmndi:BPMNPlane>')
    issue = named(refusals(copy), "afdoening.bpmn", "zienswijze_kort", HEARING)
    assert "timer" in issue and "zienswijze_verwerken" not in issue


def test_a_penalty_in_another_declared_process_is_refused(copy):
    """The processes the manifest declares beside the main one (started by a timer or the register) run under the
    same legal rules: a task there that can impose a penalty, with no voornemen before it, is refused as well."""
    edit(copy / "autorisatieherziening.bpmn",
         '<spiffworkflow:property name="form" value="forms/escalatie_autorisaties.json" />',
         '<spiffworkflow:property name="form" value="forms/besluit_disciplinaire_maatregel.json" />'
         '<spiffworkflow:property name="slot" value="bevoegd_gezag" />')
    named(refusals(copy), "autorisatieherziening.bpmn", "escalatie_autorisaties", HEARING)
