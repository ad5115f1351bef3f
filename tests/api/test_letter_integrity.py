"""A letter whose stored bytes no longer match their sha256 is never handed out.

The API answers 500 ``letter-integrity`` "Brief is beschadigd" (problem+json, with a reference), writes
an audit event (``document.integrity_failed``: id, recorded hash, reference) that survives the error, and
logs a security line on ``meldpunt.security`` without identity, receipt code, token or content.
"""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, text

from engine.audit.models import AuditEvent
from tests.api.conftest import REPORTER_NAME

pytestmark = pytest.mark.db


def _letter_to_reporter(c, world) -> int:
    r = c.post(f"/api/v1/zaken/{world.case_a}/onthullingen", headers=world.h("integriteitscoordinator"),
               json={"ontvanger_id": world.users["onderzoeker"], "reden": "De melder moet als getuige worden gehoord."})
    assert r.status_code == 201, r.text
    r = c.post(f"/api/v1/zaken/{world.case_a}/onthullingen/{r.json()['id']}/besluit",
               headers=world.h("coordinator2"), json={"goedkeuren": True})
    assert r.status_code == 200, r.text
    return r.json()["brief_id"]


def _damage(db, letter_id: int) -> None:
    # Behind the ORM's back (rows are immutable there): what a broken disk or a manual edit would do.
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE letters SET content = :c WHERE id = :i"), {"c": b"PK\x03\x04 gewijzigd", "i": letter_id})


def _integrity_events(db, case_id):
    with db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id,
                                                       AuditEvent.action == "document.integrity_failed")))


@pytest.mark.parametrize("reader", ["staff", "reporter"])
def test_damaged_letter_is_a_clear_problem_audited_and_logged(world, db, caplog, reader):
    c = world.client
    letter_id = _letter_to_reporter(c, world)
    _damage(db, letter_id)
    caplog.set_level(logging.INFO)
    if reader == "staff":
        r = c.get(f"/api/v1/zaken/{world.case_a}/documenten/{letter_id}", headers=world.h("integriteitscoordinator"))
        actor = "integriteitscoordinator"
    else:
        r = c.get(f"/api/v1/mijn-meldingen/{world.case_a}/brieven/{letter_id}", headers=world.h("melder"))
        actor = "melder"
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["type"].endswith("/letter-integrity") and problem["title"] == "Brief is beschadigd"
    reference = problem["reference"]
    assert reference in problem["detail"] and str(letter_id) in problem["detail"]
    assert "gewijzigd" not in r.text and REPORTER_NAME not in r.text
    # audited, and the event survived the error answer (the request's transaction rolled back)
    events = _integrity_events(db, world.case_a)
    assert len(events) == 1
    assert events[0].actor == actor
    assert events[0].details["document"] == letter_id and events[0].details["referentie"] == reference
    assert set(events[0].details) == {"document", "sha256", "referentie"}
    # a security log line with the same reference; no identity, token or content
    lines = [rec for rec in caplog.records if rec.name == "meldpunt.security"]
    assert len(lines) == 1 and lines[0].levelno == logging.ERROR and reference in lines[0].getMessage()
    logged = caplog.text
    assert REPORTER_NAME not in logged and "rita@example.org" not in logged and "gewijzigd" not in logged
    assert all(token not in logged for token in world.tokens.values())
    # no read was recorded for the refused download
    with db.session() as s:
        reads = s.scalars(select(AuditEvent).where(AuditEvent.case_id == world.case_a,
                                                   AuditEvent.action == "document.read")).all()
    assert reads == []


def test_damaged_letter_stays_not_found_for_who_may_not_see_it(world, db):
    c = world.client
    letter_id = _letter_to_reporter(c, world)
    _damage(db, letter_id)
    # a letter to the reporter is invisible to the legal adviser: 404 as before, no hint of the damage
    r = c.get(f"/api/v1/zaken/{world.case_a}/documenten/{letter_id}", headers=world.h("jurist"))
    assert r.status_code == 404
    r = c.get(f"/api/v1/zaken/{world.case_b}/documenten/{letter_id}", headers=world.h("bureau_vi"))
    assert r.status_code == 404
    assert _integrity_events(db, world.case_a) == []


def test_intact_letter_is_served_with_its_hash(world, db):
    c = world.client
    letter_id = _letter_to_reporter(c, world)
    r = c.get(f"/api/v1/zaken/{world.case_a}/documenten/{letter_id}", headers=world.h("integriteitscoordinator"))
    assert r.status_code == 200 and len(r.headers["x-content-sha256"]) == 64
    assert _integrity_events(db, world.case_a) == []
