"""Experiment (issue 25, the letter worker's CPU per letter): measurement 2's flow in process (as
``bench.experiments.page_flow``: every request an ASGI call on this thread, no server lifespan, so the letters stay
in the outbox), then the outbox rendered by the worker's own loop (``engine.letter_outbox.worker.render_due``), one
job at a time: ``time.thread_time`` around each ``render_one`` (and around the empty sweep that ends a burst), the
render itself (``documents.service.render_letter``) timed inside it, statements counted.

    PYTHONPATH=$PWD .venv/bin/python -m bench.experiments.letter_worker [--db postgresql] [--cases 4] [--top 40]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="postgresql")
    ap.add_argument("--cases", type=int, default=4)
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--raw", action="store_true")
    args = ap.parse_args()

    from sqlalchemy import event

    from bench import m2_http
    from bench.common import bench_database, ensure_keyring
    from bench.experiments.page_flow import InlineASGI, Measure, _inline_threads, inline_handler
    from engine.clock import install_spiff_clock
    from engine.db import Database, set_database

    ensure_keyring()
    install_spiff_clock()
    _inline_threads()
    import documents.service as letters
    from engine.letter_outbox import worker

    render_cpu = []
    original = letters.render_letter

    def timed_render(**kw):
        t0 = time.thread_time()
        try:
            return original(**kw)
        finally:
            render_cpu.append(time.thread_time() - t0)

    letters.render_letter = timed_render
    with bench_database(args.db) as b:
        database = Database(b.url)
        set_database(database)
        try:
            from api.app import create_app
            from api.settings import ApiSettings

            org = m2_http.setup_org(database, prefix="lw_", handlers=1)
            app = create_app(ApiSettings(cookie_secure=False))
            transport = InlineASGI(app, Measure(database.engine))
            h = inline_handler(transport, org)
            worker.render_due(bind=database.engine)  # warm-up: the letters of the logins' setup, if any
            h.drive_case(False)
            worker.render_due(bind=database.engine)  # warm: templates, versions
            for _ in range(args.cases):
                h.drive_case(False)
            statements = [0]
            import os

            def count(conn, cursor, statement, *a):
                statements[0] += 1
                if os.environ.get("LW_SQL") and len(per_job) == 1:
                    print("   SQL", " ".join(statement.split())[:300])

            event.listen(database.engine, "before_cursor_execute", count)
            per_job, per_stmts = [], []
            prof = cProfile.Profile() if args.top else None
            render_cpu.clear()
            while True:
                statements[0] = 0
                t0 = time.thread_time()
                if prof:
                    prof.enable()
                outcome = worker.render_one(bind=database.engine)
                if prof:
                    prof.disable()
                t = time.thread_time() - t0
                if outcome is None:
                    empty, empty_stmts = t, statements[0]
                    break
                assert outcome, "a letter failed"
                per_job.append(t)
                per_stmts.append(statements[0])
        finally:
            set_database(None)
            database.dispose()
    out = {"db": args.db, "letters": len(per_job),
           "letter_cpu_ms_median": round(1000 * statistics.median(per_job), 3),
           "letter_cpu_ms_mean": round(1000 * statistics.mean(per_job), 3),
           "render_cpu_ms_median": round(1000 * statistics.median(render_cpu), 3),
           "render_cpu_ms_mean": round(1000 * statistics.mean(render_cpu), 3),
           "beyond_render_ms_mean": round(1000 * (statistics.mean(per_job) - statistics.mean(render_cpu)), 3),
           "statements_per_letter": statistics.mean(per_stmts),
           "empty_sweep_ms": round(1000 * empty, 3), "empty_sweep_statements": empty_stmts}
    if args.raw:
        print(json.dumps(out))
        return
    print(out)
    if prof:
        buf = io.StringIO()
        st = pstats.Stats(prof, stream=buf)
        st.sort_stats("cumulative").print_stats(args.top)
        st.sort_stats("tottime").print_stats(args.top)
        print(buf.getvalue())


if __name__ == "__main__":
    main()
