"""What a user did in a case before is read from one index entry, whatever their history and the case's size
(issue 25, migration 0044).

Every completion and pick-up asks it (``engine.cases.duties``: the separation of duties). With an index per column,
PostgreSQL read every item the user ever completed (both indexes combined) or every item of the case (filtered);
``ix_work_items_completed_by`` (``completed_by_id, case_id``) holds the answer's rows only. Counted, not timed: on
PostgreSQL the ``work_items`` index entries and rows this transaction read (``pg_stat_get_xact_tuples_*``), on SQLite
the query plan.
"""
from __future__ import annotations

import pytest
from sqlalchemy import event, text

from engine.cases import duties
from tests.seeding import seed_cases, seed_history

pytestmark = pytest.mark.db


def _work_items_read(session) -> int:
    """``work_items`` index entries and rows read so far in this transaction."""
    return session.execute(text(
        "SELECT pg_stat_get_xact_tuples_returned('work_items'::regclass)"
        " + pg_stat_get_xact_tuples_fetched('work_items'::regclass)"
        " + (SELECT sum(pg_stat_get_xact_tuples_returned(indexrelid)) FROM pg_index"
        "    WHERE indrelid = 'work_items'::regclass)")).scalar()


def _sqlite_plan(db, session, case_id: int, user_id: int) -> str:
    sent = []

    def record(conn, cursor, statement, params, context, executemany):
        if "FROM work_items" in statement:
            sent.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        duties.person_facts(session, case_id, user_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    statement, params = sent[0]
    rows = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
    return " | ".join(str(r[-1]) for r in rows)


OTHERS = 20  # colleagues who completed the rest of the work


def _completed(db, *, user_id: int, others: list[int], cases: int, items_in_target: int, target: int) -> None:
    """``cases`` new cases, each with one item the user completed (their history) and nine that colleagues completed,
    and ``items_in_target`` more items of the target case completed by colleagues."""
    base = seed_history(db, user_id, cases)
    with db.engine.begin() as conn:
        for case_ids, per_case in (("c.id > :base", 9), ("c.id = :target", items_in_target)):
            conn.execute(text(
                "WITH RECURSIVE g(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM g WHERE k < :n) "
                "INSERT INTO work_items (case_id, task_id, element_id, name, role, slot, state, priority, created_at,"
                " completed_by_id) SELECT c.id, 'h-' || CAST(c.id AS VARCHAR(20)) || '-' || CAST(g.k AS VARCHAR(20))"
                " || '-' || CAST(:base AS VARCHAR(20)), 'e', 'Taak', 'behandelaar', 'behandelaar', 'completed', 0,"
                " CURRENT_TIMESTAMP, :first + (c.id + g.k) % :others FROM cases c, g WHERE " + case_ids),
                {"n": per_case, "base": base, "target": target, "first": others[0], "others": len(others)})
        if db.dialect == "postgresql":
            conn.execute(text("ANALYZE work_items"))


def _cost(db, target: int, user_id: int) -> list:
    out = []
    with db.session() as s:
        for _ in range(8):  # PostgreSQL: custom plans, then the prepared generic one
            if db.dialect == "postgresql":
                before = _work_items_read(s)
                facts = duties.person_facts(s, target, user_id)
                out.append(_work_items_read(s) - before)
            else:
                facts = duties.person_facts(s, target, user_id)
                out.append(_sqlite_plan(db, s, target, user_id))
            assert [e.element_id for e in facts.earlier] == ["seed_task"]
        s.rollback()
    return out


def test_a_users_earlier_work_in_a_case_is_one_index_entry_at_a_long_history_and_a_large_case(db, clock):
    from tests.factories import make_user

    with db.session() as s:
        user_id = make_user(s, "lange_staat", "behandelaar").id
        others = [make_user(s, f"collega{k}", "behandelaar").id for k in range(OTHERS)]
        assert others == list(range(others[0], others[0] + OTHERS))
    seed_cases(db, 1, roles=["behandelaar"], assignees=[None])  # the case asked about: case 1
    with db.engine.begin() as conn:  # the user's one completed item in it
        conn.execute(text("UPDATE work_items SET state = 'completed', completed_by_id = :u WHERE case_id = 1"),
                     {"u": user_id})
    _completed(db, user_id=user_id, others=others, cases=5, items_in_target=3, target=1)
    small = _cost(db, 1, user_id)
    _completed(db, user_id=user_id, others=others, cases=3_000, items_in_target=300, target=1)
    large = _cost(db, 1, user_id)
    if db.dialect == "postgresql":
        # the one item and its index entry, and at most a few dead entries an earlier test's rows left in the index
        # (before: the user's whole history, 3,311 entries and rows; or, planned otherwise, the case's 300 items);
        # the small tables at first may be read whole, so only the large case is bounded
        assert max(large) <= 5, str((list(map(int, small)), list(map(int, large))))
    else:
        assert large == small, (small, large)
        assert all("ix_work_items_completed_by (completed_by_id=? AND case_id=?)" in plan for plan in large), large
