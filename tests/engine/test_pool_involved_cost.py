"""Which pool tasks lie in cases the user worked on is read from the pool's side, whatever the user's history
(issue 25; found by the benchmark's worklists at 100,000 and 1,000,000 cases).

The overdue list and the pool's refusals ask it on every request (``worklist.refused_in_pool``). Read from the
user's side (their completed work, then the pool's tasks in those cases) it read the user's whole history: an
integrity coordinator triages every report, so at 1,000,000 cases the overdue list of a coordinator read ~120,000
items per request (196 ms p95 on PostgreSQL, 3 s on SQLite). From the pool's side it is one indexed look-up per open
task of the pool. Counted, not timed: on PostgreSQL the ``work_items`` index entries and rows read, on SQLite the
query plan.
"""
from __future__ import annotations

import pytest
from datetime import timedelta

from sqlalchemy import event, text, update

from engine.clock import now
from engine.identity.models import User
from engine.worklist import service as worklist
from engine.worklist.models import WorkItem
from tests.engine.test_duties_cost import _work_items_read
from tests.seeding import seed_cases, seed_history

pytestmark = pytest.mark.db

POOL = 6  # open tasks nobody holds in the user's role; the user worked on the cases of the first two


def _history(db, user_id: int, cases: int) -> None:
    """``cases`` new cases whose one item the user completed."""
    seed_history(db, user_id, cases)
    if db.dialect == "postgresql":  # the open items made completed leave dead index entries until a vacuum
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE work_items"))


def _involved(db, user_id: int, late: bool = False) -> tuple[list[int], list]:
    """The pool's tasks in cases the user worked on, and per reading what it cost (PostgreSQL: entries and rows of
    ``work_items`` read; SQLite: the statement's plan)."""
    sent, costs = [], []

    def record(conn, cursor, statement, params, context, executemany):
        sent.append((statement, params))

    with db.session() as s:
        user = s.get(User, user_id)
        roles = tuple(sorted(user.role_codes))
        team_unit, params = worklist._pool_params(user, roles)
        if late:  # the overdue list's: only the tasks past their due date
            params["late"] = now()
        for _ in range(8):  # PostgreSQL: custom plans, then the prepared generic one
            before = _work_items_read(s) if db.dialect == "postgresql" else None
            event.listen(db.engine, "before_cursor_execute", record)
            try:
                ids = sorted(item.id for item in
                             s.execute(worklist._involved_pool_statement(roles, team_unit, late), params).scalars())
            finally:
                event.remove(db.engine, "before_cursor_execute", record)
            if db.dialect == "postgresql":
                costs.append(_work_items_read(s) - before)
            else:
                statement, bound = sent[-1]
                plan = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, bound).all()
                costs.append(" | ".join(str(r[-1]) for r in plan))
        assert worklist.refused_in_pool(session=s, user=user, late=now() if late else None) == set()  # no process
        s.rollback()
    return ids, costs


def test_the_pool_tasks_in_cases_the_user_worked_on_are_read_from_the_pool_at_any_history(db, clock):
    from tests.factories import make_user

    with db.session() as s:
        user_id = make_user(s, "coordinator_van_alles", "behandelaar").id
    seed_cases(db, POOL, roles=["behandelaar"], assignees=[None])  # the pool: cases 1..POOL, items 1..POOL
    with db.engine.begin() as conn:  # the user completed earlier work in cases 1 and 2
        conn.execute(text(
            "INSERT INTO work_items (case_id, task_id, element_id, name, role, slot, state, priority, created_at,"
            " completed_by_id) SELECT id, 'eerder-' || CAST(id AS VARCHAR(20)), 'e', 'Taak', 'behandelaar',"
            " 'behandelaar', 'completed', 0, CURRENT_TIMESTAMP, :u FROM cases WHERE id <= 2"), {"u": user_id})
    with db.engine.begin() as conn:  # of those two, only case 1's task is late
        for item_id, days in ((1, -2), (2, 5)):
            conn.execute(update(WorkItem).where(WorkItem.id == item_id).values(due_at=now() + timedelta(days=days)))
    _history(db, user_id, 5)
    small_ids, small = _involved(db, user_id)
    _history(db, user_id, 3_000)
    large_ids, large = _involved(db, user_id)
    assert small_ids == large_ids == [1, 2]
    # the overdue list asks for the late ones only
    late_ids, late = _involved(db, user_id, late=True)
    assert late_ids == [1]
    if db.dialect == "postgresql":
        # the pool's items and one look-up each (before: the user's whole history, 3,000 and more)
        assert max(large + late) <= 10 * POOL, (list(map(int, small)), list(map(int, large)), list(map(int, late)))
    else:
        assert large == small, (small, large)
        assert all("(completed_by_id=? AND case_id=?)" in plan for plan in large + late), large + late
