"""The reporter's identity stays confidential whatever a form says (DOMAIN §4; issue 16).

A form marks a field ``"x-vertrouwelijk": "melder"`` (the reporter's identity) or ``"melding"`` (the report in the
reporter's words). The marking drives where a value lives and who reads it: a marked value is split off before the
workflow sees it and stored encrypted (``engine.cases.confidential``), the case file, task pages, completed tasks and
access-request exports show it only to who may see the identity (``engine.cases.field_classes``), the report's text
is searched and redacted through it. A process owner who took the marking off ``melder_naam`` in a form edit had
the reporter's name stored in the workflow state in plain text, with nothing refused at check or deploy.

Now `processes check` and deploy refuse a form that declares one of the fields the engine knows as the reporter's
identity or contact (name, address, e-mail, phone, form of address) without ``"melder"``, or the report's
description (``omschrijving``) without a marking; and at run time those fields are split off and stored encrypted
whatever the case's version says (a version stored before, or a field the intake fills that no form declares).
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from engine.cases import confidential
from engine.cases import service as cases
from engine.processes import service as processes
from tests.engine.test_legal_proof import copy, refusals  # noqa: F401  (copy: fixture)
from tests.factories import REVIEW, copy_process_set, make_user, store_unchecked

REGISTRATION = "forms/melding_registreren.json"


def _mark(directory, form: str, field: str, marking: str | None) -> None:
    path = directory / form
    schema = json.loads(path.read_text(encoding="utf-8"))
    prop = schema["properties"][field]
    if marking is None:
        prop.pop("x-vertrouwelijk", None)
    else:
        prop["x-vertrouwelijk"] = marking
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("field, title, marking", [
    ("melder_naam", "Naam melder", None),
    ("melder_email", "E-mailadres melder", "melding"),
    ("melder_telefoon", "Telefoonnummer melder", None),
    ("melder_adres", "Adres melder", None),
    ("melder_aanspreekvorm", "Aanspreekvorm melder", None),
])
def test_check_refuses_a_reporter_identity_field_without_its_marking(copy, field, title, marking):
    _mark(copy, REGISTRATION, field, marking)
    issues = [i for i in refusals(copy) if REGISTRATION in i and field in i and "x-vertrouwelijk" in i]
    assert len(issues) == 1, issues
    assert f"'{title}'" in issues[0] and '"x-vertrouwelijk": "melder"' in issues[0], issues


def test_check_refuses_the_report_text_without_a_marking_and_allows_the_stricter(copy):
    _mark(copy, REGISTRATION, "omschrijving", None)
    issues = [i for i in refusals(copy) if REGISTRATION in i and "omschrijving" in i and "x-vertrouwelijk" in i]
    assert len(issues) == 1 and "'Omschrijving'" in issues[0] and "x-vertrouwelijk" in issues[0], issues
    _mark(copy, REGISTRATION, "omschrijving", "melder")  # stricter: only who may see the identity reads it
    assert [i for i in refusals(copy) if "omschrijving" in i] == []


def test_deploy_refuses_the_reporters_name_unmarked(db, copy):
    from engine.errors import ProcessValidationError

    _mark(copy, REGISTRATION, "melder_naam", None)
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        processes.deploy(session=s, directory=copy)
    assert any(i.file == REGISTRATION and "'Naam melder'" in i.message for i in info.value.issues), info.value.issues


def test_a_stored_version_without_the_marking_still_keeps_identity_and_report_text_encrypted(db, clock, tmp_path):
    changed = copy_process_set(REVIEW, tmp_path / "review")
    form = changed / "forms" / "intake.json"
    schema = json.loads(form.read_text())
    schema["properties"]["melder_naam"] = {"type": "string", "title": "Naam melder"}  # no marking
    form.write_text(json.dumps(schema))
    store_unchecked(db, changed)
    with db.session() as s:
        desk = make_user(s, "desk", "meldpunt")
        case_id = cases.start_case(session=s, actor=desk, data={
            "melder_naam": "Jan Klokkenluider", "melder_email": "jan@klokkenluider.example",
            "omschrijving": "Ik zag Wouter Vlijmscherp de kas lichten."}).id
    with db.engine.connect() as conn:
        raw = "\n".join(str(row) for t in ("cases", "audit_events", "case_confidential", "work_items")
                        for row in conn.execute(text(f"SELECT * FROM {t}")).all())
    assert "Klokkenluider" not in raw and "klokkenluider.example" not in raw and "Vlijmscherp" not in raw
    with db.session() as s:
        secret = confidential.read(s, case_id=case_id)
        assert secret["melder_naam"] == "Jan Klokkenluider" and secret["melder_email"] == "jan@klokkenluider.example"
        assert "Vlijmscherp" in secret["omschrijving"]
        data = cases.case_data(session=s, case_id=case_id)
        assert not {"melder_naam", "melder_email", "omschrijving"} & set(data)


# --------------------------------------------------------------------------- a later version drops a marking

WITNESS_FIELD = "melder_rol_team"  # a field of the process owner's own: no floor, the form decides


def _with_own_field(tmp_path, name: str, marking: str | None):
    """The shipped set with one more field on the registration form, confidential (``marking``) or not."""
    import shutil

    from tests.process.driver import PROCESSES

    target = tmp_path / name
    shutil.copytree(PROCESSES, target)
    path = target / REGISTRATION
    schema = json.loads(path.read_text(encoding="utf-8"))
    prop = {"type": "string", "title": "Rol van de melder in het team", "maxLength": 200,
            "x-archief": "alleen in het zaakdossier"}
    if marking:
        prop["x-vertrouwelijk"] = marking
    schema["properties"][WITNESS_FIELD] = prop
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    return target


@pytest.mark.db
def test_a_case_with_data_in_a_field_the_new_version_no_longer_marks_does_not_migrate(db, clock, tmp_path):
    """The marking is read from the case's own version (its case file, task pages, completed tasks, search, the
    access-request export): a version that drops it changes nothing for the cases that stay where they are. A
    migration would move a case onto the weaker marking, and what the reporter gave in confidence would be read by
    everyone who sees the case: such a case is not migratable, named by the field; a case without data in the
    field moves."""
    from engine.processes import migration
    from tests.engine.test_case_migration import _deploy, _walk_to
    from tests.process.engine_driver import EngineDriver

    first = _with_own_field(tmp_path, "old", "melder")
    held = EngineDriver(db, clock, directory=first)
    _walk_to(held, "ernst_en_strafbaarheid", {"melding_registreren": {WITNESS_FIELD: "de enige vrouw in het team"}})
    empty = EngineDriver(db, clock, directory=first)
    _walk_to(empty, "ernst_en_strafbaarheid")
    old = _deploy(db, first)  # unchanged: the version both cases run on
    new = _deploy(db, _with_own_field(tmp_path, "new", None))
    with db.session() as s:
        report = migration.dry_run(session=s, from_version=old, to_version=new)
    verdicts = {v.case_id: v for v in report.cases}
    assert verdicts[empty.case_id].migratable, verdicts[empty.case_id].reasons
    refused = verdicts[held.case_id]
    assert not refused.migratable
    assert any("'Rol van de melder in het team'" in r and "vertrouwelijk" in r for r in refused.reasons), refused.reasons
    assert "enige vrouw" not in refused.line()


def test_a_completed_task_hides_a_confidential_value_its_version_does_not_class(db, clock, tmp_path):
    """The case file reads a confidential value no form of the version classes as identity (the strictest); the
    completed tasks read it the same way (before, such a value was shown to everyone who saw the task)."""
    from engine.cases import completed
    from engine.identity.models import User
    from engine.worklist import service as worklist

    changed = copy_process_set(REVIEW, tmp_path / "review")
    form = changed / "forms" / "intake.json"
    schema = json.loads(form.read_text())
    schema["properties"]["omschrijving"] = {"type": "string", "title": "Omschrijving"}  # stored before the floor
    form.write_text(json.dumps(schema))
    store_unchecked(db, changed)
    with db.session() as s:
        desk = make_user(s, "desk", "meldpunt")
        make_user(s, "vi", "bureau_vi", unit=None)  # oversight of every case, not of the reporter's identity
        case_id = cases.start_case(session=s, actor=desk, data={"ernstig": False}).id
    with db.session() as s:
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        cases.complete_task(session=s, work_item_id=item.id, user=s.query(User).filter_by(username="desk").one(),
                            data={"ernstig": False, "omschrijving": "Ik zag Wouter Vlijmscherp de kas lichten."})
    with db.session() as s:
        vi = s.query(User).filter_by(username="vi").one()
        (done,) = completed.completed_tasks(session=s, user=vi, case_id=case_id)
        assert "omschrijving" not in done.values and "omschrijving" in done.hidden, done.values
        desk = s.query(User).filter_by(username="desk").one()
        (done,) = completed.completed_tasks(session=s, user=desk, case_id=case_id)
        assert "Vlijmscherp" in done.values["omschrijving"]
