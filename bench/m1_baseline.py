"""Measurement 1 (baseline ratio) and the raw data of measurement 6 (state growth).

(a)  bare SpiffWorkflow in memory;
(b)  bare SpiffWorkflow + the DEFAULT serializer (BpmnWorkflowSerializer with
     SPIFF_CONFIG, spec embedded): serialize_json + deserialize_json after every task;
(b2) bare SpiffWorkflow + Meldpunt's spec-less serializer (engine.cases.runtime),
     for the breakdown only;
(c)  Meldpunt's service layer: one ``complete_task`` per DB transaction.

Per-task cost = the time of one task completion (start of the case excluded).
All variants use the same parsed spec and the same form data (scenario driver).
"""
from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from bench.common import ensure_keyring, make_team, perf, summary_ms
from bench.scenarios import Scenario

_default_serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def parse_scenario(scenario: Scenario):
    from engine.processes import service as processes

    return processes.parse(scenario.files())


def _bare_engine():
    from engine.functions import ENGINE_FUNCTIONS

    return PythonScriptEngine(environment=TaskDataEnvironment(dict(ENGINE_FUNCTIONS)))


def _ready(wf):
    return wf.get_tasks(state=TaskState.READY, manual=True)


def run_bare_case(parsed, scenario: Scenario, mode: str, script_engine) -> dict:
    """One case start to end. mode: memory | default_serializer | specless_serializer."""
    from engine.cases import runtime

    wf = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=script_engine)
    wf.task_tree.data.update(scenario.start_data(parsed.manifest))
    wf.do_engine_steps()
    times, cpu, sizes = [], [], []
    if mode == "default_serializer":
        sizes.append(len(_default_serializer.serialize_json(wf).encode()))
    for step in range(scenario.max_steps):
        t0, c0 = perf(), time.thread_time()
        ready = _ready(wf)
        if not ready:
            break
        task = ready[0]
        task.set_data(**scenario.form_data(task.task_spec.bpmn_id or task.task_spec.name, task.data, step))
        task.run()
        wf.do_engine_steps()
        if mode == "default_serializer":
            state = _default_serializer.serialize_json(wf)
            wf = _default_serializer.deserialize_json(state)
            wf.script_engine = script_engine
        elif mode == "specless_serializer":
            state = runtime.dumps(wf)
            wf = runtime.loads(state, parsed)
            wf.script_engine = script_engine
        times.append(perf() - t0)
        cpu.append(time.thread_time() - c0)
        if mode == "default_serializer":
            sizes.append(len(state.encode()))
    if not wf.is_completed():
        waiting = sorted(t.task_spec.bpmn_id or t.task_spec.name for t in wf.get_tasks(state=TaskState.WAITING))
        raise RuntimeError(f"{scenario.name}: bare workflow did not complete ({mode}); waiting: {waiting} "
                           "(the drivers never move the clock)")
    return {"task_times": times, "task_cpu": cpu, "state_bytes": sizes}


BARE_MODES = (("memory", "a_memory"), ("default_serializer", "b_default_serializer"),
              ("specless_serializer", "b2_specless_serializer"))


def measure_interleaved(scenario: Scenario, databases: dict, *, reps: int, warmup: int) -> tuple[dict, dict]:
    """Every variant - the three bare SpiffWorkflow modes and the service layer on each database - one case at a
    time in turn, the order rotating per round, so a loaded machine weighs on all of them alike and their ratios
    are taken in the same minutes (issue 25: measured minutes apart, the ratio drifted between 5.5 and 9.1).
    Returns (bare figures, service figures and growth per dialect)."""
    parsed = parse_scenario(scenario)
    engine = _bare_engine()
    services = {dialect: setup_service(database, scenario) for dialect, database in databases.items()}
    variants = [("bare", mode) for mode, _key in BARE_MODES] + [("service", d) for d in databases]

    def one(kind: str, name: str) -> dict:
        if kind == "bare":
            return run_bare_case(parsed, scenario, name, engine)
        version_id, team_ids, starter = services[name]
        return run_service_case(databases[name], scenario, version_id, team_ids, starter)

    for kind, name in variants:
        for _ in range(warmup):
            one(kind, name)
    runs: dict[tuple[str, str], list[dict]] = {v: [] for v in variants}
    for rnd in range(reps):
        shift = rnd % len(variants)
        for kind, name in variants[shift:] + variants[:shift]:
            runs[(kind, name)].append(one(kind, name))
    bare: dict[str, Any] = {}
    for mode, key in BARE_MODES:
        bare[key] = _aggregate(runs[("bare", mode)])
        if mode == "default_serializer":
            bare[key]["state_bytes_per_step"] = runs[("bare", mode)][0]["state_bytes"]
    return bare, {dialect: _service_figures(runs[("service", dialect)]) for dialect in databases}


def _aggregate(runs: list[dict]) -> dict:
    all_times = [t for r in runs for t in r["task_times"]]
    per_task_means = [statistics.fmean(r["task_times"]) * 1000 for r in runs]
    per_task_cpu = [statistics.fmean(r["task_cpu"]) * 1000 for r in runs]
    return {
        "tasks_per_case": len(runs[0]["task_times"]),
        "repetitions": len(runs),
        "per_task_ms": statistics.median(per_task_means),  # median over repetitions of the mean per task
        "per_task_ms_runs": per_task_means,
        # CPU time of the measuring thread (this process only: PostgreSQL's own CPU is not in it); steadier than
        # wall clock on a shared machine
        "per_task_cpu_ms": statistics.median(per_task_cpu),
        "latency": summary_ms(all_times),
    }


# ---- (c) the service layer ----------------------------------------------------------

def setup_service(database, scenario: Scenario, *, prefix: str = "b"):
    from engine.processes import service as processes

    ensure_keyring()
    with database.session() as s:
        version = processes.deploy(session=s, files=scenario.files())
        parsed = processes.parsed_version(session=s, version_id=version.id)
        team = make_team(s, parsed.manifest, prefix=prefix)
        team_ids = {role: [u.id for u in users] for role, users in team.items()}
        first = next(iter(parsed.manifest.roles))
        return version.id, team_ids, team_ids[first][0]


def _pick_user(s, item, team_ids, manifest) -> int:
    from engine.cases import duties
    from engine.identity.models import User

    from sqlalchemy import select

    from engine.cases.models import CaseActor

    if item.assignee_id is not None:
        return item.assignee_id
    # whoever already holds the slot in this case first (an auto-assigned task may have bound
    # a user from outside this team: the draw is over every user with the role)
    holders = list(s.execute(select(CaseActor.user_id).where(CaseActor.case_id == item.case_id,
                                                             CaseActor.slot == item.slot)).scalars())
    for uid in holders + [u for u in team_ids.get(item.role, []) if u not in holders]:
        user = s.get(User, uid)
        # assigned=False: the user picks the task up from the role's queue, as complete_task will check it
        if duties.conflict_reason(s, case_id=item.case_id, user=user, slot=item.slot, manifest=manifest,
                                  assigned=False) is None:
            return uid
    raise RuntimeError(f"no eligible bench user for role {item.role}")


@dataclass(frozen=True)
class RouteStep:
    """One open task of a case on a scenario's route: who completes it with which form data (``data``)."""
    case: int  # which case of the run (0, 1, ...)
    step: int
    case_id: int
    item_id: int
    element: str
    user_id: int
    data: dict


def route_steps(database, scenario: Scenario, version_id: int, team_ids: dict, starter_id: int, cases_n: int = 1,
                before_case=None):
    """Start ``cases_n`` cases of ``scenario`` one after the other and yield each open task of the route in turn;
    the caller completes it (as it wants to measure it) before asking for the next. ``before_case(n)`` runs before
    case ``n`` starts (a variant switched per case)."""
    from engine.cases import service as cases
    from engine.identity.models import User
    from engine.processes import service as processes
    from engine.worklist import service as worklist

    for n in range(cases_n):
        if before_case is not None:
            before_case(n)
        with database.session() as s:
            case_id = cases.start_case(session=s, actor=s.get(User, starter_id), data=dict(scenario.seed),
                                       version_id=version_id).id
            manifest = processes.parsed_version(session=s, version_id=version_id).manifest
            known = receipt_date(s, case_id)
        for step in range(scenario.max_steps):
            with database.session() as s:
                items = worklist.items_of_case(session=s, case_id=case_id)
                if not items:
                    break
                item_id, element = items[0].id, items[0].element_id
                user_id = _pick_user(s, items[0], team_ids, manifest)
            yield RouteStep(n, step, case_id, item_id, element, user_id, scenario.form_data(element, known, step))


def receipt_date(session, case_id: int) -> dict:
    """What the client knows of a case it started and the route's answers are dated on: its receipt date
    (``bench.scenarios.route_form``); read once per case, untimed."""
    from engine.cases import service as cases

    return {"datum_melding": cases.case_data(session=session, case_id=case_id).get("datum_melding")}


def run_service_case(database, scenario: Scenario, version_id: int, team_ids: dict, starter_id: int,
                     *, needs_data: bool = False, profiler=None) -> dict:
    """One case through the service layer; each task completion timed with its transaction."""
    from engine.cases import service as cases
    from engine.cases.models import Case
    from engine.identity.models import User
    from engine.processes import service as processes
    from engine.worklist import service as worklist

    with database.session() as s:
        case = cases.start_case(session=s, actor=s.get(User, starter_id), data=dict(scenario.seed),
                                version_id=version_id)
        case_id, sizes, json_sizes = case.id, [_stored_bytes(case.state)], [len(case.state.encode())]
        manifest = processes.parsed_version(session=s, version_id=version_id).manifest
        known = receipt_date(s, case_id)
    times, cpu, status, trail = [], [], None, []
    for step in range(scenario.max_steps):
        with database.session() as s:  # untimed: what the client already knows
            items = worklist.items_of_case(session=s, case_id=case_id)
            if not items:
                status = s.get(Case, case_id).status
                break
            item = items[0]
            user_id = _pick_user(s, item, team_ids, manifest)
            data_now = cases.case_data(session=s, case_id=case_id) if needs_data else known
            form = scenario.form_data(item.element_id, data_now, step)
            item_id = item.id
            trail.append(item.element_id)
        if profiler is not None:
            profiler.enable()
        t0, c0 = perf(), time.thread_time()
        with database.session() as s:
            case = cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, user_id), data=form)
        times.append(perf() - t0)
        cpu.append(time.thread_time() - c0)
        if profiler is not None:
            profiler.disable()
        sizes.append(_stored_bytes(case.state))
        json_sizes.append(len(case.state.encode()))
        last_state = case.state
    if status != "closed":
        raise RuntimeError(f"{scenario.name}: case {case_id} did not close ({status}); pending timers: "
                           f"{_pending_timers(database, case_id)} (the drivers never move the clock)")
    return {"task_times": times, "task_cpu": cpu, "state_bytes": sizes, "json_bytes": json_sizes, "case_id": case_id,
            "final_state": last_state, "trail": trail, "letters": case_letters(database, case_id)}


def _stored_bytes(state: str) -> int:
    """Bytes of ``cases.state`` as the database stores it (engine.db.CompressedText)."""
    from engine.db import CompressedText

    return len(CompressedText.pack(state).encode())


def _pending_timers(database, case_id: int) -> list[str]:
    from sqlalchemy import select

    from engine.timers.models import Timer

    with database.session() as s:
        return sorted(s.execute(select(Timer.element_id).where(Timer.case_id == case_id,
                                                               Timer.state == "pending")).scalars())


def case_letters(database, case_id: int) -> list[dict]:
    """The letters the service layer rendered and stored for one case (step, template, recipient, bytes)."""
    from sqlalchemy import select

    from documents.models import Letter

    with database.session() as s:
        rows = s.execute(select(Letter.step, Letter.template, Letter.recipient, Letter.size)
                         .where(Letter.case_id == case_id).order_by(Letter.id)).all()
    return [{"step": st, "template": t, "recipient": r, "bytes": n} for st, t, r, n in rows]


def spec_stored(state: str) -> dict:
    """Does a stored state carry the process spec? (It must not.)"""
    dct = json.loads(state)
    return {"top_level_keys": sorted(dct), "has_spec_key": "spec" in dct or "subprocess_specs" in dct,
            "mentions_task_specs": '"task_specs"' in state}


def _service_figures(runs: list[dict]) -> tuple[dict, dict]:
    m1 = _aggregate(runs)
    letters = runs[0]["letters"]
    m1["letters_per_case"] = len(letters)
    m1["letter_bytes_per_case"] = sum(x["bytes"] for x in letters)
    if letters:  # the tasks that render a letter next to those that do not (median over cases of the mean)
        split: dict[bool, list[float]] = {True: [], False: []}
        for r in runs:
            steps = {x["step"] for x in r["letters"]}
            for with_letter in (True, False):
                t = [v for el, v in zip(r["trail"], r["task_times"]) if (el in steps) is with_letter]
                if t:
                    split[with_letter].append(statistics.fmean(t) * 1000)
        m1["per_task_ms_letter_tasks"] = statistics.median(split[True]) if split[True] else None
        m1["per_task_ms_other_tasks"] = statistics.median(split[False]) if split[False] else None
    growth = {"state_bytes_per_step": runs[0]["state_bytes"], "json_bytes_per_step": runs[0]["json_bytes"],
              "spec_check": spec_stored(runs[0]["final_state"]),
              "trail": runs[0]["trail"], "letters": letters}
    return m1, growth


# ---- entry point (measurements 1 and 6) ---------------------------------------------

def run(ctx) -> dict:
    """Measurement 1 per scenario, and the state sizes measurement 6 reads."""
    from bench.common import linear_fit
    from bench.scenarios import SCENARIOS

    m1, m6 = {}, {}
    for scenario in SCENARIOS:
        reason = scenario.skip_reason()
        if reason:
            m1[scenario.name] = m6[scenario.name] = {"skipped": reason}
            ctx.log(f"  m1 {scenario.name}: skipped ({reason})")
            continue
        reps, warmup = scenario.repetitions(ctx.sizes.m1_reps, ctx.sizes.m1_warmup)
        bare, services = measure_interleaved(scenario, ctx.databases, reps=reps, warmup=warmup)
        entry = {"bare": {k: {kk: vv for kk, vv in v.items() if kk != "state_bytes_per_step"}
                          for k, v in bare.items()}, "service": {}, "ratios": {}}
        growth = {"default_serializer_bytes_per_step": bare["b_default_serializer"]["state_bytes_per_step"],
                  "service": {}}
        for dialect, database in ctx.databases.items():
            svc, g = services[dialect]
            entry["service"][dialect] = svc
            c, a = svc["per_task_ms"], bare["a_memory"]["per_task_ms"]
            b, b2 = bare["b_default_serializer"]["per_task_ms"], bare["b2_specless_serializer"]["per_task_ms"]
            entry["ratios"][dialect] = {"c_over_b": c / b, "c_over_a": c / a, "c_over_b2_specless": c / b2,
                                        # the same ratio in CPU time (the service's own process only)
                                        "cpu_c_over_b2_specless": svc["per_task_cpu_ms"]
                                        / bare["b2_specless_serializer"]["per_task_cpu_ms"],
                                        "interleaved": True}
            sizes = g["state_bytes_per_step"]
            steps = list(range(len(sizes)))
            # The last step completes the workflow (end event copies the data to the workflow): a
            # one-off jump, so linearity is judged over the task steps before it, and reported whole.
            growth["service"][dialect] = {
                "bytes_per_step": sizes, "final_bytes": sizes[-1], "max_bytes": max(sizes),
                "json_bytes_per_step": g["json_bytes_per_step"], "final_json_bytes": g["json_bytes_per_step"][-1],
                "fit_before_completion": linear_fit(steps[:-1], sizes[:-1]),
                "fit_all_steps": linear_fit(steps, sizes),
                "spec_check": g["spec_check"],
                "default_serializer_final_bytes": growth["default_serializer_bytes_per_step"][-1],
                "route": g["trail"],
            }
            # the letters the service layer stored for one case: measurement 5 reports their bytes
            ctx.shared.setdefault("case_letters", {}).setdefault(scenario.name, {})[dialect] = g["letters"]
            if scenario is SCENARIOS[0]:
                entry.setdefault("db_floor", {})[dialect] = measure_db_floor(database, reps=50)
            ctx.log(f"  m1 {scenario.name} {dialect}: c={c:.2f} ms/task, b={b:.2f}, a={a:.3f} → c/b={c / b:.2f}")
        m1[scenario.name], m6[scenario.name] = entry, growth
    ctx.shared["m6_state_growth"] = m6
    return m1


def measure_db_floor(database, *, reps: int, state_bytes: int = 10_000) -> dict:
    """The least one task completion's transaction can cost on this database: begin, read the
    case row, write its state (a ~10 KB text) with the version check, insert one row, commit —
    three statements and a commit, no ORM. Evidence for what the 1.2 × target leaves for the database."""
    from sqlalchemy import text

    payload = "x" * state_bytes
    with database.engine.begin() as conn:
        cid = conn.execute(text("SELECT MIN(id) FROM cases")).scalar()
    if cid is None:
        return {"skipped": "no case row"}
    times = []
    for i in range(reps + 3):
        t0 = perf()
        with database.engine.begin() as conn:
            v = conn.execute(text("SELECT version FROM cases WHERE id = :id"), {"id": cid}).scalar()
            conn.execute(text("UPDATE cases SET state = :s, version = :v1 WHERE id = :id AND version = :v"),
                         {"s": payload, "v1": v + 1, "id": cid, "v": v})
            conn.execute(text("INSERT INTO audit_heads (chain, seq, hash) VALUES (:c, 0, '0') "),
                         {"c": f"floor:{i}"})
        if i >= 3:
            times.append(perf() - t0)
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_heads WHERE chain LIKE 'floor:%'"))
    return {"statements": 3, "latency": summary_ms(times)}
