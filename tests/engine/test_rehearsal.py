"""Issue 18: a draft is rehearsed against the compliance scenarios before it is deployed.

A draft that acknowledges receipt within 4 days instead of 7 breaks the scenario
"Het meldpunt bevestigt de ontvangst op tijd": the rehearsal names it and its failing step (CLI and engine); deploying
that draft is refused without a reason, and with one it is deployed and the reason is in the audit log. Only that one
scenario is run (the selection works as for ``meldpunt scenarios``).
"""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.config import get_settings
from engine.processes import rehearsal, service
from engine.processes.validation import read_process_dir
from tests.process.driver import PROCESSES

pytestmark = pytest.mark.db

SCENARIO = "Het meldpunt bevestigt de ontvangst op tijd"
FAILING_STEP = 'En is de termijn van de taak "Ontvangst bevestigen" 9 november 2026'


@pytest.fixture
def rehearsal_required(monkeypatch):
    monkeypatch.setenv("MELDPUNT_REPETITIE", "verplicht")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("MELDPUNT_REPETITIE")
    get_settings.cache_clear()


@pytest.fixture
def draft(tmp_path):
    target = tmp_path / "concept"
    shutil.copytree(PROCESSES, target)
    path = target / "melding.bpmn"
    text = path.read_text(encoding="utf-8")
    old = 'ontvangstbevestiging_termijn = legal_date("P7D", start=datum_melding)'
    assert old in text
    path.write_text(text.replace(old, old.replace("P7D", "P4D")), encoding="utf-8")
    path = target / "integriteitsmelding.bpmn"  # and the timer that escalates the acknowledgement
    text = path.read_text(encoding="utf-8")
    old = 'legal_term("P7D", start=datum_melding)'
    assert old in text
    path.write_text(text.replace(old, old.replace("P7D", "P4D")), encoding="utf-8")
    return target


def _events(db, action):
    with db.session() as s:
        return [e.details for e in s.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars()]


def test_a_draft_that_breaks_a_scenario_is_reported_and_needs_a_reason_to_deploy(
        db, clock, draft, monkeypatch, rehearsal_required):
    from typer.testing import CliRunner

    from cli.main import app

    monkeypatch.setenv("MELDPUNT_DATABASE_URL", db.url)
    runner = CliRunner()
    result = runner.invoke(app, ["processes", "repeteren", str(draft), SCENARIO])
    assert result.exit_code == 1, result.output
    assert f"MISLUKT      features/ontvangstbevestiging.feature: {SCENARIO}" in result.output
    assert FAILING_STEP in result.output  # the failing step, with its line
    assert "Repetitie: 0 van 1 scenario's geslaagd, 1 mislukt." in result.output
    [recorded] = _events(db, rehearsal.REHEARSED)
    assert recorded["geslaagd"] is False and recorded["keuze"] == [SCENARIO]
    assert recorded["mislukt"][0]["scenario"] == SCENARIO and FAILING_STEP in recorded["mislukt"][0]["stap"]

    # deploying the draft: refused without a reason, nothing written
    refused = runner.invoke(app, ["processes", "deploy", str(draft)])
    assert refused.exit_code == 1 and "De repetitie van deze bestanden is mislukt" in refused.output
    assert _events(db, "process.deployed") == [] and _events(db, rehearsal.OVERRIDDEN) == []
    with db.session() as s:
        with pytest.raises(rehearsal.RehearsalRequired):
            service.deploy_files(session=s, directory=draft, actor="eigenaar", override="te kort")

    # with a reason: deployed, and the reason is in the audit log
    reason = "Termijn op verzoek van de OR verlengd; scenario wordt aangepast"
    deployed = runner.invoke(app, ["processes", "deploy", str(draft), "--zonder-repetitie", reason])
    assert deployed.exit_code == 0 and "is uitgerold en actief" in deployed.output, deployed.output
    [override] = _events(db, rehearsal.OVERRIDDEN)
    assert override["reden"] == reason and override["repetitie"] == "mislukt"
    assert override["hash"] == service.content_hash(read_process_dir(draft))
    assert override["mislukt"][0]["scenario"] == SCENARIO


def test_a_draft_that_was_never_rehearsed_is_refused_and_the_shipped_set_needs_no_rehearsal(
        db, clock, draft, rehearsal_required):
    with db.session() as s:
        with pytest.raises(rehearsal.RehearsalRequired, match="is niet gedraaid"):
            service.deploy_files(session=s, directory=draft, actor="eigenaar")
    with db.session() as s:
        assert service.deploy_files(session=s, directory=PROCESSES, actor="eigenaar").outcome == "nieuw"


def test_a_passed_rehearsal_lets_exactly_those_files_deploy(db, clock, tmp_path, rehearsal_required):
    target = tmp_path / "concept"
    shutil.copytree(PROCESSES, target)
    # renames a task the scenario does not name (the scenarios name tasks as the worklist shows them, so renaming
    # "Melding registreren" would rightly fail the rehearsal)
    path = target / "integriteitsmelding.bpmn"
    text = path.read_text(encoding="utf-8")
    assert 'name="Zaak registreren en afsluiten"' in text
    path.write_text(text.replace('name="Zaak registreren en afsluiten"', 'name="Zaak afsluiten"', 1), encoding="utf-8")
    with db.session() as s:
        result = rehearsal.rehearse(session=s, files=read_process_dir(target), selection=[SCENARIO], actor="eigenaar")
    assert result.passed, [(r.scenario, r.result, r.step, r.message) for r in result.scenarios]
    assert [(r.scenario, r.result) for r in result.scenarios] == [(SCENARIO, "geslaagd")]
    with db.session() as s:
        assert service.deploy_files(session=s, directory=target, actor="eigenaar").outcome == "nieuw"
    assert _events(db, rehearsal.OVERRIDDEN) == []


@pytest.fixture
def settings_env(monkeypatch):
    """Set MELDPUNT_* settings for one test (the settings are cached: cleared before and after)."""
    def set_(**values):
        for key, value in values.items():
            monkeypatch.setenv(f"MELDPUNT_{key.upper()}", str(value))
        get_settings.cache_clear()
    yield set_
    get_settings.cache_clear()


def test_no_transaction_stays_open_while_the_scenarios_run(db, clock, settings_env):
    """The scenarios run for a minute or more: meanwhile the caller's transaction is over. On SQLite another
    writer (a reporter's report, a step) is not locked out; on PostgreSQL the server's idle-in-transaction limit
    (here 1 s) does not end the connection before the outcome is recorded."""
    from engine.audit import service as audit
    from engine.db import Database

    settings_env(db_idle_in_transaction_timeout_ms=1000, sqlite_busy_timeout_seconds=1)
    database, other = Database(db.url), Database(db.url)
    wrote_meanwhile = []
    original = rehearsal.subprocess.run

    def run_and_write_meanwhile(*args, **kwargs):  # the real scenarios' process; another writer just before it
        with other.session() as s2:
            audit.append(session=s2, actor="iemand", action="test.geschreven_tijdens_repetitie", details={})
        wrote_meanwhile.append(True)
        return original(*args, **kwargs)

    try:
        with database.session() as s:
            s.scalar(select(AuditEvent.id).limit(1))  # a read first, as the callers do: the transaction begins
            rehearsal.subprocess.run = run_and_write_meanwhile
            try:
                result = rehearsal.rehearse(session=s, files=read_process_dir(PROCESSES), selection=[SCENARIO],
                                            actor="eigenaar")
            finally:
                rehearsal.subprocess.run = original
        assert wrote_meanwhile == [True]
        assert result.passed, result.summary
        [recorded] = _events(db, rehearsal.REHEARSED)
        assert recorded["geslaagd"] is True and recorded["keuze"] == [SCENARIO]
    finally:
        database.dispose()
        other.dispose()


def test_a_rehearsal_that_runs_too_long_is_stopped_and_recorded(db, clock, settings_env):
    settings_env(repetitie_timeout_seconds=1)  # the scenarios' process needs several seconds to start alone
    with db.session() as s:
        result = rehearsal.rehearse(session=s, files=read_process_dir(PROCESSES), selection=[SCENARIO],
                                    actor="eigenaar")
    assert not result.passed
    assert result.summary.startswith("Repetitie niet gelukt: de scenario's liepen langer dan 1 seconde en zijn "
                                     "gestopt.")
    [recorded] = _events(db, rehearsal.REHEARSED)
    assert recorded["geslaagd"] is False and "langer dan 1 seconde" in recorded["fout"]


def test_rehearse_refuses_to_end_a_transaction_with_unsaved_writes(db, clock):
    from engine.audit.models import AuditEvent as Event

    with db.session() as s:
        s.add(Event(chain="system", seq=10**9, actor="x", action="y", details={}))
        with pytest.raises(RuntimeError, match="before writing anything"):
            rehearsal.rehearse(session=s, files=read_process_dir(PROCESSES), selection=[SCENARIO])
        s.rollback()
