"""Experiment (helper "mend"): the cost of the state writer's check for task data it cannot store (a dict with the
serializer's reserved key 'typename', ``engine.cases.runtime._refuse_reserved``), per ``runtime.dumps`` of the state
after every step of the longest integrity route without letters (SQLite), CPU time (thread_time): the writer with
the check against the same writer with the check switched off, alternately (A/B/A/B, the order flipping from step
to step), ``rounds`` rounds over the route; medians.

    env PYTHONPATH=$PWD .venv/bin/python -m bench.experiments.reserved_key_check
"""
from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("MELDPUNT_REPETITIE", "uit")  # the benchmark's own process set (see bench/__main__.py)

from bench.common import bench_database
from bench.m1_baseline import route_steps, setup_service
from bench.scenarios import INTEGRITY_NO_LETTERS_SCENARIO as SCENARIO


def _cpu(fn, n: int = 20) -> float:
    c0 = time.thread_time()
    for _ in range(n):
        fn()
    return (time.thread_time() - c0) / n


def measure(*, rounds: int = 5) -> dict:
    from engine.cases import runtime
    from engine.cases import service as cases
    from engine.cases.models import Case
    from engine.db import Database
    from engine.identity.models import User
    from engine.processes import service as processes

    checked = runtime._refuse_reserved
    states = []
    with bench_database("sqlite") as b:
        database = Database(b.url)
        for at in route_steps(database, SCENARIO, *setup_service(database, SCENARIO)):
            with database.session() as s:
                cases.complete_task(session=s, work_item_id=at.item_id, user=s.get(User, at.user_id), data=at.data)
            with database.session() as s:
                case = s.get(Case, at.case_id)
                parsed = processes.parsed_version(session=s, version_id=case.process_version_id)
                states.append(runtime.loads(case.state, parsed, case.process_kind))
        database.dispose()
    out: dict[str, list[float]] = {"with_check": [], "without_check": []}
    try:
        for r in range(rounds):
            for i, wf in enumerate(states):
                variants = [("with_check", checked), ("without_check", lambda task, values: None)]
                if (i + r) % 2:
                    variants.reverse()
                for key, check in variants:
                    runtime._refuse_reserved = check
                    out[key].append(_cpu(lambda: runtime.dumps(wf)))
    finally:
        runtime._refuse_reserved = checked
    total = {k: sum(v) / rounds for k, v in out.items()}  # one route's dumps, summed over its steps
    last = {k: statistics.median(v[len(states) - 1::len(states)]) for k, v in out.items()}
    size = len(runtime.dumps(states[-1]))
    return {"steps": len(states), "route_ms": {k: 1000 * v for k, v in total.items()},
            "last_ms": {k: 1000 * v for k, v in last.items()}, "last_bytes": size,
            "median_ratio": statistics.median(a / b for a, b in zip(out["with_check"], out["without_check"]))}


if __name__ == "__main__":
    r = measure()
    print(f"{r['steps']} steps; the last state {r['last_bytes']} bytes")
    print(f"dumps over the route (sum of steps): without check {r['route_ms']['without_check']:.2f} ms, "
          f"with check {r['route_ms']['with_check']:.2f} ms CPU")
    print(f"dumps of the last state (median): without {r['last_ms']['without_check']:.3f} ms, "
          f"with {r['last_ms']['with_check']:.3f} ms CPU")
    print(f"median per-step ratio with/without: {r['median_ratio']:.3f}")
