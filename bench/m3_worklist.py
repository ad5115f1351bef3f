"""Measurement 3: worklist and case-list queries at 10k / 100k / 1M cases.

The worklist queries are the engine's own (``engine.worklist.service``). The engine
has no case-list query yet, so :func:`case_list` writes the one an API would run:
filter by status / unit / category, newest first, a page of 25 (offset pages and
keyset pages), plus the total count a paginated list usually shows.

On PostgreSQL every query is also run once under ``EXPLAIN (ANALYZE, BUFFERS,
FORMAT JSON)``; the report lists the indexes the plan used and any sequential scan.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Callable

from sqlalchemy import event, func, select

from bench.common import perf, summary_ms

PAGE = 25


# ---- the case list an API would run (the engine has none yet) ------------------------

def _case_cols():
    from engine.cases.models import Case

    return (Case.id, Case.reference, Case.status, Case.unit, Case.category, Case.priority, Case.created_at,
            Case.closed_at)


def _case_filter(q, *, status=None, unit=None, category=None):
    from engine.cases.models import Case

    if status:
        q = q.where(Case.status == status)
    if unit:
        q = q.where(Case.unit == unit)
    if category:
        q = q.where(Case.category == category)
    return q


def case_list(*, session, status=None, unit=None, category=None, limit: int = PAGE, offset: int = 0,
              before: tuple[datetime, int] | None = None) -> list:
    """A page of cases, newest first. ``before`` = keyset cursor (created_at, id) of the last row seen."""
    from engine.cases.models import Case

    q = _case_filter(select(*_case_cols()), status=status, unit=unit, category=category)
    if before is not None:
        q = q.where((Case.created_at < before[0]) | ((Case.created_at == before[0]) & (Case.id < before[1])))
    q = q.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit).offset(offset)
    return list(session.execute(q).all())


def case_count(*, session, status=None, unit=None, category=None) -> int:
    from engine.cases.models import Case

    return session.execute(_case_filter(select(func.count(Case.id)), status=status, unit=unit,
                                        category=category)).scalar_one()


# ---- plans ---------------------------------------------------------------------------

class _Capture:
    """Remembers the last SQL statement the engine sent (for EXPLAIN)."""

    def __init__(self, engine):
        self.engine, self.last = engine, None
        event.listen(engine, "before_cursor_execute", self._hook)

    def _hook(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            self.last = (statement, parameters)

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._hook)


def _walk(node: dict, out: dict) -> None:
    kind = node.get("Node Type", "")
    if "Index Name" in node:
        out["indexes"].add(node["Index Name"])
    if kind == "Seq Scan":
        out["seq_scans"].add(node.get("Relation Name", "?"))
    out["nodes"].append(kind)
    for child in node.get("Plans", []) or []:
        _walk(child, out)


def explain_pg(database, statement: str, parameters) -> dict:
    with database.engine.connect() as conn:
        raw = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters).scalar()
    plan = raw if isinstance(raw, list) else json.loads(raw)
    top = plan[0]
    out = {"indexes": set(), "seq_scans": set(), "nodes": []}
    _walk(top["Plan"], out)
    return {"index_used": bool(out["indexes"]), "indexes": sorted(out["indexes"]),
            "seq_scans": sorted(out["seq_scans"]), "node_types": out["nodes"],
            "execution_time_ms": top.get("Execution Time"), "planning_time_ms": top.get("Planning Time"),
            "shared_hit_blocks": top["Plan"].get("Shared Hit Blocks"),
            "shared_read_blocks": top["Plan"].get("Shared Read Blocks"),
            "plan": top["Plan"]}


def explain_sqlite(database, statement: str, parameters) -> dict:
    with database.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    details = [r[-1] for r in rows]
    return {"index_used": any("INDEX" in d for d in details), "details": details,
            "seq_scans": [d for d in details if d.startswith("SCAN") and "INDEX" not in d]}


# ---- the measurement -----------------------------------------------------------------

def queries(bench_user_id: int) -> dict[str, Callable]:
    from engine.identity.models import User
    from engine.worklist import service as worklist

    def as_user(fn):
        def run(s):
            return fn(session=s, user=s.get(User, bench_user_id))
        return run

    unit, cat = "Dienstonderdeel 01", "lekken"

    cursor: dict = {}

    def keyset(s):
        # The cursor (last row of the page before) is what the client sends; found once, untimed.
        if "before" not in cursor:
            prev = case_list(session=s, status="closed", unit=unit, limit=PAGE, offset=2000 - PAGE)
            cursor["before"] = (prev[-1].created_at, prev[-1].id) if prev else None
        if cursor["before"] is None:
            return []
        return case_list(session=s, status="closed", unit=unit, before=cursor["before"])

    return {
        "my_tasks": as_user(worklist.my_tasks),
        "unassigned_in_my_roles": as_user(worklist.unassigned_in_my_roles),
        "overdue_mine": as_user(worklist.overdue),
        "overdue_all": lambda s: worklist.overdue(session=s),
        "case_list_open_unit_p1": lambda s: case_list(session=s, status="open", unit=unit),
        "case_list_closed_unit_category_p1": lambda s: case_list(session=s, status="closed", unit=unit,
                                                                 category=cat),
        "case_list_closed_unit_offset2000": lambda s: case_list(session=s, status="closed", unit=unit,
                                                                offset=2000),
        "case_list_all_p1": lambda s: case_list(session=s),
        "case_list_count_closed_unit": lambda s: case_count(session=s, status="closed", unit=unit),
        "case_list_closed_unit_keyset": keyset,
    }


# Queries that are not a worklist/case-list page shown to users, so not held to the 20 ms target.
NOT_TARGETED = {"case_list_closed_unit_offset2000", "case_list_count_closed_unit"}


def measure(database, *, bench_user_id: int, reps: int, warmup: int, explain: bool = True) -> dict:
    """Latency of each query (fresh session per run, as a request would have)."""
    from engine.worklist import service as _  # noqa: F401  (import cost outside the timing)

    out = {}
    capture = _Capture(database.engine)
    try:
        for name, fn in queries(bench_user_id).items():
            rows = 0
            for _ in range(warmup):
                with database.session() as s:
                    fn(s)
            times = []
            for _ in range(reps):
                with database.session() as s:
                    t0 = perf()
                    result = fn(s)
                    times.append(perf() - t0)
                    rows = result if isinstance(result, int) else len(result)
            entry = {"rows": rows, "latency": summary_ms(times), "targeted": name not in NOT_TARGETED}
            if explain and capture.last is not None:
                with database.session() as s:
                    capture.last = None
                    fn(s)
                if capture.last is None:  # nothing was sent (e.g. no cursor page at this size)
                    entry["targeted"] = False
                    entry["note"] = "not run: too few rows at this size"
                    out[name] = entry
                    continue
                statement, params = capture.last
                try:
                    entry["plan"] = (explain_pg if database.dialect == "postgresql" else explain_sqlite)(
                        database, statement, params)
                except Exception as exc:  # pragma: no cover - reported
                    entry["plan"] = {"error": f"{type(exc).__name__}: {exc}"}
                entry["sql"] = statement
            out[name] = entry
    finally:
        capture.close()
    return out


def run(ctx) -> dict:
    """Seed up to each size in turn (incrementally) and measure at each."""
    from sqlalchemy import select as _select

    from bench import seed
    from engine.processes.models import ProcessVersion

    out = {}
    for dialect, database in ctx.databases.items():
        with database.session() as s:
            version_id = s.execute(_select(ProcessVersion.id).where(ProcessVersion.main_process_id == "linear12")
                                   .limit(1)).scalar_one_or_none()
        info = seed.seed_people(database)
        per_size = {}
        for n in ctx.sizes.m3_cases:
            t0 = perf()
            seed.seed_cases(database, info, n - info.cases, version_id=version_id)
            seed.analyze(database)
            seeded = perf() - t0
            figures = measure(database, bench_user_id=info.bench_user_id, reps=ctx.sizes.m3_reps,
                              warmup=ctx.sizes.m3_warmup)
            per_size[str(n)] = {"cases": info.cases, "work_items": info.work_items, "open_items": info.open_items,
                                "seed_seconds": seeded, "queries": figures}
            worst = max(v["latency"]["p95_ms"] for v in figures.values() if v["targeted"])
            ctx.log(f"  m3 {dialect} {n:,} cases: seeded in {seeded:.1f} s, worst targeted p95 {worst:.1f} ms")
        out[dialect] = per_size
        ctx.shared.setdefault("seed_info", {})[dialect] = info
    return out
