"""Many cases fast, for the statement-count tests at 1,000 and 100,000 cases (issue 25).

Set-based SQL: one ``INSERT ... SELECT`` over a recursive number series per table, so the database makes the rows
itself (100,000 cases and their work items in about a second on SQLite and PostgreSQL). Minimal rows, like
``bench/seed.py``: no workflow state; each case gets one open work item whose role, assignee and due date cycle
through the given values, so every worklist query has rows to find.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, text

from engine.clock import now
from engine.db import UTCDateTime


def _cycle(column: str, values: list) -> tuple[str, dict]:
    """A CASE over ``i % len(values)`` picking from ``values`` (bound parameters, NULL for None)."""
    params, whens = {}, []
    for k, value in enumerate(values):
        params[f"{column}_{k}"] = value
        whens.append(f"WHEN {k} THEN :{column}_{k}")
    return f"CASE (seq.i % {len(values)}) {' '.join(whens)} END", params


def seed_cases(db, n: int, *, roles: list[str], assignees: list[int | None], process_version_id: int | None = None,
               unit: str = "Douane", status: str = "open", category: str = "lekken") -> None:
    """Add ``n`` cases (open, or ``status`` "closed": closed when they were made), each with one open work item,
    after the ones there are."""
    with db.engine.begin() as conn:
        base = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM cases")).scalar()
        item_base = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM work_items")).scalar()
        series = "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n) "
        moment = now()
        stamp = bindparam("t", moment - timedelta(days=1), type_=UTCDateTime())
        conn.execute(text(
            "INSERT INTO cases (id, reference, process_version_id, status, unit, category, priority, version, summary,"
            " imported, created_by, created_at, updated_at, closed_at) " + series +
            "SELECT :base + seq.i, 'SEED-' || CAST(:base + seq.i AS VARCHAR(20)), CAST(:pv AS INTEGER), CAST(:status AS VARCHAR(20)), :unit,"
            " :category, 0, 1, '{}', :no, 'seed', :t, :t, CASE WHEN CAST(:status AS VARCHAR(20)) = 'closed' THEN :t END FROM seq"
        ).bindparams(stamp),
            {"n": n, "base": base, "pv": process_version_id, "unit": unit, "no": False, "status": status,
             "category": category})
        role_sql, role_params = _cycle("role", roles)
        who_sql, who_params = _cycle("who", assignees)
        due_sql, due_params = _cycle("due", [moment - timedelta(days=2), moment + timedelta(days=5), None])
        due_types = [bindparam(k, v, type_=UTCDateTime()) for k, v in due_params.items()]
        conn.execute(text(
            "INSERT INTO work_items (id, case_id, task_id, element_id, name, role, slot, state, assignee_id, due_at,"
            " priority, created_at) " + series +
            f"SELECT :ibase + seq.i, :base + seq.i, 'seed-' || CAST(:ibase + seq.i AS VARCHAR(20)), 'seed_task',"
            f" 'Taak', {role_sql}, {role_sql}, 'open', CAST({who_sql} AS INTEGER), {due_sql}, seq.i % 5, :t FROM seq"
        ).bindparams(stamp, *due_types),
            {"n": n, "base": base, "ibase": item_base, **role_params, **who_params})
        if db.dialect == "postgresql":
            for table in ("cases", "work_items"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT MAX(id) FROM {table}))"))
            conn.execute(text("ANALYZE cases"))
            conn.execute(text("ANALYZE work_items"))


def seed_history(db, user_id: int, cases: int, *, role: str = "behandelaar") -> int:
    """``cases`` new cases (as :func:`seed_cases`) whose one work item ``user_id`` completed: a user's history.
    Returns the highest case id before them."""
    with db.engine.connect() as conn:
        base = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM cases")).scalar()
    seed_cases(db, cases, roles=[role], assignees=[None])
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE work_items SET state = 'completed', completed_by_id = :u WHERE case_id > :base"),
                     {"u": user_id, "base": base})
    return base
