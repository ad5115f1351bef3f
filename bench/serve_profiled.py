"""uvicorn with a sampling profiler over all threads of the server process (measurement 2's profile).

    python -m bench.serve_profiled --profile-out prof.json -- api.app:create_app --factory --port 8123

Everything after ``--`` goes to uvicorn's command line (one process: no ``--workers``).
A daemon thread takes the stack of every other thread every few milliseconds
(``sys._current_frames``); samples of idle threads (thread-pool workers waiting for
work, the event loop waiting in ``select``) are dropped, so the figures are shares of
*busy* thread time: Python work and waiting on PostgreSQL alike (a request thread
blocked in psycopg counts). FastAPI runs the synchronous endpoints in a thread pool,
which is why a profiler of the main thread alone (cProfile, pyinstrument's default)
misses them. SIGUSR1 starts the counts afresh (the benchmark sends it when its measured phase
begins, so start-up, logins and warm-up are left out). Written when uvicorn returns
(SIGTERM → graceful shutdown).

No dependency beyond the standard library; the sampler holds the GIL for a moment per
sample, so it slows the server down a little (the interval is in the output).
"""
from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from collections import Counter

IDLE_LEAVES = {
    ("threading.py", "wait"), ("queue.py", "get"), ("selectors.py", "select"), ("threading.py", "_wait_for_tstate_lock"),
    ("base_events.py", "_run_once"), ("threading.py", "join"),
}

# (label, path fragment) — the first match from the leaf upwards names the layer a sample is in.
LAYERS = [
    ("database driver (psycopg/sqlite3, incl. waiting for the database)", ("/psycopg/", "/sqlite3/", "psycopg_")),
    ("password hashing (argon2)", ("/argon2/",)),
    ("SQLAlchemy", ("/sqlalchemy/",)),
    ("SpiffWorkflow", ("/SpiffWorkflow/",)),
    ("letters (documents/, docx, templates)", ("/documents/", "/docx/", "/docxtpl/", "/jinja2/", "/lxml/")),
    ("JSON Schema validation", ("/jsonschema/", "/referencing/", "/rpds/")),
    ("RestrictedPython / expressions", ("/RestrictedPython/",)),
    ("Meldpunt engine", ("/engine/",)),
    ("API routers and schemas (api/)", ("/api/",)),
    ("FastAPI / Starlette / pydantic / uvicorn / anyio", ("/fastapi/", "/starlette/", "/pydantic", "/uvicorn/",
                                                          "/anyio/", "/h11/", "/httptools/")),
    ("json (stdlib)", ("/json/",)),
    ("other stdlib", ("/lib/python3",)),
]


_STDLIB = re.compile(r"^.*/lib/python3\.\d+/")


def _short(filename: str) -> str:
    if "/site-packages/" in filename:
        return filename.split("/site-packages/", 1)[1]
    short = _STDLIB.sub("", filename)
    if short != filename:
        return short
    root = os.getcwd() + os.sep
    return filename[len(root):] if filename.startswith(root) else filename


class StackSampler(threading.Thread):
    def __init__(self, interval: float):
        super().__init__(name="stack-sampler", daemon=True)
        self.interval = interval
        self.halt = threading.Event()
        self.samples = 0
        self.busy = 0
        self.leaf: Counter = Counter()
        self.cumulative: Counter = Counter()
        self.layer: Counter = Counter()
        self.started = time.perf_counter()

    def reset(self) -> None:
        """Start counting afresh (SIGUSR1: the benchmark's measured phase begins)."""
        self.samples = self.busy = 0
        self.leaf, self.cumulative, self.layer = Counter(), Counter(), Counter()
        self.started = time.perf_counter()

    def run(self) -> None:
        me = threading.get_ident()
        while not self.halt.wait(self.interval):
            self.samples += 1
            for tid, frame in sys._current_frames().items():
                if tid == me:
                    continue
                code = frame.f_code
                leaf = (os.path.basename(code.co_filename), code.co_name)
                if leaf in IDLE_LEAVES:
                    continue
                self.busy += 1
                seen, layer = set(), None
                f = frame
                first = True
                while f is not None:
                    c = f.f_code
                    key = f"{_short(c.co_filename)}:{c.co_name}"
                    if first:
                        self.leaf[key] += 1
                        first = False
                    if layer is None:
                        for label, parts in LAYERS:
                            if any(p in c.co_filename for p in parts):
                                layer = label
                                break
                    if key not in seen:
                        seen.add(key)
                        self.cumulative[key] += 1
                    f = f.f_back
                self.layer[layer or "other"] += 1

    def report(self, top: int = 40) -> dict:
        busy = self.busy or 1
        share = lambda n: n / busy  # noqa: E731
        return {
            "interval_ms": self.interval * 1000, "seconds": time.perf_counter() - self.started,
            "samples": self.samples, "busy_thread_samples": self.busy,
            "layers": [{"layer": k, "share": share(v)} for k, v in self.layer.most_common()],
            "top_leaf": [{"function": k, "share": share(v)} for k, v in self.leaf.most_common(top)],
            "top_cumulative": [{"function": k, "share": share(v)} for k, v in self.cumulative.most_common(top * 2)
                               if not k.startswith(("threading.py", "concurrent/", "asyncio/"))][:top],
        }


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" not in argv or argv[0] != "--profile-out":
        print(__doc__, file=sys.stderr)
        return 2
    out, uvicorn_args = argv[1], argv[argv.index("--") + 1:]
    interval = float(os.environ.get("BENCH_PROFILE_INTERVAL_MS", "5")) / 1000.0
    import signal

    import uvicorn

    # uvicorn shuts down gracefully on SIGTERM and then raises the signal again with the handler it found:
    # this one, so the profile below is still written.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sampler = StackSampler(interval)
    signal.signal(signal.SIGUSR1, lambda *_: sampler.reset())
    sampler.start()
    try:
        uvicorn.main.main(args=uvicorn_args, standalone_mode=False)
    finally:
        sampler.halt.set()
        sampler.join(timeout=5)
        with open(out, "w") as f:
            json.dump(sampler.report(), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
