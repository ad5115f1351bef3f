"""The precedents of a sanction advice cost the same whatever the number of cases (issue 25).

The query reads its rows from ``ix_cases_precedents`` (the closed integrity cases of a category, newest closed
first), so it reads as many ``cases`` rows at 100,000 cases as at 1,000. Before, PostgreSQL read every closed case
of the category and sorted them, or (analysed) walked the closing dates backwards through every open case first.
Counted, not timed: on PostgreSQL the rows this transaction read from ``cases`` (``pg_stat_get_xact_tuples_*``), on
SQLite the query plan (the index, and no sort of its own).
"""
from __future__ import annotations

import pytest
from sqlalchemy import event, text

from engine.cases import precedents as precedents_mod
from tests.seeding import seed_cases

pytestmark = pytest.mark.db

SMALL, LARGE = 1_000, 100_000
CATEGORY = "Financiële schendingen"


def _cases_rows_read(session) -> int:
    """Rows of ``cases`` read so far in this transaction (sequential scans and index fetches)."""
    return session.execute(text("SELECT pg_stat_get_xact_tuples_returned('cases'::regclass)"
                                " + pg_stat_get_xact_tuples_fetched('cases'::regclass)")).scalar()


def _plan(db, session) -> str:
    """SQLite's plan of the precedents query, as sent."""
    sent = []

    def record(conn, cursor, statement, params, context, executemany):
        if "FROM cases" in statement and "ORDER BY" in statement:
            sent.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        precedents_mod.precedents(session=session, category=CATEGORY, exclude_case_id=1)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(sent) == 1, sent
    statement, params = sent[0]
    rows = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
    return " | ".join(str(r[-1]) for r in rows)


def _cost(db) -> list:
    """What one precedents query costs, eight times over (PostgreSQL: custom plans, then the prepared generic one)."""
    out = []
    with db.session() as s:
        for _ in range(8):
            if db.dialect == "postgresql":
                before = _cases_rows_read(s)
                found = precedents_mod.precedents(session=s, category=CATEGORY, exclude_case_id=1)
                out.append(_cases_rows_read(s) - before)
            else:
                found = precedents_mod.precedents(session=s, category=CATEGORY, exclude_case_id=1)
                out.append(_plan(db, s))
            assert len(found) == precedents_mod.MAX_PRECEDENTS
        s.rollback()
    return out


def test_the_precedents_query_reads_as_many_cases_rows_at_100000_cases_as_at_1000(db, clock):
    def seed(n: int) -> None:  # half closed in the category, the rest open (no closing date) or of another one
        seed_cases(db, n // 2, roles=["hr_adviseur"], assignees=[None], status="closed", category=CATEGORY)
        seed_cases(db, n // 4, roles=["hr_adviseur"], assignees=[None], category=CATEGORY)
        seed_cases(db, n - n // 2 - n // 4, roles=["hr_adviseur"], assignees=[None], status="closed",
                   category="Ongewenste omgangsvormen")

    seed(SMALL)
    small = _cost(db)
    seed(LARGE - SMALL)
    large = _cost(db)
    if db.dialect == "postgresql":
        # the 50 shown and the excluded case at most, whatever the size (before: ~50,000 at 100,000 cases)
        assert max(small) <= precedents_mod.MAX_PRECEDENTS + 1 and large == small, (small, large)
    else:
        assert large == small, (small, large)
        assert all("ix_cases_precedents" in plan and "TEMP B-TREE" not in plan for plan in large), large

