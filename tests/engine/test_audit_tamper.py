"""Tamper evidence that survives a database writer (issue 14).

The chain is keyed (HMAC under MELDPUNT_AUDIT_KEYS, not in the database) and signed checkpoints of
every chain head go to a file outside the database. Someone who can write to the database but has
not got the key deletes, truncates, recomputes or empties; ``meldpunt audit verify`` (the real CLI)
names the chain and what is wrong, and exits non-zero.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from cli.main import app
from engine.audit import service as audit
from engine.audit.checkpoint import write_if_due
from engine.cases import service as cases
from engine.config import Settings
from engine.crypto import generate_key
from engine.processes import service as processes
from engine.timers import worker
from tests.factories import REVIEW, make_user

pytestmark = pytest.mark.db
SETTLE = timedelta(seconds=301)  # past audit_checkpoint_settle_seconds (300): reads are covered


@pytest.fixture
def keyed(monkeypatch, tmp_path, db):
    """An audit key and a checkpoint file, as an operator configures them."""
    key = generate_key()
    path = tmp_path / "audit-checkpoints.jsonl"
    monkeypatch.setenv("MELDPUNT_AUDIT_KEYS", key)
    monkeypatch.setenv("MELDPUNT_AUDIT_CHECKPOINT_FILE", str(path))
    monkeypatch.setenv("MELDPUNT_DATABASE_URL", db.url)
    return path


@pytest.fixture
def trail(db, clock, keyed):
    """Two cases (a chain each, several events) plus the system chain; reads on the first case."""
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        desk = make_user(s, "desk", "meldpunt")
        ids = [cases.start_case(session=s, actor=desk, data={}).id for _ in range(2)]
        for n in range(3):
            audit.append(session=s, actor="desk", action="note", case_id=ids[0], details={"n": n})
        audit.append(session=s, actor="beheer", action="user.created", details={"gebruiker": "x"})
    for actor in ("coordinator", "desk"):
        with db.session() as s:
            audit.append(session=s, actor=actor, action="identity.read", case_id=ids[0],
                         details={"velden": ["melder_naam"]})
    clock.advance(SETTLE)
    return ids


def cli(*args: str):
    return CliRunner().invoke(app, ["audit", *args])


def checkpoint():
    result = cli("checkpoint")
    assert result.exit_code == 0, result.output
    return result


def assert_named(result, chain: str, *words: str) -> None:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if f"keten {chain}" in line]
    assert lines, result.output
    assert any(all(w in line for w in words) for line in lines), result.output


def rows(db, chain: str):
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT id, seq, hash FROM audit_events WHERE chain = :c AND seq IS NOT NULL "
                                 "ORDER BY seq"), {"c": chain}).all()


def test_an_intact_keyed_trail_verifies_against_its_checkpoint(db, trail, keyed):
    written = checkpoint()
    assert "Checkpoint geschreven: 3 ketens" in written.output
    result = cli("verify")
    assert result.exit_code == 0, result.output
    assert "Audittrail in orde" in result.output and "Vergeleken met de checkpoint van" in result.output
    line = json.loads(keyed.read_text().splitlines()[-1])
    chain = audit.chain_for(trail[0])
    assert line["chains"][chain]["reads"] == 2 and line["chains"][chain]["seq"] == rows(db, chain)[-1].seq
    with db.engine.connect() as conn:  # every new row is keyed
        assert conn.execute(text("SELECT count(*) FROM audit_events WHERE key_id IS NULL")).scalar() == 0


def test_truncation_newest_rows_deleted_and_head_moved_back(db, trail):
    checkpoint()
    chain = audit.chain_for(trail[0])
    kept = rows(db, chain)[-3]
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE chain = :c AND seq > :s"), {"c": chain, "s": kept.seq})
        conn.execute(text("UPDATE audit_heads SET seq = :s, hash = :h WHERE chain = :c"),
                     {"s": kept.seq, "h": kept.hash, "c": chain})
    assert_named(cli("verify"), chain, "ingekort", f"bij {kept.seq}")


def test_a_deleted_chain_and_its_head(db, trail):
    checkpoint()
    chain = audit.chain_for(trail[1])
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE chain = :c"), {"c": chain})
        conn.execute(text("DELETE FROM audit_heads WHERE chain = :c"), {"c": chain})
    assert_named(cli("verify"), chain, "keten verwijderd")


def _recompute(db, chain: str, from_seq: int, sign) -> None:
    """What a database writer without the key can do: edit a row, recompute every later link and the head."""
    from engine.audit.models import AuditEvent, AuditHead

    with db.session() as s:
        events = s.query(AuditEvent).filter(AuditEvent.chain == chain, AuditEvent.seq.is_not(None)) \
            .order_by(AuditEvent.seq).all()
        prev = audit.GENESIS
        for ev in events:
            if ev.seq == from_seq:
                ev.actor = "iemand anders"
            if ev.seq >= from_seq:
                ev.prev_hash = prev
                ev.key_id, ev.hash = sign(ev)
            prev = ev.hash
        head = s.get(AuditHead, chain)
        head.hash = prev


def _unkeyed(ev):  # the old, public SHA-256 scheme
    return None, audit._digest(chain=ev.chain, seq=ev.seq, at=ev.at, actor=ev.actor, action=ev.action,
                               case_id=ev.case_id, task_id=ev.task_id, details=ev.details, prev_hash=ev.prev_hash)


def _guessed_key(ev):  # the HMAC scheme with a key of the attacker's own, under the real key's id
    payload = json.dumps({"chain": ev.chain, "seq": ev.seq, "at": ev.at.isoformat(timespec="microseconds"),
                          "actor": ev.actor, "action": ev.action, "case_id": ev.case_id, "task_id": ev.task_id,
                          "details": ev.details, "prev": ev.prev_hash, "key": ev.key_id},
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return ev.key_id, hmac.new(b"x" * 32, payload.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("sign,named", [(_unkeyed, "zonder sleutel na een gesleutelde"),
                                        (_guessed_key, "sleutelhandtekening klopt niet")], ids=["unkeyed", "guessed-key"])
def test_an_edited_row_with_the_chain_recomputed(db, trail, sign, named):
    checkpoint()
    chain = audit.chain_for(trail[0])
    edited = rows(db, chain)[1]
    _recompute(db, chain, edited.seq, sign)
    result = cli("verify")
    assert_named(result, chain, f"rij {edited.id}", named)  # the key: the row's own signature fails
    assert_named(result, chain, "herberekend")  # the checkpoint: the head differs


def test_a_recomputed_chain_of_unkeyed_rows_is_caught_by_the_checkpoint(db, clock, keyed, monkeypatch):
    """Rows from before the key (no HMAC) recomputed: only the checkpoint can tell."""
    monkeypatch.setenv("MELDPUNT_AUDIT_KEYS", "")  # no key (an empty value overrides the settings)
    with db.session() as s:
        for n in range(3):
            audit.append(session=s, actor="beheer", action="note", details={"n": n})
    monkeypatch.setenv("MELDPUNT_AUDIT_KEYS", generate_key())
    checkpoint()
    _recompute(db, "system", 2, _unkeyed)
    assert_named(cli("verify"), "system", "herberekend", "gebeurtenis 3")


def test_an_emptied_table(db, trail):
    checkpoint()
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events"))
        conn.execute(text("DELETE FROM audit_heads"))
    result = cli("verify")
    assert result.exit_code == 1, result.output
    assert "Audittrail in orde" not in result.output and "0 gebeurtenissen" in result.output
    assert "audittabel is leeg" in result.output
    for chain in (audit.chain_for(trail[0]), audit.chain_for(trail[1]), "system"):
        assert_named(result, chain, "keten verwijderd")


def test_a_deleted_read_event(db, trail, clock):
    chain = audit.chain_for(trail[0])
    checkpoint()
    with db.session() as s:  # a later read (after the checkpoint) does not hide the deletion
        audit.append(session=s, actor="desk", action="identity.read", case_id=trail[0], details={})
    with db.engine.begin() as conn:
        victim = conn.execute(text("SELECT min(id) FROM audit_events WHERE seq IS NULL")).scalar()
        conn.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": victim})
    assert_named(cli("verify"), chain, "1 leesgebeurtenis(sen) verwijderd")


def test_a_read_committed_after_the_checkpoint_is_not_taken_for_a_deletion(db, trail, clock):
    with db.session() as s:
        audit.append(session=s, actor="desk", action="identity.read", case_id=trail[0], details={})
    checkpoint()  # within the settle time: this read is not counted yet
    clock.advance(SETTLE)
    result = cli("verify")
    assert result.exit_code == 0, result.output


def test_rows_from_before_the_key_keep_verifying_and_new_rows_are_keyed(db, clock, keyed, monkeypatch):
    monkeypatch.setenv("MELDPUNT_AUDIT_KEYS", "")  # no key (an empty value overrides the settings)
    with db.session() as s:
        audit.append(session=s, actor="beheer", action="oud", details={})
    assert "geen auditsleutel ingesteld" in cli("verify").output
    old, new = generate_key(), generate_key()
    monkeypatch.setenv("MELDPUNT_AUDIT_KEYS", old)
    with db.session() as s:
        audit.append(session=s, actor="beheer", action="nieuw", details={})
    checkpoint()
    monkeypatch.setenv("MELDPUNT_AUDIT_KEYS", f"{new},{old}")  # rotation: the old key only verifies
    with db.session() as s:
        audit.append(session=s, actor="beheer", action="nieuwer", details={})
    checkpoint()
    result = cli("verify")
    assert result.exit_code == 0, result.output
    assert "1 gebeurtenis(sen) zonder sleutel" in result.output
    with db.engine.connect() as conn:
        kids = [r[0] for r in conn.execute(text("SELECT key_id FROM audit_events ORDER BY seq"))]
    assert kids[0] is None and kids[1] != kids[2] and None not in kids[1:]
    monkeypatch.setenv("MELDPUNT_AUDIT_KEYS", new)  # the old key dropped: its rows cannot be checked
    result = cli("verify")
    assert result.exit_code == 1 and "staat niet (meer) in MELDPUNT_AUDIT_KEYS" in result.output


def test_an_unkeyed_row_after_keyed_ones_is_a_rewrite(db, trail):
    chain = audit.chain_for(trail[0])
    last = rows(db, chain)[-1]
    from engine.audit.models import AuditEvent

    with db.session() as s:
        _, digest = _unkeyed(s.get(AuditEvent, last.id))
    with db.engine.begin() as conn:  # the newest row re-signed the old way, head moved with it
        conn.execute(text("UPDATE audit_events SET key_id = NULL, hash = :h WHERE id = :i"), {"h": digest, "i": last.id})
        conn.execute(text("UPDATE audit_heads SET hash = :h WHERE chain = :c"), {"h": digest, "c": chain})
    assert_named(cli("verify"), chain, f"rij {last.id}", "zonder sleutel na een gesleutelde")


def test_a_changed_or_removed_checkpoint_line_is_reported(db, trail, keyed):
    checkpoint()
    checkpoint()
    checkpoint()
    lines = keyed.read_text().splitlines()
    forged = json.loads(lines[-1])
    forged["events"] = 1
    keyed.write_text("\n".join([lines[0], lines[2], json.dumps(forged)]) + "\n")
    result = cli("verify")
    assert result.exit_code == 1, result.output
    assert "regel 2: sluit niet aan" in result.output and "regel 3: handtekening klopt niet" in result.output


def test_the_timer_worker_writes_a_checkpoint_at_the_interval(db, trail, keyed, clock, monkeypatch):
    monkeypatch.setenv("MELDPUNT_AUDIT_CHECKPOINT_SECONDS", "3600")
    worker.run(database=db, once=True)
    assert len(keyed.read_text().splitlines()) == 1
    clock.advance(timedelta(minutes=59))
    assert write_if_due(db) is False
    clock.advance(timedelta(minutes=1))
    worker.run(database=db, once=True)
    lines = keyed.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["at"].startswith((clock.now()).date().isoformat())
    assert cli("verify").exit_code == 0
    assert write_if_due(db, Settings(audit_checkpoint_seconds=0)) is False  # 0: the worker writes none
