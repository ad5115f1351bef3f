"""Names, never ids (issue 17): what the process files call their elements and processes, and the case timeline
naming every task event by its element's name - also the events that only recorded the element id."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.processes.names import parse_names, readable_file_name

ROOT = Path(__file__).resolve().parents[2]


def _files() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (ROOT / "processes").glob("*.bpmn")}


def test_elements_and_processes_by_the_name_in_their_files():
    names = parse_names(_files())
    assert names.element("melding_registreren") == "Melding registreren"
    assert names.element("onbekend_element") is None
    assert names.file("melding.bpmn") == "Melding"
    assert names.file("aanvullende_informatie.bpmn") == "Aanvullende informatie opvragen"
    assert readable_file_name("sub/nieuw_deelproces.bpmn") == "Nieuw deelproces"
    unnamed = parse_names({"x_y.bpmn": b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">'
                                      b'<process id="p1"><task id="t1" name="  Iets\n doen "/></process></definitions>'})
    assert unnamed.file("x_y.bpmn") == "X y" and unnamed.element("t1") == "Iets doen"


@pytest.mark.db
def test_timeline_names_a_claimed_task_by_its_element_name(db):
    from engine.cases.timeline import case_timeline
    from engine.identity.seed import ensure_demo_users
    from engine.identity.service import get_user
    from engine.intake import service as intake
    from engine.processes import service as processes
    from engine.worklist import service as worklist
    from tests.web import flow

    with db.session() as s:
        processes.deploy(session=s, directory=ROOT / "processes")
        ensure_demo_users(session=s, password="Demo-wachtwoord-2026")
    with db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        case_id = intake.submit_report(session=s, actor=desk, data={
            **flow.ANSWERS["melding_registreren"], "omschrijving": "Een melding om de tijdlijn te lezen."}).case.id
    with db.session() as s:
        item = next(i for i in worklist.items_of_case(session=s, case_id=case_id) if i.element_id == "melding_registreren")
        worklist.claim(session=s, work_item_id=item.id, user=get_user(session=s, username="meldpunt"))
    with db.session() as s:
        entries = case_timeline(session=s, user=get_user(session=s, username="coordinator"), case_id=case_id)
    claimed = [e for e in entries if e.action == "task.claimed"]
    assert len(claimed) == 1
    assert claimed[0].details == {"element": "melding_registreren"}  # what was recorded (and the API shows)
    assert claimed[0].subject == "Melding registreren"  # what people read
    assert claimed[0].actor == "meldpunt" and claimed[0].actor_name == "Mila Meldpunt"
