"""Experiment (issue 25, "no transaction for pure reads"): statements and CPU time per request of the hot read routes,
declared read-only (no transaction) against the same routes in a transaction (as before), interleaved request by
request in one process, SQLite and (when reachable) PostgreSQL. 1,000 seeded cases (tests/seeding.py).

    .venv/bin/python -m bench.experiments.read_routes [rounds]

CPU time (median per request) is the process's (``time.process_time``: server and test client in one process, the client's share is the
same for both variants); PostgreSQL's own CPU is not included. "Round trips" = statements sent by the cursor plus
BEGIN and COMMIT of every transaction the request opened (psycopg sends those itself; SQLite's COMMIT likewise).
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("MELDPUNT_REPETITIE", "uit")
os.environ.setdefault("MELDPUNT_TWEEDE_FACTOR", "uit")

from sqlalchemy import event, select

from bench.common import DEFAULT_PG_ADMIN_URL, bench_database, ensure_keyring, pg_available

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Lees-wachtwoord-2026"
ROUTES = ["/api/v1/taken/mijn?limit=50", "/api/v1/taken/onverdeeld?limit=50", "/api/v1/zaken?limit=50",
          "/werkvoorraad?tab=mijn", "/werkvoorraad?tab=open"]


class Trips:
    def __init__(self, engine):
        self.engine, self.statements, self.transactions, self._inside = engine, 0, 0, {}

    def __enter__(self):
        event.listen(self.engine, "after_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "after_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, params, context, executemany):
        raw = conn.connection.dbapi_connection
        inside = raw.in_transaction if conn.dialect.name == "sqlite" else raw.info.transaction_status != 0
        if statement.startswith("BEGIN"):
            return  # SQLite's BEGIN IMMEDIATE: counted with its transaction below
        self.statements += 1
        if inside and not self._inside.get(id(raw)):
            self.transactions += 1
        self._inside[id(raw)] = inside

    @property
    def round_trips(self) -> int:
        return self.statements + 2 * self.transactions


def measure(dialect: str, rounds: int) -> dict:
    from fastapi.testclient import TestClient

    import api.deps
    from api.app import create_app
    from api.settings import ApiSettings
    from engine.db import Database, set_database
    from engine.identity import service as identity
    from engine.identity.models import User
    from engine.identity.seed import ensure_demo_users
    from engine.processes import service as processes
    from tests.seeding import seed_cases
    from web.pages import common

    ensure_keyring()
    with bench_database(dialect) as b:
        database = Database(b.url)
        set_database(database)
        with database.session() as s:
            version = processes.deploy(session=s, directory=ROOT / "processes").id
            ensure_demo_users(session=s, password=PASSWORD)
        with database.session() as s:
            ids = {u.username: u.id for u in s.scalars(select(User))}
            token = identity.issue_token(session=s, user=s.get(User, ids["coordinator"]), name="bench")[0]
        seed_cases(database, 1000, roles=["integriteitscoordinator", "onderzoeker", "meldpunt"],
                   assignees=[ids["coordinator"], None, ids["onderzoeker1"], None], process_version_id=version)
        app = create_app(ApiSettings(cookie_secure=False))
        api_client = TestClient(app)
        web = TestClient(app, follow_redirects=False)
        assert web.post("/api/v1/auth/inloggen", json={"username": "coordinator", "password": PASSWORD}).status_code == 200
        headers = {"Authorization": f"Bearer {token}"}

        real_marker, real_read = api.deps.is_read_only_route, common.WebDatabase.read_session

        def variant(read_only: bool) -> None:
            api.deps.is_read_only_route = real_marker if read_only else (lambda endpoint: False)
            common.WebDatabase.read_session = real_read if read_only else common.WebDatabase.session

        def get(url: str):
            client = web if url.startswith("/werkvoorraad") else api_client
            r = client.get(url, headers=None if client is web else headers)
            assert r.status_code == 200, (url, r.status_code, r.text[:200])

        cpu = {(v, u): [] for v in (True, False) for u in ROUTES}
        trips = {}
        try:
            for v in (True, False):  # warm-up, and the exact counts (deterministic)
                variant(v)
                for url in ROUTES:
                    get(url)
                    with Trips(database.engine) as t:
                        get(url)
                    trips[(v, url)] = (t.statements, t.transactions, t.round_trips)
            for k in range(rounds):
                for v in ((True, False) if k % 2 == 0 else (False, True)):
                    variant(v)
                    for url in ROUTES:
                        c0 = time.process_time()
                        get(url)
                        cpu[(v, url)].append(time.process_time() - c0)
        finally:
            variant(True)
            set_database(None)
            database.dispose()
    out = {}
    for url in ROUTES:
        ro, tx = statistics.median(cpu[(True, url)]) * 1000, statistics.median(cpu[(False, url)]) * 1000
        out[url] = {"read_only": {"trips": trips[(True, url)], "cpu_ms": round(ro, 2)},
                    "transaction": {"trips": trips[(False, url)], "cpu_ms": round(tx, 2)},
                    "cpu_ratio": round(ro / tx, 3)}
    return out


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    dialects = ["sqlite"] + (["postgresql"] if pg_available(DEFAULT_PG_ADMIN_URL) else [])
    for dialect in dialects:
        print(dialect)
        for url, row in measure(dialect, rounds).items():
            print(f"  {url:40s} read-only {row['read_only']}  transaction {row['transaction']}  "
                  f"cpu ratio {row['cpu_ratio']}")


if __name__ == "__main__":
    main()
