"""A slow request on a web page does not hold up an API request (issue 25): page handlers run in the thread pool,
never on the event loop (web/__init__.py and api/deps.py refuse a route that would at start-up).

The real app under uvicorn (httptools, uvloop) on loopback. The worklist page is held inside its handler until the
API has answered: were the handler on the event loop, the API request could not be served and would time out. The
two requests are ordered relative to each other; nothing is timed.
"""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Traag-wachtwoord-2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(db, clock):
    import uvicorn

    from api.app import create_app
    from api.settings import ApiSettings
    from engine.identity.seed import ensure_demo_users
    from engine.processes import service as processes

    with db.session() as s:
        processes.deploy(session=s, directory=ROOT / "processes")
        ensure_demo_users(session=s, password=PASSWORD)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(ApiSettings(cookie_secure=False)), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_slow_web_page_does_not_delay_an_api_request(server, db, monkeypatch):
    import web.pages.worklist as page

    entered, release = threading.Event(), threading.Event()

    def held_database():
        entered.set()
        release.wait(60)  # a slow handler: it continues only after the API request below has been answered
        return db

    monkeypatch.setattr(page, "get_database", held_database)
    with httpx.Client(base_url=server, timeout=30) as person:
        r = person.post("/api/v1/auth/inloggen", json={"username": "coordinator", "password": PASSWORD})
        assert r.status_code == 200, r.text
        order, results = [], {}

        def slow_page():
            results["page"] = person.get("/werkvoorraad")
            order.append("pagina")

        slow = threading.Thread(target=slow_page)
        slow.start()
        try:
            assert entered.wait(30), "the page request did not reach its handler"
            api = person.get("/api/v1/taken/mijn")  # while the page's handler is still busy
            order.append("api")
            assert api.status_code == 200, api.text
        finally:
            release.set()
            slow.join(60)
    assert order == ["api", "pagina"]
    assert results["page"].status_code == 200
