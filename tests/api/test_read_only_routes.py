"""Pure reads run without a transaction (issue 25, "fewer round trips"): a route declared read-only
(``api.deps.read_only``; on the web ``get_database().read_session()``) sends no BEGIN IMMEDIATE on SQLite and no
BEGIN/COMMIT on PostgreSQL, so it neither waits for nor blocks a writer; what it must record (its read audit) is
written in one short write transaction before the response, and the response fails when that cannot be written;
any other write in it fails loudly (``engine.db.ReadOnlyViolation``). Real database, SQLite and PostgreSQL.
"""
from __future__ import annotations

import sqlite3

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from api.deps import SessionDep, UnitOfWorkRoute, check_routes, read_only
from engine.audit import service as audit
from engine.audit.models import AuditEvent
from engine.db import Database, ReadOnlyViolation, set_database
from engine.identity import service as identity
from engine.identity.models import User
from engine.worklist import service as worklist
from engine.worklist.models import WorkItem
from tests.engine.test_statement_budget import Transactions

pytestmark = pytest.mark.db

PASSWORD = "alleen-lezen-wachtwoord-1"


def _login(app, username: str) -> TestClient:
    web = TestClient(app, base_url="https://testserver", follow_redirects=False)
    r = web.post("/api/v1/auth/inloggen", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return web


def _item_of_case_a(db, world) -> int:
    with db.session() as s:
        return worklist.items_of_case(session=s, case_id=world.case_a)[0].id


def _read_events(db, case_id: int) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.case_id == case_id, AuditEvent.action.in_(audit.READ_ACTIONS)))


def test_marked_reads_send_no_begin_and_no_commit_and_hold_no_transaction(world, db, app):
    with db.session() as s:
        identity.set_password(session=s, user_id=world.users["meldpunt"], password=PASSWORD)
    c, h = world.client, world.h("meldpunt")
    item_id = _item_of_case_a(db, world)
    web = _login(app, "meldpunt")
    reads = ["/api/v1/taken/mijn", "/api/v1/taken/onverdeeld", "/api/v1/taken/te-laat",
             f"/api/v1/taken/{item_id}/formulier", "/api/v1/zaken", "/api/v1/processen"]
    for url in reads:
        assert c.get(url, headers=h).status_code == 200, url  # warm-up: the token's last use recorded, caches
    assert web.get("/werkvoorraad").status_code == 200
    for url in reads:
        with Transactions(db.engine) as tx:
            assert c.get(url, headers=h).status_code == 200, url
        assert tx.seen, url  # it did read
        assert tx.begins == [] and tx.in_transaction == [], (url, tx.seen)
    with Transactions(db.engine) as tx:  # the web worklist page (its visit recorded by the warm-up)
        r = web.get("/werkvoorraad")
        assert r.status_code == 200 and "Mijn taken" in r.text
    assert tx.seen and tx.begins == [] and tx.in_transaction == [], tx.seen

    # The detector sees a transaction where there is one: a route that writes (claiming) runs in one.
    with Transactions(db.engine) as tx:
        assert c.post(f"/api/v1/taken/{item_id}/claimen", headers=h).status_code in (200, 409)
    assert tx.in_transaction, tx.seen
    if db.dialect == "sqlite":
        assert tx.begins[0] == "BEGIN IMMEDIATE", tx.seen


def test_a_read_audited_route_records_its_event_in_a_short_transaction_before_answering(world, db, monkeypatch):
    c, h = world.client, world.h("meldpunt")
    item_id = _item_of_case_a(db, world)
    c.get(f"/api/v1/taken/{item_id}", headers=h)  # warm-up (token use, caches)
    before = _read_events(db, world.case_a)
    with Transactions(db.engine) as tx:
        r = c.get(f"/api/v1/taken/{item_id}", headers=h)
    assert r.status_code == 200, r.text
    assert _read_events(db, world.case_a) > before  # what it showed is recorded
    # the reads ran outside any transaction; only the audit write (its INSERT) ran inside one, at the end
    inside = tx.in_transaction
    assert inside and any(s.startswith("INSERT") for s in inside), tx.seen
    first_inside = next(i for i, (_, t) in enumerate(tx.seen) if t)
    assert all(t for _, t in tx.seen[first_inside:]), tx.seen
    assert not any(t for _, t in tx.seen[:first_inside]) and first_inside > 2, tx.seen

    # no record, no answer: when the audit event cannot be written, the shown data do not go out
    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "_append_read", broken)
    counted = _read_events(db, world.case_a)
    r = c.get(f"/api/v1/taken/{item_id}", headers=h)
    assert r.status_code == 500 and "gegevens" not in r.text
    assert _read_events(db, world.case_a) == counted


def _writing_app(db) -> FastAPI:
    """A test app with routes declared read-only that write anyway."""
    router = APIRouter(route_class=UnitOfWorkRoute)

    @router.get("/orm")
    @read_only
    def orm_write(session: SessionDep) -> dict:
        user = session.scalars(select(User)).first()
        user.display_name = "Gewijzigd"
        return {"ok": True}

    @router.get("/core")
    @read_only
    def core_write(session: SessionDep) -> dict:
        session.execute(update(WorkItem).values(priority=99))
        return {"ok": True}

    @router.get("/lock")
    @read_only
    def row_lock(session: SessionDep) -> dict:
        session.execute(select(WorkItem.id).with_for_update()).all()
        return {"ok": True}

    @router.get("/lock-no-key")
    @read_only
    def weaker_row_lock(session: SessionDep) -> dict:
        # FOR NO KEY UPDATE / FOR KEY SHARE are row locks too (the step takes the first)
        session.execute(select(WorkItem.id).with_for_update(key_share=True)).all()
        return {"ok": True}

    @router.get("/driver")
    @read_only
    def driver_write(session: SessionDep) -> dict:
        # past SQLAlchemy's statement guard, on the driver's connection itself
        raw = session.connection().connection.dbapi_connection
        raw.execute("UPDATE work_items SET priority = 99")
        return {"ok": True}

    app = FastAPI()
    app.include_router(router)
    check_routes(app)
    return app


def test_a_route_declared_read_only_that_writes_fails_loudly_and_writes_nothing(world, db):
    client = TestClient(_writing_app(db))  # raise_server_exceptions: the violation reaches the test
    with pytest.raises(ReadOnlyViolation):
        client.get("/orm")
    with pytest.raises(ReadOnlyViolation):
        client.get("/core")
    if db.dialect == "postgresql":  # SQLite renders no FOR UPDATE (it has no row locks)
        with pytest.raises(ReadOnlyViolation):
            client.get("/lock")
        with pytest.raises(ReadOnlyViolation):
            client.get("/lock-no-key")
    else:  # SQLite: the connection is query_only while it reads
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            client.get("/driver")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.display_name == "Gewijzigd")) == 0
        assert s.scalar(select(func.count()).select_from(WorkItem).where(WorkItem.priority == 99)) == 0
    # and a writer still writes on the same pooled connections afterwards (query_only is switched back)
    with db.session() as s:
        s.execute(update(WorkItem).values(priority=7))
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(WorkItem).where(WorkItem.priority != 7)) == 0


def test_the_web_read_session_refuses_a_write(world, db):
    from web.pages.common import get_database

    with pytest.raises(ReadOnlyViolation):
        with get_database().read_session() as s:
            s.get(User, world.users["meldpunt"]).display_name = "Gewijzigd"
            s.flush()
    with pytest.raises(ReadOnlyViolation):  # unflushed changes are refused at the end, not dropped silently
        with get_database().read_session() as s:
            s.get(User, world.users["meldpunt"]).display_name = "Gewijzigd"


def test_only_a_get_route_may_be_declared_read_only_and_the_marker_goes_under_the_route(db):
    router = APIRouter(route_class=UnitOfWorkRoute)

    @router.post("/x")
    @read_only
    def writes(session: SessionDep) -> dict:
        return {}

    app = FastAPI()
    app.include_router(router)
    with pytest.raises(TypeError, match="only a GET route"):
        check_routes(app)

    router = APIRouter(route_class=UnitOfWorkRoute)

    @read_only
    @router.get("/y")
    def misplaced(session: SessionDep) -> dict:
        return {}

    app = FastAPI()
    app.include_router(router)
    with pytest.raises(TypeError, match="under the route decorator"):
        check_routes(app)


def test_a_read_proceeds_while_another_connection_holds_sqlites_write_lock(world, db, app):
    if db.dialect != "sqlite":
        pytest.skip("SQLite's database-wide write lock (PostgreSQL readers never wait for writers)")
    with db.session() as s:
        identity.set_password(session=s, user_id=world.users["meldpunt"], password=PASSWORD)
    # the same database file, with a short busy timeout so that the unmarked write below gives up quickly
    quick = Database(db.url, connect_args={"check_same_thread": False, "timeout": 0.3})
    previous = set_database(quick)
    try:
        c, h = world.client, world.h("meldpunt")
        item_id = _item_of_case_a(db, world)
        web = _login(app, "meldpunt")
        reads = ["/api/v1/taken/mijn", "/api/v1/zaken", f"/api/v1/taken/{item_id}/formulier", "/werkvoorraad"]
        for url in reads:  # warm-up: last uses and the worklist visit recorded
            assert (web if url == "/werkvoorraad" else c).get(url, headers=h).status_code == 200, url
        writer = sqlite3.connect(db.url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("UPDATE work_items SET priority = priority")
            for url in reads:
                r = (web if url == "/werkvoorraad" else c).get(url, headers=h)
                assert r.status_code == 200, (url, r.status_code, r.text[:300])
            # an unmarked write does wait for the lock and gives up: 409 "Bezet"
            r = c.post(f"/api/v1/taken/{item_id}/claimen", headers=h)
            assert r.status_code == 409 and r.json()["title"] == "Bezet", r.text
        finally:
            writer.rollback()
            writer.close()
    finally:
        set_database(previous)
        quick.dispose()
