"""Experiment (issue 25, "per task ≤ 1.5 × b2"): where a task completion through the service layer spends its CPU
beyond bare SpiffWorkflow with the spec-less serializer (b2), on the longest integrity route with and without letters
(SQLite), b2 and the service layer in lockstep (one step of each in turn, the order flipping every step: each
pair of figures is taken within milliseconds, steadier than measurement 1's case-by-case interleaving on a loaded
machine), then the same under cProfile (separate rounds: the
profiler's overhead must not enter the ratio).

    .venv/bin/python -m bench.experiments.step_profile [--reps 4] [--profile-reps 2] [--top 30] [--no-profile] [--gc-off]

Figures: CPU time of the measuring thread per task (sum over all cases' tasks), the ratio service/b2 per scenario
(and its median and range over cases), and the profile's top functions per task (own and cumulative) for the service layer and b2.
The letters' .docx is rendered after commit in the same process (``MELDPUNT_BRIEVEN=na_commit``, as in bench/).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time

os.environ.setdefault("MELDPUNT_REPETITIE", "uit")
os.environ.setdefault("MELDPUNT_BRIEVEN", "na_commit")

from bench.common import ROOT, bench_database  # noqa: E402
from bench.m1_baseline import _bare_engine, parse_scenario, setup_service  # noqa: E402
from bench.scenarios import INTEGRITY_NO_LETTERS_SCENARIO, INTEGRITY_SCENARIO  # noqa: E402


def bare_steps(parsed, scenario, script_engine, profiler=None):
    """b2 as measurement 1 runs it (``run_bare_case`` specless): yields the CPU seconds of each task, the profiler
    around the timed part only."""
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    from engine.cases import runtime

    wf = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=script_engine)
    wf.task_tree.data.update(scenario.start_data(parsed.manifest))
    wf.do_engine_steps()
    for step in range(scenario.max_steps):
        if profiler is not None:
            profiler.enable()
        c0 = time.thread_time()
        ready = wf.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            if profiler is not None:
                profiler.disable()
            return
        task = ready[0]
        task.set_data(**scenario.form_data(task.task_spec.bpmn_id or task.task_spec.name, task.data, step))
        task.run()
        wf.do_engine_steps()
        state = runtime.dumps(wf)
        wf = runtime.loads(state, parsed)
        wf.script_engine = script_engine
        spent = time.thread_time() - c0
        if profiler is not None:
            profiler.disable()
        yield spent


def service_steps(database, scenario, version_id, team_ids, starter_id, profiler=None):
    """The service layer as measurement 1 runs it (``run_service_case``): yields the CPU seconds of each
    ``complete_task`` with its transaction (and, with letters, the render after commit)."""
    from bench.m1_baseline import _pick_user, receipt_date
    from engine.cases import service as cases
    from engine.identity.models import User
    from engine.processes import service as processes
    from engine.worklist import service as worklist

    with database.session() as s:
        case_id = cases.start_case(session=s, actor=s.get(User, starter_id), data=dict(scenario.seed),
                                   version_id=version_id).id
        manifest = processes.parsed_version(session=s, version_id=version_id).manifest
        known = receipt_date(s, case_id)
    for step in range(scenario.max_steps):
        with database.session() as s:  # untimed: what the client already knows
            items = worklist.items_of_case(session=s, case_id=case_id)
            if not items:
                return
            item = items[0]
            user_id = _pick_user(s, item, team_ids, manifest)
            form = scenario.form_data(item.element_id, known, step)
            item_id = item.id
        if profiler is not None:
            profiler.enable()
        c0 = time.thread_time()
        with database.session() as s:
            cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, user_id), data=form)
        spent = time.thread_time() - c0
        if profiler is not None:
            profiler.disable()
        yield spent


def lockstep(a, b, flip: bool) -> tuple[list[float], list[float]]:
    """Run two step generators alternately, step by step (the order flipping per step): each pair of figures
    is taken within milliseconds of each other, so a loaded machine weighs on both alike."""
    out_a, out_b = [], []
    n = 0
    while True:
        first, second = ((a, out_a), (b, out_b)) if (n % 2 == 0) != flip else ((b, out_b), (a, out_a))
        x, y = next(first[0], None), next(second[0], None)
        if x is None and y is None:
            return out_a, out_b
        if x is not None:
            first[1].append(x)
        if y is not None:
            second[1].append(y)
        n += 1


def _short(path: str) -> str:
    path = path.replace("\\", "/")
    for marker in ("site-packages/", f"{ROOT.as_posix()}/", "lib/python3.11/", "lib/python3.12/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def top(stats: pstats.Stats, tasks: int, n: int, key: str) -> list[str]:
    rows = []
    for (path, line, name), (cc, nc, tt, ct, callers) in stats.stats.items():
        rows.append((tt if key == "own" else ct, nc, tt, ct, f"{_short(path)}:{line}({name})"))
    rows.sort(reverse=True)
    return [f"{ct * 1000 / tasks:7.3f} cum {tt * 1000 / tasks:7.3f} own {nc / tasks:8.1f} calls  {where}"
            for _, nc, tt, ct, where in rows[:n]]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=4)
    ap.add_argument("--profile-reps", type=int, default=2)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--dump", default="", help="write the service profiles (pstats) with this prefix")
    ap.add_argument("--gc-off", action="store_true",
                    help="garbage collector off after set-up (a full collection falls on whichever variant crosses "
                         "the threshold: with it off the ratio is steady)")
    ap.add_argument("--only", default="", help="run only the scenario of this name")
    args = ap.parse_args()

    from engine.db import Database

    scenarios = [sc for sc in (INTEGRITY_SCENARIO, INTEGRITY_NO_LETTERS_SCENARIO) if args.only in ("", sc.name)]
    with bench_database("sqlite") as b:
        database = Database(b.url)
        script_engine = _bare_engine()
        parsed = {sc.name: parse_scenario(sc) for sc in scenarios}
        services = {sc.name: setup_service(database, sc) for sc in scenarios}

        def pair(sc, flip, profs=None):
            version_id, team_ids, starter = services[sc.name]
            return lockstep(bare_steps(parsed[sc.name], sc, script_engine, profs and profs[0]),
                            service_steps(database, sc, version_id, team_ids, starter, profs and profs[1]), flip)

        for sc in scenarios:  # warm-up
            pair(sc, False)
        if args.gc_off:
            import gc

            gc.collect()
            gc.disable()
        sums = {sc.name: [0.0, 0.0, 0] for sc in scenarios}
        per_case = {sc.name: [] for sc in scenarios}
        steps = {sc.name: [] for sc in scenarios}
        for rnd in range(args.reps):
            for sc in (scenarios if rnd % 2 == 0 else scenarios[::-1]):
                bare, svc = pair(sc, bool(rnd % 2))
                sums[sc.name][0] += sum(bare)
                sums[sc.name][1] += sum(svc)
                sums[sc.name][2] += len(svc)
                per_case[sc.name].append(sum(svc) / sum(bare))
                steps[sc.name].append((bare, svc))
        print(f"CPU ms per task, b2 and service in lockstep step by step, {args.reps} cases each:")
        for sc in scenarios:
            bare, svc, n = sums[sc.name]
            ratios = sorted(per_case[sc.name])
            # robust to a preempted or collected step: per step of the route the median over cases, then summed
            n_steps = min(min(len(b_), len(s_)) for b_, s_ in steps[sc.name])
            med_b = sum(statistics.median(b_[i] for b_, _ in steps[sc.name]) for i in range(n_steps))
            med_s = sum(statistics.median(s_[i] for _, s_ in steps[sc.name]) for i in range(n_steps))
            print(f"  {sc.name:40s} tasks {n:4d}  b2 {bare * 1000 / n:6.2f}  service {svc * 1000 / n:6.2f}  "
                  f"ratio {svc / bare:5.2f}  (per case: median {statistics.median(ratios):.2f}, "
                  f"range {ratios[0]:.2f}-{ratios[-1]:.2f}; in order {[round(r, 2) for r in per_case[sc.name]]}); "
                  f"per-step medians: b2 {med_b * 1000 / n_steps:.2f}, service {med_s * 1000 / n_steps:.2f}, "
                  f"ratio {med_s / med_b:.2f}")
        if not args.no_profile:
            profs = {sc.name: (cProfile.Profile(), cProfile.Profile()) for sc in scenarios}
            tasks = {sc.name: [0, 0] for sc in scenarios}
            for rnd in range(args.profile_reps):
                for sc in scenarios:
                    bare, svc = pair(sc, bool(rnd % 2), profs[sc.name])
                    tasks[sc.name][0] += len(bare)
                    tasks[sc.name][1] += len(svc)
            for sc in scenarios:
                for kind, prof, n in (("bare", profs[sc.name][0], tasks[sc.name][0]),
                                      ("service", profs[sc.name][1], tasks[sc.name][1])):
                    stats = pstats.Stats(prof)
                    print(f"\n== {kind} {sc.name}: {n} tasks, profiled {stats.total_tt * 1000 / n:.2f} ms per task")
                    if args.dump:
                        stats.dump_stats(f"{args.dump}-{kind}-{sc.name}.pstats")
                    print("-- by own time (ms per task)")
                    print("\n".join(top(stats, n, args.top, "own")))
                    print("-- by cumulative time (ms per task)")
                    print("\n".join(top(stats, n, args.top, "cum")))
        database.dispose()


if __name__ == "__main__":
    main()
