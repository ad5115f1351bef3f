"""Confidential form fields never enter the workflow state; they are stored encrypted."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from engine.audit import service as audit
from engine.cases import confidential
from engine.cases import service as cases
from engine.identity.models import User
from engine.processes import service as processes
from engine.worklist import service as worklist
from tests.factories import REVIEW, copy_process_set, make_user, store_unchecked


@pytest.fixture
def secret_form_set(tmp_path):
    changed = copy_process_set(REVIEW, tmp_path / "review")
    form = changed / "forms" / "intake.json"
    schema = json.loads(form.read_text())
    schema["properties"]["melder_naam"] = {"type": "string", "title": "Naam melder", "x-vertrouwelijk": "melder"}
    form.write_text(json.dumps(schema))
    return changed


def test_identity_is_kept_out_of_state_audit_and_summary_and_encrypted_at_rest(db, clock, secret_form_set):
    # The review set with a reporter's field is an integrity-case set without legal_rules, which deployment now
    # refuses (tests/engine/test_integrity_case_floor.py); the run-time mechanism holds for such a stored version too.
    store_unchecked(db, secret_form_set)
    with db.session() as s:
        desk = make_user(s, "desk", "meldpunt")
        case = cases.start_case(session=s, actor=desk, data={"melder_naam": "Jan Klokkenluider"})
        case_id = case.id
    with db.session() as s:
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        cases.complete_task(session=s, work_item_id=item.id, user=s.get(User, 1) or s.query(User).first(),
                            data={"ernstig": False, "melder_naam": "Jan B. Klokkenluider"})
    with db.engine.connect() as conn:
        raw = "\n".join(str(row) for t in ("cases", "audit_events", "case_confidential", "work_items")
                        for row in conn.execute(text(f"SELECT * FROM {t}")).all())
    assert "Klokkenluider" not in raw
    with db.session() as s:
        assert confidential.read(s, case_id=case_id) == {"melder_naam": "Jan B. Klokkenluider"}
        assert "melder_naam" not in cases.case_data(session=s, case_id=case_id)
        done = [e for e in audit.case_events(session=s, case_id=case_id) if e.action == "task.completed"][0]
        assert done.details["vertrouwelijke_velden"] == ["melder_naam"]


def test_the_real_registration_form_marks_identity_and_free_text(db):
    from engine.processes.validation import parse_process_set, read_process_dir
    from engine.config import get_settings
    from engine.functions import ENGINE_FUNCTIONS

    parsed = parse_process_set(read_process_dir(get_settings().processes_dir), functions=ENGINE_FUNCTIONS)
    fields = confidential.confidential_fields(parsed.forms)
    assert {"melder_naam", "melder_adres", "melder_email", "melder_telefoon", "omschrijving"} <= fields
    assert "betrokkene_naam" not in fields and "melder_anoniem" not in fields


def test_a_versions_confidential_fields_and_classes_are_derived_once_and_equal_the_forms_own(secret_form_set):
    """A step asks for them every time (issue 25): kept on the parsed version, the same answer as from its forms."""
    from engine.cases import field_classes
    from engine.processes.validation import read_process_dir

    parsed = processes.parse(read_process_dir(secret_form_set), prove_legal=False)  # as stored (no legal_rules)
    fields = confidential.fields_of(parsed)
    assert fields == confidential.confidential_fields(parsed.forms) and "melder_naam" in fields
    assert confidential.fields_of(parsed) is fields  # computed once per parsed version
    classes = field_classes.classes_of(parsed)
    assert classes == field_classes.field_classes(parsed.forms)
    assert field_classes.classes_of(parsed) is classes
    assert parsed.derived("x", lambda p: object()) is parsed.derived("x", lambda p: object())
