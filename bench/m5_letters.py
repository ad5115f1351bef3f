"""Measurement 5: letters — render time per template, and the letter bytes of one case.

Inputs are real: three cases of the integrity process run through the service layer
(the longest route, the route "geen onderzoek", and an investigation that proves
nothing), and every call the engine makes to ``documents.service.render_letter`` is
recorded (template, recipient, the case data as the engine merges it, the manifest
settings, the case reference). Together the three routes and an approved
identity reveal on the longest-route case name all 14 templates.

Each recorded letter is then rendered again through the same function — the product's
rendering path: recipient whitelist (``documents.context.build_context``), docxtpl
render with the strict sandboxed Jinja environment, zip normalisation, the leak check
over the rendered text, and the template's sha256 — after a warm-up, round-robin over
the templates so machine noise spreads evenly. Storing (one INSERT of the bytes inside
the step's transaction) is not part of this figure; it is in measurement 1's service
variant, which renders and stores every letter of the case.

Per-case bytes: the .docx bytes the service layer stored for one case along the longest
route (from measurement 1 when it ran, else from the case recorded here).
"""
from __future__ import annotations

import contextlib
import copy
import os
import statistics
from pathlib import Path

from bench.common import perf, summary_ms
from bench.context import LETTER_SIZES

TARGET_P95_MS = 50.0


def templates_dir() -> Path:
    from documents.render import default_templates_dir

    return default_templates_dir()


def all_templates() -> list[str]:
    return sorted(p.stem for p in templates_dir().glob("*.docx"))


@contextlib.contextmanager
def recording_letters(calls: list[dict]):
    """Record every ``render_letter`` call the service layer makes (the letter is still produced)."""
    from documents import service as letters

    original = letters.render_letter

    def recorder(**kwargs):
        calls.append(copy.deepcopy(kwargs))
        return original(**kwargs)

    letters.render_letter = recorder
    try:
        yield calls
    finally:
        letters.render_letter = original


def _reveal_identity(database, case_id: int, team_ids: dict) -> None:
    """The one letter no process task makes: the notice to the reporter before an identity
    reveal (engine.cases.reveal), requested by one coordinator and approved by another."""
    from engine.cases import reveal
    from engine.identity import access
    from engine.identity.models import User

    with database.session() as s:
        coordinators = [s.get(User, i) for i in team_ids.get("integriteitscoordinator", [])]
        visible = [u for u in coordinators if access.can_see_case(session=s, user=u, case_id=case_id)]
        if len(visible) < 2:  # a second coordinator, overseeing the case's unit, decides
            from engine.cases.models import Case

            other = next(u for u in coordinators if u not in visible)
            other.unit = s.get(Case, case_id).unit
            s.flush()
            visible.append(other)
        from sqlalchemy import select

        from engine.cases.models import CaseActor

        actors = s.execute(select(CaseActor.user_id).where(CaseActor.case_id == case_id)).scalars()
        grantee = next(u for u in (s.get(User, i) for i in sorted(set(actors)))
                       if u not in visible and access.can_see_case(session=s, user=u, case_id=case_id))
        row = reveal.request_reveal(session=s, case_id=case_id, by=visible[0], grantee_id=grantee.id,
                                    reason="De melder wordt als getuige gehoord.")
        reveal.decide_reveal(session=s, case_id=case_id, reveal_id=row.id, by=visible[1], approve=True)


def capture_cases(database, log=print) -> dict:
    """Run the letter scenarios through the service layer; returns the recorded render calls
    (one per template, first occurrence) and the longest-route case's stored letters."""
    from bench.m1_baseline import case_letters, run_service_case, setup_service
    from bench.scenarios import INTEGRITY_SCENARIO, LETTER_SCENARIOS

    calls: list[dict] = []
    longest_letters: list[dict] = []
    with recording_letters(calls):
        for scenario in LETTER_SCENARIOS:
            reason = scenario.skip_reason()
            if reason:
                log(f"  m5 {scenario.name}: skipped ({reason})")
                continue
            version_id, team_ids, starter = setup_service(database, scenario, prefix="l")
            run = run_service_case(database, scenario, version_id, team_ids, starter)
            if scenario is INTEGRITY_SCENARIO:
                longest_letters = case_letters(database, run["case_id"])
                _reveal_identity(database, run["case_id"], team_ids)
    by_template: dict[str, dict] = {}
    for call in calls:
        by_template.setdefault(call["template"], call)
    return {"calls": by_template, "render_calls_seen": len(calls), "longest_route_letters": longest_letters}


def time_renders(calls: dict[str, dict], *, warmup: int, reps: int) -> dict[str, list[float]]:
    """Seconds per render, per template: warm-up, then ``reps`` rounds over all templates."""
    from documents.service import render_letter

    names = sorted(calls)
    for _ in range(warmup):
        for name in names:
            render_letter(**calls[name])
    samples: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(reps):
        for name in names:
            t0 = perf()
            render_letter(**calls[name])
            samples[name].append(perf() - t0)
    return samples


def time_checks(calls: dict[str, dict], *, warmup: int, reps: int) -> dict[str, list[float]]:
    """Seconds per in-step check (``documents.service.check_letter``: placeholders and the leak guard over the
    letter's text, no document), per template: what a step still pays for its letter inside its transaction."""
    from documents.service import check_letter

    names = sorted(calls)
    for _ in range(warmup):
        for name in names:
            check_letter(**calls[name])
    samples: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(reps):
        for name in names:
            t0 = perf()
            check_letter(**calls[name])
            samples[name].append(perf() - t0)
    return samples


def visible_after_commit(database, log=print) -> dict:
    """Issue 25: seconds from a step's commit to its letter being stored by the letter worker, with the worker
    as a thread of this process (``achtergrond``, woken by the commit) while the letter scenarios run through the
    service layer in the foreground. Instrumented at the commit hook and around the worker's transaction."""
    import threading
    import time

    from sqlalchemy import inspect

    from bench.m1_baseline import run_service_case, setup_service
    from bench.scenarios import LETTER_SCENARIOS
    from engine.config import get_settings
    from engine.letter_outbox import service as outbox, worker

    committed: dict[int, float] = {}
    visible: dict[int, float] = {}
    taken = threading.local()
    original_committed, original_attempt, original_one = outbox._committed, worker.attempt, worker.render_one

    def on_commit(session):
        moment = perf()
        for job in session.info.get(outbox._INFO_KEY) or ():
            key = inspect(job).identity
            if key:
                committed[key[0]] = moment
        original_committed(session)

    def attempt(session, job, **kwargs):
        taken.job = job.id
        return original_attempt(session, job, **kwargs)

    def render_one(**kwargs):
        taken.job = None
        outcome = original_one(**kwargs)
        if outcome and taken.job is not None:
            visible[taken.job] = perf()  # after the worker's transaction committed
        return outcome

    previous = os.environ.get("MELDPUNT_BRIEVEN")
    os.environ["MELDPUNT_BRIEVEN"] = "achtergrond"
    get_settings.cache_clear()
    outbox._committed, worker.attempt, worker.render_one = on_commit, attempt, render_one
    handle = worker.start_background(bind=database.engine, poll_seconds=0.5)
    try:
        for scenario in LETTER_SCENARIOS:
            if scenario.skip_reason():
                continue
            version_id, team_ids, starter = setup_service(database, scenario, prefix="v")
            run_service_case(database, scenario, version_id, team_ids, starter)
        for _ in range(100):  # the last letters: the worker drains them (woken; 0.5 s sweeps at most)
            if set(committed) <= set(visible):
                break
            worker.wake()
            time.sleep(0.1)  # not a timed Event.wait: libfaketime 0.9.10 never ends one (`make test-on`)
    finally:
        worker.stop_background(handle)
        outbox._committed, worker.attempt, worker.render_one = original_committed, original_attempt, original_one
        if previous is None:
            os.environ.pop("MELDPUNT_BRIEVEN", None)
        else:
            os.environ["MELDPUNT_BRIEVEN"] = previous
        get_settings.cache_clear()
    delays = [visible[j] - committed[j] for j in committed if j in visible]
    out = summary_ms(delays)
    out["letters"], out["not_visible"] = len(committed), len(set(committed) - set(visible))
    log(f"  m5 letter visible after commit: {len(delays)} letters, median {out['median_ms']:.1f} ms, "
        f"p95 {out['p95_ms']:.1f} ms")
    return out


def letter_bytes(letters: list[dict]) -> dict:
    return {"letters": len(letters), "total_bytes": sum(x["bytes"] for x in letters),
            "per_letter": letters,
            "median_bytes": statistics.median([x["bytes"] for x in letters]) if letters else None}


def run(ctx) -> dict:
    sizes = LETTER_SIZES[ctx.mode]
    dialect = "sqlite" if "sqlite" in ctx.databases else next(iter(ctx.databases))
    captured = capture_cases(ctx.databases[dialect], log=ctx.log)
    calls = captured["calls"]
    expected = all_templates()
    samples = time_renders(calls, warmup=sizes.warmup, reps=sizes.reps)
    per_template = {}
    for name in sorted(samples):
        call = calls[name]
        content_bytes = None
        with contextlib.suppress(Exception):
            from documents.service import render_letter

            content_bytes = len(render_letter(**call)[0])
        per_template[name] = {"recipient": call["recipient"], "latency": summary_ms(samples[name]),
                              "docx_bytes": content_bytes}
    pooled = [v for name in samples for v in samples[name]]
    overall = summary_ms(pooled)
    checks = time_checks(calls, warmup=sizes.warmup, reps=sizes.reps)
    in_step = summary_ms([v for name in checks for v in checks[name]])
    # on PostgreSQL when measured (production's database; on SQLite the worker's write transaction queues behind
    # the foreground's steps, one writer at a time)
    visible_db = "postgresql" if "postgresql" in ctx.databases else dialect
    after_commit = {**visible_after_commit(ctx.databases[visible_db], log=ctx.log), "database": visible_db}
    worst = max(per_template, key=lambda n: per_template[n]["latency"]["p95_ms"]) if per_template else None
    stored = (ctx.shared.get("case_letters") or {}).get("integrity_longest_route") or {}
    if stored:
        case_bytes = {d: letter_bytes(v) for d, v in stored.items()}
        case_source = "measurement 1, service variant (letters stored for one case)"
    else:
        case_bytes = {dialect: letter_bytes(captured["longest_route_letters"])}
        case_source = "the longest-route case run by this measurement"
    out = {
        "templates_expected": expected,
        "templates_measured": sorted(per_template),
        "templates_missing": sorted(set(expected) - set(per_template)),
        "warmup_per_template": sizes.warmup,
        "repetitions_per_template": sizes.reps,
        "captured_on": dialect,
        "render_calls_seen": captured["render_calls_seen"],
        "per_template": per_template,
        "overall": overall,
        # issue 25: inside the step's transaction only this check runs; the render above is the letter worker's
        "in_step_check": in_step,
        "visible_after_commit": after_commit,  # target: p95 ≤ 1 s (issue 25)
        "worst_template_p95": worst,
        "target_p95_ms": TARGET_P95_MS,
        "case_letter_bytes": case_bytes,
        "case_letter_bytes_source": case_source,
    }
    ctx.log(f"  m5 letters: {len(per_template)} templates × {sizes.reps}: median {overall['median_ms']:.1f} ms, "
            f"p95 {overall['p95_ms']:.1f} ms (worst p95 {worst}: "
            f"{per_template[worst]['latency']['p95_ms']:.1f} ms); in-step check median {in_step['median_ms']:.1f} ms"
            if worst else "  m5 letters: nothing rendered")
    return out
