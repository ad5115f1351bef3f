"""What the server writes, started as an operator starts it (``meldpunt serve`` without ``MELDPUNT_LOG_JSON``, or
plain ``uvicorn`` with its own access log): the same rules as the JSON logs (engine.logs). uvicorn's access line
wrote every query string and the client's address: a search for a reporter's name, a receipt code or a token someone
put in a URL ended up in the server's log."""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from engine.identity import service as identity
from engine.identity.models import User
from tests.live import Server

pytestmark = pytest.mark.db

PORTS = range(18700, 18750)
NAME = "Zwaluwstaart Testmelder"
EMAIL = "zwaluwstaart.testmelder@example.org"


@pytest.fixture
def seeded(db, key, clock):
    """The demo organisation and a coordinator's API token, on the server's clock (a separate process on the
    system clock, as in tests/api/test_no_hang.py)."""
    from engine import clock as clock_mod
    from engine import demo

    clock.set(clock_mod.SystemClock().now())
    with db.session() as s:
        demo.seed(session=s)
        coordinator = s.scalar(select(User).where(User.username == "coordinator"))
        return identity.issue_token(session=s, user=coordinator, name="t")[0]


SERVE = ("-m", "cli.main", "serve", "--workers", "1")
UVICORN = ("-m", "uvicorn", "api.app:create_app", "--factory")  # uvicorn's defaults: its access log on


@pytest.mark.parametrize("command, json_lines", [(SERVE, False), (SERVE, True), (UVICORN, False),
                                                 ((*UVICORN, "--log-level", "trace"), False)],
                         ids=["serve-text", "serve-json", "plain-uvicorn", "uvicorn-trace"])
def test_the_server_logs_no_query_string_address_or_secret(db, key, seeded, command, json_lines):
    token = seeded
    server = Server(db.url, key, ports=PORTS, command=command,
                    extra_env={"MELDPUNT_LOG_JSON": str(json_lines).lower()})
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as c:
            r = c.post("/api/v1/publiek/meldingen", json={
                "categorie": "Financiële schendingen", "dienstonderdeel": "Douane",
                "omschrijving": "Mijn leidinggevende declareert reizen die niet zijn gemaakt."})
            assert r.status_code == 201, r.text
            code = r.json()["ontvangstcode"]
            bearer = {"Authorization": f"Bearer {token}"}
            # a search naming the reporter, a receipt code and a token in query strings, the code in a path
            assert c.get("/api/v1/zaken", params={"q": NAME, "zoek": EMAIL}, headers=bearer).status_code == 200
            assert c.get("/api/v1/zaken/export", params={"q": NAME}, headers=bearer).status_code == 200
            c.get("/mijn-melding", params={"code": code})
            c.get(f"/mijn-melding/{code.replace(' ', '')}")
            assert c.get("/api/v1/auth/ik", params={"access_token": token}).status_code == 401
        # the last access line is written after its response went out; the server is then killed (SIGKILL)
        server.wait_for_output("/api/v1/auth/ik")
    finally:
        server.stop()
    logged = server.output()
    assert "/api/v1/zaken/export" in logged and "/api/v1/auth/ik" in logged, logged[-2000:]  # the access lines are written
    secrets = {NAME, "Zwaluwstaart", EMAIL, "zwaluwstaart.testmelder%40", code, code.replace(" ", ""),
               code.replace(" ", "+"), token}
    found = sorted(s for s in secrets if s.lower() in logged.lower())
    assert not found, f"confidential values in the server's log: {found}\n{logged[-2000:]}"
    # no client address: the only address in the log is the server's own (where it listens)
    assert "127.0.0.1:" not in logged.replace(f"127.0.0.1:{server.port}", ""), logged[-2000:]
