"""Experiment (issue 25): CPU time of what opening a task reads, the stored projection against the old path that
restored the workflow (twice: the case data, then the task's data), interleaved task by task on the longest
integrity route without letters, SQLite and (when reachable) PostgreSQL.

    .venv/bin/python -m bench.experiments.task_detail
"""
from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("MELDPUNT_REPETITIE", "uit")  # the benchmark's own process set (see bench/__main__.py)

from bench.common import DEFAULT_PG_ADMIN_URL, bench_database, pg_available
from bench.m1_baseline import route_steps, setup_service
from bench.scenarios import INTEGRITY_NO_LETTERS_SCENARIO as SCENARIO


def _projection(database, item_id: int) -> dict:
    from engine.cases import service as cases
    from engine.worklist.models import WorkItem

    with database.session() as s:
        return cases.task_view(session=s, item=s.get(WorkItem, item_id))


def _old_path(database, item_id: int) -> dict:
    """What the API task detail did before the projection (``workflow_data`` then ``task_data``)."""
    from engine.cases import service as cases
    from engine.cases.models import Case
    from engine.processes import service as processes
    from engine.worklist.models import WorkItem

    with database.session() as s:
        item = s.get(WorkItem, item_id)
        case = s.get(Case, item.case_id)
        data = cases.case_data(session=s, case_id=case.id)
        parsed = processes.parsed_version(session=s, version_id=case.process_version_id)
        form = parsed.forms.get(item.form) if item.form else {}
        if data:
            data = cases.task_data(session=s, item=item, fields=set((form or {}).get("properties") or {}))
        return data


def _cpu(fn, *args) -> float:
    c0 = time.thread_time()
    fn(*args)
    return time.thread_time() - c0


def measure(dialect: str, *, cases_n: int = 2) -> dict:
    from engine.cases import service as cases
    from engine.db import Database
    from engine.identity.models import User

    new, old = [], []
    with bench_database(dialect) as b:
        database = Database(b.url)
        for at in route_steps(database, SCENARIO, *setup_service(database, SCENARIO), cases_n=cases_n):
            pair = [(new, _projection), (old, _old_path)]
            for out, fn in (pair if (at.step + at.case) % 2 == 0 else pair[::-1]):  # the order alternates
                out.append(_cpu(fn, database, at.item_id))
            with database.session() as s:
                cases.complete_task(session=s, work_item_id=at.item_id, user=s.get(User, at.user_id), data=at.data)
        database.dispose()
    return {"dialect": dialect, "opens": len(new), "projection_cpu_ms": 1000 * statistics.mean(new),
            "workflow_cpu_ms": 1000 * statistics.mean(old),
            "ratio": statistics.mean(old) / statistics.mean(new)}


if __name__ == "__main__":
    for dialect in ["sqlite"] + (["postgresql"] if pg_available(DEFAULT_PG_ADMIN_URL) else []):
        r = measure(dialect)
        print(f"{r['dialect']}: {r['opens']} opens, projection {r['projection_cpu_ms']:.2f} ms CPU, "
              f"old path (workflow restored) {r['workflow_cpu_ms']:.2f} ms CPU, {r['ratio']:.1f}x")
