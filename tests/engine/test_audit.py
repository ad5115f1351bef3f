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
