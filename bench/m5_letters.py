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
