"""Clients of the real app for the demo organisation's users: both surfaces (``create_app``: the API under /api/v1
and the HTML pages), one cookie session per user, logged in through the API with the demo password."""
from __future__ import annotations

from fastapi.testclient import TestClient

PASSWORD = "meldpunt-demo"


def demo_app():
    from api.app import create_app
    from api.settings import ApiSettings

    return create_app(ApiSettings(cookie_secure=False))


def demo_login(app, username: str, password: str = PASSWORD) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    r = client.post("/api/v1/auth/inloggen", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return client
