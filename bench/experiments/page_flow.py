"""Experiment (issue 25, "the requests around the step"): server CPU, statements and Python function calls per
request of measurement 2's completion flow (``bench/m2_http.py``'s handler: worklists, claim-and-open, task detail,
completion), deterministically and in process.

Every request goes straight into ``create_app()`` as an ASGI call on the calling thread (no network, no test
client's portal thread), with the thread-pool hops run inline, so one thread does all of the server's work:
``time.thread_time`` around the app call is the server's CPU for that request, and cProfile on that thread sees
every Python call (the event loop's part included). One handler drives whole feitenonderzoek cases.

    PYTHONPATH=$PWD .venv/bin/python -m bench.experiments.page_flow [--db sqlite|postgresql] [--cases 6]
        [--warmup 2] [--profile-cases 1] [--json OUT]

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


def run(db: str, cases: int, warmup: int, profile_cases: int, top: int) -> dict:
    import httpx

    from bench import m2_http
    from bench.common import bench_database, ensure_keyring
    from engine.clock import install_spiff_clock
    from engine.db import Database, set_database

    ensure_keyring()
    install_spiff_clock()
    _inline_threads()
    with bench_database(db) as b:
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
            for _ in range(warmup):
                h.drive_case(False)
            measure.on = True
            for _ in range(cases):
                h.drive_case(True)
            measure.profile = True
            for _ in range(profile_cases):
                h.drive_case(False)
            assert not rec.errors, rec.errors[:3]
        finally:
            set_database(None)
            database.dispose()
    out = {"db": db, "completions": rec.completions, "kinds": {}}
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
            env = {**os.environ, "PYTHONPATH": str(tree)}
            res = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True)
            if res.returncode:
                print(res.stderr[-3000:])
                raise SystemExit(1)
            rows[label].append(json.loads(res.stdout.strip().splitlines()[-1]))
            r = rows[label][-1]
            print(f"round {rnd} {label}: {r['server_cpu_ms_per_completion']:.2f} ms/completion, without step "
                  f"{r['server_cpu_ms_per_completion_without_step']:.2f}, outside the thread hop "
                  f"{r.get('server_cpu_ms_per_completion_outside_hop', float('nan')):.2f}", flush=True)
    for label in ("base", "new"):
        rs = rows[label]
        print(f"\n{label}: server CPU ms/completion median {statistics.median(r['server_cpu_ms_per_completion'] for r in rs):.2f}, "
              f"without the step {statistics.median(r['server_cpu_ms_per_completion_without_step'] for r in rs):.2f}, "
              f"outside the thread hop {statistics.median(r.get('server_cpu_ms_per_completion_outside_hop', float('nan')) for r in rs):.2f}; "
              f"requests/completion {rs[0]['requests_per_completion']}")
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
    args = ap.parse_args()
    if args.compare:
        compare(args.compare, args)
        return
    out = run(args.db, args.cases, args.warmup, args.profile_cases, args.top)
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
