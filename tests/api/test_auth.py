"""HTTP security layer: login/logout/me with cookie + CSRF, bearer tokens, problem+json, bad input."""
from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from api.app import create_app
from api.deps import (CSRF_HEADER, SESSION_COOKIE_SECURE, SessionDep, UnitOfWorkRoute, current_reporter,
                      visible_case)
from api.settings import ApiSettings
from engine import errors
from engine.cases.models import Case
from engine.identity import service as identity
from engine.identity.models import User
from engine.worklist.models import WorkItem

pytestmark = pytest.mark.db

PASSWORD = "correct-horse-battery-staple"
LIMIT = 64 * 1024
PROBLEM_BASE = "https://meldpunt.example/problems/"

# --------------------------------------------------------------------------- a test-only router

routes = APIRouter(prefix="/api/v1/_test", route_class=UnitOfWorkRoute)

DOMAIN_ERRORS = {
    "forbidden": errors.NotAuthorized("Geen recht."),
    "conflict": errors.ConflictOfInterest("U bent betrokken bij deze zaak."),
    "notfound": errors.NotFound("Zaak niet gevonden."),
    "stale": errors.StaleCase(),
    "done": errors.TaskNotReady(),
    "invalid": errors.InvalidData([errors.FieldError("datum_melding", "Datum ligt in de toekomst.")]),
    "process": errors.ProcessValidationError([errors.ValidationIssue("main.bpmn", "Lane zonder rol", "Lane_1", 12)]),
}


@routes.get("/raise/{kind}")
def raise_domain(kind: str):
    raise DOMAIN_ERRORS[kind]


class Echo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    naam: str
    aantal: int


@routes.post("/echo")
def echo(body: Echo) -> dict:
    return body.model_dump()


@routes.post("/duplicate-user")
def duplicate_user(session: SessionDep) -> dict:
    # Bypasses the service check, so the unique constraint fires at commit, after the endpoint returned.
    session.add(User(username="meldpunt1", display_name="Dubbel", active=True))
    return {"ok": True}


@routes.get("/cases/{case_id}")
def case_detail(case: Annotated[Case, Depends(visible_case)]) -> dict:
    return {"reference": case.reference}


@routes.post("/boom")
def boom():
    raise RuntimeError("melder Jantje Geheim, BSN 123456782")


# --------------------------------------------------------------------------- fixtures

@pytest.fixture
def app(db, clock):
    application = create_app(ApiSettings(max_body_bytes=LIMIT, cookie_secure=True))
    application.include_router(routes)
    return application


@pytest.fixture
def client(app):
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def users(db, clock):
    with db.session() as s:
        identity.create_user(session=s, username="meldpunt1", display_name="Mia Meldpunt", roles=["meldpunt"],
                             unit="Douane", password=PASSWORD)
        identity.create_user(session=s, username="beheer", display_name="Bea Beheer",
                             roles=["functioneel_beheerder"], password=PASSWORD)


def login(client, username="meldpunt1", password=PASSWORD):
    r = client.post("/api/v1/auth/inloggen", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["csrf_token"]


def assert_problem(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"] == PROBLEM_BASE + code and body["status"] == status and body["title"]
    return body


# --------------------------------------------------------------------------- cookie sessions + CSRF

def test_login_sets_secure_cookie_and_me_works(client, users):
    r = client.post("/api/v1/auth/inloggen", json={"username": "meldpunt1", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["user"]["username"] == "meldpunt1" and body["user"]["roles"] == ["meldpunt"]
    assert PASSWORD not in r.text and "password" not in body["user"]
    cookies = r.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith(SESSION_COOKIE_SECURE + "="))
    lowered = session_cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered and "secure" in lowered and "path=/" in lowered
    assert r.headers["cache-control"] == "no-store"

    me = client.get("/api/v1/auth/ik")
    assert me.status_code == 200
    assert me.json()["method"] == "session" and me.json()["csrf_token"] == body["csrf_token"]


def test_wrong_password_and_unknown_user_same_401(client, users):
    a = client.post("/api/v1/auth/inloggen", json={"username": "meldpunt1", "password": "verkeerd-wachtwoord"})
    b = client.post("/api/v1/auth/inloggen", json={"username": "niemand", "password": "verkeerd-wachtwoord"})
    assert_problem(a, 401, "unauthenticated")
    assert a.json() == b.json()
    assert "set-cookie" not in a.headers


def test_login_rate_limited(client, users):
    # Per account (across addresses): five failures free, then a delay that says when to retry.
    for _ in range(5):
        assert client.post("/api/v1/auth/inloggen", json={"username": "meldpunt1", "password": "fout-fout-fout"}).status_code == 401
    r = client.post("/api/v1/auth/inloggen", json={"username": "meldpunt1", "password": PASSWORD})
    assert_problem(r, 429, "too-many-attempts")
    assert int(r.headers["retry-after"]) == 30
    assert "voor deze gebruikersnaam" in r.json()["detail"] and "Probeer het opnieuw over 30 seconden" in r.json()["detail"]


def test_unsafe_cookie_request_needs_csrf_header(client, users):
    csrf = login(client)
    r = client.post("/api/v1/auth/tokens", json={"name": "t"})
    assert_problem(r, 403, "csrf-failed")
    r = client.post("/api/v1/auth/tokens", json={"name": "t"}, headers={CSRF_HEADER: csrf + "x"})
    assert_problem(r, 403, "csrf-failed")
    r = client.post("/api/v1/auth/tokens", json={"name": "t"}, headers={CSRF_HEADER: csrf})
    assert r.status_code == 201


def test_logout_ends_session(client, users):
    csrf = login(client)
    session_id = client.cookies.get(SESSION_COOKIE_SECURE)
    assert_problem(client.post("/api/v1/auth/uitloggen"), 403, "csrf-failed")
    r = client.post("/api/v1/auth/uitloggen", headers={CSRF_HEADER: csrf})
    assert r.status_code == 204
    assert_problem(client.get("/api/v1/auth/ik"), 401, "unauthenticated")
    # Replaying the old cookie does not work either: the session is revoked server-side.
    client.cookies.set(SESSION_COOKIE_SECURE, session_id)
    assert_problem(client.get("/api/v1/auth/ik"), 401, "unauthenticated")


def test_session_expires(client, users, clock):
    login(client)
    clock.advance(timedelta(hours=2))
    assert_problem(client.get("/api/v1/auth/ik"), 401, "unauthenticated")


def test_unauthenticated_is_401_problem(client):
    r = client.get("/api/v1/auth/ik")
    body = assert_problem(r, 401, "unauthenticated")
    assert body["title"] == "Niet aangemeld"
    assert r.headers["www-authenticate"].startswith("Bearer")


# --------------------------------------------------------------------------- bearer tokens

def _issue_token(client, name="koppeling", days=30):
    csrf = login(client)
    r = client.post("/api/v1/auth/tokens", json={"name": name, "expires_in_days": days}, headers={CSRF_HEADER: csrf})
    assert r.status_code == 201
    client.cookies.clear()
    return r.json()


def test_token_round_trip_and_listing_hides_secret(client, users):
    issued = _issue_token(client)
    token = issued["token"]
    me = client.get("/api/v1/auth/ik", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["method"] == "token" and me.json()["csrf_token"] is None
    listing = client.get("/api/v1/auth/tokens", headers={"Authorization": f"Bearer {token}"})
    assert listing.status_code == 200 and token not in listing.text and listing.json()[0]["id"] == issued["id"]
    # Unsafe methods with a bearer token need no CSRF header.
    r = client.delete(f"/api/v1/auth/tokens/{issued['id']}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 204


def test_tokens_expired_revoked_tampered_unknown_are_401(client, users, clock):
    revoked = _issue_token(client, "weg")
    expiring = _issue_token(client, "kort", days=1)
    valid = _issue_token(client, "blijft")["token"]
    headers = {"Authorization": f"Bearer {revoked['token']}"}
    assert client.delete(f"/api/v1/auth/tokens/{revoked['id']}", headers=headers).status_code == 204

    tampered = valid[:-1] + ("A" if valid[-1] != "A" else "B")
    clock.advance(timedelta(days=1, seconds=1))
    for bad in (revoked["token"], expiring["token"], tampered, "mpt_onbekend0000000000000000000000000000000",
                "geen-token-van-ons"):
        r = client.get("/api/v1/auth/ik", headers={"Authorization": f"Bearer {bad}"})
        body = assert_problem(r, 401, "unauthenticated")
        assert bad not in r.text and body["detail"] == identity.TOKEN_INVALID
    assert_problem(client.get("/api/v1/auth/ik", headers={"Authorization": "Basic Zm9vOmJhcg=="}), 401,
                   "unauthenticated")
    assert client.get("/api/v1/auth/ik", headers={"Authorization": f"Bearer {valid}"}).status_code == 200


def test_token_cannot_mint_tokens(client, users):
    token = _issue_token(client)["token"]
    r = client.post("/api/v1/auth/tokens", json={"name": "nog een"}, headers={"Authorization": f"Bearer {token}"})
    assert_problem(r, 403, "forbidden")


def test_revoking_someone_elses_token_is_404(client, users):
    token = _issue_token(client)
    login(client, "beheer")
    # The administrator may revoke it; another ordinary user would get 404 (engine test).
    csrf = client.get("/api/v1/auth/ik").json()["csrf_token"]
    assert client.delete(f"/api/v1/auth/tokens/{token['id']}", headers={CSRF_HEADER: csrf}).status_code == 204
    assert_problem(client.delete("/api/v1/auth/tokens/999999", headers={CSRF_HEADER: csrf}), 404, "not-found")


# --------------------------------------------------------------------------- roles / users router

def test_user_admin_requires_role(client, users):
    login(client)
    assert_problem(client.get("/api/v1/gebruikers"), 403, "forbidden")
    assert client.get("/api/v1/rollen").status_code == 200


def test_user_admin_create_and_errors(client, users):
    csrf = login(client, "beheer")
    h = {CSRF_HEADER: csrf}
    new = {"username": "o.onderzoeker", "display_name": "Olga", "roles": ["onderzoeker"], "unit": "Douane",
           "password": "een-lang-wachtwoord"}
    r = client.post("/api/v1/gebruikers", json=new, headers=h)
    assert r.status_code == 201 and r.json()["roles"] == ["onderzoeker"]
    assert "password" not in r.json()
    body = assert_problem(client.post("/api/v1/gebruikers", json={**new, "username": "x", "roles": ["koning"]}, headers=h),
                          422, "invalid-data")
    assert body["errors"][0]["field"] == "roles" and "Onbekende rol" in body["errors"][0]["message"]
    body = assert_problem(client.post("/api/v1/gebruikers", json={**new, "username": "y", "is_admin": True}, headers=h),
                          422, "invalid-data")
    assert {"field": "is_admin", "message": "Onbekend veld; dit veld is niet toegestaan.",
            "label": "is_admin"} in body["errors"]  # not a field of the request: its name as sent
    assert_problem(client.get("/api/v1/gebruikers/424242"), 404, "not-found")
    assert_problem(client.get("/api/v1/gebruikers/99999999999999999999"), 422, "invalid-data")
    uid = r.json()["id"]
    assert client.post(f"/api/v1/gebruikers/{uid}/blokkeren", headers=h).json()["active"] is False


# --------------------------------------------------------------------------- problem+json for domain errors

@pytest.mark.parametrize("kind,status,code", [
    ("forbidden", 403, "forbidden"),
    ("conflict", 403, "conflict-of-interest"),
    ("notfound", 404, "not-found"),
    ("stale", 409, "stale-case"),
    ("done", 409, "task-not-ready"),
    ("invalid", 422, "invalid-data"),
    ("process", 422, "process-invalid"),
])
def test_domain_errors_map_to_problems(client, kind, status, code):
    body = assert_problem(client.get(f"/api/v1/_test/raise/{kind}"), status, code)
    assert body["title"] == type(DOMAIN_ERRORS[kind]).title
    if kind == "invalid":
        assert body["errors"] == [{"field": "datum_melding", "message": "Datum ligt in de toekomst."}]
    if kind == "process":
        assert body["issues"][0] == {"file": "main.bpmn", "message": "Lane zonder rol", "element_id": "Lane_1",
                                     "line": 12}


def test_request_validation_in_dutch(client):
    body = assert_problem(client.post("/api/v1/_test/echo", json={"naam": 5, "aantal": "veel", "extra": 1}),
                          422, "invalid-data")
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert fields == {"naam": "Moet tekst zijn.", "aantal": "Moet een geheel getal zijn.",
                      "extra": "Onbekend veld; dit veld is niet toegestaan."}
    body = assert_problem(client.post("/api/v1/_test/echo", json={}), 422, "invalid-data")
    assert {e["field"] for e in body["errors"]} == {"naam", "aantal"}
    assert all(e["message"] == "Dit veld is verplicht." for e in body["errors"])


@pytest.mark.parametrize("payload,content_type", [
    (b'{"naam": "a", "aantal": ', "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b'"tekst"', "application/json"),
    (b"naam=a&aantal=1", "application/x-www-form-urlencoded"),
    (b'{"naam": "a", "aantal": 1}', "text/plain"),
    (b"null", "application/json"),
    (b"[" * 50000 + b"]" * 50000, "application/json"),  # nesting bomb
    (b'{"naam": "a", "aantal": 1e999999}', "application/json"),
    (b'{"naam": "a", "aantal": NaN}', "application/json"),
    (b'{"naam": "a", "aantal": 1' + b"0" * 5000 + b'}', "application/json"),
    (b'{"naam": "\\ud800", "aantal": 1}', "application/json"),
    (b'{"naam": "a\\u0000b", "aantal": 1}', "application/json"),
    (b'{"naam": "\xc3\x28", "aantal": 1}', "application/json"),
    (b'{"naam": "\\udfff", "aantal": 1}', "application/merge-patch+json; charset=utf-8"),
])
def test_malformed_bodies_are_4xx_not_500(client, payload, content_type):
    r = client.post("/api/v1/_test/echo", content=payload, headers={"content-type": content_type})
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_strict_json_keeps_valid_unicode(client):
    r = client.post("/api/v1/_test/echo", content='{"naam": "Zoë \\ud83d\\ude00 ✓", "aantal": 2}'.encode(),
                    headers={"content-type": "application/json; charset=utf-8"})
    assert r.status_code == 200 and r.json()["naam"] == "Zoë \U0001F600 ✓"


def test_out_of_range_ids_are_4xx(client, users):
    csrf = login(client, "beheer")
    r = client.post("/api/v1/gebruikers", json={"username": "z", "display_name": "Z", "roles": ["meldpunt"],
                                           "manager_id": 2 ** 40}, headers={CSRF_HEADER: csrf})
    assert_problem(r, 422, "invalid-data")


def test_malformed_json_is_400(client):
    r = client.post("/api/v1/_test/echo", content=b'{"naam": ', headers={"content-type": "application/json"})
    assert_problem(r, 400, "malformed-json")
    r = client.post("/api/v1/auth/inloggen", content=b"{nope", headers={"content-type": "application/json"})
    assert_problem(r, 400, "malformed-json")


def test_unknown_route_and_method(client):
    assert_problem(client.get("/api/v1/bestaat-niet"), 404, "not-found")
    assert_problem(client.put("/api/v1/auth/ik"), 405, "method-not-allowed")


def test_unexpected_error_is_500_without_internals(client, caplog):
    with caplog.at_level(logging.ERROR, logger="meldpunt.api"):
        r = client.post("/api/v1/_test/boom", json={})
    body = assert_problem(r, 500, "internal-error")
    assert "Jantje" not in r.text and "RuntimeError" not in r.text and "Traceback" not in r.text
    assert body["reference"] in body["detail"]
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert body["reference"] in logged and "Jantje" not in logged and "123456782" not in logged


def test_invisible_case_is_404_like_a_missing_one(client, users, db):
    with db.session() as s:
        mine, other = Case(reference="Z-1", unit="Douane"), Case(reference="Z-2", unit="Douane")
        s.add_all([mine, other])
        s.flush()
        desk = identity.get_user(session=s, username="meldpunt1")
        s.add(WorkItem(case_id=mine.id, task_id="t1", element_id="e", name="Registreren", role="meldpunt",
                       slot="meldpunt", assignee_id=desk.id))
        ids = mine.id, other.id
    login(client)
    assert client.get(f"/api/v1/_test/cases/{ids[0]}").json() == {"reference": "Z-1"}
    hidden, missing = client.get(f"/api/v1/_test/cases/{ids[1]}"), client.get("/api/v1/_test/cases/999999")
    assert_problem(hidden, 404, "not-found")
    assert hidden.json() == missing.json()


def test_commit_happens_before_the_response(client, users, db):
    r = client.post("/api/v1/_test/duplicate-user", json={})
    body = assert_problem(r, 409, "conflict")
    assert "UNIQUE" not in r.text and "duplicate key" not in r.text and "meldpunt1" not in body["detail"]
    with db.session() as s:
        assert s.query(User).filter_by(username="meldpunt1").count() == 1


def test_no_secret_is_stored_in_plaintext(client, users, db):
    from sqlalchemy import text

    csrf = login(client)
    session_id = client.cookies.get(SESSION_COOKIE_SECURE)
    token = client.post("/api/v1/auth/tokens", json={"name": "t"}, headers={CSRF_HEADER: csrf}).json()["token"]
    dump = []
    with db.engine.connect() as conn:
        for table in ("users", "user_roles", "api_tokens", "web_sessions", "rate_limit_events"):
            dump += [str(v) for row in conn.execute(text(f"SELECT * FROM {table}")) for v in row]
    dump = "\n".join(dump)
    for secret in (PASSWORD, session_id, token, token[4:]):
        assert secret not in dump
    assert identity.sha256_hex(token) in dump and identity.sha256_hex(session_id) in dump


# --------------------------------------------------------------------------- body size limit

def test_oversized_body_with_content_length_is_413(client):
    r = client.post("/api/v1/_test/echo", content=b"x" * (LIMIT + 1), headers={"content-type": "application/json"})
    body = assert_problem(r, 413, "payload-too-large")
    assert str(LIMIT) in body["detail"]


def _asgi_post(app, chunks: int, chunk_size: int, content_length: int | None = None):
    """Drive the ASGI app directly (TestClient buffers the whole body first) and count body reads."""
    import asyncio

    reads, sent = [], []
    headers = [(b"host", b"testserver"), (b"content-type", b"application/json")]
    if content_length is not None:
        headers.append((b"content-length", str(content_length).encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "https", "path": "/api/v1/_test/echo", "raw_path": b"/api/v1/_test/echo",
             "root_path": "", "query_string": b"", "headers": headers, "client": ("127.0.0.1", 1),
             "server": ("testserver", 443), "state": {}}

    async def receive():
        if len(reads) < chunks:
            reads.append(1)
            return {"type": "http.request", "body": b"x" * chunk_size, "more_body": len(reads) < chunks}
        await asyncio.sleep(3600)  # the client would wait; a correct server never gets here

    async def send(message):
        sent.append(message)

    # In a thread of its own: a browser test before this one (Playwright's sync API) may leave an event loop
    # running in this thread, and asyncio.run refuses to start inside one.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=30))).result()
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body), len(reads)


def test_oversized_chunked_body_is_413_without_reading_it_all(app):
    status, body, reads = _asgi_post(app, chunks=50 * 16, chunk_size=64 * 1024)  # 50 MB, no Content-Length
    assert status == 413 and body["type"] == PROBLEM_BASE + "payload-too-large"
    assert reads == 2  # stopped as soon as the 64 kB limit was passed


def test_content_length_over_limit_refused_before_any_read(app):
    status, body, reads = _asgi_post(app, chunks=50, chunk_size=1024 * 1024, content_length=50 * 1024 * 1024)
    assert status == 413 and reads == 0


def test_fifty_megabytes_refused_before_reading(db, clock):
    app = create_app(ApiSettings())  # the default 10 MB limit
    app.include_router(routes)
    read = []

    def chunks():
        for _ in range(50):
            read.append(1)
            yield b"x" * (1024 * 1024)

    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        r = c.post("/api/v1/_test/echo", content=chunks(),
                   headers={"content-type": "application/octet-stream", "content-length": str(50 * 1024 * 1024)})
    assert_problem(r, 413, "payload-too-large")
    assert len(read) <= 11


def test_per_path_body_limit(db, clock):
    app = create_app(ApiSettings(max_body_bytes=1024 * 1024, body_limits={"/api/v1/_test/": 2048}))
    app.include_router(routes)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        r = c.post("/api/v1/_test/echo", content=b"x" * 4096, headers={"content-type": "application/json"})
        assert_problem(r, 413, "payload-too-large")
        r = c.post("/api/v1/auth/inloggen", content=b"x" * 4096, headers={"content-type": "application/json"})
        assert_problem(r, 400, "malformed-json")  # under the general limit: parsed (and refused as JSON)


def test_body_under_limit_passes(client):
    r = client.post("/api/v1/_test/echo", content=json.dumps({"naam": "a" * 1000, "aantal": 1}),
                    headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["aantal"] == 1


def test_openapi_schema_documents_auth(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/auth/inloggen" in schema["paths"] and "/auth/tokens/{token_id}" in schema["paths"]
    assert schema["servers"][0]["url"].endswith("/api/v1")
    login_schema = schema["components"]["schemas"]["LoginRequest"]
    assert login_schema["additionalProperties"] is False and login_schema.get("examples")


# --------------------------------------------------------------------------- anonymous reporter sessions

def _receipt(db):
    from engine.identity import receipts

    with db.session() as s:
        case = Case(reference="Z-ANON", unit="Douane")
        s.add(case)
        s.flush()
        code, _ = receipts.issue_receipt(session=s, case_id=case.id)
        return code, case.id


@routes.get("/melder/zaak")
def reporter_case(reporter=Depends(current_reporter)) -> dict:
    return {"case_id": reporter.receipt.case_id}


@routes.post("/melder/bericht")
def reporter_message(reporter=Depends(current_reporter)) -> dict:
    return {"ok": True}


def test_reporter_session_round_trip(client, db):
    code, case_id = _receipt(db)
    r = client.post("/api/v1/melder/sessie", json={"ontvangstcode": code[:4] + " " + code[4:]})
    assert r.status_code == 200 and code not in r.text
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("__Host-meldpunt_melder="))
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    csrf = r.json()["csrf_token"]
    assert client.get("/api/v1/_test/melder/zaak").json() == {"case_id": case_id}
    assert_problem(client.post("/api/v1/_test/melder/bericht"), 403, "csrf-failed")
    assert client.post("/api/v1/_test/melder/bericht", headers={CSRF_HEADER: csrf}).status_code == 200
    # A reporter session is no staff login.
    assert_problem(client.get("/api/v1/auth/ik"), 401, "unauthenticated")
    assert client.delete("/api/v1/melder/sessie", headers={CSRF_HEADER: csrf}).status_code == 204
    assert_problem(client.get("/api/v1/_test/melder/zaak"), 401, "unauthenticated")


def test_reporter_session_expires(client, db, clock):
    code, _ = _receipt(db)
    assert client.post("/api/v1/melder/sessie", json={"ontvangstcode": code}).status_code == 200
    clock.advance(timedelta(minutes=31))
    assert_problem(client.get("/api/v1/_test/melder/zaak"), 401, "unauthenticated")


def test_wrong_receipt_refused_then_locked_without_revealing(client, db):
    code, _ = _receipt(db)
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    answers = [client.post("/api/v1/melder/sessie", json={"ontvangstcode": c})
               for c in (wrong, "0000000000000000", wrong, wrong, wrong)]
    assert all(a.status_code == 401 for a in answers)
    assert len({a.text for a in answers}) == 1  # unknown and wrong: the same answer
    right, unknown = (client.post("/api/v1/melder/sessie", json={"ontvangstcode": c}) for c in (code, "1111222233334444"))
    assert_problem(right, 429, "too-many-attempts")
    assert right.json() == unknown.json() and right.headers["retry-after"] == unknown.headers["retry-after"]
    assert "set-cookie" not in right.headers


def test_only_the_configured_cookie_name_counts(client, users, db, clock):
    login(client)
    session_id = client.cookies.get(SESSION_COOKIE_SECURE)
    client.cookies.clear()
    client.cookies.set("meldpunt_session", session_id)  # planted without the __Host- guarantees
    assert_problem(client.get("/api/v1/auth/ik"), 401, "unauthenticated")

    app = create_app(ApiSettings(cookie_secure=False))  # plain-http development
    with TestClient(app, base_url="http://testserver") as plain:
        r = plain.post("/api/v1/auth/inloggen", json={"username": "meldpunt1", "password": PASSWORD})
        assert "secure" not in r.headers["set-cookie"].lower().replace("__host-", "")
        assert plain.cookies.get("meldpunt_session") and plain.get("/api/v1/auth/ik").status_code == 200
