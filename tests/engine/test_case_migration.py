"""Migration of running cases from process version N to N+1 (issue 18), on the real engine and process files.

Version N is ``processes/``; version N+1 a copy with: a task renamed (melding_beoordelen), a task added before a
current one (dossier_controleren before melding_beoordelen), a task removed (signaal_bureau_vi) and a timer changed
(the art. 162 Sv term on aangifte_doen). Cases wait at different user tasks; the dry run is checked case by case,
then the bulk migration, then the migrated cases run on (one to the end).
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.process.driver import PROCESSES
from tests.process.engine_driver import EngineDriver
from tests.process.scenarios import DEFAULTS

pytestmark = pytest.mark.db

RENAMED = "Melding beoordelen en route bepalen"
REPLACED = "ernst_inschatten"
ADDED_TASK = """    <bpmn:userTask id="dossier_controleren" name="Dossier controleren">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="form" value="forms/escalatie_aangifte.json" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_route_voorstellen_to_dossier_controleren</bpmn:incoming>
      <bpmn:outgoing>Flow_route_voorstellen_to_melding_beoordelen</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_route_voorstellen_to_dossier_controleren" sourceRef="route_voorstellen" targetRef="dossier_controleren" />
"""


def version_n1(tmp_path: Path) -> Path:
    target = tmp_path / "processes"
    shutil.copytree(PROCESSES, target)
    path = target / "beoordeling.bpmn"
    xml = path.read_text(encoding="utf-8")
    # renamed task
    xml = xml.replace('name="Melding beoordelen en route kiezen"', f'name="{RENAMED}"')
    # added task before melding_beoordelen: route_voorstellen -> dossier_controleren -> melding_beoordelen
    xml = xml.replace('<bpmn:outgoing>Flow_route_voorstellen_to_melding_beoordelen</bpmn:outgoing>\n    </bpmn:businessRuleTask>',
                      '<bpmn:outgoing>Flow_route_voorstellen_to_dossier_controleren</bpmn:outgoing>\n    </bpmn:businessRuleTask>')
    xml = re.sub(r'(<bpmn:sequenceFlow id="Flow_route_voorstellen_to_melding_beoordelen"[^>]*)sourceRef="route_voorstellen"',
                 r'\1sourceRef="dossier_controleren"', xml)
    xml = xml.replace('<bpmn:flowNodeRef>melding_beoordelen</bpmn:flowNodeRef>',
                      '<bpmn:flowNodeRef>melding_beoordelen</bpmn:flowNodeRef>\n        '
                      '<bpmn:flowNodeRef>dossier_controleren</bpmn:flowNodeRef>')
    xml = xml.replace('    <bpmn:userTask id="melding_beoordelen"', ADDED_TASK + '    <bpmn:userTask id="melding_beoordelen"')
    # removed task: the most-risky-function signal goes straight to the join
    xml = re.sub(r'\s*<bpmn:userTask id="signaal_bureau_vi".*?</bpmn:userTask>', '', xml, flags=re.S)
    xml = re.sub(r'\s*<bpmn:flowNodeRef>signaal_bureau_vi</bpmn:flowNodeRef>', '', xml)
    xml = re.sub(r'\s*<bpmn:sequenceFlow id="Flow_signaal_bureau_vi_to_meest_risicovol_join".*?(/>|</bpmn:sequenceFlow>)', '',
                 xml, flags=re.S)
    xml = re.sub(r'\s*<bpmn:incoming>Flow_signaal_bureau_vi_to_meest_risicovol_join</bpmn:incoming>', '', xml)
    xml = re.sub(r'(<bpmn:sequenceFlow id="Flow_meest_risicovol_gateway_to_signaal_bureau_vi"[^>]*)targetRef="signaal_bureau_vi"',
                 r'\1targetRef="meest_risicovol_join"', xml)
    xml = xml.replace('<bpmn:outgoing>Flow_meest_risicovol_join_to_beoordeling_join</bpmn:outgoing>',
                      '<bpmn:incoming>Flow_meest_risicovol_gateway_to_signaal_bureau_vi</bpmn:incoming>\n      '
                      '<bpmn:outgoing>Flow_meest_risicovol_join_to_beoordeling_join</bpmn:outgoing>', 1)
    xml = re.sub(r'\s*<bpmndi:BPMN(Shape|Edge) id="[^"]*"\s+bpmnElement="(signaal_bureau_vi|Flow_signaal_bureau_vi_to_meest_risicovol_join)".*?</bpmndi:BPMN\1>',
                 '', xml, flags=re.S)
    # changed timer: the art. 162 Sv term is two working days instead of the setting
    xml = xml.replace("end_of_day(aangifte_termijn)", 'legal_term("P2D", start=datum_melding)')
    # removed and replaced: the first assessment task gets another id at the same place in the flow
    xml = xml.replace("ernst_en_strafbaarheid", REPLACED).replace(f"forms/{REPLACED}.json",
                                                                  "forms/ernst_en_strafbaarheid.json")
    path.write_text(_add_shape(xml), encoding="utf-8")
    # the manifest declares the longer term (check and deploy refuse a timer looser than the declared term)
    manifest_path = target / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    next(d for d in manifest["legal_rules"]["deadlines"] if d["milestone"] == "aangifte")["term"] = "P2D"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return target


def _add_shape(xml: str) -> str:
    shape = ('      <bpmndi:BPMNShape id="dossier_controleren_di" bpmnElement="dossier_controleren">\n'
             '        <dc:Bounds x="1000" y="700" width="100" height="80" />\n      </bpmndi:BPMNShape>\n')
    edge = ('      <bpmndi:BPMNEdge id="Flow_route_voorstellen_to_dossier_controleren_di" '
            'bpmnElement="Flow_route_voorstellen_to_dossier_controleren">\n'
            '        <di:waypoint x="1260" y="155" />\n        <di:waypoint x="1000" y="740" />\n'
            '      </bpmndi:BPMNEdge>\n')
    anchor = '      <bpmndi:BPMNShape id="melding_beoordelen_di"'
    assert anchor in xml, "the assessment process changed; adapt the copy"
    return xml.replace(anchor, shape + edge + anchor)  # the check refuses an element without a shape


DOSSIER = {"escalatie_aangifte_actie": "Dossier gecontroleerd."}
ANSWERS = {**DEFAULTS, "dossier_controleren": DOSSIER, REPLACED: DEFAULTS["ernst_en_strafbaarheid"]}


def _walk_to(driver: EngineDriver, element: str, answers: dict | None = None, start: dict | None = None) -> None:
    """Start a case and complete ready tasks (first ready one each time) until ``element`` is ready."""
    driver.start(start or {})
    for _ in range(40):
        ready = [t.element for t in driver.ready()]
        if element in ready:
            return
        first = ready[0]
        driver.complete(first, {**ANSWERS[first], **(answers or {}).get(first, {})})
    raise AssertionError(f"{element} never became ready; trail {driver.trail}")


def _run_to_end(driver: EngineDriver, answers: dict | None = None) -> None:
    for _ in range(80):
        if driver.finished():
            return
        ready = [t.element for t in driver.ready()]
        assert ready, f"stuck; trail {driver.trail}"
        el = ready[0]
        driver.complete(el, {**ANSWERS[el], **(answers or {}).get(el, {})})
    raise AssertionError(f"did not finish; trail {driver.trail}")


def _deploy(db, directory: Path) -> int:
    from engine.processes import service as processes

    with db.session() as s:
        return processes.deploy(session=s, directory=directory, actor="procesbeheerder1").id


@pytest.fixture
def running(db, clock, tmp_path):
    """Six cases on version N waiting at different user tasks, and version N+1 deployed."""
    cases = {}
    for name, element, answers, start in [
        ("registreren", "melding_registreren", None, None),
        ("ernst", "ernst_en_strafbaarheid", None, None),
        ("beoordelen", "melding_beoordelen", None, None),
        ("signaal", "signaal_bureau_vi", {"melding_registreren": {"risicofunctie": "meest_risicovol"}}, None),
        ("aangifte", "aangifte_doen", {"ernst_en_strafbaarheid": {"strafbaar_feit": True}}, None),
    ]:
        driver = EngineDriver(db, clock)
        _walk_to(driver, element, answers, start)
        cases[name] = driver
    # past the removed task: the signal was handled, the assessment is still open
    driver = EngineDriver(db, clock)
    _walk_to(driver, "signaal_bureau_vi", {"melding_registreren": {"risicofunctie": "meest_risicovol"}})
    driver.complete("signaal_bureau_vi", ANSWERS["signaal_bureau_vi"])
    cases["na_signaal"] = driver
    old = _deploy(db, PROCESSES)
    new = _deploy(db, version_n1(tmp_path))
    assert new != old
    return cases, old, new


def _verdicts(report) -> dict[int, object]:
    return {v.case_id: v for v in report.cases}


def test_dry_run_reports_case_by_case_and_changes_nothing(db, running):
    from engine.cases.models import Case
    from engine.processes import migration

    cases, old, new = running
    with db.session() as s:
        states = {c.id: c.state for c in s.execute(select(Case)).scalars()}
        report = migration.dry_run(session=s, from_version=old, to_version=new)
    got = _verdicts(report)
    assert set(got) == {d.case_id for d in cases.values()}
    ok = {name for name, d in cases.items() if got[d.case_id].migratable}
    assert ok == {"registreren", "ernst", "beoordelen"}
    assert "heet nu ‘" + RENAMED + "’" in "; ".join(got[cases["beoordelen"].case_id].changes)
    assert got[cases["signaal"].case_id].line() == (
        f"{got[cases['signaal'].case_id].reference}: niet migreerbaar omdat de zaak wacht in "
        "‘Signaal meest risicovolle functie behandelen’, dat in de nieuwe versie niet meer bestaat")
    assert "‘Ernst en strafbaarheid (art. 162 Sv) inschatten’ wordt ‘Ernst en strafbaarheid (art. 162 Sv) inschatten’" \
        in got[cases["ernst"].case_id].changes
    assert got[cases["na_signaal"].case_id].reasons == [
        "de afgeronde stap ‘Signaal meest risicovolle functie behandelen’ in de nieuwe versie niet meer bestaat "
        "(SpiffWorkflow kan die geschiedenis niet overzetten)"]
    assert "de timer ‘Aangifte niet onverwijld gedaan’ al loopt en in de nieuwe versie is gewijzigd" in \
        got[cases["aangifte"].case_id].reasons[0]
    with db.session() as s:
        assert {c.id: c.state for c in s.execute(select(Case)).scalars()} == states
        assert {c.process_version_id for c in s.execute(select(Case)).scalars()} == {old}


def test_bulk_migration_moves_the_migratable_cases_and_they_run_on(db, running):
    from engine.audit.models import AuditEvent
    from engine.cases.models import Case
    from engine.processes import migration
    from engine.worklist.models import WorkItem

    cases, old, new = running
    with db.session() as s:
        ernst_item = s.execute(select(WorkItem.id).where(WorkItem.case_id == cases["ernst"].case_id,
                                                         WorkItem.element_id == "ernst_en_strafbaarheid",
                                                         WorkItem.state == "open")).scalar_one()
    report = migration.migrate(scope=db.session, from_version=old, to_version=new, actor="procesbeheerder1")
    got = _verdicts(report)
    assert {name for name, d in cases.items() if got[d.case_id].migrated} == {"registreren", "ernst", "beoordelen"}
    assert report.migrated == 3 and len(report.cases) == 6
    with db.session() as s:
        versions = {name: s.get(Case, d.case_id).process_version_id for name, d in cases.items()}
        assert versions == {"registreren": new, "ernst": new, "beoordelen": new, "signaal": old, "aangifte": old,
                            "na_signaal": old}
        events = s.execute(select(AuditEvent).where(AuditEvent.action == "case.migrated")).scalars().all()
        assert sorted(e.case_id for e in events) == sorted(cases[n].case_id for n in ("registreren", "ernst", "beoordelen"))
        assert {e.details["naar"] for e in events} == {new}
        # the renamed waiting task: its work item follows
        item = s.execute(select(WorkItem).where(WorkItem.case_id == cases["beoordelen"].case_id,
                                                WorkItem.element_id == "melding_beoordelen",
                                                WorkItem.state == "open")).scalar_one()
        assert item.name == RENAMED
        # the removed-and-replaced waiting task: the same work item, now under the new element id
        replaced = s.get(WorkItem, ernst_item)
        assert (replaced.state, replaced.element_id, replaced.form) == ("open", REPLACED, "forms/ernst_en_strafbaarheid.json")
    # a second run finds nothing left that can move, and says why for the rest
    with db.session() as s:
        again = migration.dry_run(session=s, from_version=old, to_version=new)
    assert {v.case_id for v in again.cases} == {cases[n].case_id for n in ("signaal", "aangifte", "na_signaal")}
    assert not any(v.migratable for v in again.cases)

    # the migrated cases run on: the added task comes before melding_beoordelen on the new version
    _run_to_end(cases["ernst"])
    assert REPLACED in cases["ernst"].trail
    assert "dossier_controleren" in cases["ernst"].trail
    assert cases["ernst"].finished()
    cases["beoordelen"].complete("melding_beoordelen", ANSWERS["melding_beoordelen"])
    assert "dossier_controleren" not in cases["beoordelen"].trail  # it lay before where the case stood
    # the cases that could not move keep working on their version
    cases["signaal"].complete("signaal_bureau_vi", ANSWERS["signaal_bureau_vi"])
    cases["aangifte"].complete("aangifte_doen", ANSWERS["aangifte_doen"])
    assert "melding_beoordelen" in {t.element for t in cases["aangifte"].ready()}
    next_task = cases["na_signaal"].ready()[0].element
    cases["na_signaal"].complete(next_task, ANSWERS[next_task])
    # a case that moved before the changed timer was armed gets the new timer
    _walk_on(cases["registreren"], "aangifte_doen", {REPLACED: {"strafbaar_feit": True}})
    assert "aangifte_termijn_verstreken" in cases["registreren"].waiting_timers()


def _walk_on(driver: EngineDriver, element: str, answers: dict) -> None:
    for _ in range(40):
        ready = [t.element for t in driver.ready()]
        if element in ready:
            return
        driver.complete(ready[0], {**ANSWERS[ready[0]], **answers.get(ready[0], {})})
    raise AssertionError(f"{element} never became ready; trail {driver.trail}")


SUBJECT_NAME = "Sjoerd Sterrenburg-Vlieland"  # a name from the registration form


def test_a_failing_script_does_not_quote_case_data_in_the_migration_report(db, clock, tmp_path, monkeypatch):
    """The process owner reads the report and may not see case content: a script error whose message quotes a
    value of the case (here the subject's name, from the form) is reported as an incident is, by its kind and step."""
    from SpiffWorkflow.exceptions import SpiffWorkflowException
    from SpiffWorkflow.util.task import TaskState

    from engine.cases import service as cases
    from engine.processes import migration

    driver = EngineDriver(db, clock)
    _walk_to(driver, "ernst_en_strafbaarheid", {"melding_registreren": {"betrokkene_naam": SUBJECT_NAME}})
    old, new = _deploy(db, PROCESSES), _deploy(db, version_n1(tmp_path))

    failed_at: list[str] = []

    def run_engine_with_a_failing_script(step) -> None:  # a script of the new version converts the name
        task = next(t for t in step.wf.get_tasks(state=TaskState.READY))
        failed_at.append(task.task_spec.bpmn_name)
        assert task.data.get("betrokkene_naam") == SUBJECT_NAME
        try:
            step.wf.script_engine.execute(task, "int(betrokkene_naam)")
        except SpiffWorkflowException as exc:
            assert SUBJECT_NAME not in str(cases._workflow_failure(exc))  # never the raw text: it quotes the case
            raise cases._workflow_failure(exc) from exc
        raise AssertionError("the script should have failed")

    monkeypatch.setattr(cases, "_run_engine", run_engine_with_a_failing_script)
    with db.session() as s:
        dry = migration.dry_run(session=s, from_version=old, to_version=new)
    with db.session() as s:
        done = migration.migrate(scope=migration.savepoints(s), from_version=old, to_version=new, actor="procesbeheerder1")
    for report in (dry, done):
        (verdict,) = report.cases
        assert not verdict.migratable and not verdict.migrated
        text = verdict.line() + repr(verdict.reasons)
        assert SUBJECT_NAME not in text and "Sterrenburg" not in text, text
        assert verdict.reasons == ["de zaak op de nieuwe versie niet verder kan: Fout in het procesmodel bij de stap "
                                   f"'{failed_at[0]}': een ongeldige waarde"], verdict.reasons


def intention_in_another_field(tmp_path: Path) -> Path:
    """A version that passes the proof on its own: the voornemen's penalty is recorded in a new field
    (``voorgenomen_straf``), on the same forms, and the voornemen's letter shows that field."""
    from tests.engine.test_written_notices import INTENTION, edit_letter

    target = tmp_path / "processes"
    shutil.copytree(PROCESSES, target)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    manifest["legal_rules"]["hearing"]["voornemen"]["measures_field"] = "voorgenomen_straf"
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    for form in ("afdoening_bepalen", "voornemen_verzenden"):
        path = target / "forms" / f"{form}.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        schema["properties"]["voorgenomen_straf"] = schema["properties"]["voorgenomen_maatregel"]
        if "voorgenomen_maatregel" in schema.get("required", []):
            schema["required"].append("voorgenomen_straf")
        path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    letters = json.loads((target / "letters.json").read_text(encoding="utf-8"))
    letters["ontvangers"]["betrokkene"].append("voorgenomen_straf")  # the subject may read his intended penalty
    (target / "letters.json").write_text(json.dumps(letters, ensure_ascii=False), encoding="utf-8")
    edit_letter(target, INTENTION.replace(b"voorgenomen_maatregel", b"voorgenomen_straf"))
    return target


def test_a_case_whose_hearing_the_new_version_reads_otherwise_stays(db, clock, tmp_path):
    """The subject was heard on a written reprimand (voornemen and zienswijze done). On the new version the same
    steps hold no intended penalty: moved, the decision on what was heard would be refused for ever (and a version
    that read another field there could allow more than was heard). The case stays, and says why."""
    from engine.cases.models import Case
    from engine.processes import migration
    from tests.engine.test_minimum_term_start import _until
    from tests.process.scenarios import FEITENONDERZOEK

    driver = EngineDriver(db, clock)
    _until(driver, "besluit_disciplinaire_maatregel", FEITENONDERZOEK)
    old, new = _deploy(db, PROCESSES), _deploy(db, intention_in_another_field(tmp_path))
    report = migration.migrate(scope=db.session, from_version=old, to_version=new, actor="procesbeheerder1")
    (verdict,) = report.cases
    assert not verdict.migrated and verdict.reasons == [
        "de nieuwe versie het voornemen en de zienswijze van de zaak anders leest (nu: voornemen (Schriftelijke "
        "berisping) met zienswijze; in de nieuwe versie: voornemen (geen straf) met zienswijze)"], verdict.reasons
    with db.session() as s:
        assert s.get(Case, driver.case_id).process_version_id == old
    driver.complete("besluit_disciplinaire_maatregel", DEFAULTS["besluit_disciplinaire_maatregel"])


def test_a_reporter_term_that_fell_due_before_the_migration_still_escalates(db, clock, tmp_path):
    """The seven days for the acknowledgement ran out and the timer worker has not fired the timer yet when the case
    moves. The move runs the engine (whose last act makes the due timer ready without running it): the timer must
    stay the worker's to fire, or the late acknowledgement is never escalated."""
    from datetime import timedelta

    from engine.processes import migration
    from engine.timers import service as timers

    driver = EngineDriver(db, clock)
    _walk_to(driver, "ontvangst_bevestigen")
    clock.advance(timedelta(days=8))
    old, new = _deploy(db, PROCESSES), _deploy(db, version_n1(tmp_path))
    assert migration.migrate(scope=db.session, from_version=old, to_version=new, actor="procesbeheerder1").migrated == 1
    assert "ontvangst_termijn" in driver.waiting_timers()
    timers.fire_due(database=db)
    assert "escalatie_ontvangstbevestiging" in [t.element for t in driver.ready()]


def investigation_by_the_coordinator(tmp_path: Path) -> Path:
    """A version that passes the proof on its own: the coordinator does the preliminary inquiry (its lane, no slot)
    and the first investigator's slot is renamed."""
    target = tmp_path / "processes"
    shutil.copytree(PROCESSES, target)
    for path in [*target.glob("*.bpmn"), target / "manifest.json"]:
        path.write_text(path.read_text(encoding="utf-8").replace("onderzoeker_1", "onderzoeker_a"), encoding="utf-8")
    path = target / "integriteitsmelding.bpmn"
    xml = path.read_text(encoding="utf-8")
    task = '        <bpmn:flowNodeRef>vooronderzoek_uitvoeren</bpmn:flowNodeRef>\n'
    lane = '<bpmn:lane id="Lane_integriteitsmelding_ic" name="Integriteitscoördinator">\n'
    slot = '          <spiffworkflow:property name="slot" value="onderzoeker_a" />\n' \
           '          <spiffworkflow:property name="assignment" value="random" />'
    assert task in xml and lane in xml and slot in xml, "the main process changed; adapt the copy"
    xml = xml.replace(task, "", 1).replace(lane, lane + task, 1)
    path.write_text(xml.replace(slot, '          <spiffworkflow:property name="assignment" value="random" />', 1),
                    encoding="utf-8")
    return target


def test_a_case_whose_investigator_the_new_version_would_forget_stays(db, clock, tmp_path):
    """An investigator did the preliminary inquiry. On the new version that task is the coordinator's and the slot
    they are bound to has another name: moved, nothing would say they investigated, and they could write the sanction
    advice. The case stays, and says why."""
    from engine.cases.models import Case
    from engine.processes import migration
    from tests.process.scenarios import route_answers

    driver = EngineDriver(db, clock)
    _walk_to(driver, "onderzoeksopdracht_beslissen", {
        **route_answers("vooronderzoek", onderzoek_soort="intern"),
        "vooronderzoek_uitvoeren": {"vooronderzoek_conclusie": "feitenonderzoek", "onderzoek_soort": "intern"}})
    old, new = _deploy(db, PROCESSES), _deploy(db, investigation_by_the_coordinator(tmp_path))
    with db.session() as s:
        dry = migration.dry_run(session=s, from_version=old, to_version=new)
    done = migration.migrate(scope=db.session, from_version=old, to_version=new, actor="procesbeheerder1")
    for report in (dry, done):
        (verdict,) = report.cases
        assert not verdict.migratable and not verdict.migrated
        assert verdict.reasons == [
            "de afgeronde taak 'Vooronderzoek uitvoeren' in de nieuwe versie niet meer als onderzoek telt "
            "(functiescheiding); de plaats 'onderzoeker_1' in de nieuwe versie niet meer als onderzoek telt "
            "(functiescheiding)"], verdict.reasons
    with db.session() as s:
        assert s.get(Case, driver.case_id).process_version_id == old


def acknowledgement_renamed(tmp_path: Path) -> Path:
    """A version in which the step with the reporter's term timers (the acknowledgement) has another element id."""
    target = tmp_path / "processes"
    shutil.copytree(PROCESSES, target)
    path = target / "integriteitsmelding.bpmn"
    xml = path.read_text(encoding="utf-8")
    xml = xml.replace("ontvangst_bevestigen", "ontvangst_melding_bevestigen").replace(
        "forms/ontvangst_melding_bevestigen.json", "forms/ontvangst_bevestigen.json")
    path.write_text(xml, encoding="utf-8")
    return target


def test_a_refusal_names_steps_as_the_process_owner_knows_them(db, clock, tmp_path):
    """The case waits at a step with boundary timers whose id the new version changed. SpiffWorkflow keeps
    internal steps for the timers (``….BoundaryEventSplit``, ``….BoundaryEventJoin``); the refusal names the BPMN
    element, by its name or id, never such an internal name."""
    from engine.processes import migration

    driver = EngineDriver(db, clock)
    _walk_to(driver, "ontvangst_bevestigen")
    old, new = _deploy(db, PROCESSES), _deploy(db, acknowledgement_renamed(tmp_path))
    report = migration.migrate(scope=db.session, from_version=old, to_version=new, actor="procesbeheerder1")
    (verdict,) = report.cases
    assert not verdict.migratable and not verdict.migrated
    text = verdict.line()
    assert "BoundaryEvent" not in text and "EndJoin" not in text and ".Start" not in text, text
    assert "‘Ontvangst bevestigen’" in text, text
    for quoted in re.findall(r"‘([^’]*)’", text):
        assert "." not in quoted, text  # an element's name or id, not a dotted internal spec name
