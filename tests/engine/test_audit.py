"""The audit trail is a hash chain; editing any row is detected and named."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from cli.main import app
from engine.audit import service as audit
from engine.cases import service as cases
from engine.processes import service as processes
from tests.factories import REVIEW, make_user

pytestmark = pytest.mark.db


@pytest.fixture
def trail(db, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        desk = make_user(s, "desk", "meldpunt")
        for _ in range(2):
            cases.start_case(session=s, actor=desk, data={})
        audit.append(session=s, actor="beheer", action="user.created", details={"gebruiker": "x"})
    with db.engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT id FROM audit_events ORDER BY id"))]


def run_verify(db, monkeypatch):
    monkeypatch.setenv("MELDPUNT_DATABASE_URL", db.url)
    return CliRunner().invoke(app, ["audit", "verify"])


def test_intact_trail_verifies(db, trail, monkeypatch):
    result = run_verify(db, monkeypatch)
    assert result.exit_code == 0, result.output
    assert f"{len(trail)} gebeurtenissen" in result.output


@pytest.mark.parametrize("column,value", [
    ("actor", "'iemand anders'"),
    ("action", "'task.deleted'"),
    ("details", """'{"gewijzigd": true}'"""),
    ("case_id", "9999"),
])
def test_editing_any_column_of_any_row_is_reported_with_the_row(db, trail, monkeypatch, column, value):
    for row_id in (trail[0], trail[len(trail) // 2], trail[-1]):
        with db.engine.begin() as conn:
            original = conn.execute(text(f"SELECT {column} FROM audit_events WHERE id = :i"), {"i": row_id}).scalar()
            conn.execute(text(f"UPDATE audit_events SET {column} = {value} WHERE id = :i"), {"i": row_id})
        result = run_verify(db, monkeypatch)
        assert result.exit_code == 1
        assert f"rij {row_id}" in result.output
        with db.engine.begin() as conn:  # restore for the next row
            conn.execute(text(f"UPDATE audit_events SET {column} = :v WHERE id = :i"),
                         {"v": original if not isinstance(original, dict) else __import__("json").dumps(original),
                          "i": row_id})
    assert run_verify(db, monkeypatch).exit_code == 0


def test_deleting_a_row_is_reported(db, trail, monkeypatch):
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": trail[1]})
    result = run_verify(db, monkeypatch)
    assert result.exit_code == 1 and "ontbreekt" in result.output


def test_recomputing_one_hash_still_breaks_the_next_link(db, trail, monkeypatch):
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET hash = :h WHERE id = :i"), {"h": "f" * 64, "i": trail[0]})
    result = run_verify(db, monkeypatch)
    assert result.exit_code == 1 and f"rij {trail[0]}" in result.output


# --------------------------------------------------------------------------- read events (issue 14)

def _read(db, case_id: int, actor: str = "coordinator") -> int:
    with db.session() as s:
        audit.append(session=s, actor=actor, action="identity.read", case_id=case_id,
                     details={"velden": ["melder_naam"]})
        # the event is written with the transaction's others; a statement on the audit log sees it already
        return s.scalar(text("SELECT max(id) FROM audit_events WHERE seq IS NULL"))


def test_reads_are_anchored_to_the_chain_without_a_sequence_number(db, trail, monkeypatch):
    from engine.audit.models import AuditEvent, AuditHead

    with db.session() as s:
        case_id = s.scalar(text("SELECT min(case_id) FROM audit_events"))
        head = s.get(AuditHead, audit.chain_for(case_id))
    first, second = _read(db, case_id), _read(db, case_id, actor="desk")
    with db.session() as s:
        for row_id in (first, second):
            ev = s.get(AuditEvent, row_id)
            assert ev.seq is None and ev.prev_hash == head.hash  # anchored to the head the reader saw
        assert s.get(AuditHead, audit.chain_for(case_id)).seq == head.seq  # the chain did not move
    # a chained event after the reads keeps the chain intact
    with db.session() as s:
        audit.append(session=s, actor="desk", action="note", case_id=case_id, details={})
    result = run_verify(db, monkeypatch)
    assert result.exit_code == 0, result.output
    assert f"{len(trail) + 3} gebeurtenissen" in result.output


@pytest.mark.parametrize("column,value", [
    ("actor", "'iemand anders'"), ("details", """'{"velden": []}'"""), ("prev_hash", "'" + "a" * 64 + "'"),
    ("seq", "99"),
])
def test_editing_a_read_event_is_reported_with_the_row(db, trail, monkeypatch, column, value):
    with db.session() as s:
        case_id = s.scalar(text("SELECT min(case_id) FROM audit_events"))
    row_id = _read(db, case_id)
    with db.engine.begin() as conn:
        conn.execute(text(f"UPDATE audit_events SET {column} = {value} WHERE id = :i"), {"i": row_id})
    result = run_verify(db, monkeypatch)
    assert result.exit_code == 1 and f"rij {row_id}" in result.output, result.output


@pytest.mark.postgres_only
def test_a_read_does_not_wait_for_the_chains_lock(db, trail):
    """A case transaction holds the chain's head row; a reader still records its read at once."""
    from engine.db import Database

    if db.dialect != "postgresql":
        pytest.skip("row locks are a PostgreSQL feature; on SQLite every writer takes the database lock")
    with db.session() as s:
        case_id = s.scalar(text("SELECT min(case_id) FROM audit_events"))
    impatient = Database(db.url, connect_args={"options": "-c lock_timeout=100"})
    holder = db.engine.connect()
    try:
        holder.begin()
        holder.execute(text("SELECT seq FROM audit_heads WHERE chain = :c FOR UPDATE"),
                       {"c": audit.chain_for(case_id)})
        with impatient.session() as s:  # would fail with lock_timeout if the read took the head's lock
            audit.append(session=s, actor="coordinator", action="identity.read", case_id=case_id, details={})
    finally:
        holder.rollback()
        holder.close()
        impatient.dispose()
    with db.session() as s:
        assert audit.verify(session=s).ok
