"""The page E-mailmeldingen (issue 22): one's own preference, set through the form; bad input names the field."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient

from engine import notifications
from engine.identity.models import User
from tests.web.conftest import PASSWORD


def test_set_my_preference_on_the_page(db, clock):
    from api.app import create_app
    from api.settings import ApiSettings
    from engine.identity.seed import ensure_demo_users

    with db.session() as s:
        ensure_demo_users(session=s, password=PASSWORD)
    client = TestClient(create_app(ApiSettings(cookie_secure=False)), follow_redirects=False)
    token = re.search(r'name="login_token" value="([^"]+)"', client.get("/inloggen").text).group(1)
    client.post("/inloggen", data={"gebruikersnaam": "meldpunt", "wachtwoord": PASSWORD, "login_token": token})
    page = client.get("/meldingsvoorkeuren")
    assert page.status_code == 200 and 'value="direct" checked' in page.text
    assert "nooit een zaaknummer, een naam, een categorie" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    saved = client.post("/meldingsvoorkeuren", data={"csrf_token": csrf, "voorkeur": "dagelijks"})
    assert saved.status_code == 303 and saved.headers["location"].startswith("/meldingsvoorkeuren?melding=")
    assert 'value="dagelijks" checked' in client.get("/meldingsvoorkeuren").text
    bad = client.post("/meldingsvoorkeuren", data={"csrf_token": csrf, "voorkeur": "soms"})
    assert bad.status_code == 422 and "Voorkeur: kies direct, dagelijks of uit." in bad.text
    assert client.post("/meldingsvoorkeuren", data={"voorkeur": "uit"}).status_code == 403  # no CSRF token
    with db.session() as s:
        user = s.query(User).filter_by(username="meldpunt").one()
        assert notifications.preference(session=s, user_id=user.id) == "dagelijks"
