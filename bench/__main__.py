"""``python -m bench`` — run the Meldpunt benchmark (issue 7).

    python -m bench --quick                 # < 2 minutes, SQLite and PostgreSQL (CI)
    python -m bench                         # full mode (10k/100k/1M cases, 1M timers), by hand
    python -m bench --quick --db sqlite     # one database only

Writes ``bench/results.json`` and regenerates ``bench/RESULTS.md`` (``--output-dir``
to write elsewhere). PostgreSQL: a fresh database ``meldpunt_bench_<random>`` is
created next to ``--pg-url`` (default the local server, user postgres) and dropped
at the end.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sys
import time
from datetime import datetime
from pathlib import Path

import os

# The service-layer measurements render each step's letters right after its commit in the same process
# (engine.letter_outbox, na_commit), as the benchmark's figures have always included them; m5 measures the part
# that stays in the step (check_letter) and the part the letter worker does (render_letter) apart.
os.environ.setdefault("MELDPUNT_BRIEVEN", "na_commit")
# The benchmark deploys its own process sets (e.g. the route without letters), which no rehearsal has passed: the
# deployment gate (engine.processes.rehearsal) is not what is measured, so it is off, as in the tests.
os.environ.setdefault("MELDPUNT_REPETITIE", "uit")

from engine import clock  # noqa: E402
from bench import m1_baseline, m2_http, m3_worklist, m4_timers, m5_letters, profiling, report
from bench.common import BENCH_DIR, DEFAULT_PG_ADMIN_URL, bench_database, machine_info, pg_available
from bench.context import SIZES, Context

# Registered measurements, run in this order; each is a module-level ``run(ctx) -> dict``.
# Measurement 6 (state growth) is computed from measurement 1's service runs, measurement 7
# (server RSS) inside measurement 2. Measurement 2 runs before 3 and 4 seed their bulk data, so its
# worklists hold its own cases only.
MEASUREMENTS = [
    ("m1_baseline", m1_baseline.run),
    ("m2_http", m2_http.run),
    ("m3_worklist", m3_worklist.run),
    ("m4_timers", m4_timers.run),
    ("m5_letters", m5_letters.run),
    ("profile_service_layer", profiling.run),
]

# Measurements not measured yet (name -> why); all seven are measured now.
NOT_YET: dict[str, str] = {}


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench", description="Meldpunt benchmark (issue 7)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small sizes, under 2 minutes (CI)")
    mode.add_argument("--tiny", action="store_true", help="seconds; only to keep the code working (tests)")
    p.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--pg-url", default=DEFAULT_PG_ADMIN_URL,
                   help="admin URL of the PostgreSQL server; the benchmark database is created next to it")
    p.add_argument("--output-dir", type=Path, default=BENCH_DIR, help="where results.json and RESULTS.md go")
    p.add_argument("--only", nargs="*", default=None, help="run only these measurements (e.g. m1_baseline)")
    p.add_argument("--render-only", action="store_true",
                   help="only regenerate RESULTS.md from results.json in --output-dir (after editing findings.md)")
    p.add_argument("--keep-db", action="store_true", help="do not drop the PostgreSQL database afterwards")
    p.add_argument("--handlers", type=int, default=None,
                   help="concurrent simulated case handlers of measurement 2 (default: 2 tiny, 8 otherwise)")
    p.add_argument("--profile-http", action="store_true",
                   help="measurement 2: one more run against a server under a sampling profiler "
                        "(bench/serve_profiled.py)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.render_only:
        results = json.loads((args.output_dir / "results.json").read_text())
        results["targets"] = report.evaluate_targets(results)
        (args.output_dir / "RESULTS.md").write_text(report.render_markdown(results))
        print(f"wrote {args.output_dir / 'RESULTS.md'}")
        return 0
    mode = "quick" if args.quick else "tiny" if args.tiny else "full"
    dialects = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    notes = []
    if "postgresql" in dialects and not pg_available(args.pg_url):
        if args.db == "postgresql":
            print(f"PostgreSQL not reachable at {args.pg_url}", file=sys.stderr)
            return 2
        dialects.remove("postgresql")
        notes.append("PostgreSQL was not reachable: measured on SQLite only.")
    started = clock.now()
    t0 = time.perf_counter()
    results: dict = {
        "meta": {"mode": mode, "databases": dialects, "started": started.isoformat(timespec="seconds"),
                 "machine": machine_info(args.pg_url if "postgresql" in dialects else None), "notes": notes},
        "measurements": {},
    }
    from engine.db import Database

    with contextlib.ExitStack() as stack:
        databases = {}
        for d in dialects:
            bdb = stack.enter_context(bench_database(d, pg_admin_url=args.pg_url, keep=args.keep_db))
            databases[d] = Database(bdb.url)
            stack.callback(databases[d].dispose)
        sizes = SIZES[mode]
        if args.handlers:
            sizes = dataclasses.replace(sizes, m2_handlers=args.handlers)
        ctx = Context(mode=mode, sizes=sizes, databases=databases, options={"profile_http": args.profile_http},
                      log=lambda msg: print(msg, flush=True))
        for key, fn in MEASUREMENTS:
            if args.only and key not in args.only:
                continue
            print(f"[{time.perf_counter() - t0:6.1f}s] {key} …", flush=True)
            m0 = time.perf_counter()
            results["measurements"][key] = fn(ctx)
            results["measurements"][key + "_seconds"] = time.perf_counter() - m0
        if "m6_state_growth" in ctx.shared:
            results["measurements"]["m6_state_growth"] = ctx.shared["m6_state_growth"]
    for key, why in NOT_YET.items():
        results["measurements"][key] = {"status": "not yet measured", "reason": why}
    results["meta"]["duration_seconds"] = time.perf_counter() - t0
    results["meta"]["finished"] = clock.now().isoformat(timespec="seconds")
    results["targets"] = report.evaluate_targets(results)
    out = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1, default=_json_default) + "\n")
    (out / "RESULTS.md").write_text(report.render_markdown(results))
    print(f"[{results['meta']['duration_seconds']:6.1f}s] wrote {out / 'results.json'} and {out / 'RESULTS.md'}")
    for t in results["targets"]:
        print(f"  {t['status']:<14} {t['target']}: {t['measured']}")
    return 0


def _json_default(o):
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    if isinstance(o, datetime):
        return o.isoformat()
    return str(o)


if __name__ == "__main__":
    sys.exit(main())
