"""Every web route with an integer path parameter answers a Dutch 404 for ids out of range, never 500.

The routes are enumerated from the application itself, so a new route is covered without editing this test.
"""
from __future__ import annotations

import re
import typing

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from engine.identity import service as identity

PASSWORD = "Lang-genoeg-wachtwoord-2026"
BAD_IDS = [2**63, 2**63 + 1, 2**64, 10**30, -1, -(2**63) - 1]
ROLES = ["meldpunt", "integriteitscoordinator", "procesbeheerder"]


def _client(db) -> TestClient:
    from api.app import create_app
    from api.settings import ApiSettings

    with db.session() as s:
        identity.create_user(session=s, username="alleskunner", display_name="Alles Kunner", roles=ROLES,
                             unit="Directie Toezicht", password=PASSWORD)
    client = TestClient(create_app(ApiSettings(cookie_secure=False)), follow_redirects=False,
                        raise_server_exceptions=False)
    page = client.get("/inloggen")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/inloggen", data={"gebruikersnaam": "alleskunner", "wachtwoord": PASSWORD, "login_token": token})
    assert r.status_code == 303, r.text
    return client


def web_routes_with_int_ids() -> list[tuple[APIRoute, list[str]]]:
    from web import pages

    found = []
    for route in pages.routes():
        if not isinstance(route, APIRoute):
            continue
        hints = typing.get_type_hints(route.endpoint)
        names = [n for n in route.param_convertors if hints.get(n) is int]
        if names:
            found.append((route, names))
    return found


def test_big_and_negative_path_ids_are_a_dutch_404(db, clock):
    client = _client(db)
    csrf = client.cookies.get("meldpunt_csrf")
    routes = web_routes_with_int_ids()
    paths = {route.path for route, _ in routes}
    # The enumeration finds the known ones (and any added later).
    assert {"/taken/{item_id}", "/zaken/{case_id}", "/zaken/{case_id}/brieven/{letter_id}",
            "/processen/{version_id}/diagram"} <= {re.sub(r":\w+}", "}", p) for p in paths}, paths
    from web.pages.common import DatabaseId

    assert all(isinstance(route.param_convertors[n], DatabaseId) for route, names in routes for n in names)
    failures = []
    for route, names in routes:
        for method in sorted(route.methods):
            for name in names:
                for bad in BAD_IDS:
                    values = {n: (bad if n == name else 1) for n in route.param_convertors}
                    url = re.sub(r"{(\w+)(:\w+)?}", lambda m: str(values[m.group(1)]), route.path)
                    r = client.request(method, url, params={"bestand": "x.bpmn"},
                                       data={"csrf_token": csrf} if method == "POST" else None)
                    if r.status_code != 404 or "Niet gevonden" not in r.text:
                        failures.append(f"{method} {url}: {r.status_code}")
    assert not failures, failures


@pytest.mark.parametrize("url", ["/zaken/abc", "/zaken/1.5", "/taken/%2D1", "/zaken/" + "9" * 400])
def test_non_numeric_ids_are_a_dutch_404(db, clock, url):
    client = _client(db)
    r = client.get(url)
    assert r.status_code == 404 and "Niet gevonden" in r.text and r.headers["content-type"].startswith("text/html")
