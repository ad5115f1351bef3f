"""Timer workers: several at once (PostgreSQL) fire every due timer exactly once; a batch is fired together, and
a failing timer in it (or a conflict at the batch's flush) rolls back that case only, never the rest of the batch."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select, update

from engine.audit import service as audit
from engine.audit.models import AuditEvent
from engine.cases import service as cases
from engine.cases.models import Case
from engine.incidents.models import Incident
from engine.processes import service as processes
from engine.timers import service as timers
from engine.timers.models import Timer
from engine.worklist.models import WorkItem
from tests.factories import REVIEW, make_user

ROOT = Path(__file__).resolve().parents[2]

WORKER = textwrap.dedent("""
    import sys
    from datetime import datetime
    from engine import clock
    from engine.db import Database
    from engine.timers.service import fire_due
    clock.set_clock(clock.FrozenClock(datetime.fromisoformat(sys.argv[2])))
    clock.install_spiff_clock()
    print(fire_due(database=Database(sys.argv[1])))
""")


def _break(session, case_id: int) -> None:
    """A case whose stored workflow cannot be read any more: firing its timer fails."""
    session.get(Case, case_id).state = "{kapot"


@pytest.mark.postgres_only
def test_two_worker_processes_fire_each_due_timer_exactly_once(db, clock):
    if db.dialect != "postgresql":
        pytest.skip("row-lock claiming is a PostgreSQL feature; SQLite runs a single worker")
    n = 130  # several batches per worker
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        desk = make_user(s, "desk", "meldpunt")
        ids = [cases.start_case(session=s, actor=desk, data={}).id for _ in range(n)]
        broken = {ids[7], ids[70]}  # a failing timer in a batch of each worker, most likely
        for case_id in broken:
            _break(s, case_id)
    moment = clock.advance(timedelta(days=8))
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, db.url, moment.isoformat()], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [r[1][-2000:] for r in results]
    counts = [int(out.strip().splitlines()[-1]) for out, _ in results]
    assert sum(counts) == n - len(broken)  # nothing missed, nothing twice
    with db.session() as s:
        due = s.execute(select(Timer.case_id).where(Timer.state == "pending", Timer.fire_at < moment)).scalars()
        assert set(due) == broken
        fired = dict(s.execute(select(Timer.case_id, Timer.fire_count).where(Timer.element_id == "intake_timer")).all())
        assert fired == {case_id: 0 if case_id in broken else 1 for case_id in ids}
        per_case = Counter(s.execute(select(AuditEvent.case_id).where(AuditEvent.action == "timer.fired")).scalars())
        assert set(per_case) == set(ids) - broken and set(per_case.values()) == {1}
        escalations = Counter(s.execute(select(WorkItem.case_id).where(
            WorkItem.element_id == "escalate")).scalars())
        assert set(escalations) == set(ids) - broken and set(escalations.values()) == {1}
        # each broken case: one failure, one incident, tried again only after its backoff
        rows = s.execute(select(Timer).where(Timer.case_id.in_(broken))).scalars().all()
        assert [(t.failures, t.last_error) for t in rows] == [(1, "De opgeslagen zaakstatus is beschadigd en kan niet worden gelezen.")] * 2
        assert Counter(s.execute(select(Incident.case_id)).scalars()) == Counter(broken)
        assert audit.verify(session=s).ok


def test_a_failing_timer_in_a_batch_rolls_back_its_own_case_only(db, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        desk = make_user(s, "desk", "meldpunt")
        ids = [cases.start_case(session=s, actor=desk, data={}).id for _ in range(6)]
        broken = ids[2]
        _break(s, broken)
    with db.session() as s:
        version = s.get(Case, broken).version
    clock.advance(timedelta(days=8))
    assert timers.fire_due(database=db) == 5  # one batch: the five others fired
    with db.session() as s:
        state = {t.case_id: (t.state, t.fire_count, t.failures) for t in s.scalars(select(Timer).where(
            Timer.element_id == "intake_timer"))}
        assert state == {i: ("pending", 0, 1) if i == broken else ("fired", 1, 0) for i in ids}
        assert s.get(Case, broken).state == "{kapot" and s.get(Case, broken).version == version  # untouched
        escalated = set(s.scalars(select(WorkItem.case_id).where(WorkItem.element_id == "escalate")))
        assert escalated == set(ids) - {broken}
        fired = Counter(s.scalars(select(AuditEvent.case_id).where(AuditEvent.action == "timer.fired")))
        assert set(fired) == set(ids) - {broken} and set(fired.values()) == {1}
        (incident,) = s.scalars(select(Incident)).all()
        assert (incident.case_id, incident.source, incident.count) == (broken, "timer", 1)
        assert audit.verify(session=s).ok


def test_a_conflict_at_the_batch_flush_fires_the_batch_again_one_by_one(db, clock, monkeypatch):
    """A case changed after the batch read it (here: its version moved inside the batch's own transaction) fails
    the batch's one flush; the batch is then fired again case by case, each timer exactly once, no incident."""
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        desk = make_user(s, "desk", "meldpunt")
        ids = [cases.start_case(session=s, actor=desk, data={}).id for _ in range(4)]
    read = cases.read_timer_batch
    calls = []

    def read_then_conflict(session, case_ids):
        batch = read(session, case_ids)
        calls.append(sorted(case_ids))
        session.execute(update(Case.__table__).where(Case.__table__.c.id == ids[1])
                        .values(version=Case.__table__.c.version + 1))
        return batch

    monkeypatch.setattr(cases, "read_timer_batch", read_then_conflict)
    clock.advance(timedelta(days=8))
    assert timers.fire_due(database=db) == 4
    assert calls == [ids]  # the batch was read together once, then fired one by one
    with db.session() as s:
        assert [t.fire_count for t in s.scalars(select(Timer).where(Timer.element_id == "intake_timer")
                                                .order_by(Timer.case_id))] == [1] * 4
        fired = Counter(s.scalars(select(AuditEvent.case_id).where(AuditEvent.action == "timer.fired")))
        assert fired == Counter(ids)
        assert s.scalars(select(Incident)).all() == []
        assert audit.verify(session=s).ok


def test_a_failure_after_the_batch_wrote_its_cases_fires_them_again_from_the_database(db, clock, monkeypatch):
    """The batch's own UPDATE of its cases (cases.write_cases) leaves them unchanged in the ORM's eyes; when the batch
    fails after it, the rollback to the savepoint must not leave their written state in memory: the cases are
    fired again one by one from what the database holds, each exactly once, versions one step on, no incident."""
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        desk = make_user(s, "desk", "meldpunt")
        ids = [cases.start_case(session=s, actor=desk, data={}).id for _ in range(4)]
        versions = {c.id: c.version for c in s.scalars(select(Case).where(Case.id.in_(ids)))}
    write, calls = cases.write_cases, []

    def write_then_fail(session, rows):
        write(session, rows)
        calls.append(len(rows))
        if len(calls) == 1:
            raise RuntimeError("after the batch's UPDATE")

    monkeypatch.setattr(cases, "write_cases", write_then_fail)
    clock.advance(timedelta(days=8))
    assert timers.fire_due(database=db) == 4
    assert calls == [4]  # the batch once, then one by one (the ORM writes a single case)
    with db.session() as s:
        assert {c.id: c.version for c in s.scalars(select(Case).where(Case.id.in_(ids)))} == \
            {i: v + 1 for i, v in versions.items()}
        assert [t.fire_count for t in s.scalars(select(Timer).where(Timer.element_id == "intake_timer"))] == [1] * 4
        assert Counter(s.scalars(select(AuditEvent.case_id).where(AuditEvent.action == "timer.fired"))) == Counter(ids)
        assert s.scalars(select(Incident)).all() == []
        assert audit.verify(session=s).ok


def test_a_batch_of_timers_costs_one_statement_per_timer_beyond_a_constant(db, clock):
    """Fired together, a batch reads its cases, timers, work items and audit heads in one query each and writes in
    one flush: the statements per timer are only those the ORM cannot send for many rows at once."""
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        desk = make_user(s, "desk", "meldpunt")
        first = [cases.start_case(session=s, actor=desk, data={}).id for _ in range(4)]
    clock.advance(timedelta(days=1))
    with db.session() as s:
        desk = s.get(type(desk), desk.id)
        second = [cases.start_case(session=s, actor=desk, data={}).id for _ in range(8)]
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        clock.advance(timedelta(days=6, hours=1))  # only the first four are due
        assert timers.fire_due(database=db) == 4
        four = len(statements)
        statements.clear()
        clock.advance(timedelta(days=1))
        assert timers.fire_due(database=db) == 8
        eight = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    from collections import Counter
    per_timer = Counter(" ".join(x.split()[:3]) for x in statements)
    # PostgreSQL: none; SQLite sends the INSERT whose id comes back row by row (the work item); the cases' versioned
    # UPDATEs are one executemany (cases.write_cases), the audit events one INSERT and the cases' chain heads one
    # UPDATE per batch on both
    assert (eight - four) / 4 == (0 if db.dialect == "postgresql" else 1), (four, eight, per_timer)
    assert per_timer["UPDATE cases SET"] == 1, per_timer
    with db.session() as s:
        assert set(s.scalars(select(WorkItem.case_id).where(WorkItem.element_id == "escalate"))) == set(first + second)
