"""Reading the messages with the reporter is audited on both surfaces (the messages can identify her).

The API (``GET /api/v1/zaken/{id}/berichten``) and the case page (``GET /zaken/{id}``) read them through one engine
function (``engine.intake.service.read_messages``), which decides and writes the ``messages.read`` event.
"""
from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web import flow

PASSWORD = "meldpunt-demo"


def _login(app, username: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    r = client.post("/api/v1/auth/inloggen", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def _reads(db, case_id: int) -> list[tuple[str, dict]]:
    from engine.audit.models import AuditEvent

    with db.session() as s:
        return [(actor, details) for actor, details in s.execute(
            select(AuditEvent.actor, AuditEvent.details).where(AuditEvent.case_id == case_id,
                                                               AuditEvent.action == "messages.read")
            .order_by(AuditEvent.id))]


def test_the_case_page_audits_reading_the_reporters_messages_as_the_api_does(db, clock):
    from api.app import create_app
    from api.settings import ApiSettings
    from engine.demo import seed
    from engine.identity.service import get_user
    from engine.intake import service as intake

    with db.session() as s:
        seed(session=s)
    with db.session() as s:
        case_id = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"),
                                       data=flow.ANSWERS["melding_registreren"]).case.id
    flow.complete(db, case_id, "melding_registreren", username="meldpunt")
    with db.session() as s:
        intake.message_to_reporter(session=s, case_id=case_id, author=get_user(session=s, username="meldpunt"),
                                   text="Kunt u aangeven wanneer dit gebeurde?")
    client = _login(create_app(ApiSettings(cookie_secure=False)), "meldpunt")
    assert _reads(db, case_id) == []

    api = client.get(f"/api/v1/zaken/{case_id}/berichten")
    assert api.status_code == 200 and len(api.json()) == 1
    assert _reads(db, case_id) == [("meldpunt", {"aantal": 1})]

    page = client.get(f"/zaken/{case_id}")
    assert page.status_code == 200 and "Kunt u aangeven wanneer dit gebeurde?" in page.text
    assert _reads(db, case_id) == [("meldpunt", {"aantal": 1})] * 2  # the same event as the API's read

    bvi = _login(create_app(ApiSettings(cookie_secure=False)), "bvi")  # oversight, not the reporter's identity
    page = bvi.get(f"/zaken/{case_id}")
    assert page.status_code == 200 and "Kunt u aangeven wanneer dit gebeurde?" not in page.text
    assert bvi.get(f"/api/v1/zaken/{case_id}/berichten").status_code == 403
    assert len(_reads(db, case_id)) == 2  # nothing read, nothing recorded
