"""Experiment (issue 25, "less workflow handling"): what a step spends on the workflow state itself, per task of the
longest integrity route without letters (SQLite), all variants interleaved step by step (CPU time, thread_time):

- restoring the state as the step does (``runtime.loads``: orjson) against the standard library's ``json`` before;
- writing it (``runtime.dumps``: orjson) against ``json``;
- the one tree walk of a step against the seven filtered ``get_tasks`` iterations the step made before;
- what an in-process cache of live workflows keyed by (case, state version) would save: a hit skips ``loads``
  (and the walk of the loaded state); its check (the stored text equal to the cached one) costs a string compare;
- whether the live workflow after a step is the restored one: their serialisations compared.

    .venv/bin/python -m bench.experiments.workflow_cache
"""
from __future__ import annotations

import json
import os
import statistics
import time
import tracemalloc

os.environ.setdefault("MELDPUNT_REPETITIE", "uit")  # the benchmark's own process set (see bench/__main__.py)

from bench.common import bench_database
from bench.m1_baseline import route_steps, setup_service
from bench.scenarios import INTEGRITY_NO_LETTERS_SCENARIO as SCENARIO


def _cpu(fn, *args, n: int = 5) -> float:
    """Mean CPU seconds of ``n`` calls."""
    c0 = time.thread_time()
    for _ in range(n):
        fn(*args)
    return (time.thread_time() - c0) / n


def _json_loads(state, parsed, process):
    """``runtime.loads`` as it was: the standard library's parser."""
    from engine.cases import runtime

    real = runtime._loads_json
    runtime._loads_json = lambda s: json.loads(s, cls=runtime._serializer.json_decoder_cls)
    try:
        return runtime.loads(state, parsed, process)
    finally:
        runtime._loads_json = real


def _json_dumps(wf):
    from engine.cases import runtime

    with runtime._serializer_lock:
        dct = runtime._serializer.to_dict(wf)
        dct[runtime._serializer.VERSION_KEY] = runtime._serializer.VERSION
        return json.dumps(dct, cls=runtime._serializer._encoder_cls, separators=(",", ":"))


def _filters(wf):
    """The iterations a task completion made before the one walk (after the engine ran)."""
    from SpiffWorkflow.util.task import TaskState

    from engine.cases import runtime

    runtime.completed_tasks(wf)  # legal rules
    runtime.completed_tasks(wf)  # letters
    wf.get_tasks(state=TaskState.COMPLETED)  # the process data
    wf.get_tasks(state=TaskState.READY | TaskState.WAITING)
    runtime.waiting_timers(wf)  # timers
    runtime.ready_user_tasks(wf)  # work items
    runtime.position(wf)  # the audit event


def _walk(wf):
    from engine.cases import runtime

    sets = runtime.walk(wf)
    sets.timers(), sets.position()


def measure(*, cases_n: int = 2) -> dict:
    from engine.cases import runtime
    from engine.cases import service as cases
    from engine.cases.models import Case
    from engine.db import Database
    from engine.identity.models import User
    from engine.processes import service as processes

    live = []
    real_dumps = runtime.dumps

    def capturing_dumps(wf):
        live.append(wf)
        return real_dumps(wf)

    runtime.dumps = capturing_dumps
    out: dict[str, list[float]] = {k: [] for k in ("loads_json", "loads_orjson", "dumps_json", "dumps_orjson",
                                                   "filters", "walk", "walk_loaded", "hit_check", "step")}
    same, bytes_, memory = [], [], []
    try:
        with bench_database("sqlite") as b:
            database = Database(b.url)
            for at in route_steps(database, SCENARIO, *setup_service(database, SCENARIO), cases_n=cases_n):
                n, step, case_id = at.case, at.step, at.case_id
                live.clear()
                c0 = time.thread_time()
                with database.session() as s:
                    cases.complete_task(session=s, work_item_id=at.item_id, user=s.get(User, at.user_id),
                                        data=at.data)
                out["step"].append(time.thread_time() - c0)
                wf = live[-1]
                with database.session() as s:
                    case = s.get(Case, case_id)
                    state, process = case.state, case.process_kind
                    parsed = processes.parsed_version(session=s, version_id=case.process_version_id)
                bytes_.append(len(state.encode()))
                tracemalloc.start()
                restored = runtime.loads(state, parsed, process)
                memory.append(tracemalloc.get_traced_memory()[0])
                tracemalloc.stop()
                same.append(real_dumps(restored) == real_dumps(wf) == state)
                copy = "".join(state)  # another object, as a new row read gives
                variants = [
                    ("loads_json", _json_loads, (state, parsed, process)),
                    ("loads_orjson", runtime.loads, (state, parsed, process)),
                    ("dumps_json", _json_dumps, (wf,)),
                    ("dumps_orjson", real_dumps, (wf,)),
                    ("filters", _filters, (wf,)),
                    ("walk", _walk, (wf,)),
                    ("walk_loaded", _walk, (restored,)),
                    ("hit_check", lambda a, b: a == b, (state, copy)),
                ]
                if (step + n) % 2:
                    variants.reverse()  # the order alternates
                for key, fn, args in variants:
                    out[key].append(_cpu(fn, *args))
            database.dispose()
    finally:
        runtime.dumps = real_dumps
    ms = {k: 1000 * statistics.mean(v) for k, v in out.items()}
    return {"steps": len(out["step"]), "state_json_kb_mean": statistics.mean(bytes_) / 1024,
            "state_json_kb_max": max(bytes_) / 1024, "live_mb_mean": statistics.mean(memory) / 2 ** 20,
            "live_mb_max": max(memory) / 2 ** 20, "live_equals_restored": f"{sum(same)}/{len(same)}",
            "cpu_ms": ms}


if __name__ == "__main__":
    r = measure()
    ms = r["cpu_ms"]
    print(f"{r['steps']} steps, state JSON {r['state_json_kb_mean']:.1f} KB mean ({r['state_json_kb_max']:.1f} max); "
          f"live workflow serialises as the restored one: {r['live_equals_restored']}; a live workflow holds "
          f"{r['live_mb_mean']:.2f} MB mean ({r['live_mb_max']:.2f} max)")
    print(f"step (complete_task) {ms['step']:.2f} ms CPU")
    print(f"loads: json {ms['loads_json']:.2f} -> orjson {ms['loads_orjson']:.2f} ms")
    print(f"dumps: json {ms['dumps_json']:.2f} -> orjson {ms['dumps_orjson']:.2f} ms")
    print(f"tree: 7 filtered iterations {ms['filters']:.2f} -> one walk {ms['walk']:.2f} ms "
          f"(walk of the loaded state {ms['walk_loaded']:.2f} ms)")
    print(f"cache hit would save loads + walk of the loaded state = {ms['loads_orjson'] + ms['walk_loaded']:.2f} ms "
          f"({100 * (ms['loads_orjson'] + ms['walk_loaded']) / ms['step']:.0f} % of the step); its check "
          f"{1000 * ms['hit_check']:.1f} us")
