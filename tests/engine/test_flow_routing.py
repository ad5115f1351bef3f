"""Routing out of elements that are no choice (issue: conditions on plain flows).

SpiffWorkflow 3.2 reads a flow's condition and a default flow only out of an exclusive or inclusive gateway. Out of
a task, an event or a parallel gateway it follows every flow and ignores the condition; more than one flow out of a
task or an intermediate event fails its parser, and out of a start event it forks in parallel. A process owner who
writes a condition there means a choice the engine would not make: deployment refuses it, naming the element by its
name and pointing at an exclusive gateway. A case that the engine moves on to a state with no open task, no waiting
timer and no end (a parallel join that waits for a branch that was never taken) fails as an incident instead of
being committed as a dead case.
"""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from engine.cases import service as cases
from engine.errors import WorkflowFailure
from engine.identity.models import User
from engine.incidents.models import Incident
from engine.processes import service
from engine.worklist import service as worklist
from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)
from tests.factories import REVIEW, copy_process_set, make_user

GATEWAY = "exclusieve gateway"


@pytest.fixture
def review(tmp_path):
    return copy_process_set(REVIEW, tmp_path / "review")


def test_a_condition_on_the_one_flow_out_of_a_task_is_refused_it_would_be_ignored(review):
    edit(review / "review.bpmn", '<bpmn:sequenceFlow id="f2" sourceRef="intake" targetRef="mark"/>',
         '<bpmn:sequenceFlow id="f2" sourceRef="intake" targetRef="mark">'
         '<bpmn:conditionExpression>ernstig == True</bpmn:conditionExpression></bpmn:sequenceFlow>')
    issue = named(refusals(review), "review.bpmn", "intake", GATEWAY)
    assert "'Melding registreren'" in issue and "voorwaarde" in issue and "'Markeren'" in issue


def test_two_flows_out_of_a_task_are_refused_naming_the_task(review):
    edit(review / "review.bpmn", '<bpmn:sequenceFlow id="f2" sourceRef="intake" targetRef="mark"/>',
         '<bpmn:sequenceFlow id="f2" sourceRef="intake" targetRef="mark"/>'
         '<bpmn:sequenceFlow id="f2b" sourceRef="intake" targetRef="end_light"/>')
    issue = named(refusals(review), "review.bpmn", "intake", GATEWAY)
    assert "'Melding registreren'" in issue


def test_two_flows_out_of_a_start_event_are_refused_they_would_run_both(review):
    edit(review / "review.bpmn", '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="intake"/>',
         '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="intake">'
         '<bpmn:conditionExpression>False</bpmn:conditionExpression></bpmn:sequenceFlow>'
         '<bpmn:sequenceFlow id="f1b" sourceRef="start" targetRef="end_light">'
         '<bpmn:conditionExpression>False</bpmn:conditionExpression></bpmn:sequenceFlow>')
    edit(review / "review.bpmn", '<bpmn:startEvent id="start">', '<bpmn:startEvent id="start" name="Binnengekomen">')
    issue = named(refusals(review), "review.bpmn", "start", GATEWAY)
    assert "'Binnengekomen'" in issue


def test_a_default_flow_on_a_task_is_refused(review):
    edit(review / "review.bpmn", '<bpmn:userTask id="intake" name="Melding registreren">',
         '<bpmn:userTask id="intake" name="Melding registreren" default="f2">')
    issue = named(refusals(review), "review.bpmn", "intake", GATEWAY)
    assert "'Melding registreren'" in issue and "standaardroute" in issue


def test_a_condition_out_of_a_parallel_gateway_is_refused(review):
    edit(review / "review.bpmn", '<bpmn:sequenceFlow id="f3" sourceRef="mark" targetRef="gw_serious"/>',
         '<bpmn:sequenceFlow id="f3" sourceRef="mark" targetRef="par"/>'
         '<bpmn:parallelGateway id="par" name="Tegelijk"/>'
         '<bpmn:sequenceFlow id="f3p" sourceRef="par" targetRef="gw_serious">'
         '<bpmn:conditionExpression>ernstig</bpmn:conditionExpression></bpmn:sequenceFlow>')
    edit(review / "review.bpmn", '<bpmn:flowNodeRef>mark</bpmn:flowNodeRef>',
         '<bpmn:flowNodeRef>mark</bpmn:flowNodeRef><bpmn:flowNodeRef>par</bpmn:flowNodeRef>')
    issue = named(refusals(review), "review.bpmn", "par", GATEWAY)
    assert "'Tegelijk'" in issue


def test_a_conditional_flow_from_the_acknowledgement_to_the_end_cannot_skip_the_reporter_terms(copy):
    """The hole the last session left open: skip the reporter's feedback for anonymous reports with a conditional
    flow straight out of the acknowledgement task. The reporter path proof already counts every flow out of a task
    as taken (as SpiffWorkflow would, were it to parse it); the refusal now names the task and the remedy."""
    edit(copy / "integriteitsmelding.bpmn",
         '<bpmn:sequenceFlow id="Flow_ontvangst_bevestigen_to_terugkoppeling_melder" sourceRef="ontvangst_bevestigen" '
         'targetRef="terugkoppeling_melder" />',
         '<bpmn:sequenceFlow id="Flow_ontvangst_bevestigen_to_terugkoppeling_melder" sourceRef="ontvangst_bevestigen" '
         'targetRef="terugkoppeling_melder" />'
         '<bpmn:sequenceFlow id="Flow_anoniem_klaar" sourceRef="ontvangst_bevestigen" '
         'targetRef="escalatie_ontvangstbevestiging_end">'
         '<bpmn:conditionExpression>anoniem == True</bpmn:conditionExpression></bpmn:sequenceFlow>')
    issues = refusals(copy)
    issue = named(issues, "integriteitsmelding.bpmn", "ontvangst_bevestigen", GATEWAY)
    assert "'Ontvangst bevestigen'" in issue and "'Escalatie afgehandeld'" in issue
    assert any("niet elk pad door de zaak bereikt een taak die de mijlpaal 'terugkoppeling'" in i for i in issues)


# --------------------------------------------------------------------------- a case that would stall

def _join_without_its_second_branch(review):
    """'Onderzoek?' no -> a parallel join that also waits for the investigation, which then never comes."""
    bpmn = review / "review.bpmn"
    edit(bpmn, '<bpmn:sequenceFlow id="f_noinv" sourceRef="gw_decision" targetRef="end_no_investigation">',
         '<bpmn:sequenceFlow id="f_noinv" sourceRef="gw_decision" targetRef="join">')
    edit(bpmn, '<bpmn:endEvent id="end_no_investigation"><bpmn:incoming>f_noinv</bpmn:incoming></bpmn:endEvent>',
         '<bpmn:parallelGateway id="join" name="Samenvoegen"/>'
         '<bpmn:sequenceFlow id="f_join" sourceRef="join" targetRef="end_no_investigation"/>'
         '<bpmn:endEvent id="end_no_investigation"/>')
    edit(bpmn, '<bpmn:sequenceFlow id="f7" sourceRef="investigate_2" targetRef="end_done"/>',
         '<bpmn:sequenceFlow id="f7" sourceRef="investigate_2" targetRef="join"/>')
    edit(bpmn, '<bpmn:endEvent id="end_done"><bpmn:incoming>f7</bpmn:incoming></bpmn:endEvent>', '')
    edit(bpmn, '<bpmn:flowNodeRef>end_done</bpmn:flowNodeRef>', '<bpmn:flowNodeRef>join</bpmn:flowNodeRef>')
    return review


def _store_as_an_older_release(session, directory) -> None:
    """The version as a release before the soundness check (``engine.processes.soundness``) could have deployed it:
    deployment now refuses this shape, the engine still guards a stored version at every step."""
    import hashlib

    from engine.processes.models import ProcessFile, ProcessVersion
    from engine.processes.validation import read_process_dir

    files = read_process_dir(directory)
    version = ProcessVersion(content_hash=service.content_hash(files), main_process_id="review", deployed_by="test")
    version.files = [ProcessFile(path=p, sha256=hashlib.sha256(c).hexdigest(), content=c)
                     for p, c in sorted(files.items())]
    session.add(version)


@pytest.mark.db
def test_a_step_that_would_leave_the_case_stalled_fails_as_an_incident(db, clock, review):
    target = _join_without_its_second_branch(review)
    with db.session() as s:
        _store_as_an_older_release(s, target)
        desk = make_user(s, "desk", "meldpunt").id
        coord = make_user(s, "coord", "integriteitscoordinator").id
        case_id = cases.start_case(session=s, actor=s.get(User, desk), data={"dienstonderdeel": "Douane"}).id
    with db.session() as s:
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        cases.complete_task(session=s, work_item_id=item.id, user=s.get(User, desk), data={"ernstig": True})
    with db.session() as s:
        item_id = [i for i in worklist.items_of_case(session=s, case_id=case_id) if i.state == "open"][0].id
    with pytest.raises(WorkflowFailure):
        with db.session() as s:
            cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, coord),
                                data={"besluit": "geen_onderzoek", "motivering": "niet nodig"})
    with db.session() as s:
        (incident,) = s.scalars(select(Incident)).all()
        assert (incident.source, incident.work_item_id, incident.state) == ("taak", item_id, "open")
        assert incident.message == ("De zaak zou vastlopen: na deze stap staat geen taak open, loopt geen termijn "
                                    "en is het proces niet afgelopen bij de stap 'Samenvoegen'.")
        assert [i.state for i in worklist.items_of_case(session=s, case_id=case_id) if i.id == item_id] == ["open"]
