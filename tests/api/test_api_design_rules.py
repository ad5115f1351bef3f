"""The API follows the Dutch government's API Design Rules (Logius ADR 2.0, core rules).

``violations`` is an independent reading of the rules that the OpenAPI document must pass (version header on
every 2xx/3xx, 400 and problem+json on errors, servers with the major version, contact, semver, kebab-case
Dutch paths, lowerCamelCase query keys); the live tests check that the answers do what the document says,
and that the former English paths still answer, with a permanent redirect to their Dutch successor.
"""
from __future__ import annotations

import json
import re

import pytest

from api import adr

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
SEGMENT = re.compile(r"^([a-z0-9]+(-[a-z0-9]+)*|\{[A-Za-z_]+\}|_[a-z0-9]+|openapi\.json)$")
CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")
# English resource words the API used before; a resource name must be Dutch.
ENGLISH = {"reports", "report", "users", "user", "roles", "role", "health", "ready", "verify", "disable", "login",
           "logout", "me", "cases", "tasks", "documents", "letters", "messages", "attachments", "processes",
           "search", "views", "settings"}  # "import" and "export" are Dutch nouns too
METHODS = {"get", "put", "post", "delete", "patch"}


def violations(doc: dict) -> list[str]:
    found = []
    info = doc.get("info") or {}
    if not str(doc.get("openapi", "")).startswith("3."):
        found.append("openapi: geen versie 3")
    if not SEMVER.match(str(info.get("version", ""))):
        found.append(f"info.version {info.get('version')!r}: geen semver")
    contact = info.get("contact") or {}
    for key in ("name", "url", "email"):
        if not contact.get(key):
            found.append(f"info.contact.{key} ontbreekt")
    servers = doc.get("servers") or []
    if not servers:
        found.append("servers ontbreekt")
    for server in servers:
        if not re.search(r"/v\d+$", server.get("url", "")):
            found.append(f"server {server.get('url')!r}: geen hoofdversie in de URI")
    for path, operations in (doc.get("paths") or {}).items():
        if path != "/" and path.endswith("/"):
            found.append(f"{path}: eindigt op /")
        for segment in [s for s in path.split("/") if s]:
            if not SEGMENT.match(segment):
                found.append(f"{path}: segment {segment!r} niet in kebab-case")
            if segment.lower() in ENGLISH:
                found.append(f"{path}: segment {segment!r} is Engels")
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            responses = operation.get("responses") or {}
            if "400" not in responses:
                found.append(f"{where}: geen 400")
            for code, response in responses.items():
                headers = {h.lower() for h in (response.get("headers") or {})}
                if code[:1] in "23" and "api-version" not in headers:
                    found.append(f"{where} {code}: geen API-Version")
                if code[:1] in "45" and set(response.get("content") or {}) != {"application/problem+json"}:
                    found.append(f"{where} {code}: geen application/problem+json")
            for parameter in operation.get("parameters") or []:
                if parameter.get("in") == "query" and not CAMEL.match(parameter["name"]):
                    found.append(f"{where}: querysleutel {parameter['name']!r} niet in lowerCamelCase")
    return found


@pytest.fixture
def document(app):
    return app.openapi()


def test_the_openapi_document_follows_the_rules(document):
    assert violations(document) == []
    assert document["info"]["version"] == adr.API_VERSION
    assert len(document["paths"]) >= 60  # the whole API, not an empty document


def test_the_checker_finds_each_kind_of_violation():
    bad = {"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {
        "/api/v1/reports/": {"get": {"parameters": [{"in": "query", "name": "zaak_id"}], "responses": {
            "200": {"description": "ok"}, "404": {"content": {"application/json": {}}}}}},
        "/Zaken_Lijst": {"post": {"responses": {"201": {"headers": {"API-Version": {}}}, "400": {}}}}}}
    found = "\n".join(violations(bad))
    for expected in ("geen semver", "info.contact.name", "servers ontbreekt", "eindigt op /", "'reports' is Engels",
                     "geen 400", "200: geen API-Version", "404: geen application/problem+json",
                     "'zaak_id' niet in lowerCamelCase", "'Zaken_Lijst' niet in kebab-case"):
        assert expected in found, (expected, found)


def test_the_document_lies_where_the_rules_say_and_names_the_published_server(db, clock):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import ApiSettings

    app = create_app(ApiSettings(cookie_secure=True, public_url="https://meldpunt.ministerie.example/"))
    with TestClient(app, base_url="https://testserver") as c:
        r = c.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.headers["api-version"] == adr.API_VERSION
    assert r.json()["servers"][0]["url"] == "https://meldpunt.ministerie.example/api/v1"


@pytest.mark.parametrize("public_url, base_url, served", [
    ("", "https://meldpunt.ministerie.example", "https://meldpunt.ministerie.example/api/v1"),  # follows the base
    ("https://api.ministerie.example/", "https://meldpunt.ministerie.example", "https://api.ministerie.example/api/v1"),
    ("", None, "/api/v1"),  # no address declared (development): the relative path
])
def test_the_published_server_defaults_to_the_base_url(db, clock, monkeypatch, public_url, base_url, served):
    """MELDPUNT_PUBLIC_URL (the document's server) follows MELDPUNT_BASE_URL, which production requires, unless it
    is set itself."""
    from api.app import create_app
    from api.settings import ApiSettings
    from engine.config import get_settings

    if base_url is None:
        monkeypatch.delenv("MELDPUNT_BASE_URL", raising=False)
    else:
        monkeypatch.setenv("MELDPUNT_BASE_URL", base_url)
    get_settings.cache_clear()
    try:
        app = create_app(ApiSettings(cookie_secure=True, public_url=public_url))
        assert app.openapi()["servers"][0]["url"] == served
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_every_documented_operation_exists_under_the_server_url(app, document):
    from fastapi.routing import APIRoute

    mounted = set()

    def walk(container, prefix=""):
        for route in container.routes:
            included = getattr(route, "original_router", None)
            if included is not None:
                walk(included, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute):
                for method in route.methods:
                    mounted.add(f"{method.lower()} {prefix}{route.path}")

    walk(app)
    base = document["servers"][0]["url"]
    for path, operations in document["paths"].items():
        for method in set(operations) & METHODS:
            assert f"{method} {base}{path}" in mounted, f"{method} {path} is not served at {base}{path}"


@pytest.mark.db
def test_every_answer_carries_the_version_and_errors_are_problems(client, world):
    answers = {
        "gezondheid": client.get("/api/v1/gezondheid"),
        "zaken (ingelogd)": client.get("/api/v1/zaken", headers=world.h("integriteitscoordinator")),
        "zaken (anoniem)": client.get("/api/v1/zaken"),
        "onbekend pad": client.get("/api/v1/bestaat-niet"),
        "kapotte JSON": client.post("/api/v1/auth/inloggen", content=b"{niet: json",
                                   headers={"content-type": "application/json"}),
        "ongeldige gegevens": client.post("/api/v1/auth/inloggen", json={"username": ""}),
    }
    for name, r in answers.items():
        assert r.headers.get("api-version") == adr.API_VERSION, name
    assert answers["gezondheid"].status_code == 200 and answers["zaken (ingelogd)"].status_code == 200
    for name in ("zaken (anoniem)", "onbekend pad", "kapotte JSON", "ongeldige gegevens"):
        r = answers[name]
        assert r.status_code >= 400 and r.headers["content-type"].startswith("application/problem+json"), name
        body = r.json()
        assert body["status"] == r.status_code and body["title"], name
    assert answers["kapotte JSON"].status_code == 400


@pytest.mark.db
def test_former_english_paths_redirect_permanently_to_their_dutch_successor(client, world):
    r = client.get("/api/v1/health", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == "/api/v1/gezondheid"
    assert r.headers["deprecation"] == "true" and r.headers["api-version"] == adr.API_VERSION
    r = client.post("/api/v1/users/7/disable", follow_redirects=False)
    assert r.headers["location"] == "/api/v1/gebruikers/7/blokkeren"
    r = client.get("/api/v1/reports/dashboard?van=2026-01-01", follow_redirects=False)
    assert r.headers["location"] == "/api/v1/rapportages/dashboard?van=2026-01-01"
    # a redirect keeps the method and the body (308): a client of the old login still logs in
    r = client.post("/api/v1/auth/login", json={"username": "niemand", "password": "fout-wachtwoord"})
    assert r.status_code == 401 and str(r.url).endswith("/api/v1/auth/inloggen")
    # former snake_case query keys are renamed in the redirect
    r = client.get("/api/v1/audit?zaak_id=3&actie=x", headers=world.h("auditor"), follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == "/api/v1/audit?zaakId=3&actie=x"
    assert client.get("/api/v1/audit?zaak_id=3", headers=world.h("auditor")).status_code == 200


def test_the_api_docs_page_uses_the_document(client):
    r = client.get("/api/v1/openapi.json")
    doc = json.loads(r.text)
    assert "/zaken" in doc["paths"] and not any(p.startswith("/api/v1") for p in doc["paths"])
