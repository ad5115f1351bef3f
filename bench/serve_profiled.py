"""uvicorn with a sampling profiler over all threads of the server process (measurement 2's profile).

    python -m bench.serve_profiled --profile-out prof.json -- api.app:create_app --factory --port 8123

Everything after ``--`` goes to uvicorn's command line (one process: no ``--workers``).
A daemon thread takes the stack of every other thread every few milliseconds
(``sys._current_frames``). Two views:

* *wall*: samples of idle threads (thread-pool workers waiting for work, the event
  loop in ``select``) are dropped, the rest counted: shares of busy thread time, which
  includes waiting on the database, and also waiting for the GIL or for a CPU (with
  several request threads in one process, a thread that wants the GIL back shows at
  the C call it returns from, e.g. psycopg's ``wait``);
* *cpu*: each thread's CPU time since the previous sample (``/proc/self/task/<tid>/
  schedstat``, nanoseconds) charged to the stack it has now: where the server's CPU
  goes, waits excluded. FastAPI runs the synchronous endpoints in a thread pool,
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
    ("threading.py", "wait"), ("queue.py", "get"), ("selectors.py", "select"),
    ("threading.py", "_wait_for_tstate_lock"),
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
        self.reset()

    def reset(self) -> None:
        """Start counting afresh (SIGUSR1: the benchmark's measured phase begins)."""
        self.samples = self.busy = 0
        self.leaf, self.cumulative, self.layer = Counter(), Counter(), Counter()
        self.cpu_leaf, self.cpu_cumulative, self.cpu_layer = Counter(), Counter(), Counter()
        self.cpu_ns = 0
        self.started = time.perf_counter()

    @staticmethod
    def _thread_cpu_ns(native_id: int | None) -> int | None:
        """CPU time of one thread in ns (/proc/self/task/<tid>/schedstat), None where unavailable."""
        if native_id is None:
            return None
        try:
            with open(f"/proc/self/task/{native_id}/schedstat") as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def run(self) -> None:
        me = threading.get_ident()
        last_cpu: dict[int, int] = {}
        while not self.halt.wait(self.interval):
            self.samples += 1
            native = {t.ident: t.native_id for t in threading.enumerate()}
            for tid, frame in sys._current_frames().items():
                if tid == me:
                    continue
                # CPU this thread used since the previous sample, charged to the stack seen now
                ns = self._thread_cpu_ns(native.get(tid))
                cpu = 0
                if ns is not None:
                    cpu = ns - last_cpu.get(tid, ns)
                    last_cpu[tid] = ns
                code = frame.f_code
                leaf = (os.path.basename(code.co_filename), code.co_name)
                if leaf in IDLE_LEAVES:
                    if cpu > 0:
                        self.cpu_ns += cpu
                        self.cpu_layer["(thread idle when sampled)"] += cpu
                    continue
                self.busy += 1
                self.cpu_ns += cpu
                seen, layer = set(), None
                f = frame
                first = True
                while f is not None:
                    c = f.f_code
                    key = f"{_short(c.co_filename)}:{c.co_name}"
                    if first:
                        self.leaf[key] += 1
                        self.cpu_leaf[key] += cpu
                        first = False
                    if layer is None:
                        for label, parts in LAYERS:
                            if any(p in c.co_filename for p in parts):
                                layer = label
                                break
                    if key not in seen:
                        seen.add(key)
                        self.cumulative[key] += 1
                        self.cpu_cumulative[key] += cpu
                    f = f.f_back
                self.layer[layer or "other"] += 1
                self.cpu_layer[layer or "other"] += cpu

    def report(self, top: int = int(os.environ.get("BENCH_PROFILE_TOP", "40"))) -> dict:
        skip = ("threading.py", "concurrent/", "asyncio/")

        def table(counter: Counter, total: int, key: str, n: int) -> list[dict]:
            total = total or 1
            rows = [{key: k, "share": v / total} for k, v in counter.most_common(n * 2)
                    if key != "function" or not k.startswith(skip)]
            return rows[:n]

        return {
            "interval_ms": self.interval * 1000, "seconds": time.perf_counter() - self.started,
            "samples": self.samples, "busy_thread_samples": self.busy, "cpu_seconds_sampled": self.cpu_ns / 1e9,
            # wall: shares of busy-thread samples (waiting for the database, the GIL or a CPU included)
            "layers": table(self.layer, self.busy, "layer", 20),
            "top_leaf": table(self.leaf, self.busy, "function", top),
            "top_cumulative": table(self.cumulative, self.busy, "function", top),
            # cpu: each thread's CPU time between two samples, charged to the stack it had at the second
            "cpu_layers": table(self.cpu_layer, self.cpu_ns, "layer", 20),
            "cpu_top_leaf": table(self.cpu_leaf, self.cpu_ns, "function", top),
            "cpu_top_cumulative": table(self.cpu_cumulative, self.cpu_ns, "function", top),
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
