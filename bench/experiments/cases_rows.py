"""Experiment (issue 25, §0l): which statement of m2's completion flow reads more ``cases`` rows as the number of
cases grows (§0j-pg: ``cases.idx_tup_fetch`` per completion 26 → 137 over a few hundred cases).

Needs a PostgreSQL cluster of one's own with ``pg_stat_statements`` and ``auto_explain`` loaded
(``session_preload_libraries = 'auto_explain'``, ``auto_explain.log_min_duration = -1``, ``log_analyze = on``,
``log_buffers = on``, ``log_timing = off``) and ``autovacuum = off`` like the shared server. One handler drives
feitenonderzoek cases through ``page_flow``'s inline ASGI harness; measured phases (one case each) alternate
with unmeasured growth (``--grow`` cases, and ``--seed`` closed cases of the flow's category made by SQL). In a measured
phase: the ``cases`` counters of ``pg_stat_user_tables`` per completion, ``pg_stat_statements`` per statement, and
(``--explain``) every plan logged by auto_explain, so the log shows which node reads the ``cases`` rows.
``--analyze`` runs ANALYZE before each measured phase (what autovacuum would do).

    MELDPUNT_BENCH_DB_PREFIX=x_ PYTHONPATH=$PWD .venv/bin/python -m bench.experiments.cases_rows \\
        --pg-url postgresql+psycopg://postgres@127.0.0.1:5497/postgres [--phases 3] [--grow 20] [--explain]
"""
from __future__ import annotations

import argparse

from sqlalchemy import create_engine, text

from bench.experiments import page_flow


def _counters(url: str) -> dict:
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            row = c.execute(text("SELECT seq_scan, seq_tup_read, idx_scan, idx_tup_fetch FROM pg_stat_user_tables"
                                 " WHERE relname = 'cases'")).one()
            n = c.execute(text("SELECT max(id) FROM cases")).scalar()  # not count(*): its seq scan would count
            return {"seq_scan": row[0], "seq_tup_read": row[1], "idx_scan": row[2], "idx_tup_fetch": row[3],
                    "cases": n}
    finally:
        eng.dispose()


def _set(admin, setting: str, value: str) -> None:
    with admin.connect() as c:
        c.execute(text(f"ALTER SYSTEM SET {setting} = {value}"))
        c.execute(text("SELECT pg_reload_conf()"))


def main() -> None:
    import httpx

    from bench import m2_http
    from bench.common import bench_database, ensure_keyring
    from engine.clock import install_spiff_clock
    from engine.db import Database, set_database

    ap = argparse.ArgumentParser()
    ap.add_argument("--pg-url", required=True)
    ap.add_argument("--phases", type=int, default=3)
    ap.add_argument("--grow", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0, help="set-based cases added between phases instead")
    ap.add_argument("--explain", action="store_true")
    ap.add_argument("--analyze", action="store_true")
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args()
    ensure_keyring()
    install_spiff_clock()
    page_flow._inline_threads()
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    with bench_database("postgresql", pg_admin_url=args.pg_url) as b:
        dbname = b.url.rsplit("/", 1)[1]
        database = Database(b.url)
        set_database(database)
        try:
            from api.app import create_app
            from api.settings import ApiSettings

            org = m2_http.setup_org(database, prefix="cr_", handlers=1)
            app = create_app(ApiSettings(cookie_secure=False))
            measure = page_flow.Measure(database.engine)
            transport = page_flow.InlineASGI(app, measure)
            h = page_flow.inline_handler(transport, org)
            rec = h.rec
            h.drive_case(False)
            for phase in range(args.phases):
                if phase:
                    if args.seed:  # closed integrity cases of the flow's own category: precedents to choose from
                        with database.engine.begin() as conn:
                            conn.execute(text(
                                "INSERT INTO cases (reference, status, unit, category, priority, version, summary,"
                                " imported, created_by, created_at, updated_at, closed_at)"
                                " SELECT 'SEED-' || md5(random()::text), 'closed', 'Douane', c.category, 0, 1, '{}',"
                                " false, 'seed', now(), now(), now() - (i || ' minutes')::interval"
                                " FROM generate_series(1, :n) i, (SELECT category FROM cases WHERE category IS NOT NULL"
                                " ORDER BY id LIMIT 1) c"), {"n": args.seed})
                    for _ in range(args.grow):
                        h.drive_case(False)
                if args.analyze:
                    eng = create_engine(b.url, isolation_level="AUTOCOMMIT")
                    with eng.connect() as conn:
                        conn.execute(text("ANALYZE"))
                    eng.dispose()
                database.engine.dispose()  # closed connections flush their statistics
                before = _counters(b.url)
                with admin.connect() as conn:
                    conn.execute(text("SELECT pg_stat_statements_reset()"))
                if args.explain:
                    _set(admin, "auto_explain.log_min_duration", "0")
                done = rec.completions
                h.drive_case(True)
                if args.explain:
                    _set(admin, "auto_explain.log_min_duration", "-1")
                database.engine.dispose()
                after = _counters(b.url)
                n = rec.completions - done
                print(f"phase {phase}: {after['cases']} cases, {n} completions; per completion: cases idx_tup_fetch "
                      f"{(after['idx_tup_fetch'] - before['idx_tup_fetch']) / n:.1f}, idx_scan "
                      f"{(after['idx_scan'] - before['idx_scan']) / n:.1f}, seq_scan "
                      f"{(after['seq_scan'] - before['seq_scan']) / n:.2f}, seq_tup_read "
                      f"{(after['seq_tup_read'] - before['seq_tup_read']) / n:.1f}", flush=True)
                with admin.connect() as conn:
                    rows = conn.execute(text(
                        "SELECT calls, rows, shared_blks_hit, plans, left(regexp_replace(query, '\\s+', ' ', 'g'), 150)"
                        " FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = :d"
                        " AND query ILIKE '%cases%' ORDER BY shared_blks_hit DESC LIMIT :n"),
                        {"d": dbname, "n": args.top}).all()
                for r in rows:
                    print(f"   calls {r[0]:4d} rows {r[1]:5d} blks_hit/call {r[2] / r[0]:7.1f} plans {r[3]:3d}  {r[4]}")
        finally:
            set_database(None)
            database.dispose()
            admin.dispose()


if __name__ == "__main__":
    main()
