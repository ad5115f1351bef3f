"""Nothing reads the wall clock but ``engine/clock.py``: the suite must give the same result on any date.

An AST scan over the product, the tests, the scenarios and the bench. It finds calls of
``datetime.now/utcnow/today``, ``date.today``, ``time.time/time_ns/localtime/gmtime/ctime/asctime``
(also under an alias or as a bare imported name) and SQL ``func.now()/current_timestamp/current_date``.
Measuring a duration (``time.perf_counter``, ``time.monotonic``) is not reading the date and is allowed.
Everything else goes through ``engine.clock.now()``, which tests freeze (tests/conftest.py).
"""
from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("engine", "api", "documents", "web", "cli", "tests", "features", "bench")
THE_CLOCK = Path("engine/clock.py")

DATETIME_READS = {"now", "utcnow", "today"}
TIME_READS = {"time", "time_ns", "localtime", "gmtime", "ctime", "asctime"}
SQL_READS = {"now", "current_timestamp", "current_date", "localtimestamp"}

# The explicit exceptions: (file, call as written) -> how many times, and why.
ALLOWED: dict[tuple[str, str], tuple[int, str]] = {
    # A start barrier shared by separate worker processes (each with its own frozen engine clock)
    # and the span they took together: it needs one clock that all processes read, and it measures
    # the benchmark run itself, never a date of the product.
    ("bench/timer_worker.py", "time.time"): (3, "cross-process start barrier and span of a measurement"),
    ("bench/m4_timers.py", "time.time"): (1, "cross-process start barrier of a measurement"),
}


def wall_clock_reads(path: Path) -> list[tuple[int, str]]:
    """(line, call) for every wall-clock read in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    datetime_names, time_modules, bare = {"datetime", "date"}, {"time"}, {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("datetime", "time"):
            for alias in node.names:
                local = alias.asname or alias.name
                if node.module == "datetime" and alias.name in ("datetime", "date"):
                    datetime_names.add(local)
                elif node.module == "time" and alias.name in TIME_READS:
                    bare[local] = f"time.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "time":
                    time_modules.add(alias.asname or "time")
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in bare:
            found.append((node.lineno, bare[func.id]))
        if not isinstance(func, ast.Attribute):
            continue
        owner = func.value
        owner_name = owner.id if isinstance(owner, ast.Name) else (owner.attr if isinstance(owner, ast.Attribute) else None)
        if func.attr in DATETIME_READS and owner_name in datetime_names:
            found.append((node.lineno, f"{owner_name}.{func.attr}"))
        elif func.attr in TIME_READS and isinstance(owner, ast.Name) and owner.id in time_modules:
            if func.attr in ("localtime", "gmtime", "ctime", "asctime") and node.args:
                continue  # converts a given moment; reads no clock
            found.append((node.lineno, f"time.{func.attr}"))
        elif func.attr in SQL_READS and owner_name == "func":
            found.append((node.lineno, f"func.{func.attr}"))
    return found


def scan(root: Path = ROOT) -> dict[tuple[str, str], list[int]]:
    hits: dict[tuple[str, str], list[int]] = {}
    for folder in SCANNED:
        for path in sorted((root / folder).rglob("*.py")):
            rel = path.relative_to(root)
            if rel == THE_CLOCK or "node_modules" in rel.parts:
                continue
            for line, call in wall_clock_reads(path):
                hits.setdefault((rel.as_posix(), call), []).append(line)
    return hits


def violations(hits: dict[tuple[str, str], list[int]]) -> list[str]:
    out = []
    for (file, call), lines in sorted(hits.items()):
        allowed = ALLOWED.get((file, call), (0, ""))[0]
        if len(lines) > allowed:
            out.extend(f"{file}:{line}: {call}() reads the wall clock; use engine.clock.now()" for line in lines)
    return out


def test_nothing_reads_the_wall_clock_outside_engine_clock():
    assert violations(scan()) == []


def test_every_allowed_exception_is_still_needed():
    hits = Counter({key: len(lines) for key, lines in scan().items()})
    stale = [f"{file}: {call} (allowed {n}, found {hits[(file, call)]})"
             for (file, call), (n, _) in ALLOWED.items() if hits[(file, call)] != n]
    assert stale == [], "update ALLOWED: " + "; ".join(stale)


def test_the_scan_finds_every_form_of_reading_the_clock(tmp_path):
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "bad.py").write_text(
        "import datetime as dt_mod\n"
        "import time\n"
        "from datetime import date, datetime as DT\n"
        "from time import time as seconds\n"
        "from sqlalchemy import func\n"
        "a = DT.now()\n"
        "b = date.today()\n"  # allow-wall-clock: input for the scan's own test, never run
        "c = dt_mod.datetime.utcnow()\n"  # allow-wall-clock: likewise
        "d = time.time()\n"
        "e = seconds()\n"
        "f = func.now()\n"
        "g = time.localtime()\n"
        "ok1 = time.perf_counter()\n"
        "ok2 = time.localtime(0)\n"
        "ok3 = DT.fromisoformat('2026-11-02')\n", encoding="utf-8")
    found = violations(scan(tmp_path))
    assert sorted(int(line.split(":")[1]) for line in found) == [6, 7, 8, 9, 10, 11, 12], found
    assert all(line.startswith("engine/bad.py:") and "engine.clock.now()" in line for line in found)
