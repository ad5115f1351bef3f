"""Experiment (issue 25): the case state (de)serialised by SpiffWorkflow's own converters against the fast converters
of ``engine.cases.runtime`` (the same stored text), per step of the longest integrity route without letters
(SQLite), CPU time (thread_time), interleaved:

- ``loads`` and ``dumps`` of the state after every step, both variants alternately (5 calls each, the order flipping
  from step to step);
- the step itself (``complete_task``): the serializer swapped step by step (the stored format is the same, so a
  case can go on with either), the first case starting with the stock one and the second with the fast one, so
  each step of the route is measured with both.

    env PYTHONPATH=$PWD .venv/bin/python -m bench.experiments.state_serializer
"""
from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("MELDPUNT_REPETITIE", "uit")  # the benchmark's own process set (see bench/__main__.py)

from bench.common import bench_database
from bench.m1_baseline import route_steps, setup_service
from bench.scenarios import INTEGRITY_NO_LETTERS_SCENARIO as SCENARIO


def _cpu(fn, *args, n: int = 5) -> float:
    c0 = time.thread_time()
    for _ in range(n):
        fn(*args)
    return (time.thread_time() - c0) / n


def measure(*, cases_n: int = 2) -> dict:
    from engine.cases import runtime
    from engine.cases import service as cases
    from engine.cases.models import Case
    from engine.db import Database
    from engine.identity.models import User
    from engine.processes import service as processes

    fast, stock = runtime._serializer, runtime._make_serializer(fast=False)
    out: dict[str, list[float]] = {k: [] for k in ("loads_stock", "loads_fast", "dumps_stock", "dumps_fast",
                                                   "step_stock", "step_fast")}
    same = []

    def with_serializer(serializer, fn, *args):
        runtime._serializer = serializer
        try:
            return fn(*args)
        finally:
            runtime._serializer = fast

    try:
        with bench_database("sqlite") as b:
            database = Database(b.url)
            for at in route_steps(database, SCENARIO, *setup_service(database, SCENARIO), cases_n=cases_n):
                n, step, case_id = at.case, at.step, at.case_id
                key = "step_stock" if (step + n) % 2 == 0 else "step_fast"
                runtime._serializer = stock if key == "step_stock" else fast
                try:
                    c0 = time.thread_time()
                    with database.session() as s:
                        cases.complete_task(session=s, work_item_id=at.item_id, user=s.get(User, at.user_id),
                                            data=at.data)
                    out[key].append(time.thread_time() - c0)
                finally:
                    runtime._serializer = fast
                with database.session() as s:
                    case = s.get(Case, case_id)
                    state, process = case.state, case.process_kind
                    parsed = processes.parsed_version(session=s, version_id=case.process_version_id)
                wf_fast = runtime.loads(state, parsed, process)
                wf_stock = with_serializer(stock, runtime.loads, state, parsed, process)
                same.append(runtime.dumps(wf_fast) == with_serializer(stock, runtime.dumps, wf_stock)
                            == with_serializer(stock, runtime.dumps, wf_fast))
                variants = [
                    ("loads_stock", lambda: with_serializer(stock, runtime.loads, state, parsed, process)),
                    ("loads_fast", lambda: runtime.loads(state, parsed, process)),
                    ("dumps_stock", lambda: with_serializer(stock, runtime.dumps, wf_fast)),
                    ("dumps_fast", lambda: runtime.dumps(wf_fast)),
                ]
                if (step + n) % 2:
                    variants.reverse()
                for k, fn in variants:
                    out[k].append(_cpu(fn))
            database.dispose()
    finally:
        runtime._serializer = fast
    ms = {k: 1000 * statistics.mean(v) for k, v in out.items()}
    return {"steps": len(out["loads_fast"]), "same": f"{sum(same)}/{len(same)}", "cpu_ms": ms}


if __name__ == "__main__":
    r = measure()
    ms = r["cpu_ms"]
    both = ms["loads_stock"] + ms["dumps_stock"], ms["loads_fast"] + ms["dumps_fast"]
    print(f"{r['steps']} steps; the stored text the same with either serializer: {r['same']}")
    print(f"loads: stock {ms['loads_stock']:.2f} -> fast {ms['loads_fast']:.2f} ms CPU")
    print(f"dumps: stock {ms['dumps_stock']:.2f} -> fast {ms['dumps_fast']:.2f} ms CPU")
    print(f"loads + dumps: {both[0]:.2f} -> {both[1]:.2f} ms ({100 * (1 - both[1] / both[0]):.0f} % less)")
    print(f"step (complete_task): stock {ms['step_stock']:.2f} -> fast {ms['step_fast']:.2f} ms CPU")
