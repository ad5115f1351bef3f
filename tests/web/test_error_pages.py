"""A friendly Dutch page for every error in the browser, never raw JSON; the API keeps problem+json (issue 17).

The real app plus test-only routes (on this test's own copy of the app) that raise each kind of error, on a
page address and on an API address; a 500 shows a reference, never the exception or a stack frame.
"""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from engine.errors import FieldError, InvalidData, NotAuthorized, StaleCase

SECRET = "geheime-interne-waarde-7f3a"
ERRORS = {
    "403": lambda: NotAuthorized("U mag dit niet."),
    "409": lambda: StaleCase("De zaak is intussen gewijzigd."),
    "422": lambda: InvalidData([FieldError("naam", "is verplicht")]),
    "500": lambda: RuntimeError(f"{SECRET} in /work/main/engine/cases/service.py"),
}


@pytest.fixture
def client(db, clock):
    from api.app import create_app
    from api.settings import ApiSettings

    app = create_app(ApiSettings(cookie_secure=False))

    def raising(kind):
        def endpoint():
            raise ERRORS[kind]()
        return endpoint

    for kind in ERRORS:  # test-only routes on this copy of the app
        app.add_api_route(f"/testfout/{kind}", raising(kind), methods=["GET"])
        app.add_api_route(f"/api/v1/testfout/{kind}", raising(kind), methods=["GET"])
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def _page(r, status: int) -> str:
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("text/html"), r.headers["content-type"]
    assert '<html lang="nl"' in r.text and "Terug naar de werkvoorraad" in r.text
    return r.text


@pytest.mark.parametrize("kind", sorted(ERRORS))
def test_every_error_on_a_page_is_a_dutch_page(client, kind):
    text = _page(client.get(f"/testfout/{kind}"), int(kind))
    assert '"type"' not in text and "problems/" not in text


def test_a_500_page_shows_a_reference_and_no_internals(client):
    text = _page(client.get("/testfout/500"), 500)
    assert "referentie" in text and "Interne fout" in text
    assert SECRET not in text and "service.py" not in text and "Traceback" not in text and "RuntimeError" not in text


@pytest.mark.parametrize("path", ["/zaken/x", "/zaken/12/onbekend", "/bestaat-niet", "/taken/abc/extra"])
def test_unknown_page_addresses_are_the_dutch_not_found_page(client, path):
    assert "Niet gevonden" in _page(client.get(path), 404)


def test_a_wrong_method_on_a_page_is_a_dutch_page(client):
    _page(client.delete("/werkvoorraad"), 405)


@pytest.mark.parametrize("kind", sorted(ERRORS))
def test_the_api_keeps_problem_json(client, kind):
    r = client.get(f"/api/v1/testfout/{kind}")
    assert r.status_code == int(kind)
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["title"] and SECRET not in r.text


def test_unknown_api_address_is_problem_json(client):
    r = client.get("/api/v1/bestaat-niet")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
