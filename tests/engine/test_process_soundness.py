"""Deployment refuses a process shape that stalls a case or runs a step twice (``engine.processes.soundness``).

An exclusive (or inclusive) choice whose routes meet again in a parallel join leaves the join waiting for the route
not taken: SpiffWorkflow 3.2 never finishes the case (at run time the step that gets there fails as incident
'zaak-vastgelopen', which the process owner learns only when a real case hits it). Routes that run side by side
(after a parallel split, or a non-interrupting boundary timer) and meet in an exclusive gateway make SpiffWorkflow
run everything after it once per route. The first tests run these shapes on SpiffWorkflow itself and show that
the check refuses exactly the shapes that misbehave; the others edit the shipped process and the review test set
the way a process owner could and deploy or check them as the product does.
"""
from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.errors import ProcessValidationError
from engine.functions import ENGINE_FUNCTIONS
from engine.processes import service, soundness
from engine.processes.models import ProcessVersion
from engine.processes.sandbox import SandboxedScriptEngine
from tests.bpmn_edits import insert_choice, replace_once
from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)
from tests.factories import REVIEW, copy_process_set
from tests.process.driver import PROCESSES

STALL = "De zaak kan vastlopen bij"
TWICE = "twee keer zou worden uitgevoerd"


# --------------------------------------------------------------------------- what SpiffWorkflow 3.2 does

def _bpmn(nodes: list[tuple], flows: list[tuple], boundary: tuple[str, str, bool, str] | None = None) -> bytes:
    """A process 'p': ``nodes`` (id, BPMN tag[, inner XML]; the id is the name), ``flows`` (source, target[,
    condition]), and optionally a boundary timer (id, activity, interrupting, duration) whose one flow is a flow with
    that source."""
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    parts = []
    for i, (source, target, *condition) in enumerate(flows):
        outgoing.setdefault(source, []).append(f"f{i}")
        incoming.setdefault(target, []).append(f"f{i}")
        expression = f"<bpmn:conditionExpression>{condition[0]}</bpmn:conditionExpression>" if condition else ""
        parts.append(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{source}" targetRef="{target}">{expression}'
                     f'</bpmn:sequenceFlow>')
    for node, tag, *inner in nodes:
        refs = "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in incoming.get(node, [])) + \
            "".join(f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing.get(node, []))
        parts.append(f'<bpmn:{tag} id="{node}" name="{node}">{refs}{"".join(inner)}</bpmn:{tag}>')
    if boundary is not None:
        event, activity, interrupting, duration = boundary
        parts.append(f'<bpmn:boundaryEvent id="{event}" name="{event}" attachedToRef="{activity}" '
                     f'cancelActivity="{str(interrupting).lower()}">'
                     + "".join(f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing.get(event, []))
                     + f'<bpmn:timerEventDefinition><bpmn:timeDuration>"{duration}"</bpmn:timeDuration>'
                       f'</bpmn:timerEventDefinition></bpmn:boundaryEvent>')
    return ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
            'targetNamespace="http://meldpunt.example/bpmn"><bpmn:process id="p" isExecutable="true">'
            + "".join(parts) + "</bpmn:process></bpmn:definitions>").encode()


def _run(xml: bytes, data: dict, clock) -> tuple[list[str], bool]:
    """Run the process on SpiffWorkflow with the engine's script sandbox, doing every user task as it comes, a
    minute of the engine clock between steps (a timer of "PT0S" fires, one of "P100D" does not): (the user tasks
    done, in order; whether the process finished)."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(etree.ElementTree(etree.fromstring(xml)), filename="p.bpmn")
    wf = BpmnWorkflow(parser.get_spec("p"), script_engine=SandboxedScriptEngine(functions=ENGINE_FUNCTIONS))
    wf.task_tree.data.update(data)
    done = []
    for _ in range(50):
        wf.do_engine_steps()
        clock.advance(timedelta(minutes=1))
        wf.refresh_waiting_tasks()
        wf.do_engine_steps()
        ready = wf.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            break
        done.append(ready[0].task_spec.bpmn_id)
        ready[0].run()
    return done, wf.is_completed()


START, END = ("s", "startEvent"), ("e", "endEvent")
TASKS = [("a", "userTask"), ("b", "userTask"), ("c", "userTask")]
CHOICE = [("s", "x"), ("x", "a", "v == 1"), ("x", "b", "v == 2"), ("a", "j"), ("b", "j"), ("j", "c"), ("c", "e")]
SPLIT = [("s", "x"), ("x", "a"), ("x", "b"), ("a", "j"), ("b", "j"), ("j", "c"), ("c", "e")]
SOME = [("s", "x"), ("x", "a", "v &gt;= 1"), ("x", "b", "v &gt;= 2"), ("a", "j"), ("b", "j"), ("j", "c"), ("c", "e")]
# a: the activity with the timer; b: what the timer starts; they meet at j, then c
TIMER = [("s", "a"), ("a", "j"), ("t", "b"), ("b", "j"), ("j", "c"), ("c", "e")]


def _shape(split: str, join: str, flows: list[tuple]) -> bytes:
    return _bpmn([START, ("x", split), *TASKS, ("j", join), END], flows)


def _timer_shape(join: str, interrupting: bool, duration: str) -> bytes:
    return _bpmn([START, *TASKS, ("j", join), END], TIMER, ("t", "a", interrupting, duration))


MISBEHAVING = {
    "exclusive split, parallel join": ([_shape("exclusiveGateway", "parallelGateway", CHOICE)], STALL),
    "inclusive split, parallel join": ([_shape("inclusiveGateway", "parallelGateway", SOME)], STALL),
    "parallel split, exclusive join": ([_shape("parallelGateway", "exclusiveGateway", SPLIT)], TWICE),
    "inclusive split, exclusive join": ([_shape("inclusiveGateway", "exclusiveGateway", SOME)], TWICE),
    "non-interrupting timer, exclusive join": ([_timer_shape("exclusiveGateway", False, "PT0S")], TWICE),
    "non-interrupting timer, parallel join": ([_timer_shape("parallelGateway", False, "P100D")], STALL),
    # c and d in series: the routes meet before c, not only where c hands on to d
    "parallel split, exclusive join, then two tasks": (
        [_bpmn([START, ("x", "parallelGateway"), *TASKS, ("d", "userTask"), ("j", "exclusiveGateway"), END],
               [("s", "x"), ("x", "a"), ("x", "b"), ("a", "j"), ("b", "j"), ("j", "c"), ("c", "d"), ("d", "e")])],
        TWICE),
    "interrupting timer, parallel join": ([_timer_shape("parallelGateway", True, "PT0S")], STALL),
}
SOUND = {
    "exclusive split, exclusive join": [_shape("exclusiveGateway", "exclusiveGateway", CHOICE)],
    "parallel split, parallel join": [_shape("parallelGateway", "parallelGateway", SPLIT)],
    "inclusive split, inclusive join": [_shape("inclusiveGateway", "inclusiveGateway", SOME)],
    "exclusive split, inclusive join": [_shape("exclusiveGateway", "inclusiveGateway", CHOICE)],
    "parallel split, inclusive join": [_shape("parallelGateway", "inclusiveGateway", SPLIT)],
    "parallel split, exclusive join straight to the end": [
        _bpmn([START, ("x", "parallelGateway"), *TASKS[:2], ("j", "exclusiveGateway"), END],
              [("s", "x"), ("x", "a"), ("x", "b"), ("a", "j"), ("b", "j"), ("j", "e")])],
    "parallel split, exclusive join into a terminate end event": [
        _bpmn([START, ("x", "parallelGateway"), *TASKS[:2], ("j", "exclusiveGateway"),
               ("e", "endEvent", "<bpmn:terminateEventDefinition/>")],
              [("s", "x"), ("x", "a"), ("x", "b"), ("a", "j"), ("b", "j"), ("j", "e")])],
    "interrupting timer, exclusive join": [_timer_shape("exclusiveGateway", True, d) for d in ("PT0S", "P100D")],
    "non-interrupting timer, inclusive join": [_timer_shape("inclusiveGateway", False, d) for d in ("PT0S", "P100D")],
}


@pytest.mark.parametrize("shape", sorted(MISBEHAVING))
def test_a_shape_that_stalls_or_runs_a_task_twice_on_spiffworkflow_is_refused(shape, clock):
    variants, fault = MISBEHAVING[shape]
    runs = [_run(xml, {"v": v}, clock) for xml in variants for v in (1, 2)]
    if fault == STALL:  # no task left to do, and the process never finishes
        assert any(not finished for _, finished in runs), runs
    else:  # the step after the meeting point runs once per route
        assert any(done.count("c") == 2 for done, _ in runs), runs
    for xml in variants:
        (issue,) = soundness.issues("p.bpmn", etree.fromstring(xml))
        assert fault in issue.message and issue.element_id == "j" and "'j'" in issue.message, str(issue)


@pytest.mark.parametrize("shape", sorted(SOUND))
def test_a_shape_spiffworkflow_runs_correctly_is_not_refused(shape, clock):
    for xml in SOUND[shape]:
        for v in (1, 2):
            done, finished = _run(xml, {"v": v}, clock)
            assert finished and all(done.count(task) <= 1 for task in done), (done, finished)
        assert soundness.issues("p.bpmn", etree.fromstring(xml)) == []


def test_many_routes_side_by_side_with_tasks_in_series_are_checked_not_refused_as_too_large():
    """Eight parallel routes of four tasks each: tasks in series move as one step (else some 390,000 states)."""
    nodes, flows = [START, ("x", "parallelGateway"), ("j", "parallelGateway"), END], [("s", "x"), ("j", "e")]
    for route in range(8):
        previous = "x"
        for step in range(4):
            nodes.append((f"t{route}{step}", "userTask"))
            flows.append((previous, f"t{route}{step}"))
            previous = f"t{route}{step}"
        flows.append((previous, "j"))
    assert soundness.issues("p.bpmn", etree.fromstring(_bpmn(nodes, flows))) == []


# --------------------------------------------------------------------------- the shipped process

def test_the_shipped_processes_are_sound_and_deployable():
    for path in sorted(PROCESSES.glob("*.bpmn")):
        assert soundness.issues(path.name, etree.parse(str(path)).getroot()) == [], path.name
    assert refusals(PROCESSES) == []


def _rejoin_hoofd_join_after_a_choice(directory: Path) -> None:
    """A process owner puts a choice after the case's handling whose two routes both lead into the parallel join
    that waits for the reporter's track as well: only one of them ever arrives."""
    insert_choice(directory, flow="Flow_afhandeling_join_to_hoofd_join", source="afhandeling_join",
                  target="hoofd_join", gateway="nazorg_gateway", name="Nazorg nodig?", condition="nazorg == True",
                  otherwise="hoofd_join", lane_after="afhandeling_join")


def test_an_exclusive_choice_whose_routes_meet_in_a_parallel_join_is_refused(copy):
    _rejoin_hoofd_join_after_a_choice(copy)
    issue = named(refusals(copy), "integriteitsmelding.bpmn", "hoofd_join", STALL)
    assert "de parallelle gateway 'hoofd_join'" in issue  # no name: its id
    assert "de exclusieve gateway 'Nazorg nodig?' kan de zaak een andere kant op sturen" in issue
    assert "zaak-vastgelopen" in issue


def _exclusive_hoofd_join(directory: Path) -> None:
    """The parallel join of the case's handling and the reporter's track drawn as an exclusive gateway."""
    path = directory / "integriteitsmelding.bpmn"
    text = path.read_text(encoding="utf-8")
    start = text.index('<bpmn:parallelGateway id="hoofd_join"')
    end = text.index("</bpmn:parallelGateway>", start) + len("</bpmn:parallelGateway>")
    join = text[start:end].replace("parallelGateway", "exclusiveGateway")
    path.write_text(text[:start] + join + text[end:], encoding="utf-8")


def test_parallel_routes_meeting_in_an_exclusive_join_are_refused_everything_after_would_run_twice(copy):
    _exclusive_hoofd_join(copy)
    issue = named(refusals(copy), "integriteitsmelding.bpmn", "hoofd_join", TWICE)
    assert "Routes die na de parallelle gateway 'hoofd_split' tegelijk lopen" in issue
    assert "bij de exclusieve gateway 'hoofd_join' samen" in issue
    assert "de taak 'Zaak registreren en afsluiten' en alles daarna" in issue


def test_a_correction_term_that_no_longer_interrupts_would_run_the_rest_of_the_investigation_twice(copy):
    """The shipped investigation joins its timer's route correctly: the term interrupts the task. Made
    non-interrupting, the task runs on and both routes go on through the exclusive join."""
    path = copy / "onderzoek.bpmn"
    path.write_text(replace_once(path.read_text(encoding="utf-8"), [
        ('name="Correctietermijn verstreken" cancelActivity="true"',
         'name="Correctietermijn verstreken" cancelActivity="false"')]), encoding="utf-8")
    issue = named(refusals(copy), "onderzoek.bpmn", "reactie_join", TWICE)
    assert "De route na de grensgebeurtenis 'Correctietermijn verstreken' (die de taak 'Reactie op verslag " \
           "verwerken' niet onderbreekt)" in issue
    assert "de exclusieve gateway 'Getuigen horen?' en alles daarna" in issue


# --------------------------------------------------------------------------- the review test set

@pytest.fixture
def review(tmp_path):
    return copy_process_set(REVIEW, tmp_path / "review")


def _escalation_rejoins(review: Path, tag: str) -> None:
    """The escalation the intake's non-interrupting 7-day timer starts goes back into the main route (a gateway
    'Samenkomen' of kind ``tag`` before 'Markeren') instead of ending on its own."""
    edit(review / "review.bpmn", '<bpmn:sequenceFlow id="f2" sourceRef="intake" targetRef="mark"/>',
         f'<bpmn:sequenceFlow id="f2" sourceRef="intake" targetRef="samen"/><bpmn:{tag} id="samen" name="Samenkomen"/>'
         f'<bpmn:sequenceFlow id="f2s" sourceRef="samen" targetRef="mark"/>')
    edit(review / "review.bpmn", '<bpmn:sequenceFlow id="f_esc_end" sourceRef="escalate" targetRef="end_escalated"/>',
         '<bpmn:sequenceFlow id="f_esc_end" sourceRef="escalate" targetRef="samen"/>')
    edit(review / "review.bpmn", '<bpmn:endEvent id="end_escalated"><bpmn:incoming>f_esc_end</bpmn:incoming>'
                                 '</bpmn:endEvent>', "")
    edit(review / "review.bpmn", "<bpmn:flowNodeRef>end_escalated</bpmn:flowNodeRef>",
         "<bpmn:flowNodeRef>samen</bpmn:flowNodeRef>")


def test_a_boundary_timer_route_that_rejoins_at_an_inclusive_gateway_passes(review):
    """SpiffWorkflow's inclusive join waits for the escalation only when the timer fired (see the shapes above)."""
    _escalation_rejoins(review, "inclusiveGateway")
    assert refusals(review) == []


def test_a_boundary_timer_route_that_rejoins_at_an_exclusive_gateway_is_refused(review):
    _escalation_rejoins(review, "exclusiveGateway")
    issue = named(refusals(review), "review.bpmn", "samen", TWICE)
    assert "De route na de grensgebeurtenis '7 dagen verstreken' (die de taak 'Melding registreren' niet " \
           "onderbreekt)" in issue and "bij de exclusieve gateway 'Samenkomen' samen" in issue
    assert "de taak 'Markeren' en alles daarna" in issue


def test_a_boundary_timer_route_that_rejoins_at_a_parallel_gateway_is_refused(review):
    _escalation_rejoins(review, "parallelGateway")
    issue = named(refusals(review), "review.bpmn", "samen", STALL)
    assert "de grensgebeurtenis '7 dagen verstreken' op de taak 'Melding registreren' treedt misschien niet op" \
           in issue and "de taak 'Termijn ontvangstbevestiging overschreden'" in issue


def test_a_rework_loop_through_an_exclusive_gateway_is_no_deadlock_and_runs_nothing_twice(review):
    """A route back to the assessment: refused as a loop-back (a loop marker does that), not as unsound."""
    edit(review / "review.bpmn", '<bpmn:outgoing>f_inv</bpmn:outgoing><bpmn:outgoing>f_noinv</bpmn:outgoing>',
         '<bpmn:outgoing>f_inv</bpmn:outgoing><bpmn:outgoing>f_noinv</bpmn:outgoing>'
         '<bpmn:outgoing>f_redo</bpmn:outgoing>')
    edit(review / "review.bpmn", '<bpmn:sequenceFlow id="f4" sourceRef="assess" targetRef="gw_decision"/>',
         '<bpmn:sequenceFlow id="f4" sourceRef="assess" targetRef="gw_decision"/>'
         '<bpmn:sequenceFlow id="f_redo" sourceRef="gw_decision" targetRef="assess">'
         '<bpmn:conditionExpression>besluit == "opnieuw"</bpmn:conditionExpression></bpmn:sequenceFlow>')
    root = etree.parse(str(review / "review.bpmn")).getroot()
    assert soundness.issues("review.bpmn", root) == []
    issues = refusals(review)
    assert len(issues) == 1 and named(issues, "review.bpmn", "f_redo", "Lus terug via een verbinding")


# --------------------------------------------------------------------------- the deploy path

@pytest.mark.db
def test_deploying_a_set_that_would_run_a_step_twice_is_refused_and_stores_nothing(db, review):
    _escalation_rejoins(review, "exclusiveGateway")
    with db.session() as s:
        before = s.scalar(select(func.count(ProcessVersion.id)))
        with pytest.raises(ProcessValidationError) as caught:
            service.deploy(session=s, directory=review)
        assert [i.element_id for i in caught.value.issues] == ["samen"]
        assert TWICE in caught.value.issues[0].message
    with db.session() as s:
        assert s.scalar(select(func.count(ProcessVersion.id))) == before


def test_the_cli_check_refuses_a_join_that_can_stall_naming_file_line_and_element(copy):
    _rejoin_hoofd_join_after_a_choice(copy)
    meldpunt = str(Path(sys.executable).with_name("meldpunt"))
    out = subprocess.run([meldpunt, "processes", "check", str(copy)], capture_output=True, text=True, timeout=180)
    assert out.returncode != 0
    assert re.search(r"integriteitsmelding\.bpmn:\d+ \[hoofd_join\]: " + re.escape(STALL),
                     out.stdout + out.stderr), out.stdout + out.stderr
