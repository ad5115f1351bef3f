"""Process versions: immutable, keyed by content hash; cases stay on the version they started on."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli.main import app
from engine.cases import service as cases
from engine.cases.models import Case
from engine.identity.models import User
from engine.processes import service as processes
from engine.processes.models import ProcessVersion
from engine.worklist import service as worklist
from tests.factories import REVIEW, copy_process_set, make_user

pytestmark = pytest.mark.db


def versions(db) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(ProcessVersion)).scalar()


def test_redeploying_unchanged_files_is_a_no_op(db, clock):
    with db.session() as s:
        first = processes.deploy(session=s, directory=REVIEW).id
    with db.session() as s:
        assert processes.deploy(session=s, directory=REVIEW).id == first
    assert versions(db) == 1


def test_changed_file_makes_a_new_version_and_running_cases_finish_on_theirs(db, clock, tmp_path):
    changed = copy_process_set(REVIEW, tmp_path / "review")
    bpmn = changed / "review.bpmn"
    # Process owner renames the first task and makes the light path go to assessment too.
    bpmn.write_text(bpmn.read_text().replace('name="Melding registreren"', 'name="Melding vastleggen"'))
    with db.session() as s:
        v1 = processes.deploy(session=s, directory=REVIEW).id
        desk = make_user(s, "desk", "meldpunt")
        old_case = cases.start_case(session=s, actor=desk, data={}).id
    with db.session() as s:
        v2 = processes.deploy(session=s, directory=changed).id
    assert v2 != v1 and versions(db) == 2
    with db.session() as s:
        desk = s.get(User, 1) or s.execute(select(User)).scalars().first()
        new_case = cases.start_case(session=s, actor=desk, data={}).id
        assert s.get(Case, old_case).process_version_id == v1
        assert s.get(Case, new_case).process_version_id == v2
        assert worklist.items_of_case(session=s, case_id=old_case)[0].name == "Melding registreren"
        assert worklist.items_of_case(session=s, case_id=new_case)[0].name == "Melding vastleggen"
    with db.session() as s:  # the old case runs to its end on v1
        desk = s.execute(select(User)).scalars().first()
        item = worklist.items_of_case(session=s, case_id=old_case)[0]
        case = cases.complete_task(session=s, work_item_id=item.id, user=desk, data={"ernstig": False})
        assert case.status == "closed" and case.process_version_id == v1


def test_stored_files_are_the_deployed_bytes(db, clock):
    with db.session() as s:
        version = processes.deploy(session=s, directory=REVIEW)
        stored = {f.path: f.content for f in version.files}
    assert stored["review.bpmn"] == (REVIEW / "review.bpmn").read_bytes()
    assert set(stored) == {"manifest.json", "review.bpmn", "forms/intake.json", "forms/beoordelen.json",
                           "forms/onderzoek.json", "forms/escalatie.json"}


def test_cli_check_and_deploy(db, clock, tmp_path, monkeypatch):
    monkeypatch.setenv("MELDPUNT_DATABASE_URL", db.url)
    runner = CliRunner()
    result = runner.invoke(app, ["processes", "check", str(REVIEW)])
    assert result.exit_code == 0 and "in orde" in result.output
    result = runner.invoke(app, ["processes", "deploy", str(REVIEW)])
    assert result.exit_code == 0, result.output
    again = runner.invoke(app, ["processes", "deploy", str(REVIEW)])
    assert again.output.split(")")[0] == result.output.split(")")[0]  # same version reported: a no-op
    assert result.output.endswith("is uitgerold en actief.\n") and again.output.endswith(") is actief.\n")
    assert versions(db) == 1


def test_processes_check_passes_on_the_real_processes_and_fails_on_a_broken_copy(tmp_path):
    import shutil

    from engine.config import get_settings

    runner = CliRunner()
    result = runner.invoke(app, ["processes", "check"])
    assert result.exit_code == 0, result.output
    assert "Procesbestanden en briefsjablonen in orde." in result.output
    broken = tmp_path / "processes"
    shutil.copytree(get_settings().processes_dir, broken)
    form = broken / "forms" / "melding_registreren.json"
    form.write_text(form.read_text()[:-20])  # truncated JSON
    result = runner.invoke(app, ["processes", "check", str(broken)])
    assert result.exit_code == 1
    assert "forms/melding_registreren.json" in result.output
