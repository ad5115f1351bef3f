"""Experiment (issue 25, PostgreSQL CPU per completion flow): where PostgreSQL spends its CPU in measurement 2's
flow (``bench/m2_http.py``, one server process, 8 handlers), read from the server's own statistics over the
measured phase, per completion, next to the backends' CPU from ``/proc`` (:mod:`bench.pg_cpu`).

Needs a PostgreSQL server of one's own with ``pg_stat_statements`` loaded (``shared_preload_libraries``;
``pg_stat_statements.track=all`` and ``track_planning=on`` for the figures below), e.g. a private cluster under
/tmp on its own port; the counters are read for the benchmark's database only (WAL: ``pg_stat_wal`` is the
whole cluster's)::

    MELDPUNT_BENCH_DB_PREFIX=x_ .venv/bin/python -m bench.experiments.pg_statements \\
        --pg-url postgresql+psycopg://postgres@127.0.0.1:5499/postgres [--rounds 2] [--base DIR] [--top 40]

``--base DIR``: also run a former checkout's server (``git archive <commit> | tar -x -C DIR``), alternating
with this tree's round by round on the same database, for a before/after figure.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.common import DEFAULT_PG_ADMIN_URL, bench_database, ensure_keyring

DB_COUNTERS = ("sessions", "xact_commit", "xact_rollback", "blks_hit", "blks_read", "tup_returned", "tup_fetched",
               "tup_inserted", "tup_updated", "tup_deleted")
TABLE_COUNTERS = ("seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "n_tup_ins", "n_tup_upd",
                  "n_tup_hot_upd", "n_tup_del")


def _snapshot(admin, dbname: str) -> dict:
    with admin.connect() as c:
        db = c.execute(text(f"SELECT {', '.join(DB_COUNTERS)} FROM pg_stat_database WHERE datname = :d"),
                       {"d": dbname}).mappings().one()
        wal = c.execute(text("SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal")).mappings().one()
    return {"db": dict(db), "wal": {k: int(v) for k, v in wal.items()}}


def _tables(url: str) -> dict:
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            c.execute(text("SELECT pg_stat_clear_snapshot()"))
            rows = c.execute(text(f"SELECT relname, {', '.join(TABLE_COUNTERS)} FROM pg_stat_user_tables"))
            return {r[0]: dict(zip(TABLE_COUNTERS, (int(x or 0) for x in r[1:]))) for r in rows}
    finally:
        eng.dispose()


def _statements(admin, dbname: str) -> list[dict]:
    with admin.connect() as c:
        rows = c.execute(text(
            "SELECT queryid, calls, plans, total_exec_time, total_plan_time, rows, shared_blks_hit, wal_bytes, query"
            " FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = :d"),
            {"d": dbname}).mappings().all()
    return [dict(r) for r in rows]


def _perf_start(out: Path, database):
    """``perf record`` of the backends serving ``database`` now (children of its postmaster, by process title)."""
    import subprocess

    from bench import pg_cpu

    out.parent.mkdir(parents=True, exist_ok=True)
    sampler = pg_cpu.PgBackendCpu(pg_cpu.postmaster_pid(database), database.engine.url.database)
    sampler.sample()
    pids = [str(p) for p in sampler.cpu]
    return subprocess.Popen(["perf", "record", "-F", "1999", "-g", "-o", str(out), "-p", ",".join(pids)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg-url", default=DEFAULT_PG_ADMIN_URL)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--base", type=Path)
    ap.add_argument("--handlers", type=int, default=8)
    ap.add_argument("--cases", type=int, default=1, help="measured cases per handler")
    ap.add_argument("--warmup", type=int, default=4)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--perf", type=Path, help="perf record the database's backends in the measured phase to DIR")
    args = ap.parse_args()
    os.environ.setdefault("MELDPUNT_REPETITIE", "uit")
    os.environ.setdefault("MELDPUNT_TWEEDE_FACTOR", "uit")
    ensure_keyring()
    from bench import m2_http
    from engine.db import Database

    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    variants = ["base", "new"] if args.base else ["new"]
    results: dict[str, list[dict]] = {v: [] for v in variants}
    with bench_database("postgresql", pg_admin_url=args.pg_url) as bdb:
        database = Database(bdb.url)
        dbname = database.engine.url.database
        try:
            for rnd in range(args.rounds):
                order = variants if rnd % 2 == 0 else list(reversed(variants))
                for v in order:
                    marks: dict = {}

                    def hook(name, server, marks=marks):
                        if name == "measured":
                            with admin.connect() as c:
                                c.execute(text("SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database"
                                               " WHERE datname = :d), 0)"), {"d": dbname})
                            marks["snap"], marks["tables"] = _snapshot(admin, dbname), _tables(bdb.url)
                            if args.perf:
                                marks["perf"] = _perf_start(args.perf / f"{v}-{rnd}.data", database)
                        elif name == "after":
                            if marks.get("perf") is not None:
                                proc = marks.pop("perf")
                                proc.send_signal(2)
                                proc.wait(timeout=60)
                            marks["snap1"], marks["tables1"] = _snapshot(admin, dbname), _tables(bdb.url)
                            marks["statements"] = _statements(admin, dbname)

                    r = m2_http.run_config(database, dialect="postgresql", workers=1, handlers=args.handlers,
                                           cases_per_handler=args.cases, warmup_cases=args.warmup,
                                           prefix=f"s{rnd}{v}_", log=lambda m: None,
                                           server_root=args.base if v == "base" else None, on_phase=hook)
                    n = r["task_completions"]
                    s0, s1 = marks["snap"], marks["snap1"]
                    db = {k: (s1["db"][k] - s0["db"][k]) / n for k in DB_COUNTERS}
                    wal = {k: (s1["wal"][k] - s0["wal"][k]) / n for k in s0["wal"]}
                    tables = {}
                    for t, c1 in marks["tables1"].items():
                        c0 = marks["tables"].get(t, dict.fromkeys(TABLE_COUNTERS, 0))
                        d = {k: (c1[k] - c0[k]) / n for k in TABLE_COUNTERS}
                        if any(d.values()):
                            tables[t] = d
                    sts = marks["statements"]
                    row = {
                        "round": rnd, "completions": n, "errors": r["errors"],
                        "requests_per_completion": r["requests_per_completion"],
                        "server_cpu_ms": r["cpu"]["server_cpu_ms_per_completion"],
                        "pg_cpu_ms": r["cpu"].get("postgresql_cpu_ms_per_completion"),
                        "busy": r["cpu"]["machine_busy_fraction"],
                        "statements": sum(s["calls"] for s in sts) / n,
                        "plans": sum(s["plans"] for s in sts) / n,
                        "exec_ms": sum(s["total_exec_time"] for s in sts) / n,
                        "plan_ms": sum(s["total_plan_time"] for s in sts) / n,
                        "db": db, "wal": wal, "tables": tables,
                        "top": sorted(({"calls": s["calls"] / n, "plans": s["plans"] / n,
                                        "exec_ms": s["total_exec_time"] / n, "plan_ms": s["total_plan_time"] / n,
                                        "rows": s["rows"] / n, "hit": s["shared_blks_hit"] / n,
                                        "wal": int(s["wal_bytes"]) / n, "query": " ".join(s["query"].split())[:160]}
                                       for s in sts), key=lambda s: -(s["exec_ms"] + s["plan_ms"]))[:args.top],
                    }
                    results[v].append(row)
                    print(f"round {rnd} {v:5s} {n} completions, errors {row['errors']}, PG CPU {row['pg_cpu_ms']:.2f}"
                          f" ms, server CPU {row['server_cpu_ms']:.1f} ms, statements {row['statements']:.1f}"
                          f" (plans {row['plans']:.1f}), exec {row['exec_ms']:.2f} ms, plan {row['plan_ms']:.2f} ms,"
                          f" commits {db['xact_commit']:.2f}, sessions {db['sessions'] * n:.0f}, blks hit {db['blks_hit']:.0f},"
                          f" WAL {wal['wal_bytes'] / 1024:.1f} KB ({wal['wal_fpi']:.1f} FPI), busy {row['busy'] * 100:.0f} %",
                          flush=True)
        finally:
            database.dispose()
            admin.dispose()
    for v, rows in results.items():
        pg = [r["pg_cpu_ms"] for r in rows]
        print(f"{v}: PG CPU ms/completion median {statistics.median(pg):.2f} (runs {', '.join(f'{x:.2f}' for x in pg)})")
    last = results[variants[-1]][-1]
    print("tables (per completion):")
    for t, d in sorted(last["tables"].items(), key=lambda kv: -kv[1]["idx_scan"]):
        print(f"  {t:28s} " + " ".join(f"{k}={x:.1f}" for k, x in d.items() if x))
    print("top statements (per completion): calls plans exec_ms plan_ms rows hit wal")
    for s in last["top"]:
        print(f"  {s['calls']:5.2f} {s['plans']:5.2f} {s['exec_ms']:.3f} {s['plan_ms']:.3f} {s['rows']:5.1f}"
              f" {s['hit']:6.1f} {s['wal']:7.0f}  {s['query']}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
