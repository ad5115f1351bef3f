"""Thread and memory limits of a server process (engine.config, api.app)."""
from __future__ import annotations

from api.app import request_threads
from engine.config import Settings


def test_postgresql_servers_use_few_request_threads_and_sqlite_keeps_the_default():
    assert request_threads(Settings(database_url="postgresql+psycopg://u@h/db")) == 4
    # SQLite: a request holds the database-wide write lock across FastAPI's thread hops; a small
    # pool then deadlocks under load (seen in bench measurement 2 with 4 threads and 8 handlers).
    assert request_threads(Settings(database_url="sqlite:///meldpunt.db")) is None
    assert request_threads(Settings(database_url="sqlite:///x.db", request_threads=12)) == 12


def test_the_server_starts_with_the_limits_applied(monkeypatch):
    import anyio.to_thread
    from fastapi.testclient import TestClient

    from api.app import create_app

    seen = {}
    app = create_app()

    @app.get("/_threads")
    async def threads():
        seen["tokens"] = anyio.to_thread.current_default_thread_limiter().total_tokens
        return {}

    monkeypatch.setenv("MELDPUNT_REQUEST_THREADS", "3")
    from engine.config import get_settings
    get_settings.cache_clear()
    try:
        with TestClient(app) as client:
            assert client.get("/_threads").status_code == 200
    finally:
        monkeypatch.delenv("MELDPUNT_REQUEST_THREADS")
        get_settings.cache_clear()
    assert seen["tokens"] == 3
