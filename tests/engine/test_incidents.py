"""Incidents (issue 18): a failing timer script becomes one incident, the other timers keep firing, and a retry
after the fix completes it; a failing script at a task's completion is recorded although the step rolls back."""
from __future__ import annotations

import json
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.cases import service as cases
from engine.config import get_settings
from engine.errors import NotAuthorized, NotFound, WorkflowFailure
from engine.incidents import service as incidents
from engine.incidents.models import Incident
from engine.legal_terms import configure_equated_days
from engine.processes import service as processes
from engine.timers import service as timers
from engine.timers.models import Timer
from engine.worklist import service as worklist
from tests.factories import REVIEW, make_user

pytestmark = pytest.mark.db

# After the intake's 7-day timer, a script computes a legal term when the case asks for one: the equated days the
# process owner maintains are read then, so a broken equated-days file makes exactly those firings fail.
TIMER_SCRIPT = """    <bpmn:scriptTask id="termijn_berekenen" name="Termijn berekenen">
      <bpmn:incoming>f_esc</bpmn:incoming><bpmn:outgoing>f_esc_script</bpmn:outgoing>
      <bpmn:script>if met_termijn:
    uiterste_datum = legal_date("P3D")</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f_esc_script" sourceRef="termijn_berekenen" targetRef="escalate"/>
"""


def _process_with_timer_script(tmp_path):
    target = tmp_path / "review"
    shutil.copytree(REVIEW, target)
    bpmn = target / "review.bpmn"
    text = bpmn.read_text()
    text = text.replace('<bpmn:sequenceFlow id="f_esc" sourceRef="intake_timer" targetRef="escalate"/>',
                        '<bpmn:sequenceFlow id="f_esc" sourceRef="intake_timer" targetRef="termijn_berekenen"/>')
    text = text.replace('<bpmn:incoming>f_esc</bpmn:incoming><bpmn:outgoing>f_esc_end</bpmn:outgoing>',
                        '<bpmn:incoming>f_esc_script</bpmn:incoming><bpmn:outgoing>f_esc_end</bpmn:outgoing>')
    text = text.replace('<bpmn:flowNodeRef>escalate</bpmn:flowNodeRef>',
                        '<bpmn:flowNodeRef>escalate</bpmn:flowNodeRef>\n        '
                        '<bpmn:flowNodeRef>termijn_berekenen</bpmn:flowNodeRef>')
    text = text.replace("    <bpmn:endEvent id=\"end_escalated\">", TIMER_SCRIPT + "    <bpmn:endEvent id=\"end_escalated\">")
    assert text.count("termijn_berekenen") >= 4, "the review process changed; adapt the copy"
    bpmn.write_text(text)
    form = target / "forms" / "intake.json"  # the script reads 'met_termijn': the intake form asks it
    form.write_text(form.read_text().replace(
        '"ernstig": {"type": "boolean", "title": "Ernstige melding"},',
        '"ernstig": {"type": "boolean", "title": "Ernstige melding"},\n'
        '    "met_termijn": {"type": "boolean", "title": "Met termijn"},'))
    return target


@pytest.fixture
def equated_days_file(tmp_path, monkeypatch):
    path = tmp_path / "gelijkgestelde_dagen.json"
    path.write_text(json.dumps({"2026": [], "2027": []}))
    monkeypatch.setenv("MELDPUNT_EQUATED_DAYS_FILE", str(path))
    get_settings.cache_clear()
    previous = configure_equated_days(None)
    yield path
    configure_equated_days(previous)
    monkeypatch.delenv("MELDPUNT_EQUATED_DAYS_FILE")
    get_settings.cache_clear()


def test_a_failing_timer_script_is_one_incident_the_others_fire_and_a_retry_after_the_fix_completes_it(
        db, clock, tmp_path, equated_days_file):
    directory = _process_with_timer_script(tmp_path)
    with db.session() as s:
        processes.deploy(session=s, directory=directory)
        desk = make_user(s, "desk", "meldpunt")
        owner = make_user(s, "eigenaar", "procesbeheerder", unit=None)
        make_user(s, "onderzoeker", "onderzoeker")
        broken = cases.start_case(session=s, actor=desk, data={"met_termijn": True, "naam_melder": "Jan Geheim"}).id
        others = [cases.start_case(session=s, actor=desk, data={"met_termijn": False}).id for _ in range(2)]
    # the process owner breaks the equated-days file; the running server reads it again (as after a restart)
    equated_days_file.write_text('{"2026": [')
    configure_equated_days(None)
    clock.advance(timedelta(days=8))
    assert timers.fire_due(database=db) == 2  # the two others fired; the broken one waits for its retry
    with db.session() as s:
        for case_id in others:
            assert "Termijn ontvangstbevestiging overschreden" in [w.name for w in worklist.items_of_case(session=s, case_id=case_id)]
        (incident,) = s.scalars(select(Incident)).all()
        assert (incident.case_id, incident.source, incident.element_id, incident.count, incident.state) == (
            broken, "timer", "termijn_berekenen", 1, "open")
        assert incident.message == "Fout in het procesmodel bij de stap 'Termijn berekenen': een ongeldige waarde."
        assert "Jan Geheim" not in incident.message and "gelijkgestelde" not in incident.message
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "incident.opened")).one().case_id == broken
    # the worker tries again after its backoff: the same incident counts the second failure
    clock.advance(timedelta(hours=2))
    configure_equated_days(None)
    assert timers.fire_due(database=db) == 0
    with db.session() as s:
        (incident,) = s.scalars(select(Incident)).all()
        assert incident.count == 2 and incident.last_at > incident.first_at
        incident_id = incident.id
    # who may see it: the process owner (everything, no case content); not an investigator
    with db.session() as s:
        investigator = s.scalars(select(incidents.User).where(incidents.User.username == "onderzoeker")).one()
        with pytest.raises(NotAuthorized):
            incidents.list_incidents(session=s, by=investigator)
        with pytest.raises(NotAuthorized):
            incidents.retry(session=s, by=investigator, incident_id=incident_id)
    # a retry before the fix fails again and changes nothing else
    with db.session() as s:
        owner = s.get(incidents.User, owner.id)
        incident, resolved = incidents.retry(session=s, by=owner, incident_id=incident_id)
        assert not resolved and incident.count == 3
    with db.session() as s:
        assert worklist.items_of_case(session=s, case_id=broken)[0].name == "Melding registreren"
        assert s.scalars(select(Timer).where(Timer.case_id == broken, Timer.element_id == "intake_timer")).one().state == "pending"
    # the fix, then the retry completes it
    equated_days_file.write_text(json.dumps({"2026": [], "2027": []}))
    configure_equated_days(None)
    with db.session() as s:
        owner = s.get(incidents.User, owner.id)
        incident, resolved = incidents.retry(session=s, by=owner, incident_id=incident_id)
        assert resolved and incident.state == "opgelost" and incident.resolved_by == "eigenaar"
    with db.session() as s:
        assert "Termijn ontvangstbevestiging overschreden" in [w.name for w in worklist.items_of_case(session=s, case_id=broken)]
        timer = s.scalars(select(Timer).where(Timer.case_id == broken, Timer.element_id == "intake_timer")).one()
        assert (timer.state, timer.failures, timer.last_error) == ("fired", 0, None)
        assert incidents.list_incidents(session=s, by=s.get(incidents.User, owner.id)) == []
        actions = [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.case_id == broken)
                                                .order_by(AuditEvent.id))]
        assert actions[-3:] == ["timer.fired", "incident.resolved", "incident.retried"] or \
            {"incident.retried", "incident.resolved", "timer.fired"} <= set(actions)
        with pytest.raises(incidents.IncidentResolved):
            incidents.retry(session=s, by=s.get(incidents.User, owner.id), incident_id=incident_id)


def test_a_failing_script_at_completion_is_recorded_although_the_step_rolls_back(db, clock, tmp_path):
    target = tmp_path / "review"
    shutil.copytree(REVIEW, target)
    bpmn = target / "review.bpmn"
    text = bpmn.read_text()
    assert "niveau = 2 if ernstig else 1" in text
    bpmn.write_text(text.replace("niveau = 2 if ernstig else 1", "niveau = 2 // (0 if ernstig else 1)"))
    with db.session() as s:
        processes.deploy(session=s, directory=target)
        desk = make_user(s, "desk", "meldpunt")
        owner = make_user(s, "eigenaar", "procesbeheerder", unit=None)
        coordinator = make_user(s, "coordinator", "integriteitscoordinator")
        elsewhere = make_user(s, "elders", "integriteitscoordinator", unit="Belastingdienst")
        case_id = cases.start_case(session=s, actor=desk, data={"dienstonderdeel": "Douane"}).id
        item_id = worklist.items_of_case(session=s, case_id=case_id)[0].id
    with pytest.raises(WorkflowFailure):
        with db.session() as s:
            cases.complete_task(session=s, work_item_id=item_id, user=s.get(incidents.User, desk.id),
                                data={"ernstig": True, "samenvatting": "Geheime samenvatting"})
    with db.session() as s:
        (incident,) = s.scalars(select(Incident)).all()
        assert (incident.source, incident.work_item_id, incident.case_id, incident.state) == ("taak", item_id, case_id, "open")
        assert incident.message == "Fout in het procesmodel bij de stap 'Markeren': een deling door nul."
        assert worklist.items_of_case(session=s, case_id=case_id)[0].state == "open"  # nothing of the step was saved
        assert [i.id for i in incidents.list_incidents(session=s, by=s.get(incidents.User, coordinator.id))] == [incident.id]
        assert incidents.list_incidents(session=s, by=s.get(incidents.User, elsewhere.id)) == []
        with pytest.raises(NotFound):
            incidents.get_incident(session=s, by=s.get(incidents.User, elsewhere.id), incident_id=incident.id)
    # the handler completes it the other way: the incident is over
    with db.session() as s:
        cases.complete_task(session=s, work_item_id=item_id, user=s.get(incidents.User, desk.id), data={"ernstig": False})
    with db.session() as s:
        assert incidents.list_incidents(session=s, by=s.get(incidents.User, owner.id)) == []
        assert s.scalars(select(Incident)).one().state == "opgelost"
