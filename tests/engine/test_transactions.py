"""One transaction per action: races lose cleanly, failures leave no trace."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from engine.audit import service as audit
from engine.audit.models import AuditEvent
from engine.cases import service as cases
from engine.cases.models import Case
from engine.errors import DomainError, StaleCase, TaskNotReady
from engine.identity.models import User
from engine.processes import service as processes
from engine.timers.models import Timer
from engine.worklist import service as worklist
from engine.worklist.models import WorkItem
from tests.factories import REVIEW, make_user

pytestmark = pytest.mark.db

TABLES = ["cases", "work_items", "timers", "audit_events", "audit_heads", "case_actors"]


def snapshot(db) -> dict:
    with db.engine.connect() as conn:
        return {t: sorted(map(tuple, conn.execute(text(f"SELECT * FROM {t}")).all()), key=repr) for t in TABLES}


@pytest.fixture
def desk_case(db, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        desks = [make_user(s, f"desk{i}", "meldpunt") for i in range(8)]
        case = cases.start_case(session=s, actor=desks[0], data={})
        item = worklist.items_of_case(session=s, case_id=case.id)[0]
        return case.id, item.id, [u.id for u in desks]


def test_failure_after_the_workflow_advanced_leaves_the_database_exactly_as_it_was(db, desk_case, monkeypatch):
    case_id, item_id, desks = desk_case
    before = snapshot(db)
    with db.session() as s:
        start_version = s.get(Case, case_id).version

    original = audit.append

    def exploding_append(**kwargs):
        if kwargs.get("action") == "task.completed":  # the very last write of the step
            raise RuntimeError("stroomstoring")
        return original(**kwargs)

    monkeypatch.setattr(audit, "append", exploding_append)
    with pytest.raises(RuntimeError), db.session() as s:
        case = cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, desks[0]), data={"ernstig": True})
        assert case.version == start_version + 1  # the workflow did advance in this transaction
    assert snapshot(db) == before
    monkeypatch.setattr(audit, "append", original)
    with db.session() as s:  # and the task can still be done
        cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, desks[0]), data={"ernstig": True})
        assert s.get(Case, case_id).version == start_version + 1


def _orm_flush(session, stale) -> None:
    stale.state = stale.state  # the ORM's flush of a changed case (its version column checks)
    stale.priority = 9
    session.flush()


def _step_update(session, stale) -> None:
    stale.state, stale.priority = stale.state + " ", 9  # the step's prebuilt UPDATE (cases._write_case)
    cases._write_case(session, stale)


@pytest.mark.parametrize("write, refusal", [(_orm_flush, "StaleDataError"), (_step_update, "StaleCase")],
                         ids=["orm-flush", "step-update"])
def test_stale_case_is_a_conflict_and_writes_nothing(db, desk_case, write, refusal):
    """Both ways a case is written (the ORM's flush elsewhere, the step's own prebuilt UPDATE) check its version:
    a conflict when another transaction moved the case on, and nothing written."""
    case_id, item_id, desks = desk_case
    # Session A loads the case; session B completes the task first.
    sa = db.sessionmaker()
    try:
        stale = sa.get(Case, case_id)
        seen = stale.version
        sa.commit()  # A keeps its (soon stale) copy; no lock held while B works
        with db.session() as sb:
            cases.complete_task(session=sb, work_item_id=item_id, user=sb.get(User, desks[1]), data={"ernstig": False})
        with pytest.raises(Exception) as err:  # A now tries to write its (stale) version
            write(sa, stale)
        assert type(err.value).__name__ == refusal
    finally:
        sa.rollback()
        sa.close()
    with db.session() as s:
        case = s.get(Case, case_id)
        assert case.priority == 0 and case.version == seen + 1  # only B's change is there


def test_the_steps_own_update_leaves_the_loaded_case_as_committed(db, desk_case):
    """After the prebuilt UPDATE the loaded case holds what the row holds (version one on) and the ORM has nothing
    left to write for it; a later change in the same transaction is checked against the new version."""
    from sqlalchemy import event, inspect

    case_id, item_id, desks = desk_case
    with db.session() as s:
        case = s.get(Case, case_id)
        seen = case.version
        case.summary = {**(case.summary or {}), "categorie": "lekken"}
        case.priority = case.priority  # an equal value: not written, as the ORM's flush would not
        sent: list[str] = []

        def record(conn, cursor, statement, *rest):
            sent.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            cases._write_case(s, case)
            assert len(sent) == 1 and "priority" not in sent[0] and "summary" in sent[0], sent
            assert case.version == seen + 1 and not inspect(case).attrs.summary.history.has_changes()
            s.flush()  # nothing left for the ORM
            assert len(sent) == 1, sent
            case.priority = 4  # the ORM's own UPDATE now checks version seen + 1: no StaleDataError
            s.flush()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    with db.session() as s:
        case = s.get(Case, case_id)
        assert (case.version, case.priority, case.summary["categorie"]) == (seen + 2, 4, "lekken")


@pytest.mark.parametrize("threads", [8])
def test_racing_completions_exactly_one_wins(db, desk_case, threads):
    case_id, item_id, desks = desk_case
    with db.session() as s:
        start = s.get(Case, case_id).version
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        barrier.wait()
        try:
            with db.session() as s:
                cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, desks[i]),
                                    data={"ernstig": True, "samenvatting": f"door {i}"})
            result = "won"
        except (StaleCase, TaskNotReady) as exc:
            result = exc.code
        except DomainError as exc:  # pragma: no cover - would fail the assertion below
            result = f"other:{exc.code}"
        except Exception as exc:  # noqa: BLE001 - a crash (e.g. a duplicate key: a 500 over HTTP) fails the test
            result = f"crash:{type(exc).__name__}"
        with lock:
            outcomes.append(result)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert outcomes.count("won") == 1, outcomes
    assert set(outcomes) <= {"won", "stale-case", "task-not-ready"}
    with db.session() as s:
        case = s.get(Case, case_id)
        assert case.version == start + 1
        done = s.execute(select(WorkItem).where(WorkItem.id == item_id)).scalar_one()
        assert done.state == "completed"
        winner = done.completed_by_id
        data = cases.case_data(session=s, case_id=case_id)
        assert data["samenvatting"] == f"door {desks.index(winner)}"
        # exactly one next task, one completion event, and an intact chain
        assert [i.name for i in worklist.items_of_case(session=s, case_id=case_id)] == ["Melding beoordelen"]
        completions = s.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.case_id == case_id, AuditEvent.action == "task.completed")).scalar()
        assert completions == 1
        assert s.execute(select(func.count()).select_from(Timer).where(
            Timer.case_id == case_id, Timer.state == "pending")).scalar() == 1
        assert audit.verify(session=s).ok
