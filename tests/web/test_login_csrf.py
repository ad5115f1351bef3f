"""Login forms need the pre-login token from their own page (no login CSRF), without a browser."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD


def _client(db):
    from api.app import create_app
    from api.settings import ApiSettings
    from engine.identity.seed import ensure_demo_users

    with db.session() as s:
        ensure_demo_users(session=s, password=PASSWORD)
    return TestClient(create_app(ApiSettings(cookie_secure=False)), follow_redirects=False)


def test_login_without_the_form_token_is_refused(db, clock):
    client = _client(db)
    refused = client.post("/inloggen", data={"gebruikersnaam": "meldpunt", "wachtwoord": PASSWORD})
    assert refused.status_code == 403 and "meldpunt_session" not in refused.cookies

    page = client.get("/inloggen")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)
    ok = client.post("/inloggen", data={"gebruikersnaam": "meldpunt", "wachtwoord": PASSWORD, "login_token": token})
    assert ok.status_code == 303 and ok.headers["location"] == "/werkvoorraad"
    assert "meldpunt_session" in ok.cookies


def test_staff_pages_need_a_login_and_unsafe_posts_need_the_csrf_token(db, clock):
    client = _client(db)
    assert client.get("/werkvoorraad").headers["location"].startswith("/inloggen")
    page = client.get("/inloggen")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)
    client.post("/inloggen", data={"gebruikersnaam": "meldpunt", "wachtwoord": PASSWORD, "login_token": token})
    assert client.get("/werkvoorraad").status_code == 200
    assert client.post("/taken/1/oppakken", data={}).status_code == 403
