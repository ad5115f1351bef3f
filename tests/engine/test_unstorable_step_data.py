"""A process owner's script (or decision table) that writes into the task data what the case's stored state cannot
hold: a dict with SpiffWorkflow's reserved key 'typename' (stored, the state can no longer be read: every later
step, timer and migration of the case fails) or a value that is no JSON at all. The step itself is refused before
anything is saved: it becomes an incident naming the field and the step, the case stays at its previous version and
loads, the task stays open. (Submitted and start data with the reserved key: tests/engine/test_reserved_key.py.)"""
from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.cases import runtime
from engine.cases import service as cases
from engine.errors import WorkflowFailure
from engine.identity.models import User
from engine.incidents.models import Incident
from engine.processes import service as processes
from engine.timers import service as timers
from engine.timers.models import Timer
from engine.worklist import service as worklist
from tests.bpmn_edits import replace_once
from tests.factories import REVIEW, make_user

pytestmark = pytest.mark.db


MARK = 'kenmerken = [k for k in ["a", "b"] if ernstig]'


def _with_mark_script(tmp_path, script: str):
    """The review process whose script task 'Markeren' (after the intake) writes ``script`` instead of its list."""
    target = shutil.copytree(REVIEW, tmp_path / "review")
    bpmn = target / "review.bpmn"
    bpmn.write_text(replace_once(bpmn.read_text(), [(MARK, script)]))
    return target


def _started(db, directory) -> tuple[int, int, int, int]:
    with db.session() as s:
        processes.deploy(session=s, directory=directory)
        desk = make_user(s, "desk", "meldpunt")
        make_user(s, "eigenaar", "procesbeheerder", unit=None)
        case_id = cases.start_case(session=s, actor=desk, data={"dienstonderdeel": "Douane"}).id
        item_id = worklist.items_of_case(session=s, case_id=case_id)[0].id
        return desk.id, case_id, item_id, cases.get_case(session=s, case_id=case_id).version


def _assert_unchanged(db, case_id: int, version: int, open_task: str) -> None:
    with db.session() as s:
        case = cases.get_case(session=s, case_id=case_id)
        assert case.version == version  # nothing of the step was saved
        parsed = processes.parsed_version(session=s, version_id=case.process_version_id)
        runtime.loads(case.state, parsed, case.process_kind)  # and the case loads
        assert open_task in [w.name for w in worklist.items_of_case(session=s, case_id=case_id) if w.state == "open"]


@pytest.mark.parametrize("script", [
    'kenmerken = [{"typename": k} for k in ["a", "b"] if ernstig]',  # read back as a serializer object
    'kenmerken = frozenset(["a"]) if ernstig else []',  # no JSON at all
])
def test_a_script_writing_what_the_state_cannot_hold_is_an_incident_and_nothing_changes(db, clock, tmp_path, script):
    desk, case_id, item_id, version = _started(db, _with_mark_script(tmp_path, script))
    with pytest.raises(WorkflowFailure) as refused, db.session() as s:
        cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, desk),
                            data={"ernstig": True, "samenvatting": "Geheime samenvatting"})
    assert "'kenmerken'" in refused.value.detail and "'Markeren'" in refused.value.detail
    with db.session() as s:
        (incident,) = s.scalars(select(Incident)).all()
        assert (incident.source, incident.work_item_id, incident.case_id, incident.element_id, incident.state) == (
            "taak", item_id, case_id, "mark", "open")
        assert incident.message == refused.value.detail
        assert "Geheime samenvatting" not in incident.message
    _assert_unchanged(db, case_id, version, "Melding registreren")
    # the other way through the script (an ordinary value) the task completes and the case moves on
    with db.session() as s:
        cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, desk), data={"ernstig": False})
    with db.session() as s:
        assert cases.get_case(session=s, case_id=case_id).version > version


def test_the_message_names_the_field_the_reserved_name_and_the_step(db, clock, tmp_path):
    desk, case_id, item_id, _ = _started(db, _with_mark_script(
        tmp_path, 'kenmerken = [{"typename": k} for k in ["a", "b"] if ernstig]'))
    with pytest.raises(WorkflowFailure) as refused, db.session() as s:
        cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, desk), data={"ernstig": True})
    assert refused.value.detail == (
        "Fout in het procesmodel bij de stap 'Markeren': het gegeven 'kenmerken' bevat de gereserveerde naam "
        "'typename' en kan niet in de zaak worden opgeslagen (de zaak zou daarna niet meer te openen zijn).")


TIMER_SCRIPT = """    <bpmn:scriptTask id="stempel" name="Stempelen">
      <bpmn:incoming>f_esc</bpmn:incoming><bpmn:outgoing>f_esc_script</bpmn:outgoing>
      <bpmn:script>stempel = {"typename": "termijn"}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f_esc_script" sourceRef="stempel" targetRef="escalate"/>
"""


def test_a_timer_path_writing_the_reserved_key_is_an_incident_and_the_case_stays_loadable(db, clock, tmp_path):
    target = shutil.copytree(REVIEW, tmp_path / "review")
    bpmn = target / "review.bpmn"
    bpmn.write_text(replace_once(bpmn.read_text(), [
        ('<bpmn:sequenceFlow id="f_esc" sourceRef="intake_timer" targetRef="escalate"/>',
         '<bpmn:sequenceFlow id="f_esc" sourceRef="intake_timer" targetRef="stempel"/>'),
        ("<bpmn:incoming>f_esc</bpmn:incoming><bpmn:outgoing>f_esc_end</bpmn:outgoing>",
         "<bpmn:incoming>f_esc_script</bpmn:incoming><bpmn:outgoing>f_esc_end</bpmn:outgoing>"),
        ("<bpmn:flowNodeRef>escalate</bpmn:flowNodeRef>",
         "<bpmn:flowNodeRef>escalate</bpmn:flowNodeRef><bpmn:flowNodeRef>stempel</bpmn:flowNodeRef>"),
        ('    <bpmn:endEvent id="end_escalated">', TIMER_SCRIPT + '    <bpmn:endEvent id="end_escalated">'),
    ]))
    _, case_id, _, version = _started(db, target)
    clock.advance(timedelta(days=8))
    assert timers.fire_due(database=db) == 0
    with db.session() as s:
        (incident,) = s.scalars(select(Incident)).all()
        assert (incident.source, incident.case_id, incident.element_id, incident.state) == (
            "timer", case_id, "stempel", "open")
        assert "'stempel'" in incident.message and "'Stempelen'" in incident.message
        assert "'typename'" in incident.message
        timer = s.scalars(select(Timer).where(Timer.case_id == case_id, Timer.element_id == "intake_timer")).one()
        assert (timer.state, timer.failures) == ("pending", 1)
    _assert_unchanged(db, case_id, version, "Melding registreren")


def test_the_state_writer_refuses_the_reserved_key_at_any_depth_and_names_the_task_that_wrote_it(clock):
    from engine.functions import ENGINE_FUNCTIONS
    from engine.processes.validation import parse_process_set, read_process_dir

    parsed = parse_process_set(read_process_dir(REVIEW), functions=ENGINE_FUNCTIONS, prove_legal=False)
    wf = runtime.new_workflow(parsed, {"zaaknummer": "MP-1"})
    wf.do_engine_steps()
    runtime.dumps(wf)  # as it is
    (intake,) = runtime.ready_user_tasks(wf)
    intake.data["rijen"] = [1, ("a", {"b": [{"c": 1, "typename": "Task"}]})]
    for child in intake.children:  # inherited by its children: named where it was written
        child.data["rijen"] = intake.data["rijen"]
    with pytest.raises(runtime.UnstorableData) as refused:
        runtime.dumps(wf)
    assert (refused.value.field, refused.value.task, refused.value.reserved) == ("rijen", intake, True)
