"""POST /audit/verificatie compares the database with the operator's signed checkpoint file (issue 14)."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from engine.audit import checkpoint
from engine.audit import service as audit
from engine.config import get_settings
from engine.crypto import generate_key

pytestmark = pytest.mark.db


@pytest.fixture
def configured(monkeypatch, tmp_path):
    path = tmp_path / "audit-checkpoints.jsonl"
    # the key the world's events were written with (the suite's session key), or a new one
    monkeypatch.setenv("MELDPUNT_AUDIT_KEYS", os.environ.get("MELDPUNT_AUDIT_KEYS") or generate_key())
    monkeypatch.setenv("MELDPUNT_AUDIT_CHECKPOINT_FILE", str(path))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_the_api_names_a_chain_deleted_since_the_checkpoint(world, db, configured):
    with db.session() as s:
        checkpoint.write(session=s, path=configured, settle_seconds=0)
    verify = world.client.post("/api/v1/audit/verificatie", headers=world.h("auditor"))
    assert verify.status_code == 200 and verify.json()["ok"] is True, verify.json()
    chain = audit.chain_for(world.case_b)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE chain = :c"), {"c": chain})
        conn.execute(text("DELETE FROM audit_heads WHERE chain = :c"), {"c": chain})
    body = world.client.post("/api/v1/audit/verificatie", headers=world.h("auditor")).json()
    assert body["ok"] is False and f"keten {chain}: keten verwijderd" in body["reden"], body
