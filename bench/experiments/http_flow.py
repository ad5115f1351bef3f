"""Experiment (issue 25, "the hot path", HTTP side): server CPU and requests per completion flow of measurement 2
(``bench/m2_http.py``: 8 handlers drive feitenonderzoek cases over HTTP, one server process, PostgreSQL), for
variants run interleaved round by round on one database:

* ``base-legacy``: a former checkout's server (``--base DIR``, e.g. ``git archive <commit> | tar -x -C DIR``)
  with the legacy client (worklist + claim + open + complete for every task);
* ``base``: that server with the client that uses the completion's answer and ``claimen-en-openen``;
* ``new``: this tree's server with that client.

    MELDPUNT_BENCH_DB_PREFIX=h_http_ .venv/bin/python -m bench.experiments.http_flow --base DIR [--rounds 3]
        [--variants base-legacy,base,new] [--cases 1] [--spy /tmp/spy/bin/py-spy --spy-out DIR]

CPU per completion = CPU time of the server process during the measured phase / completions (the database
server's CPU not included): the figure that counts on a shared machine. ``--spy``: py-spy samples the server
(``--nonblocking``, idle threads left out) during each measured phase; the collapsed stacks go to
``--spy-out/<variant>-<round>.txt`` (summarise them with ``--summarise``).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.common import DEFAULT_PG_ADMIN_URL, bench_database, ensure_keyring


def _spy_hook(spy: str, out: Path, holder: dict):
    def on_phase(name, server):
        if name == "measured":
            holder["proc"] = subprocess.Popen(
                [spy, "record", "--pid", str(server.proc.pid), "--rate", "250", "--nonblocking", "--gil", "--format", "raw",
                 "--output", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elif name == "after" and holder.get("proc") is not None:
            proc = holder.pop("proc")
            proc.send_signal(2)  # SIGINT: py-spy writes what it has
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    return on_phase


# frames whose name marks the layer (the first match from the leaf upwards)
LAYERS = [
    ("psycopg / waiting on PostgreSQL", ("psycopg",)),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("SpiffWorkflow", ("SpiffWorkflow/",)),
    ("letters", ("documents/", "docx", "docxtpl/", "jinja2/", "lxml/")),
    ("jsonschema", ("jsonschema/", "referencing/", "rpds")),
    ("engine/", ("/engine/",)),
    ("api/ and web/", ("/api/", "/web/")),
    ("pydantic", ("pydantic",)),
    ("FastAPI", ("fastapi/",)),
    ("Starlette", ("starlette/",)),
    ("uvicorn / h11 / httptools", ("uvicorn/", "h11/", "httptools")),
    ("anyio / asyncio / threads", ("anyio/", "asyncio/", "threading.py", "concurrent/")),
]


def summarise(path: Path, top: int = 30) -> dict:
    """Shares of py-spy's collapsed stacks: by layer of the leaf-most known frame, by leaf and cumulative."""
    leaf, cum, layer = collections.Counter(), collections.Counter(), collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        n = int(n)
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += n
        leaf[frames[-1]] += n
        for f in set(frames):
            cum[f] += n
        for f in reversed(frames):
            hit = next((label for label, parts in LAYERS if any(p in f for p in parts)), None)
            if hit:
                layer[hit] += n
                break
        else:
            layer["other"] += n
    share = lambda c: [(k, round(v / total, 4)) for k, v in c.most_common(top)]  # noqa: E731
    return {"samples": total, "layers": share(layer), "leaf": share(leaf), "cumulative": share(cum)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", type=Path, help="a former checkout to run the base server from")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--variants", default="base-legacy,base,new")
    ap.add_argument("--handlers", type=int, default=8)
    ap.add_argument("--cases", type=int, default=1, help="measured cases per handler")
    ap.add_argument("--warmup", type=int, default=4)
    ap.add_argument("--pg-url", default=DEFAULT_PG_ADMIN_URL)
    ap.add_argument("--spy")
    ap.add_argument("--spy-out", type=Path)
    ap.add_argument("--out", type=Path, help="write the figures as JSON here")
    ap.add_argument("--profile-out", type=Path,
                    help="run each server under bench.serve_profiled; its profile goes to DIR/<variant>-<round>.json")
    ap.add_argument("--summarise", nargs="*", type=Path, help="only summarise these py-spy raw files")
    args = ap.parse_args()
    if args.summarise:
        for p in args.summarise:
            print(p, json.dumps(summarise(p), indent=1))
        return 0
    os.environ.setdefault("MELDPUNT_REPETITIE", "uit")
    os.environ.setdefault("MELDPUNT_TWEEDE_FACTOR", "uit")
    ensure_keyring()
    from bench import m2_http
    from engine.db import Database

    variants = args.variants.split(",")
    results: dict[str, list[dict]] = {v: [] for v in variants}
    if args.spy_out:
        args.spy_out.mkdir(parents=True, exist_ok=True)
    if args.profile_out:
        args.profile_out.mkdir(parents=True, exist_ok=True)
    with bench_database("postgresql", pg_admin_url=args.pg_url) as bdb:
        database = Database(bdb.url)
        try:
            for rnd in range(args.rounds):
                for v in variants:
                    root = args.base if v.startswith("base") else None
                    hook = None
                    if args.spy:
                        hook = _spy_hook(args.spy, args.spy_out / f"{v}-{rnd}.txt", {})
                    r = m2_http.run_config(database, dialect="postgresql", workers=1, handlers=args.handlers,
                                           cases_per_handler=args.cases, warmup_cases=args.warmup,
                                           prefix=f"x{rnd}{v.replace('-', '')}_", log=lambda m: None,
                                           legacy_client=v.endswith("legacy"), server_root=root, on_phase=hook,
                                           profile_out=(args.profile_out / f"{v}-{rnd}.json") if args.profile_out
                                           else None)
                    row = {"round": rnd, "completions": r["task_completions"], "errors": r["errors"],
                           "requests_per_completion": r["requests_per_completion"],
                           "by_kind": r["requests_per_completion_by_kind"],
                           "server_cpu_ms_per_completion": r["cpu"]["server_cpu_ms_per_completion"],
                           "completions_per_second": r["task_completions_per_second"],
                           "complete_p50_ms": r["complete_latency"]["median_ms"],
                           "machine_busy": r["cpu"]["machine_busy_fraction"],
                           "other_p50_ms": {k: x["median_ms"] for k, x in r["other_latency"].items()}}
                    results[v].append(row)
                    print(f"round {rnd} {v:12s} {row['completions']} completions, errors {row['errors']}, "
                          f"{row['requests_per_completion']:.2f} req/completion "
                          f"({', '.join(f'{k} {n:.2f}' for k, n in row['by_kind'].items())}), "
                          f"server CPU {row['server_cpu_ms_per_completion']:.1f} ms/completion, "
                          f"{row['completions_per_second']:.1f}/s, busy {row['machine_busy'] * 100:.0f} %", flush=True)
        finally:
            database.dispose()
    import statistics

    for v, rows in results.items():
        cpu = [r["server_cpu_ms_per_completion"] for r in rows]
        rpc = [r["requests_per_completion"] for r in rows]
        print(f"{v:12s} server CPU ms/completion median {statistics.median(cpu):.1f} (runs {', '.join(f'{c:.1f}' for c in cpu)}); "
              f"requests/completion {statistics.median(rpc):.2f}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
