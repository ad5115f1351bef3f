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


def _plan(db, session, viewer) -> str:
    """SQLite's plan of the precedents query, as sent."""
    sent = []

    def record(conn, cursor, statement, params, context, executemany):
        if "FROM cases" in statement and "ORDER BY" in statement:
            sent.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        precedents_mod.precedents(session=session, category=CATEGORY, viewer=viewer, exclude_case_id=1)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(sent) == 1, sent
    statement, params = sent[0]
    rows = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
    return " | ".join(str(r[-1]) for r in rows)


def _cost(db, viewer) -> list:
    """What one precedents query costs, eight times over (PostgreSQL: custom plans, then the prepared generic one)."""
    out = []
    with db.session() as s:
        for _ in range(8):
            if db.dialect == "postgresql":
                before = _cases_rows_read(s)
                found = precedents_mod.precedents(session=s, category=CATEGORY, viewer=viewer, exclude_case_id=1)
                out.append(_cases_rows_read(s) - before)
            else:
                found = precedents_mod.precedents(session=s, category=CATEGORY, viewer=viewer, exclude_case_id=1)
                out.append(_plan(db, s, viewer))
            assert len(found) == precedents_mod.MAX_PRECEDENTS
        s.rollback()
    return out


def test_the_precedents_query_reads_as_many_cases_rows_at_100000_cases_as_at_1000(db, clock):
    def seed(n: int) -> None:  # half closed in the category, the rest open (no closing date) or of another one
        seed_cases(db, n // 2, roles=["hr_adviseur"], assignees=[None], status="closed", category=CATEGORY)
        seed_cases(db, n // 4, roles=["hr_adviseur"], assignees=[None], category=CATEGORY)
        seed_cases(db, n - n // 2 - n // 4, roles=["hr_adviseur"], assignees=[None], status="closed",
                   category="Ongewenste omgangsvormen")

    from tests.factories import make_user

    with db.session() as s:  # the HR adviser who is shown them (the query leaves out the cases they are a party of)
        viewer = make_user(s, "hr_precedenten", "hr_adviseur")
        s.expunge(viewer)
    seed(SMALL)
    small = _cost(db, viewer)
    seed(LARGE - SMALL)
    large = _cost(db, viewer)
    if db.dialect == "postgresql":
        # the 50 shown and the excluded case at most, whatever the size (before: ~50,000 at 100,000 cases)
        assert max(small) <= precedents_mod.MAX_PRECEDENTS + 1 and large == small, (small, large)
    else:
        assert large == small, (small, large)
        assert all("ix_cases_precedents" in plan and "TEMP B-TREE" not in plan for plan in large), large


def _closed_cases(db, n: int, start: int, party) -> None:
    """``n`` closed cases of the category, each with a summary, a confidential value and a party: every other
    summary names its party (withheld), the rest are clean (shown)."""
    from engine.cases import confidential
    from engine.cases.models import Case, CaseParty
    from engine.clock import now

    with db.session() as s:
        for k in range(start, start + n):
            text_ = f"{party.display_name} keurde alles goed." if k % 2 else "Onterechte declaraties."
            case = Case(reference=f"MP-2025-{k:04d}", status="closed", unit="Douane", category=CATEGORY,
                        closed_at=now(), summary={"afdoeningen": ["Ontslag"], "inhoud_geanonimiseerd": text_})
            s.add(case)
            s.flush()
            confidential.store(s, case_id=case.id, values={"melder_naam": f"Melder Nummer{k}"})
            s.add(CaseParty(case_id=case.id, party="betrokkene", user_id=party.id))


def _counted_precedents(db) -> tuple[list[dict], list[str]]:
    from tests.engine.test_statement_budget import Statements

    with db.session() as s:
        # warm-up: the process versions, the statements
        precedents_mod.precedents(session=s, category=CATEGORY, viewer=None)
    with db.session() as s, Statements(db.engine) as st:
        found = precedents_mod.precedents(session=s, category=CATEGORY, viewer=None)
    return found, st.seen


def test_the_precedents_cost_as_many_statements_for_fifty_as_for_one(db, clock):
    from tests.factories import make_user

    with db.session() as s:
        party = make_user(s, "collega_leiding", "onderzoeker")
        s.expunge(party)
    _closed_cases(db, 1, 0, party)
    one, one_sent = _counted_precedents(db)
    assert [(p["inhoud_geanonimiseerd"], p["inhoud_achtergehouden"]) for p in one] == \
        [("Onterechte declaraties.", False)]
    _closed_cases(db, precedents_mod.MAX_PRECEDENTS - 1, 1, party)
    many, many_sent = _counted_precedents(db)
    assert len(many) == precedents_mod.MAX_PRECEDENTS
    # the check still withholds every summary that names its case's party, and only those
    assert {p["zaaknummer"]: p["inhoud_achtergehouden"] for p in many} == \
        {f"MP-2025-{k:04d}": bool(k % 2) for k in range(precedents_mod.MAX_PRECEDENTS)}
    assert all(p["inhoud_geanonimiseerd"] is None for p in many if p["inhoud_achtergehouden"])
    # the cases, then destroyed?, confidential values and parties' names for all of them at once (before: 1 + 3 per
    # precedent, 151 statements at 50)
    assert len(many_sent) == len(one_sent) == 4, (one_sent, many_sent)
