"""Keeps the benchmark working: a tiny run end to end, checking the shape of its output.

No timing assertions: the figures only have to be positive numbers.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("MELDPUNT_TEST_DATABASE_URL", "")


def _run(tmp_path: Path, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bench", "--tiny", "--output-dir", str(tmp_path), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    results["_markdown"] = (tmp_path / "RESULTS.md").read_text()
    return results


def _positive(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0


def _check_latency(lat: dict) -> None:
    assert set(lat) >= {"n", "median_ms", "p95_ms", "p99_ms"}
    for key in ("median_ms", "p95_ms", "p99_ms"):
        assert _positive(lat[key]), (key, lat)


def _check(results: dict, dialect: str) -> None:
    meta, m = results["meta"], results["measurements"]
    assert meta["mode"] == "tiny" and dialect in meta["databases"]
    assert _positive(meta["machine"]["cpu_count"]) and meta["machine"]["spiffworkflow"]

    lin = m["m1_baseline"]["linear12"]
    for key in ("a_memory", "b_default_serializer", "b2_specless_serializer"):
        assert lin["bare"][key]["tasks_per_case"] == 12
        assert _positive(lin["bare"][key]["per_task_ms"])
        _check_latency(lin["bare"][key]["latency"])
    svc = lin["service"][dialect]
    assert svc["tasks_per_case"] == 12 and _positive(svc["per_task_ms"])
    _check_latency(svc["latency"])
    ratios = dict(lin["ratios"][dialect])
    assert ratios.pop("interleaved") is True  # the variants ran case by case in turn
    assert all(_positive(v) for v in ratios.values()), ratios
    _check_integrity_route(m, dialect)

    growth = m["m6_state_growth"]["linear12"]["service"][dialect]
    assert len(growth["bytes_per_step"]) == 13 and all(_positive(b) for b in growth["bytes_per_step"])
    assert growth["spec_check"]["has_spec_key"] is False

    sizes = m["m3_worklist"][dialect]
    for size in sizes.values():
        assert _positive(size["cases"]) and _positive(size["work_items"])
        for name, q in size["queries"].items():
            if q.get("note"):
                continue
            _check_latency(q["latency"])
            assert "plan" in q, name

    timers = m["m4_timers"][dialect]
    assert _positive(timers["sweep"]["pending_timers"])
    _check_latency(timers["sweep"]["fire_due_call"])
    for run in timers["firing"].values():
        assert run["fired_total"] == timers["due_timers"] and _positive(run["seconds"])
        assert run["check"]["exactly_once"] is True
        if dialect == "postgresql":  # the backends' CPU from /proc (bench/pg_cpu.py); a few timers may take < 1 tick
            assert run["pg_cpu_ms_per_timer"] is not None and run["pg_cpu_ms_per_timer"] >= 0

    prof = m["profile_service_layer"]
    assert _positive(prof["tasks_profiled"]) and prof["buckets"]

    _check_letters(m, dialect)

    _check_http(m["m2_http"], dialect)
    statuses = {t["status"] for t in results["targets"]}
    assert statuses <= {"MET", "MISSED", "NOT MEASURED"}
    assert all(t["target"] for t in results["targets"])
    measured = {(t["id"], t["status"] != "NOT MEASURED") for t in results["targets"]
                if "integrity_longest_route" in t["target"] or t["id"] == "5"}
    assert measured == {("1", True), ("5", True), ("6", True)}, results["targets"]
    ids = {t["id"] for t in results["targets"]}
    assert {"2", "7"} <= ids
    assert "The same route without letters" in results["_markdown"]
    assert "## 2. Throughput over HTTP" in results["_markdown"] and "## 7. Server memory" in results["_markdown"]
    pg_cpu = [t for t in results["targets"] if t["target"].startswith("PostgreSQL CPU per completion")]
    if dialect == "postgresql":
        assert len(pg_cpu) == 3 and all(t["status"] != "NOT MEASURED" for t in pg_cpu), pg_cpu
        assert "PostgreSQL CPU ms / completion" in results["_markdown"]
    else:
        assert pg_cpu == []


LONGEST_ROUTE_TASKS = 32  # incl. the witness minutes (offer and answer) for the one witness heard


def _check_integrity_route(m: dict, dialect: str) -> None:
    """Measurements 1 and 6 drive the real process (processes/) along its longest route: no skip."""
    integ = m["m1_baseline"]["integrity_longest_route"]
    assert "skipped" not in integ, integ
    for key in ("a_memory", "b_default_serializer", "b2_specless_serializer"):
        assert integ["bare"][key]["tasks_per_case"] == LONGEST_ROUTE_TASKS
        assert _positive(integ["bare"][key]["per_task_ms"])
        _check_latency(integ["bare"][key]["latency"])
    svc = integ["service"][dialect]
    assert svc["tasks_per_case"] == LONGEST_ROUTE_TASKS and _positive(svc["per_task_ms"])
    _check_latency(svc["latency"])
    assert svc["letters_per_case"] >= 12 and _positive(svc["letter_bytes_per_case"])  # letters rendered per step
    ratios = dict(integ["ratios"][dialect])
    assert ratios.pop("interleaved") is True
    assert all(_positive(v) for v in ratios.values()), ratios

    growth = m["m6_state_growth"]["integrity_longest_route"]
    s = growth["service"][dialect]
    assert len(s["bytes_per_step"]) == LONGEST_ROUTE_TASKS + 1 and all(_positive(b) for b in s["bytes_per_step"])
    assert len(growth["default_serializer_bytes_per_step"]) == LONGEST_ROUTE_TASKS + 1
    assert s["spec_check"]["has_spec_key"] is False
    assert {"bezwaar_behandelen", "zienswijze_verwerken", "hoorgesprek_voeren", "ordemaatregel_besluit",
            "sanctieadvies_opstellen", "zaak_registreren"} <= set(s["route"])
    assert s["route"][-1] == "zaak_registreren"


def _check_letters(m: dict, dialect: str) -> None:
    """Measurement 5: every template rendered with data from real cases, and one case's letter bytes."""
    letters = m["m5_letters"]
    templates = sorted(p.stem for p in (ROOT / "processes" / "letters").glob("*.docx"))
    assert len(templates) == 16 and letters["templates_measured"] == templates
    assert letters["templates_missing"] == []
    for name, t in letters["per_template"].items():
        assert t["latency"]["n"] == letters["repetitions_per_template"], name
        _check_latency(t["latency"])
        assert _positive(t["docx_bytes"]) and t["recipient"], name
    _check_latency(letters["overall"])
    assert letters["overall"]["n"] == len(templates) * letters["repetitions_per_template"]
    case = letters["case_letter_bytes"][dialect]
    assert case["letters"] >= 12 and _positive(case["total_bytes"])
    assert case["total_bytes"] == sum(x["bytes"] for x in case["per_letter"])


def _check_http(m2: dict, dialect: str) -> None:
    """Measurements 2 and 7: every run completed cases without a single error, and the server's RSS was sampled."""
    runs = m2["runs"]
    assert set(runs) == ({"postgresql_1w", "postgresql_2w", "postgresql_2w_1lw"} if dialect == "postgresql"
                         else {"sqlite_1w"})
    for key, run in runs.items():
        assert "failed" not in run, (key, run.get("failed"), run.get("traceback"))
        assert run["errors"] == 0, (key, run["error_samples"], run.get("server_log_tail"))
        assert run["cases_abandoned"] == 0 and run["warmup"]["errors"] == 0
        assert run["task_completions"] > 0
        assert run["cases_closed"] == run["handlers"] * run["cases_per_handler"]
        assert run["warmup"]["cases_closed"] == run["warmup"]["cases"]
        for k in ("task_completions_per_second", "cases_per_second", "requests_per_second", "measured_seconds"):
            assert _positive(run[k]), (key, k)
        _check_latency(run["complete_latency"])
        assert run["complete_latency"]["n"] == run["task_completions"]
        # the handlers claim and open a pool task in one request and skip the worklist for a task they know
        assert {"worklist", "claim_open", "detail", "register", "letters"} <= set(run["other_latency"])
        assert "claim" not in run["other_latency"]
        kinds = run["requests_per_completion_by_kind"]
        assert kinds["complete"] == 1 and kinds["worklist"] < 1
        assert run["requests_per_completion"] == pytest.approx(sum(kinds.values()))
        assert _positive(run["letters_per_case"])
        visible = run["letter_visible_after_commit"]  # every letter of the measured phase made, and timed
        assert visible["letters"] > 0 and visible["not_visible"] == 0 and visible["n"] == visible["letters"]
        route = next(iter(run["routes"]))
        assert route.startswith("melding_registreren") and "hoorgesprek_voeren" in route \
            and "besluit_disciplinaire_maatregel" in route and route.endswith("zaak_registreren")
        if dialect == "postgresql":  # issue 25: PostgreSQL's CPU per completion, from its backends' /proc
            assert _positive(run["cpu"]["postgresql_cpu_ms_per_completion"]) and run["cpu"]["postgresql_backends"] > 0
        rss = run["rss"]
        assert _positive(rss["peak_mb"]) and _positive(rss["peak_sum_measured_mb"]) and rss["samples"] > 0
        assert len(rss["processes"]) >= run["workers"]
        # issue 25: the same route without letters, alternating with it round by round against the same server (in a
        # tiny run, in the first configuration per database)
        if run["workers"] != 1:
            assert "without_letters" not in run
            continue
        assert run["interleaved_rounds"] == [v for k in range(run["cases_per_handler"]) for v in
                                             (("letters", "without_letters"), ("without_letters", "letters"))[k % 2]]
        other = run["without_letters"]
        assert other["errors"] == 0 and other["cases_abandoned"] == 0, other["error_samples"]
        assert other["cases_closed"] == run["handlers"] * run["cases_per_handler"]
        # no letter but the one the engine requires of every set that investigates: the notice to the subject
        assert other["letters_per_case"] == 1 < run["letters_per_case"] and other["task_completions"] > 0
        assert list(other["routes"]) == list(run["routes"])  # the same route, task for task
        for k in ("task_completions_per_second", "measured_seconds"):
            assert _positive(other[k]), k
        assert _positive(other["cpu"]["server_cpu_ms_per_completion"])
        _check_latency(other["complete_latency"])
        if dialect == "postgresql":
            assert _positive(other["cpu"]["postgresql_cpu_ms_per_completion"])


def test_tiny_benchmark_on_sqlite(tmp_path):
    _check(_run(tmp_path, "--db", "sqlite"), "sqlite")


@pytest.mark.postgres_only
@pytest.mark.skipif(not PG_URL.startswith("postgresql"), reason="set MELDPUNT_TEST_DATABASE_URL for PostgreSQL")
def test_tiny_benchmark_on_postgresql(tmp_path):
    admin = make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False)
    _check(_run(tmp_path, "--db", "postgresql", "--pg-url", admin), "postgresql")
