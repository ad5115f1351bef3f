"""Lists that grow page by keyset (issue 17): the audit trail (GET /api/v1/audit: walking ``volgende`` gives every
event once, in order, also when events are appended between pages; ``offset`` still works) and the user list
(GET /api/v1/gebruikers: at most 200 per page, the next page in the Link header)."""
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
    assert client.post("/api/v1/auth/inloggen", json={"username": "a-auditor", "password": PASSWORD}).status_code == 200
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


def test_the_user_list_pages_by_username(db):
    from api.app import create_app
    from api.settings import ApiSettings

    with db.session() as s:
        identity.create_user(session=s, username="a-beheer", display_name="Beheer", roles=["functioneel_beheerder"],
                             password=PASSWORD)
        for i in range(205):
            identity.create_user(session=s, username=f"u{i:03d}", display_name=f"Gebruiker {i}", roles=[])
    client = TestClient(create_app(ApiSettings(cookie_secure=False)), follow_redirects=False)
    assert client.post("/api/v1/auth/inloggen", json={"username": "a-beheer", "password": PASSWORD}).status_code == 200
    first = client.get("/api/v1/gebruikers")
    assert len(first.json()) == 200 and first.headers["link"].endswith('rel="next"')
    url, seen = "/api/v1/gebruikers?limit=90", []
    while url:
        r = client.get(url)
        seen += [u["username"] for u in r.json()]
        url = r.headers["link"][1:r.headers["link"].index(">")] if "link" in r.headers else None
    assert seen == sorted(["a-beheer", *(f"u{i:03d}" for i in range(205))])
