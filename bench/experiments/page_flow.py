"""Experiment (issue 25, "the requests around the step"): server CPU, statements and Python function calls per
request of measurement 2's completion flow (``bench/m2_http.py``'s handler: worklists, claim-and-open, task detail,
completion), deterministically and in process.

Every request goes straight into ``create_app()`` as an ASGI call on the calling thread (no network, no test
client's portal thread), with the thread-pool hops run inline, so one thread does all of the server's work:
``time.thread_time`` around the app call is the server's CPU for that request, and cProfile on that thread sees
every Python call (the event loop's part included). One handler drives whole feitenonderzoek cases.

    PYTHONPATH=$PWD .venv/bin/python -m bench.experiments.page_flow [--db sqlite|postgresql] [--cases 6]
        [--warmup 2] [--profile-cases 1] [--json OUT]

On PostgreSQL the database's backends' CPU over the measured phase is reported too (``pg_cpu_ms_per_completion``,
:mod:`bench.pg_cpu`); ``--pg-stats`` adds the server's counters (``pg_stat_statements`` when the server loads it,
``pg_stat_wal``, ``pg_stat_database``, ``pg_stat_user_tables`` and ``pg_stat_user_indexes``) and ``--pg-url`` runs on
another server (e.g. a private cluster with ``pg_stat_statements``). Connections of the app's pool are never used for
these readings: a pooled connection is rolled back on its return, and psycopg then drops every statement it prepared
on that connection (they are parsed and planned afresh, ~7 plans each).

Compare two trees by running this file from each (``PYTHONPATH=<tree> python <tree>/bench/experiments/
page_flow.py``), alternately (``--compare BASE_DIR``: rounds of base / this tree in turn, one subprocess each).
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

os.environ.setdefault("MELDPUNT_REPETITIE", "uit")
os.environ.setdefault("MELDPUNT_TWEEDE_FACTOR", "uit")


class InlineASGI:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    """An httpx transport that runs one ASGI request on the calling thread (thread-pool hops inline)."""

    def __init__(self, app, recorder):
        self.app, self.rec = app, recorder
        self.loop = asyncio.new_event_loop()

    def handle_request(self, request):
        import httpx

        url = urlsplit(str(request.url))
        body = request.read()
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": request.method,
                 "scheme": "http", "path": url.path, "raw_path": url.path.encode(), "root_path": "",
                 "query_string": url.query.encode(), "server": ("testserver", 80), "client": ("127.0.0.1", 50000),
                 "headers": [(k.lower(), v) for k, v in request.headers.raw], "state": {}}
        sent = {"body": b""}
        done = {"v": False}

        async def receive():
            if done["v"]:
                await asyncio.sleep(3600)
            done["v"] = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                sent["status"], sent["headers"] = message["status"], message.get("headers", [])
            elif message["type"] == "http.response.body":
                sent["body"] += message.get("body", b"")

        self.rec.begin()
        self.loop.run_until_complete(self.app(scope, receive, send))
        self.rec.end(request.method, url.path)
        return httpx.Response(sent["status"], headers=sent["headers"], content=sent["body"], request=request)

    def close(self):
        self.loop.close()


def kind_of(method: str, path: str) -> str:
    p = path.removeprefix("/api/v1")
    if p.startswith("/taken/mijn"):
        return "GET /taken/mijn"
    if p.startswith("/taken/onverdeeld"):
        return "GET /taken/onverdeeld"
    if p.endswith("/claimen-en-openen"):
        return "POST claimen-en-openen"
    if p.endswith("/afronden"):
        return "POST afronden"
    if p.startswith("/taken/") and method == "GET":
        return "GET /taken/{id}"
    return f"{method} {p.split('/')[1] if '/' in p else p}"


class Measure:
    def __init__(self, engine):
        self.engine = engine
        self.cpu = collections.defaultdict(list)
        self.outside = collections.defaultdict(list)  # CPU outside the thread-pool hop (the event loop's part)
        self.stmts = collections.defaultdict(list)
        self.calls = collections.defaultdict(list)
        self.profile = False
        self.on = False
        self._n = 0
        self.profiles: dict[str, pstats.Stats] = {}
        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, *args):
        self._n += 1
        if os.environ.get("PAGE_FLOW_SQL") and self.on and self.profile:
            print("   SQL", " ".join(statement.split())[:230], file=sys.stderr)

    def begin(self):
        self._n = 0
        if self.profile:
            self._prof = cProfile.Profile()
            self._prof.enable()
        HOP_CPU[0] = 0.0
        self._t0 = time.thread_time()

    def end(self, method, path):
        t = time.thread_time() - self._t0
        if self.profile:
            self._prof.disable()
        if not self.on:
            return
        kind = kind_of(method, path)
        if os.environ.get("PAGE_FLOW_SQL") and self.profile:
            print(f"-- {kind} {path}: {self._n} statements", file=sys.stderr)
        if self.profile:
            st = pstats.Stats(self._prof)
            self.calls[kind].append(st.total_calls)
            if kind in self.profiles:
                self.profiles[kind].add(self._prof)
            else:
                self.profiles[kind] = st
        else:
            self.cpu[kind].append(t)
            self.outside[kind].append(t - HOP_CPU[0])
            self.stmts[kind].append(self._n)


def inline_handler(transport, org):
    """m2's handler for the organisation's users (each logged in once), its requests sent through ``transport``
    (the app in this process) instead of a socket."""
    import httpx

    from bench import m2_http

    c = httpx.Client(transport=transport, base_url="http://testserver/api/v1")
    sessions = {}
    for uid, u in org.by_id.items():
        r = c.post("/auth/inloggen", json={"username": u["username"], "password": org.password})
        assert r.status_code == 200, r.text
        sessions[uid] = {"username": u["username"], "cookie": r.cookies.get("meldpunt_session"),
                         "csrf": r.json()["csrf_token"]}
        c.cookies.clear()
    h = m2_http.Handler(0, "http://testserver", org, sessions, m2_http.route_answers(), m2_http.Recorder())
    h.client.close()
    h.client = httpx.Client(transport=transport, base_url="http://testserver/api/v1")
    return h


HOP_CPU = [0.0]  # CPU of the work run in thread-pool hops (inline here) since the request began


def _inline_threads():
    import anyio.to_thread

    async def run_sync(func, *args, abandon_on_cancel=False, cancellable=None, limiter=None):
        t0 = time.thread_time()
        try:
            return func(*args)
        finally:
            HOP_CPU[0] += time.thread_time() - t0

    anyio.to_thread.run_sync = run_sync


PG_TABLE_COUNTERS = ("seq_scan", "idx_scan", "idx_tup_fetch", "n_tup_ins", "n_tup_upd", "n_tup_hot_upd", "n_tup_del")


class PgStats:
    """PostgreSQL's side of the measured phase: the database's backends' CPU (:mod:`bench.pg_cpu`, from /proc) and,
    with ``full``, the server's counters for the database (``pg_stat_statements`` when loaded, ``pg_stat_wal``,
    ``pg_stat_database``, ``pg_stat_user_tables`` and ``pg_stat_user_indexes``)."""

    def __init__(self, database, admin_url: str, full: bool):
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        from bench import pg_cpu

        self.database, self.full = database, full
        self.dbname = database.engine.url.database
        self.sampler = pg_cpu.for_database(database)
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT") if full else None
        self.stats_engine = create_engine(database.engine.url, isolation_level="AUTOCOMMIT",
                                          poolclass=NullPool) if full else None
        self.pss = False

    def _q(self, conn, sql, **kw):
        from sqlalchemy import text

        return conn.execute(text(sql), kw).mappings().all()

    def _snap(self) -> dict:
        out = {}
        with self.admin.connect() as c:
            out["db"] = dict(self._q(c, "SELECT sessions, xact_commit, xact_rollback, blks_hit, blks_read, tup_returned,"
                                        " tup_fetched FROM pg_stat_database WHERE datname = :d", d=self.dbname)[0])
            out["wal"] = {k: int(v) for k, v in self._q(c, "SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal")[0].items()}
        # a connection of its own, in autocommit: one of the pool's would be rolled back on its return, and psycopg
        # drops every statement it prepared on that connection at a rollback
        with self.stats_engine.connect() as c:
            out["tables"] = {r["relname"]: {k: int(r[k] or 0) for k in PG_TABLE_COUNTERS} for r in self._q(
                c, f"SELECT relname, {', '.join(PG_TABLE_COUNTERS)} FROM pg_stat_user_tables")}
            out["indexes"] = {(r["relname"], r["indexrelname"]): (int(r["idx_scan"]), int(r["idx_tup_read"]))
                              for r in self._q(c, "SELECT relname, indexrelname, idx_scan, idx_tup_read"
                                                  " FROM pg_stat_user_indexes")}
        return out

    def mark(self):
        if self.full:
            with self.admin.connect() as c:
                try:
                    self._q(c, "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = :d), 0)",
                            d=self.dbname)
                    self.pss = True
                except Exception:  # noqa: BLE001 - pg_stat_statements not loaded: the other counters only
                    self.pss = False
            self.snap0 = self._snap()
        self.cpu0 = self.sampler.mark() if self.sampler else None

    def since(self, n: int) -> dict:
        out = {}
        reading = self.sampler.since(self.cpu0) if self.sampler else None
        if self.sampler:
            out["pg_cpu_ms_per_completion"] = round(reading["seconds"] * 1000 / max(n, 1), 3)
            out["pg_backends"] = {"at_start": len(self.cpu0["cpu"]), "now": reading["backends"],
                                  "exited_during": reading["exited_during"]}
            self.sampler.stop()
        if not self.full:
            return out
        s0, s1 = self.snap0, self._snap()
        out["db"] = {k: round((s1["db"][k] - s0["db"][k]) / n, 2) for k in s1["db"]}
        out["wal"] = {k: round((s1["wal"][k] - s0["wal"][k]) / n, 1) for k in s1["wal"]}
        out["tables"] = {}
        for t, c1 in s1["tables"].items():
            c0 = s0["tables"].get(t, dict.fromkeys(PG_TABLE_COUNTERS, 0))
            d = {k: round((c1[k] - c0[k]) / n, 2) for k in PG_TABLE_COUNTERS if c1[k] != c0[k]}
            if d:
                out["tables"][t] = d
        out["indexes"] = {f"{t}.{i}": [round((v[0] - s0["indexes"].get((t, i), (0, 0))[0]) / n, 2),
                                       round((v[1] - s0["indexes"].get((t, i), (0, 0))[1]) / n, 2)]
                          for (t, i), v in s1["indexes"].items()}
        if self.pss:
            with self.admin.connect() as c:
                rows = self._q(c, "SELECT calls, plans, total_exec_time, total_plan_time, rows, shared_blks_hit,"
                                  " wal_bytes, query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
                                  " WHERE d.datname = :d", d=self.dbname)
            out["statements"] = round(sum(r["calls"] for r in rows) / n, 2)
            out["plans"] = round(sum(r["plans"] for r in rows) / n, 2)
            out["exec_ms"] = round(sum(r["total_exec_time"] for r in rows) / n, 3)
            out["plan_ms"] = round(sum(r["total_plan_time"] for r in rows) / n, 3)
            out["top"] = sorted(({"calls": round(r["calls"] / n, 2), "plans": round(r["plans"] / n, 2),
                                  "exec_ms": round(r["total_exec_time"] / n, 4),
                                  "plan_ms": round(r["total_plan_time"] / n, 4), "rows": round(r["rows"] / n, 2),
                                  "hit": round(r["shared_blks_hit"] / n, 1), "wal": round(int(r["wal_bytes"]) / n),
                                  "query": " ".join(r["query"].split())[:300]} for r in rows),
                                key=lambda s: -(s["exec_ms"] + s["plan_ms"]))
        self.admin.dispose()
        self.stats_engine.dispose()
        return out


def run(db: str, cases: int, warmup: int, profile_cases: int, top: int, pg_url: str | None = None,
        pg_stats: bool = False) -> dict:
    import httpx

    from bench import m2_http
    from bench.common import DEFAULT_PG_ADMIN_URL, bench_database, ensure_keyring
    from engine.clock import install_spiff_clock
    from engine.db import Database, set_database

    ensure_keyring()
    install_spiff_clock()
    _inline_threads()
    with bench_database(db, **({"pg_admin_url": pg_url} if pg_url else {})) as b:
        database = Database(b.url)
        set_database(database)
        try:
            from api.app import create_app
            from api.settings import ApiSettings

            org = m2_http.setup_org(database, prefix="pf_", handlers=1)
            app = create_app(ApiSettings(cookie_secure=False))
            measure = Measure(database.engine)
            transport = InlineASGI(app, measure)
            h = inline_handler(transport, org)
            rec = h.rec
            # before the warm-up: finding the postmaster uses (and rolls back) one of the pool's connections
            pg = PgStats(database, pg_url or DEFAULT_PG_ADMIN_URL, pg_stats) if db == "postgresql" else None
            for _ in range(warmup):
                h.drive_case(False)
            if pg:
                pg.mark()
            measure.on = True
            c0 = rec.completions
            for _ in range(cases):
                h.drive_case(True)
            pg_out = pg.since(rec.completions - c0) if pg else {}
            measure.profile = True
            for _ in range(profile_cases):
                h.drive_case(False)
            assert not rec.errors, rec.errors[:3]
        finally:
            set_database(None)
            database.dispose()
    out = {"db": db, "completions": rec.completions, "kinds": {}, **pg_out}
    for kind in sorted(measure.cpu):
        out["kinds"][kind] = {"n": len(measure.cpu[kind]),
                              "cpu_ms_median": round(1000 * statistics.median(measure.cpu[kind]), 3),
                              "cpu_ms_mean": round(1000 * statistics.mean(measure.cpu[kind]), 3),
                              "outside_hop_ms_median": round(1000 * statistics.median(measure.outside[kind]), 3),
                              "statements_mean": round(statistics.mean(measure.stmts[kind]), 3),
                              "calls_mean": round(statistics.mean(measure.calls[kind]), 1) if measure.calls[kind] else None}
    total = sum(sum(v) for v in measure.cpu.values())
    out["server_cpu_ms_per_completion"] = round(1000 * total / max(rec.completions, 1), 3)
    out["server_cpu_ms_per_completion_without_step"] = round(
        1000 * (total - sum(measure.cpu.get("POST afronden", []))) / max(rec.completions, 1), 3)
    out["server_cpu_ms_per_completion_outside_hop"] = round(
        1000 * sum(sum(v) for v in measure.outside.values()) / max(rec.completions, 1), 3)
    out["requests_per_completion"] = round(sum(len(v) for v in measure.cpu.values()) / max(rec.completions, 1), 3)
    if os.environ.get("PAGE_FLOW_DUMP"):
        for kind, st in measure.profiles.items():
            st.dump_stats(os.path.join(os.environ["PAGE_FLOW_DUMP"], kind.replace("/", "_").replace(" ", "_") + ".prof"))
    if top:
        import io

        for kind, st in measure.profiles.items():
            buf = io.StringIO()
            st.stream = buf
            st.sort_stats("tottime").print_stats(top)
            out.setdefault("profiles", {})[kind] = buf.getvalue()
    return out


def compare(base: Path, args) -> None:
    here = Path(__file__).resolve().parents[2]
    rows = collections.defaultdict(list)
    for rnd in range(args.rounds):
        for label, tree in ([("base", base), ("new", here)] if rnd % 2 == 0 else [("new", here), ("base", base)]):
            cmd = [sys.executable, str(Path(__file__).resolve()), "--db", args.db, "--cases", str(args.cases),
                   "--warmup", str(args.warmup), "--profile-cases", str(args.profile_cases), "--raw"]
            cmd += (["--pg-url", args.pg_url] if args.pg_url else []) + (["--pg-stats"] if args.pg_stats else [])
            env = {**os.environ, "PYTHONPATH": str(tree)}
            res = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True)
            if res.returncode:
                print(res.stderr[-3000:])
                raise SystemExit(1)
            rows[label].append(json.loads(res.stdout.strip().splitlines()[-1]))
            r = rows[label][-1]
            pgc = r.get("pg_cpu_ms_per_completion")
            print(f"round {rnd} {label}: {r['server_cpu_ms_per_completion']:.2f} ms/completion, without step "
                  f"{r['server_cpu_ms_per_completion_without_step']:.2f}, outside the thread hop "
                  f"{r.get('server_cpu_ms_per_completion_outside_hop', float('nan')):.2f}"
                  + (f", PostgreSQL {pgc:.2f} ms/completion" if pgc is not None else "")
                  + (f", WAL {r['wal']['wal_bytes']:.0f} B, plans {r.get('plans')}, exec {r.get('exec_ms')} ms,"
                     f" plan {r.get('plan_ms')} ms" if "wal" in r else ""), flush=True)
    for label in ("base", "new"):
        rs = rows[label]
        print(f"\n{label}: server CPU ms/completion median {statistics.median(r['server_cpu_ms_per_completion'] for r in rs):.2f}, "
              f"without the step {statistics.median(r['server_cpu_ms_per_completion_without_step'] for r in rs):.2f}, "
              f"outside the thread hop {statistics.median(r.get('server_cpu_ms_per_completion_outside_hop', float('nan')) for r in rs):.2f}; "
              f"requests/completion {rs[0]['requests_per_completion']}"
              + (f"; PostgreSQL CPU ms/completion median {statistics.median(r['pg_cpu_ms_per_completion'] for r in rs):.2f}"
                 f" ({', '.join(str(r['pg_cpu_ms_per_completion']) for r in rs)})"
                 if rs[0].get("pg_cpu_ms_per_completion") is not None else ""))
        for kind in rs[0]["kinds"]:
            k = [r["kinds"][kind] for r in rs if kind in r["kinds"]]
            print(f"  {kind:26s} n {k[0]['n']:3d}  cpu median {statistics.median(x['cpu_ms_median'] for x in k):7.2f} ms  "
                  f"outside hop {statistics.median(x.get('outside_hop_ms_median', float('nan')) for x in k):6.3f} ms  "
                  f"statements {k[0]['statements_mean']:6.2f}  calls {k[0]['calls_mean']}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite")
    ap.add_argument("--cases", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--profile-cases", type=int, default=1)
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--raw", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--compare", type=Path)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--pg-url", help="admin URL of the PostgreSQL server to run on (default: bench.common's)")
    ap.add_argument("--pg-stats", action="store_true",
                    help="also the server's counters over the measured phase (pg_stat_statements when loaded)")
    args = ap.parse_args()
    if args.compare:
        compare(args.compare, args)
        return
    out = run(args.db, args.cases, args.warmup, args.profile_cases, args.top, args.pg_url, args.pg_stats)
    if args.raw:
        print(json.dumps(out))
        return
    for kind, row in out["kinds"].items():
        print(f"{kind:26s} {row}")
    print({k: v for k, v in out.items() if k not in ("kinds", "profiles")})
    for kind, text in (out.get("profiles") or {}).items():
        print("=" * 30, kind)
        print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
