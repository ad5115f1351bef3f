"""Measurement 4: timers at scale.

* a sweep with nothing due over N pending timers: the claim query of
  ``engine.timers.service._claim`` (a batch) alone, and a whole ``fire_due`` call
  (session, claim, commit) — the latter is what a worker pays per poll;
* K due timers on real cases (the review test process, whose intake task has a
  P7D boundary timer), started through the service under a FrozenClock; then
  worker processes (each with its own FrozenClock past the due time) fire them
  through ``engine.timers.service.fire_due``; timed from the common start to the
  last worker's end;
* exactly-once check: every fired timer has fire_count 1, every case exactly one
  ``timer.fired`` audit event, none of the batch still pending, and the workers'
  counts add up to K.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select

from engine import clock
from bench import pg_cpu
from bench.common import REVIEW, ROOT, make_team, perf, summary_ms


def measure_sweep(database, *, reps: int, warmup: int) -> dict:
    from engine.timers import service as timers

    skip_locked = database.dialect == "postgresql"
    claim_times, sweep_times = [], []
    for i in range(warmup + reps):
        with database.session() as s:
            t0 = perf()
            row = (timers._claim(s, skip_locked=skip_locked, exclude=set(), limit=timers.BATCH) or [None])[0]
            dt = perf() - t0
        if row is not None:
            raise RuntimeError("sweep benchmark expects no due timer")
        t0 = perf()
        fired = timers.fire_due(database=database)
        dt2 = perf() - t0
        if fired:
            raise RuntimeError("sweep benchmark expects no due timer")
        if i >= warmup:
            claim_times.append(dt)
            sweep_times.append(dt2)
    with database.session() as s:
        pending = timers.pending_count(session=s)
    out = {"pending_timers": pending, "claim_query": summary_ms(claim_times), "fire_due_call": summary_ms(sweep_times)}
    if database.dialect == "postgresql":
        out["plan"] = _explain_claim(database)
    return out


def _explain_claim(database) -> dict:
    from bench.m3_worklist import _Capture, explain_pg
    from engine.timers import service as timers

    cap = _Capture(database.engine)
    try:
        with database.session() as s:
            timers._claim(s, skip_locked=True, exclude=set(), limit=timers.BATCH)
        statement, params = cap.last
    finally:
        cap.close()
    plan = explain_pg(database, statement, params)
    plan["sql"] = statement
    return plan


def seed_due_cases(database, *, k: int, at: datetime, version_id: int, starter_id: int,
                   per_transaction: int = 50) -> list[int]:
    """Start ``k`` review cases with the engine clock frozen at ``at`` (intake timer due at at+7d)."""
    from engine.cases import service as cases
    from engine.identity.models import User

    previous = clock.set_clock(clock.FrozenClock(at))
    clock.install_spiff_clock()
    ids = []
    try:
        while len(ids) < k:
            with database.session() as s:
                actor = s.get(User, starter_id)
                for _ in range(min(per_transaction, k - len(ids))):
                    ids.append(cases.start_case(session=s, actor=actor, data={"dienstonderdeel": "Douane"},
                                                version_id=version_id).id)
    finally:
        clock.set_clock(previous)
    return ids


def fire_with_workers(database, *, workers: int, moment: datetime, version_id: int, root=None) -> dict:
    """``root``: the checkout whose engine the workers run (default this one; an experiment compares two)."""
    start_at = time.time() + 3.0  # after imports and the spec-cache warm-up
    root = root or ROOT
    env = {**os.environ, "PYTHONPATH": str(root)}
    pg = pg_cpu.for_database(database)  # every backend of the database, from /proc (None: not visible here)
    try:
        procs = [subprocess.Popen([sys.executable, "-m", "bench.timer_worker", database.url, moment.isoformat(),
                                   repr(start_at), str(version_id)], cwd=root, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(workers)]
        pg_mark = pg.mark() if pg else None
        results = [p.communicate(timeout=3600) for p in procs]
        pg_reading = pg.since(pg_mark) if pg else None
    finally:
        if pg:
            pg.stop()
    for p, (out, err) in zip(procs, results):
        if p.returncode != 0:
            raise RuntimeError(f"timer worker failed: {err[-2000:]}")
    lines = [json.loads(out.strip().splitlines()[-1]) for out, _ in results]
    elapsed = max(x["end"] for x in lines) - min(x["start"] for x in lines)
    fired = sum(x["fired"] for x in lines)
    db_cpu = [x.get("db_cpu") for x in lines]
    return {"workers": workers, "fired_per_worker": [x["fired"] for x in lines],
            "fired_total": fired, "seconds": elapsed,
            # CPU time of the worker processes, and of their PostgreSQL backends when readable (/proc)
            "worker_cpu_ms_per_timer": sum(x.get("cpu") or 0.0 for x in lines) * 1000 / fired if fired else None,
            "db_cpu_ms_per_timer": (sum(db_cpu) * 1000 / fired if fired and None not in db_cpu else None),
            **pg_cpu_fields(pg_reading, fired)}


def pg_cpu_fields(reading: dict | None, fired: int) -> dict:
    """PostgreSQL CPU of a firing run: all the database's backends from the workers' start to their end (their
    warm-up queries included; a backend's last ≤ 100 ms before it exits may be missed: the workers' own
    ``db_cpu_ms_per_timer`` reads their backends exactly)."""
    return {"pg_cpu_ms_per_timer": pg_cpu.per_unit_ms(reading, fired), "pg_cpu": reading}


def verify_once(database, case_ids: list[int], moment: datetime) -> dict:
    from engine.audit.models import AuditEvent
    from engine.timers.models import Timer

    ids = set(case_ids)
    with database.session() as s:
        counts = Counter(fc for cid, fc in s.execute(
            select(Timer.case_id, Timer.fire_count).where(Timer.element_id == "intake_timer")).all() if cid in ids)
        audit = Counter(cid for cid in s.execute(
            select(AuditEvent.case_id).where(AuditEvent.action == "timer.fired")).scalars() if cid in ids)
        still_due = s.execute(select(func.count()).select_from(Timer).where(
            Timer.state == "pending", Timer.fire_at < moment)).scalar_one()
    fired_twice = sum(n for fc, n in counts.items() if fc > 1)
    ok = (counts.get(1, 0) == len(ids) and fired_twice == 0 and len(audit) == len(ids)
          and set(audit.values()) <= {1} and still_due == 0)
    return {"cases": len(ids), "fire_count_1": counts.get(1, 0), "fired_more_than_once": fired_twice,
            "not_fired": counts.get(0, 0), "cases_with_one_audit_event": sum(1 for v in audit.values() if v == 1),
            "duplicate_audit_events": sum(v - 1 for v in audit.values() if v > 1), "still_due_pending": still_due,
            "exactly_once": ok}


def measure_firing(database, *, k: int, worker_counts: list[int]) -> dict:
    """For each worker count: seed K due cases (a later batch per run), fire them, verify."""
    from engine.processes import service as processes

    with database.session() as s:
        version = processes.deploy(session=s, directory=REVIEW)
        parsed = processes.parsed_version(session=s, version_id=version.id)
        team = make_team(s, parsed.manifest, prefix="t")
        version_id, starter = version.id, team["meldpunt"][0].id
    t0 = clock.now().replace(microsecond=0)
    out = {}
    for i, workers in enumerate(worker_counts):
        at = t0 + timedelta(days=30 * i)
        started = perf()
        ids = seed_due_cases(database, k=k, at=at, version_id=version_id, starter_id=starter)
        seed_s = perf() - started
        moment = at + timedelta(days=8)
        run = fire_with_workers(database, workers=workers, moment=moment, version_id=version_id)
        run["seed_seconds"] = seed_s
        run["timers_per_second"] = run["fired_total"] / run["seconds"] if run["seconds"] else None
        run["check"] = verify_once(database, ids, moment)
        out[f"{workers}_worker" + ("s" if workers > 1 else "")] = run
    return out


def run(ctx) -> dict:
    """Sweep over the pending timers (seeded on the cases of measurement 3), then firing."""
    from bench import seed
    from engine.cases.models import Case

    out = {}
    for dialect, database in ctx.databases.items():
        with database.session() as s:
            has_cases = s.execute(select(func.count()).select_from(Case)).scalar_one()
        if not has_cases:
            info = seed.seed_people(database)
            seed.seed_cases(database, info, 1000, version_id=None)
        t0 = perf()
        seed.seed_timers(database, ctx.sizes.m4_pending)
        seed.analyze(database)
        entry = {"seed_seconds": perf() - t0,
                 "sweep": measure_sweep(database, reps=ctx.sizes.m4_sweep_reps, warmup=5)}
        workers = [1, 2] if dialect == "postgresql" else [1]
        entry["firing"] = measure_firing(database, k=ctx.sizes.m4_due, worker_counts=workers)
        entry["due_timers"] = ctx.sizes.m4_due
        out[dialect] = entry
        sweep = entry["sweep"]["fire_due_call"]["p95_ms"]
        fired = ", ".join(f"{k}: {v['seconds']:.1f} s" for k, v in entry["firing"].items())
        ctx.log(f"  m4 {dialect}: sweep p95 {sweep:.2f} ms over {entry['sweep']['pending_timers']:,} pending; "
                f"{ctx.sizes.m4_due} due fired in {fired}")
    return out
