"""Thread and memory limits of a server process (engine.config, api.app)."""
from __future__ import annotations

from api.app import request_threads
from engine.config import Settings


def test_request_threads_and_connection_pool_come_from_one_setting():
    # A request's transaction runs in one thread (api.deps), so the same small pool serves both databases.
    assert request_threads(Settings(database_url="postgresql+psycopg://u@h/db")) == 4
    assert request_threads(Settings(database_url="sqlite:///meldpunt.db")) == 4
    settings = Settings(database_url="sqlite:///x.db", request_threads=12)
    assert request_threads(settings) == 12
    assert settings.db_pool_size == 12 + settings.db_pool_extra  # a connection for every request thread


def test_every_postgresql_connection_bounds_its_waits(db):
    from sqlalchemy import text

    from engine.config import get_settings
    from engine.db import Database

    settings = get_settings()
    if db.dialect != "postgresql":
        with db.engine.connect() as conn:  # SQLite: the busy timeout is the setting (seconds -> ms)
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == int(settings.sqlite_busy_timeout_seconds * 1000)
        return
    fresh = Database(db.url)
    try:
        assert fresh.engine.pool.size() == settings.db_pool_size
        with fresh.engine.connect() as conn:
            shown = {name: conn.execute(text(f"SHOW {name}")).scalar()
                     for name in ("lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout")}
    finally:
        fresh.dispose()
    assert shown == {"lock_timeout": "5s", "statement_timeout": "1min", "idle_in_transaction_session_timeout": "1min"}


def test_a_lost_lock_race_answers_409_in_dutch_not_a_hang(world, db):
    """Someone else holds the task's row (PostgreSQL) or the write lock (SQLite) longer than the bound."""
    from sqlalchemy import text

    from engine.db import Database, set_database

    c = world.client
    tid = c.get(f"/api/v1/zaken/{world.case_a}", headers=world.h("meldpunt")).json()["open_taken"][0]["id"]
    if db.dialect == "postgresql":
        impatient = Database(db.url, connect_args={"options": "-c lock_timeout=200"})
    else:
        impatient = Database(db.url, connect_args={"check_same_thread": False, "timeout": 0.2})
    previous = set_database(impatient)
    holder = db.engine.connect()
    try:
        if db.dialect == "postgresql":
            holder.begin()
            holder.execute(text("SELECT id FROM work_items WHERE id = :id FOR UPDATE"), {"id": tid})
        else:
            holder.begin()  # BEGIN IMMEDIATE: the database-wide write lock
        r = c.post(f"/api/v1/taken/{tid}/claimen", headers=world.h("meldpunt"))
    finally:
        holder.rollback()
        holder.close()
        set_database(previous)
        impatient.dispose()
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"].endswith("/busy") and body["title"] == "Bezet"
    assert "probeer het over enkele ogenblikken opnieuw" in body["detail"].lower()
    assert r.headers["retry-after"] == "1"
    # and nothing was half-done: the task is still unclaimed, and the next claim succeeds
    r = c.post(f"/api/v1/taken/{tid}/claimen", headers=world.h("meldpunt"))
    assert r.status_code == 200 and r.json()["toegewezen_aan"] == world.users["meldpunt"]


def test_the_server_starts_with_the_limits_applied(db, monkeypatch):
    """On a migrated database (the server refuses to start on any other: api.app)."""
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
