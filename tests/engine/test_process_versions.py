"""Deploy means what it says (issue 18): redeploying an earlier version's files makes that version the one new
cases start on (audited), running cases stay on their own version, and the running cases per version are counted.
And what changed between two versions, element by element (engine.processes.diff), on real variants of processes/.
"""
from __future__ import annotations

import io
import json
import shutil
import zipfile

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.cases import service as cases
from engine.errors import NotFound
from engine.identity.models import User
from engine.processes import service as processes
from engine.processes.diff import diff_files, diff_versions
from engine.processes.validation import read_process_dir
from tests.factories import REVIEW, copy_process_set, make_user
from tests.process.driver import PROCESSES


def _actions(s) -> list[tuple[str, dict]]:
    return [(e.action, e.details) for e in s.execute(
        select(AuditEvent).where(AuditEvent.action.like("process.%")).order_by(AuditEvent.id)).scalars()]


@pytest.mark.db
def test_redeploying_an_earlier_version_makes_it_active_for_new_cases_and_running_cases_stay(db, clock, tmp_path):
    v1_dir = copy_process_set(REVIEW, tmp_path / "v1")
    v2_dir = copy_process_set(REVIEW, tmp_path / "v2")
    bpmn = v2_dir / "review.bpmn"
    bpmn.write_text(bpmn.read_text().replace('name="Melding beoordelen"', 'name="Melding inhoudelijk beoordelen"'))
    with db.session() as s:
        make_user(s, "desk", "meldpunt")
        v1 = processes.deploy_files(session=s, directory=v1_dir, actor="pb")
        assert v1.outcome == "nieuw"
        on_v1 = cases.start_case(session=s, actor=None, data={}).id
        v2 = processes.deploy_files(session=s, directory=v2_dir, actor="pb")
        assert v2.outcome == "nieuw" and processes.active_version(session=s).id == v2.version.id
        on_v2 = cases.start_case(session=s, actor=None, data={}).id
        ids = (v1.version.id, v2.version.id)
    with db.session() as s:  # the rollback: v1's files again
        again = processes.deploy_files(session=s, directory=v1_dir, actor="pb")
        assert (again.outcome, again.version.id) == ("geactiveerd", ids[0])
        assert "weer actief" in again.message and "weer gebruikt" in again.page_message
    with db.session() as s:
        assert processes.active_version(session=s).id == ids[0]
        new = cases.start_case(session=s, actor=None, data={})
        assert new.process_version_id == ids[0]
        assert s.get(type(new), on_v2).process_version_id == ids[1] and s.get(type(new), on_v1).process_version_id == ids[0]
        assert processes.running_cases(session=s) == {ids[0]: 2, ids[1]: 1}
        unchanged = processes.deploy_files(session=s, directory=v1_dir, actor="pb")
        assert unchanged.outcome == "ongewijzigd" and "Niets gewijzigd" in unchanged.page_message
    with db.session() as s:
        events = _actions(s)
        assert [a for a, _ in events] == ["process.deployed", "process.deployed", "process.activated",
                                          "process.deployed"]
        assert events[2][1] == {"version": ids[0], "hash": events[2][1]["hash"], "previous": ids[1], "newest": ids[1]}
        assert events[3][1]["unchanged"] is True
        # the explicit activation (web page, API, CLI): v2 again, then a new version wins
        processes.activate(session=s, version_id=ids[1], actor="pb")
        assert processes.active_version(session=s).id == ids[1]
        processes.activate(session=s, version_id=ids[0], actor="pb")
        assert processes.active_version(session=s).id == ids[0]
        with pytest.raises(NotFound):
            processes.activate(session=s, version_id=ids[1] + 100, actor="pb")
    with pytest.raises(RuntimeError), db.session() as s:  # an activation rolled back leaves nothing behind
        processes.activate(session=s, version_id=ids[1], actor="pb")
        assert processes.active_version(session=s).id == ids[1]
        raise RuntimeError("afgebroken")
    with db.session() as s:
        assert processes.active_version(session=s).id == ids[0]
    v3_dir = copy_process_set(v2_dir, tmp_path / "v3")
    (v3_dir / "review.bpmn").write_text((v3_dir / "review.bpmn").read_text().replace(
        'name="Melding registreren"', 'name="Melding vastleggen"'))
    with db.session() as s:
        v3 = processes.deploy_files(session=s, directory=v3_dir, actor="pb")
        assert v3.outcome == "nieuw" and processes.active_version(session=s).id == v3.version.id
        assert [(c.kind, c.change, c.name) for c in diff_versions(session=s, version_id=v3.version.id,
                                                                   other_id=ids[1])] == \
            [("taak", "gewijzigd", "Melding vastleggen")]


# --------------------------------------------------------------------------- the differences

ADDED_TASK = ('    <bpmn:userTask id="extra_controle" name="Extra controle door de coördinator" />\n'
              '  </bpmn:process>')


def _edit_docx(content: bytes, old: str, new: str) -> bytes:
    src, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode(), 1)
            dst.writestr(item, data)
    return out.getvalue()


def _variant(tmp_path):
    """A copy of processes/ with one change of each kind."""
    target = tmp_path / "variant"
    shutil.copytree(PROCESSES, target)
    melding = target / "melding.bpmn"
    text = melding.read_text()
    text = text.replace('name="Melding registreren"', 'name="Melding vastleggen"', 1)  # rename a task
    text = text.replace("  </bpmn:process>", ADDED_TASK, 1)  # add a task
    text = text.replace('    <bpmn:sequenceFlow id="Flow_via_vp_gateway_to_via_vp_join" name="nee" '
                        'sourceRef="via_vp_gateway" targetRef="via_vp_join" />\n', "", 1)  # remove a flow
    melding.write_text(text)
    main = target / "integriteitsmelding.bpmn"
    main.write_text(main.read_text().replace('legal_term("P7D", start=datum_melding)',
                                             'legal_term("P14D", start=datum_melding)', 1))  # a timer's duration
    form_path = target / "forms" / "melding_registreren.json"
    form = json.loads(form_path.read_text())
    form["properties"]["interne_notitie"] = {"type": "string", "title": "Interne notitie"}  # a form field
    form_path.write_text(json.dumps(form, ensure_ascii=False, indent=2))
    letter = target / "letters" / "ontvangstbevestiging.docx"
    letter.write_bytes(_edit_docx(letter.read_bytes(), "Geachte", "Beste"))  # a letter's wording
    return target


def test_the_diff_of_two_real_variants_reports_each_change_exactly(tmp_path):
    old = read_process_dir(PROCESSES)
    new = read_process_dir(_variant(tmp_path))
    changes = diff_files(old, new)
    summary = [(c.kind, c.change, c.name, c.file, c.element_id) for c in changes]
    assert summary == [
        ("taak", "gewijzigd", "Melding vastleggen", "melding.bpmn", "melding_registreren"),
        ("taak", "toegevoegd", "Extra controle door de coördinator", "melding.bpmn", "extra_controle"),
        ("stroom", "verwijderd", "nee (Via vertrouwenspersoon? → keuze zonder naam)", "melding.bpmn", "Flow_via_vp_gateway_to_via_vp_join"),
        ("timer", "gewijzigd", "7 dagen verstreken", "integriteitsmelding.bpmn", "ontvangst_termijn"),
        ("formulier", "gewijzigd", "Melding registreren", "forms/melding_registreren.json", None),
        ("brief", "gewijzigd", "Ontvangstbevestiging melding", "letters/ontvangstbevestiging.docx", None),
    ], summary
    by_kind = {c.kind + c.change: c for c in changes}
    assert by_kind["taakgewijzigd"].details == ("naam: 'Melding registreren' → 'Melding vastleggen'",)
    assert by_kind["timergewijzigd"].details == (
        "termijn: 'legal_term(\"P7D\", start=datum_melding)' → 'legal_term(\"P14D\", start=datum_melding)' "
        "(duur P7D → P14D)",)
    form = by_kind["formuliergewijzigd"].details
    assert form == ("velden toegevoegd: Interne notitie", "gebruikt door: Melding vastleggen"), form
    assert by_kind["briefgewijzigd"].details[0].startswith("sjabloon: kenmerk ")
    assert diff_files(old, old) == []
    # the other way round: the same elements, added and removed swapped
    back = [(c.kind, c.change) for c in diff_files(new, old)]
    assert back == [("taak", "gewijzigd"), ("taak", "verwijderd"), ("stroom", "toegevoegd"), ("timer", "gewijzigd"),
                    ("formulier", "gewijzigd"), ("brief", "gewijzigd")]


def test_a_changed_lane_property_and_flow_target_are_named_in_dutch(tmp_path):
    old = read_process_dir(PROCESSES)
    new = dict(old)
    text = new["melding.bpmn"].decode()
    text = text.replace('<spiffworkflow:property name="priority" value="prioriteit" />',
                        '<spiffworkflow:property name="priority" value="5" />', 1)
    text = text.replace('sourceRef="via_vp_gateway" targetRef="via_vp_join"',
                        'sourceRef="via_vp_gateway" targetRef="toestemming_vertrouwenspersoon"', 1)
    new["melding.bpmn"] = text.encode()
    changes = {c.element_id: c.details for c in diff_files(old, new)}
    assert changes == {
        "toestemming_vertrouwenspersoon": ("prioriteit: 'prioriteit' → '5'",),
        "Flow_via_vp_gateway_to_via_vp_join": ("naar: 'keuze zonder naam' → 'Toestemming melder bevestigen'",),
    }, changes


@pytest.mark.db
def test_cli_lists_activates_and_compares_versions(db, clock, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cli.main import app

    monkeypatch.setenv("MELDPUNT_DATABASE_URL", db.url)
    v1_dir = copy_process_set(REVIEW, tmp_path / "v1")
    v2_dir = copy_process_set(REVIEW, tmp_path / "v2")
    (v2_dir / "review.bpmn").write_text((v2_dir / "review.bpmn").read_text().replace(
        '"P7D"', '"P10D"', 1))
    runner = CliRunner()
    assert runner.invoke(app, ["processes", "deploy", str(v1_dir)]).output.endswith("is uitgerold en actief.\n")
    assert runner.invoke(app, ["processes", "deploy", str(v2_dir)]).exit_code == 0
    with db.session() as s:
        make_user(s, "desk", "meldpunt")
        cases.start_case(session=s, actor=s.execute(select(User)).scalars().first(), data={})
    out = runner.invoke(app, ["processes", "list"]).output.splitlines()
    assert out[0].startswith("Versie 2 ") and out[0].endswith("1 lopende zaken  (actief)"), out
    assert out[1].startswith("Versie 1 ") and out[1].endswith("0 lopende zaken"), out
    diff = runner.invoke(app, ["processes", "diff", "1", "2"]).output
    assert diff.startswith("Termijn gewijzigd: ") and "(duur P7D → P10D)" in diff, diff
    result = runner.invoke(app, ["processes", "activate", "1"])
    assert result.exit_code == 0 and "Procesversie 1 " in result.output and "actief" in result.output
    assert runner.invoke(app, ["processes", "list"]).output.splitlines()[1].endswith("(actief)")
    again = runner.invoke(app, ["processes", "deploy", str(v2_dir)])
    assert "Procesversie 2 " in again.output and "weer actief" in again.output
    missing = runner.invoke(app, ["processes", "activate", "99"])
    assert missing.exit_code == 1 and "Procesversie niet gevonden." in missing.output


def _names(parsed) -> set[str]:
    return {t.name for t in parsed.tasks.values() if t.name}


@pytest.mark.db
def test_a_version_read_once_per_transaction_and_forgotten_when_its_savepoint_rolls_back(db, tmp_path):
    """Issue 25: ``parsed_version`` reads a version's hash once per transaction. A version created and read in a
    savepoint that rolls back is forgotten, so the version that gets its id next (SQLite reuses it) is answered
    with its own specs; so is one read in a transaction that rolled back."""
    from sqlalchemy import event

    v1_dir = copy_process_set(REVIEW, tmp_path / "v1")
    v2_dir = copy_process_set(REVIEW, tmp_path / "v2")
    bpmn = v2_dir / "review.bpmn"
    bpmn.write_text(bpmn.read_text().replace('name="Melding beoordelen"', 'name="Melding inhoudelijk beoordelen"'))
    with db.session() as s:
        savepoint = s.begin_nested()
        v1 = processes.deploy_files(session=s, directory=v1_dir, actor="pb").version.id
        assert "Melding beoordelen" in _names(processes.parsed_version(session=s, version_id=v1))
        savepoint.rollback()
        v2 = processes.deploy_files(session=s, directory=v2_dir, actor="pb").version.id
        names = _names(processes.parsed_version(session=s, version_id=v2))
        assert "Melding inhoudelijk beoordelen" in names and "Melding beoordelen" not in names
        statements = []

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            for _ in range(3):
                processes.parsed_version(session=s, version_id=v2)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert not [q for q in statements if "process_versions" in q]  # remembered in the transaction
    with db.session() as s:  # a transaction that rolls back its version
        v3_dir = copy_process_set(REVIEW, tmp_path / "v3")
        (v3_dir / "review.bpmn").write_text((v3_dir / "review.bpmn").read_text().replace(
            'name="Melding beoordelen"', 'name="Melding eerst beoordelen"'))
        v3 = processes.deploy_files(session=s, directory=v3_dir, actor="pb").version.id
        assert "Melding eerst beoordelen" in _names(processes.parsed_version(session=s, version_id=v3))
        s.rollback()
        v4_dir = copy_process_set(REVIEW, tmp_path / "v4")
        (v4_dir / "review.bpmn").write_text((v4_dir / "review.bpmn").read_text().replace(
            'name="Melding beoordelen"', 'name="Melding later beoordelen"'))
        v4 = processes.deploy_files(session=s, directory=v4_dir, actor="pb").version.id
        names = _names(processes.parsed_version(session=s, version_id=v4))
        assert "Melding later beoordelen" in names and "Melding eerst beoordelen" not in names
