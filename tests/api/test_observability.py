"""Request ids, JSON logs without confidential values, and /metrics (issue 22; api/observability.py).

The logs are captured as the production configuration writes them (``engine.logs.JsonFormatter`` on the root
logger, every level), while a reporter's name, a receipt code, a password, a bearer token and session cookies
travel in bodies, query strings and headers; none of them may appear in any line. /metrics is scraped and
parsed with prometheus-client's own parser.
"""
from __future__ import annotations

import io
import json
import logging
import os

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, text

from api.app import create_app
from api.settings import ApiSettings
from engine.identity import service as identity
from engine.logs import JsonFormatter, RequestIdFilter, dict_config
from engine.timers.models import Timer
from engine.worklist.models import WorkItem
from tests.api.conftest import UNIT

pytestmark = pytest.mark.db

NAME = "Rosalind Logvermijder"
EMAIL = "rosalind.logvermijder@example.org"
PASSWORD = "Geheim-wachtwoord-77"
METRICS_TOKEN = "scrape-token-3f9a1c"


@pytest.fixture
def captured():
    """Every record of every logger, formatted as in production, into a string buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    # the production levels of named loggers (engine.logs.dict_config: the HTTP client's request lines off;
    # here they would be the test client's own requests)
    levels = {name: spec["level"] for name, spec in dict_config()["loggers"].items() if "level" in spec}
    previous = {name: logging.getLogger(name).level for name in levels} | {"": root.level}
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        for name, level in previous.items():
            logging.getLogger(name).setLevel(level)


def _lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_request_id_is_accepted_or_generated_echoed_and_on_every_line_of_the_request(world, captured):
    app = world.client.app

    @app.get("/proef-log", include_in_schema=False)
    def logs_something():  # a synchronous endpoint: runs in the thread pool, the id must follow it there
        logging.getLogger("meldpunt.proef").warning("in het verzoek")
        return {"ok": True}

    c = world.client
    r = c.get("/proef-log", headers={"X-Request-ID": "proxy-7f3a.1_b"})
    assert r.headers["x-request-id"] == "proxy-7f3a.1_b"
    r2 = c.get("/proef-log", headers={"X-Request-ID": "met spatie en <tekens>"})  # not a plain token: replaced
    generated = r2.headers["x-request-id"]
    assert generated != "met spatie en <tekens>" and len(generated) == 32
    r3 = c.get("/api/v1/gezondheid")
    assert r3.headers["x-request-id"] not in (generated, "proxy-7f3a.1_b")
    lines = _lines(captured)
    inside = [line for line in lines if line["logger"] == "meldpunt.proef"]
    assert [line.get("request_id") for line in inside] == ["proxy-7f3a.1_b", generated]
    access = [line for line in lines if line["logger"] == "meldpunt.http"]
    assert [(a["request_id"], a["route"], a["status"]) for a in access] == [
        ("proxy-7f3a.1_b", "/proef-log", 200), (generated, "/proef-log", 200),
        (r3.headers["x-request-id"], "/api/v1/gezondheid", 200)]
    assert all(isinstance(a["duration_ms"], float) for a in access)


def test_logs_never_contain_a_name_a_receipt_code_a_password_or_a_token(world, db, captured):
    c = world.client
    with db.session() as s:
        identity.create_user(session=s, username="balie2", display_name="Balie Twee", roles=["meldpunt"], unit=UNIT,
                             password=PASSWORD)
    # a named report registered by the desk: the name and e-mail in the body
    r = c.post("/api/v1/meldingen", headers=world.h("meldpunt"), json={
        "categorie": "Financiële schendingen", "omschrijving": "Declaraties voor reizen die niet zijn gemaakt.",
        "dienstonderdeel": UNIT, "melder_naam": NAME, "melder_email": EMAIL, "risicofunctie": "geen"})
    assert r.status_code == 201, r.text
    # an anonymous report: its receipt code in the answer, then in a body, a query string and a wrong guess
    r = c.post("/api/v1/publiek/meldingen", json={"categorie": "Financiële schendingen", "dienstonderdeel": UNIT,
                                                  "omschrijving": "Mijn leidinggevende declareert reizen die niet zijn gemaakt."})
    assert r.status_code == 201, r.text
    code = r.json()["ontvangstcode"]
    assert c.post("/api/v1/melder/sessie", json={"ontvangstcode": code}).status_code == 200
    reporter_cookies = dict(c.cookies)
    c.get("/mijn-melding", params={"code": code})
    c.post("/api/v1/melder/sessie", json={"ontvangstcode": code[:-4] + "ZZZZ"})
    c.cookies.clear()
    # a search for the name (query string), the case with the identity (answer body), a password log-in
    # (body), its session cookie, a bearer token (header), a failing log-in with the password as user name
    c.get("/api/v1/zaken", params={"q": NAME}, headers=world.h("integriteitscoordinator"))
    r = c.post("/api/v1/auth/inloggen", json={"username": "balie2", "password": PASSWORD})
    assert r.status_code == 200, r.text
    session_cookies = dict(c.cookies)
    assert c.get("/api/v1/auth/ik").status_code == 200
    c.post("/api/v1/auth/inloggen", json={"username": PASSWORD, "password": NAME})
    c.get("/zaken", params={"q": NAME, "zoek": EMAIL})

    logged = captured.getvalue()
    assert "meldpunt.http" in logged and len(_lines(captured)) >= 10  # the access lines were captured
    secrets = {NAME, "Logvermijder", EMAIL, code, code.replace(" ", ""), code.replace(" ", "-"), PASSWORD,
               *world.tokens.values(), *reporter_cookies.values(), *session_cookies.values()}
    secrets.discard("")
    found = sorted(s for s in secrets if s.lower() in logged.lower())
    assert not found, f"confidential values in the logs: {found}"
    assert "?" not in "".join(line.get("route", "") for line in _lines(captured))


def test_an_exception_is_logged_by_type_and_place_never_its_message(captured):
    log = logging.getLogger("meldpunt.proef")
    try:
        raise ValueError(f"ongeldige waarde voor {NAME}")
    except ValueError:
        log.exception("verwerking mislukt")
    (line,) = [line for line in _lines(captured) if line["logger"] == "meldpunt.proef"]
    assert line["exception"] == "ValueError" and line["message"] == "verwerking mislukt"
    assert line["stack"] and "test_observability.py" in line["stack"][-1]
    assert NAME not in captured.getvalue()


def _scrape(client: TestClient, **headers) -> dict:
    r = client.get("/metrics", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=")  # the Prometheus text format
    families = {}
    for family in text_string_to_metric_families(r.text):
        families[family.name] = family
    return families


def _value(families: dict, name: str, **labels) -> float:
    family = families[name]
    values = [s.value for s in family.samples if s.name in (name, name + "_total")
              and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(values) == 1, (name, labels, family.samples)
    return values[0]


def test_metrics_are_scraped_and_parsed(world, db):
    app = create_app(ApiSettings(cookie_secure=True, metrics_token=METRICS_TOKEN))
    with TestClient(app, base_url="https://testserver") as c:
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer verkeerd"}).status_code == 401
        before = _scrape(c, Authorization=f"Bearer {METRICS_TOKEN}")
        for _ in range(3):
            c.get(f"/api/v1/zaken/{world.case_a}", headers=world.h("integriteitscoordinator"))
        c.get("/api/v1/zaken/999999", headers=world.h("integriteitscoordinator"))
        after = _scrape(c, Authorization=f"Bearer {METRICS_TOKEN}")

    def requests(families, status):
        try:
            return _value(families, "meldpunt_http_requests", method="GET", route="/api/v1/zaken/{case_id}",
                          status=status)
        except (KeyError, AssertionError):
            return 0.0

    assert requests(after, "200") - requests(before, "200") == 3  # by route template, never the filled-in id
    assert requests(after, "404") - requests(before, "404") == 1
    latency = after["meldpunt_http_request_duration_seconds"]
    assert latency.type == "histogram"
    assert any(s.name.endswith("_count") and s.labels.get("route") == "/api/v1/zaken/{case_id}" and s.value >= 4
               for s in latency.samples)
    with db.session() as s:
        open_tasks = s.scalar(select(func.count()).select_from(WorkItem).where(WorkItem.state == "open"))
        pending = s.scalar(select(func.count()).select_from(Timer).where(Timer.state == "pending"))
    assert open_tasks > 0 and pending > 0
    assert _value(after, "meldpunt_database_up") == 1
    assert _value(after, "meldpunt_open_tasks") == open_tasks
    assert _value(after, "meldpunt_overdue_tasks") == 0  # the world was made today
    assert _value(after, "meldpunt_timers", state="pending") == pending
    assert _value(after, "meldpunt_timers", state="fired") == 0
    assert _value(after, "meldpunt_timers_due") == 0 and _value(after, "meldpunt_timers_failing") == 0
    assert _value(after, "meldpunt_timer_firings") == 0
    assert _value(after, "meldpunt_outbox_backlog") == 0 and _value(after, "meldpunt_open_incidents") == 0
    # counts only: no route filled in with an id, no name of a person or unit
    body = "\n".join(str(s) for f in after.values() for s in f.samples)
    assert f"/zaken/{world.case_a}" not in body and UNIT not in body


def test_metrics_count_the_outbox_backlog_and_open_incidents(world, db):
    from engine.incidents import service as incidents
    from engine.notifications import enqueue

    app = create_app(ApiSettings(cookie_secure=True, metrics_token=METRICS_TOKEN))
    with db.session() as s:
        from engine.identity.models import User

        s.get(User, world.users["integriteitscoordinator"]).email = "coordinator@example.org"
        for _ in range(2):
            enqueue(s, user_id=world.users["integriteitscoordinator"], kind="nieuwe_taak", link="/werkvoorraad")
        incidents.record(s, case_id=world.case_a, source="timer", exc=ZeroDivisionError("x"), element_id="t")
    with TestClient(app, base_url="https://testserver") as c:
        families = _scrape(c, Authorization=f"Bearer {METRICS_TOKEN}")
    with db.session() as s:
        from engine.notifications import sender

        assert _value(families, "meldpunt_outbox_backlog") == sender.backlog(session=s) >= 1
    assert _value(families, "meldpunt_open_incidents") == 1


@pytest.mark.parametrize(("peer", "forwarded", "allowed"), [
    ("10.20.0.5", None, True),  # the scraper's own address, in the configured network
    ("192.0.2.10", None, False),  # anyone else
    ("192.0.2.77", "10.20.0.5", False),  # a forwarded claim from an untrusted peer is not believed
    ("10.99.0.1", "10.20.0.5", True),  # the trusted proxy forwards the scraper's address
    ("10.99.0.1", "192.0.2.10", False),  # through the trusted proxy: the real client counts, not the proxy
])
def test_metrics_from_a_configured_network(db, clock, peer, forwarded, allowed):
    app = create_app(ApiSettings(cookie_secure=True, metrics_networks="10.20.0.0/16", trusted_proxies="10.99.0.1"))
    with TestClient(app, base_url="https://testserver", client=(peer, 40000)) as c:
        r = c.get("/metrics", headers={"X-Forwarded-For": forwarded} if forwarded else {})
    assert r.status_code == (200 if allowed else 401), r.text


def test_an_unhandled_error_under_a_plain_uvicorn_logs_no_message(db):
    """A server started without the product's log configuration (plain ``uvicorn``, its own logging set-up) writes
    an unhandled error as "Exception in ASGI application" with its traceback, whatever formatter the operator
    chose: the exception's type and place are there, its message (here quoting a reporter) is not."""
    import threading
    import time

    import httpx
    import uvicorn

    from tests.live import free_port
    from tests.web.demo_clients import demo_app

    app = demo_app()

    @app.get("/proef-fout", include_in_schema=False)
    def fails():
        raise ValueError(f"ongeldige waarde voor {NAME} <{EMAIL}>")

    port = free_port(range(18750, 18800))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off"))  # uvicorn's logging
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))  # the standard formatter
    uvicorn_log = logging.getLogger("uvicorn.error")
    uvicorn_log.addHandler(handler)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive(), "uvicorn did not start"
            time.sleep(0.02)
        assert httpx.get(f"http://127.0.0.1:{port}/proef-fout", timeout=30).status_code == 500
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        uvicorn_log.removeHandler(handler)
    logged = buffer.getvalue()
    assert "Exception in ASGI application" in logged and "ValueError" in logged and "test_observability.py" in logged
    assert "Logvermijder" not in logged and EMAIL not in logged, logged


def test_a_warning_is_a_line_of_the_log_by_category_and_place(tmp_path):
    """A library's warning (SQLAlchemy's ``SAWarning`` reached stderr as free text in CI, between the JSON lines of
    a server) is written as a JSON record of the log: its category and where it was raised, never its message."""
    import subprocess
    import sys

    script = tmp_path / "warn.py"
    script.write_text(
        "import warnings\n"
        "from engine import logs\n"
        "logs.configure(json_lines=True)\n"
        f"warnings.warn('waarde van {NAME}', UserWarning)\n"
        "from sqlalchemy.exc import SAWarning\n"
        "warnings.warn('tweede', SAWarning)\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONWARNINGS": "default"})
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]  # every line is JSON
    said = [(line["logger"], line["level"], line["message"].split(" at ")[0]) for line in lines]
    assert said == [("py.warnings", "WARNING", "UserWarning"), ("py.warnings", "WARNING", "SAWarning")], said
    assert all("warn.py:" in line["message"] for line in lines)
    assert NAME not in done.stderr and "tweede" not in done.stderr
