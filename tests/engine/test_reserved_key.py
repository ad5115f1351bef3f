"""A key named 'typename' in submitted data: SpiffWorkflow's serializer reads a dict holding it, in a case's stored
state, as one of its own objects, so a handler who typed it into a list of a form (a witness row, a finding) made the
case impossible to load again: every later step, timer and migration of the case failed. Such data is refused with
the field named and nothing changes; a form declaring such a field does not deploy."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from engine.cases import runtime
from engine.cases import service as cases
from engine.cases.models import Case
from engine.errors import InvalidData, ProcessValidationError
from engine.identity.models import User
from engine.processes import service as processes
from engine.worklist import service as worklist
from tests.factories import REVIEW, copy_process_set, make_user

ROWS = {"type": "array", "title": "Betrokken personen",
        "items": {"type": "object", "properties": {"naam": {"type": "string", "title": "Naam"}}}}


def _with_rows(tmp_path, rows: dict) -> object:
    changed = copy_process_set(REVIEW, tmp_path / "review")
    form = changed / "forms" / "intake.json"
    schema = json.loads(form.read_text())
    schema["properties"]["personen"] = rows
    form.write_text(json.dumps(schema))
    return changed


def test_a_reserved_key_in_a_row_is_refused_and_the_case_still_loads(db, clock, tmp_path):
    with db.session() as s:
        processes.deploy(session=s, directory=_with_rows(tmp_path, ROWS))
        desk = make_user(s, "desk", "meldpunt")
        case_id = cases.start_case(session=s, actor=desk, data={}).id
        item_id = worklist.items_of_case(session=s, case_id=case_id)[0].id
        version = cases.get_case(session=s, case_id=case_id).version
    with pytest.raises(InvalidData) as refused, db.session() as s:
        cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, desk.id),
                            data={"ernstig": False, "personen": [{"naam": "A", "typename": "Task"}]})
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("personen.0", "bevat de gereserveerde naam 'typename': gebruik een andere naam")]
    with db.session() as s:
        case = cases.get_case(session=s, case_id=case_id)
        assert case.version == version  # nothing of the step was saved
        parsed = processes.parsed_version(session=s, version_id=case.process_version_id)
        runtime.loads(case.state, parsed, case.process_kind)  # the case loads
        # and the task can still be done with ordinary rows
        cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, desk.id),
                            data={"ernstig": False, "personen": [{"naam": "A", "rol": "getuige"}]})


def test_a_state_holding_the_reserved_key_cannot_be_loaded(db, clock, tmp_path):
    """Why the key is refused: written into a case's state, SpiffWorkflow cannot read the state back."""
    with db.session() as s:
        processes.deploy(session=s, directory=_with_rows(tmp_path, ROWS))
        parsed = processes.parsed_version(session=s, version_id=processes.latest_version(session=s).id)
    wf = runtime.new_workflow(parsed, {"personen": [{"naam": "A", "typename": "Task"}]})
    with pytest.raises(Exception):
        runtime.loads(runtime.dumps(wf), parsed)


def test_a_form_declaring_the_reserved_name_does_not_deploy(db, clock, tmp_path):
    rows = {**ROWS, "items": {"type": "object", "properties": {"typename": {"type": "string", "title": "Soort"}}}}
    with db.session() as s, pytest.raises(ProcessValidationError) as refused:
        processes.deploy(session=s, directory=_with_rows(tmp_path, rows))
    assert any("veld 'typename': die naam is gereserveerd" in str(i) for i in refused.value.issues)


def test_a_case_started_with_the_reserved_key_is_refused(db, clock, tmp_path):
    """Every door that starts a case (the public form, the desk, the API) ends in ``start_case``."""
    with db.session() as s:
        processes.deploy(session=s, directory=_with_rows(tmp_path, ROWS))
        desk = make_user(s, "desk", "meldpunt")
    with pytest.raises(InvalidData) as refused, db.session() as s:
        cases.start_case(session=s, actor=s.get(User, desk.id), data={"toelichting": {"typename": "Task"}})
    assert [e.field for e in refused.value.errors] == ["toelichting"]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0  # no half-started case
