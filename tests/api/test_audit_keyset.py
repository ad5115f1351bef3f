"""The audit trail (GET /api/v1/audit) pages by keyset (issue 17: every list that grows): walking ``volgende``
gives every event once, in order, also when events are appended between pages; ``offset`` still works."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from engine.audit import service as audit
from engine.identity import service as identity

pytestmark = pytest.mark.db

PASSWORD = "auditor-wachtwoord-1"


def _auditor(db) -> TestClient:
    from api.app import create_app
    from api.settings import ApiSettings

    with db.session() as s:
        identity.create_user(session=s, username="a-auditor", display_name="Auditor", roles=["auditor"],
                             password=PASSWORD)
    client = TestClient(create_app(ApiSettings(cookie_secure=False)), follow_redirects=False)
    assert client.post("/api/v1/auth/login", json={"username": "a-auditor", "password": PASSWORD}).status_code == 200
    return client


def test_walking_the_audit_trail_by_keyset_gives_every_event_once(db):
    with db.session() as s:
        for i in range(230):
            audit.append(session=s, actor="schaal", action="test.event", details={"n": i})
    client = _auditor(db)
    seen, cursor, pages = [], None, 0
    while True:
        body = client.get("/api/v1/audit", params={"actie": "test.event", "limit": 100,
                                                   **({"na": cursor} if cursor is not None else {})}).json()
        seen += [e["details"]["n"] for e in body["items"]]
        pages += 1
        if pages == 1:  # events appended while the auditor reads do not shift the next page
            with db.session() as s:
                audit.append(session=s, actor="schaal", action="test.event", details={"n": 230})
        cursor = body["volgende"]
        if cursor is None:
            break
    assert pages == 3 and seen == list(range(231))
    by_offset = client.get("/api/v1/audit", params={"actie": "test.event", "limit": 100, "offset": 200}).json()
    assert [e["details"]["n"] for e in by_offset["items"]] == list(range(200, 231))
    assert by_offset["volgende"] is None
    assert client.get("/api/v1/audit", params={"na": -1}).status_code == 422
