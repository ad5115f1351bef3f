"""Where the service layer spends a task completion: cProfile over complete_task on PostgreSQL.

Only the timed transactions (``with database.session(): complete_task(...)``) are
profiled; the result is the cumulative share of named engine/library functions per
task and the top functions by cumulative and by own time.
"""
from __future__ import annotations

import cProfile
import pstats

from bench.common import ROOT
from bench.m1_baseline import run_service_case, setup_service
from bench.scenarios import LINEAR12_SCENARIO

# (label, module path fragment, function name): cumulative time of each per task.
BUCKETS = [
    ("complete_task", "engine/cases/service.py", "complete_task"),
    ("runtime.loads (deserialize state)", "engine/cases/runtime.py", "loads"),
    ("runtime.dumps (serialize state)", "engine/cases/runtime.py", "dumps"),
    ("task.run (SpiffWorkflow)", "SpiffWorkflow/task.py", "run"),
    ("do_engine_steps (SpiffWorkflow)", "SpiffWorkflow/bpmn/workflow.py", "do_engine_steps"),
    ("_persist", "engine/cases/service.py", "_persist"),
    ("_sync_work_items", "engine/cases/service.py", "_sync_work_items"),
    ("_sync_timers", "engine/cases/service.py", "_sync_timers"),
    ("_project / _latest_data", "engine/cases/service.py", "_project"),
    ("_render_letters (+_completed_ids)", "engine/cases/service.py", "_render_letters"),
    ("_completed_ids (all calls)", "engine/cases/service.py", "_completed_ids"),
    ("runtime.position (before/after)", "engine/cases/runtime.py", "position"),
    ("audit.append (all calls)", "engine/audit/service.py", "append"),
    ("duties.ensure_can_act", "engine/cases/duties.py", "ensure_can_act"),
    ("duties.bind", "engine/cases/duties.py", "bind"),
    ("forms.validate", "engine/forms.py", "validate"),
    ("processes.parsed_version (cache lookup)", "engine/processes/service.py", "parsed_version"),
    ("Session.flush (all)", "sqlalchemy/orm/session.py", "flush"),
    ("Session.commit", "sqlalchemy/orm/session.py", "commit"),
    ("Session.get (all)", "sqlalchemy/orm/session.py", "get"),
    ("psycopg cursor.execute (DB round trips)", "psycopg/cursor.py", "execute"),
    ("json.dumps (all)", "json/__init__.py", "dumps"),
    ("json.loads (all)", "json/__init__.py", "loads"),
]


def _find(stats: pstats.Stats, fragment: str, func: str):
    best = None
    for (path, line, name), (cc, nc, tt, ct, callers) in stats.stats.items():
        if name == func and fragment in path.replace("\\", "/"):
            if best is None or ct > best[3]:
                best = (cc, nc, tt, ct)
    return best


def run(ctx) -> dict:
    database = ctx.databases.get("postgresql") or ctx.databases.get("sqlite")
    if database is None:
        return {"skipped": "no database"}
    scenario = LINEAR12_SCENARIO
    version_id, team_ids, starter = setup_service(database, scenario, prefix="p")
    run_service_case(database, scenario, version_id, team_ids, starter)  # warm-up
    prof = cProfile.Profile()
    tasks = 0
    for _ in range(ctx.sizes.profile_cases):
        r = run_service_case(database, scenario, version_id, team_ids, starter, profiler=prof)
        tasks += len(r["task_times"])
    stats = pstats.Stats(prof)
    total = stats.total_tt
    buckets = []
    for label, fragment, func in BUCKETS:
        hit = _find(stats, fragment, func)
        if hit is None:
            continue
        cc, nc, tt, ct = hit
        buckets.append({"what": label, "calls_per_task": nc / tasks, "ms_per_task": ct * 1000 / tasks,
                        "share": ct / total if total else 0.0})
    rows = []
    for (path, line, name), (cc, nc, tt, ct, callers) in stats.stats.items():
        rows.append({"function": f"{_short(path)}:{line}({name})", "calls_per_task": nc / tasks,
                     "cum_ms_per_task": ct * 1000 / tasks, "own_ms_per_task": tt * 1000 / tasks,
                     "cum_share": ct / total if total else 0.0, "own_share": tt / total if total else 0.0})
    by_cum = sorted((r for r in rows if "bench/" not in r["function"] and "contextlib" not in r["function"]),
                    key=lambda r: -r["cum_ms_per_task"])[:25]
    by_own = sorted(rows, key=lambda r: -r["own_ms_per_task"])[:20]
    return {"database": database.dialect, "scenario": scenario.name, "tasks_profiled": tasks,
            "profiled_ms_per_task": total * 1000 / tasks, "note": "cProfile adds overhead; compare shares, not absolute ms",
            "buckets": buckets, "top_cumulative": by_cum, "top_own": by_own}


def _short(path: str) -> str:
    path = path.replace("\\", "/")
    for marker in ("site-packages/", f"{ROOT.as_posix()}/", "lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path
