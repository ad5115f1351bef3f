"""Round trips of one task completion: a regression guard on the engine's write path.

Counting statements is deterministic (unlike timing), so it belongs in the test suite;
speed itself is measured in ``bench/``. The budget below is what a completion needs
(see bench/findings.md); a change that re-reads the audit head per event, loads the
same row twice or flushes per item shows up here as a failing count.
"""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import event, func, select, text

from engine.audit import service as audit
from engine.audit.models import AuditEvent, AuditHead
from engine.cases import service as cases
from engine.identity.models import User
from engine.processes import service as processes
from engine.worklist import service as worklist
from tests.factories import deployed_review_team

pytestmark = pytest.mark.db


@pytest.fixture
def team(db, clock):
    return deployed_review_team(db)


class Statements:
    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, params, context, executemany):
        words = " ".join(statement.split()).split(" ")
        verb = words[0].upper()
        if verb in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            return
        if verb == "WITH":  # PostgreSQL: a data-modifying CTE, e.g. a step's audit events and its chain's head
            words = [w.strip("()") for w in words]
            inner = words[words.index("INSERT")] if "INSERT" in words else "?"
            main = words[len(words) - 1 - words[::-1].index("UPDATE")] if "UPDATE" in words else "?"
            self.seen.append(f"{inner} {_after(words, 'INTO')}+{main} {words[words.index('UPDATE') + 1]}"
                             if inner != "?" and main != "?" else "WITH ?")
            return
        table = {"SELECT": _after(words, "FROM"), "INSERT": _after(words, "INTO"),
                 "UPDATE": words[1]}.get(verb, "?")
        self.seen.append(f"{verb} {table}")  # (SQLite renders no FOR UPDATE; PostgreSQL does)


class Transactions:
    """Every statement sent, with whether the connection was inside a transaction right after it. On PostgreSQL
    psycopg sends BEGIN itself before a statement outside autocommit and COMMIT only for an open transaction, so
    "never inside one" after every statement proves that neither was sent; on SQLite BEGIN IMMEDIATE is a
    statement of its own (``engine.db``) and shows here."""

    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def __enter__(self):
        event.listen(self.engine, "after_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "after_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, params, context, executemany):
        raw = conn.connection.dbapi_connection
        if conn.dialect.name == "sqlite":
            inside = raw.in_transaction
        else:
            inside = raw.info.transaction_status != 0  # psycopg.pq.TransactionStatus.IDLE
        self.seen.append((" ".join(statement.split()[:2]).upper(), inside))

    @property
    def begins(self) -> list[str]:
        return [s for s, _ in self.seen if s.startswith(("BEGIN", "COMMIT"))]

    @property
    def in_transaction(self) -> list[str]:
        return [s for s, inside in self.seen if inside]


def _after(words, keyword):
    return words[words.index(keyword) + 1] if keyword in words else "?"


EVENTS_AND_HEAD = "INSERT audit_events+UPDATE audit_heads"  # PostgreSQL: both in one statement (engine.audit)


def events_written(counts) -> int:
    """Statements that wrote audit events: the INSERT, or on PostgreSQL the one statement with the head's UPDATE."""
    return counts["INSERT audit_events"] + counts[EVENTS_AND_HEAD]


def heads_updated(counts) -> int:
    return counts["UPDATE audit_heads"] + counts[EVENTS_AND_HEAD]


def test_a_completion_reads_and_locks_the_audit_head_once_and_stays_within_its_budget(db, clock, team):
    with db.session() as s:
        case_id = cases.start_case(session=s, actor=s.get(User, team["desk"]), data={"dienstonderdeel": "Douane"}).id
    with db.session() as s:
        item_id = worklist.items_of_case(session=s, case_id=case_id)[0].id
        desk = s.get(User, team["desk"])
        desk.role_codes  # the caller (the API) has loaded the user already
        with Statements(db.engine) as st:  # the step and its commit (the audit events are written at the commit)
            cases.complete_task(session=s, work_item_id=item_id, user=desk,
                                data={"ernstig": True, "samenvatting": "Vermoeden van lekken"})
            s.commit()
    counts = Counter(st.seen)
    # the audit events (completed, created) share one head read (locked with the item and the case, in the step's
    # first statement), one INSERT (both databases) and one head update; on PostgreSQL the INSERT and the head's
    # UPDATE are one statement (issue 25, "rounds" again)
    assert counts["SELECT audit_heads"] == 0, st.seen
    assert heads_updated(counts) == 1 and events_written(counts) == 1, "\n".join(st.seen)
    assert counts[EVENTS_AND_HEAD] == (1 if db.dialect == "postgresql" else 0), "\n".join(st.seen)
    assert counts["UPDATE cases"] == 1, st.seen
    # item+case+audit head (with whether the task has a draft: it has none, so no DELETE), conflicts, submission,
    # item, case, slot, timers (update, insert: the pending rows mirror the state the step loaded, so they need no
    # read), new item, audit (events, head: PostgreSQL one statement), the new task's notice (its pool: users) at
    # the commit. Before issue 25's second "rounds": 14 on both (a DELETE of drafts per completion, the head read
    # by a statement of its own, events and head in two statements).
    assert counts["DELETE ?"] == 0, st.seen
    assert counts["SELECT timers"] == 0 and counts["UPDATE timers"] == 1, st.seen
    assert len(st.seen) <= (11 if db.dialect == "postgresql" else 12), "\n".join(st.seen)


def test_a_step_with_several_audit_events_writes_them_in_one_insert_and_each_head_once(db, clock, team):
    """Assessment: task completed, next task created, next task drawn (three events, a query for the draw between
    them) and, in the same transaction, events in the system chain and a read: one INSERT, and the heads of both
    chains in one UPDATE (executemany)."""
    with db.session() as s:
        case_id = cases.start_case(session=s, actor=s.get(User, team["desk"]), data={"dienstonderdeel": "Douane"}).id
        cases.complete_task(session=s, work_item_id=worklist.items_of_case(session=s, case_id=case_id)[0].id,
                            user=s.get(User, team["desk"]), data={"ernstig": True, "samenvatting": "x"})
    with db.session() as s:
        before = {e.id for e in audit.case_events(session=s, case_id=case_id)}
        item_id = worklist.items_of_case(session=s, case_id=case_id)[0].id
        coord = s.get(User, team["coord"])
        coord.role_codes
        with Statements(db.engine) as st:
            audit.append(session=s, actor="coord", action="confidential.read", case_id=case_id, details={})
            cases.complete_task(session=s, work_item_id=item_id, user=coord,
                                data={"besluit": "onderzoek", "motivering": "nodig"})
            for n in range(3):
                audit.append(session=s, actor="beheer", action="test.system", details={"n": n})
                s.execute(select(User.id).where(User.id == team["desk"])).all()  # a statement between appends
            s.commit()
    counts = Counter(st.seen)
    assert counts["INSERT audit_events"] == 1, "\n".join(st.seen)
    assert counts["UPDATE audit_heads"] == 1, "\n".join(st.seen)  # the case's chain and the system chain, one call
    # the read's anchor, then the system chain's lock (the case's chain: locked by the step's read of item and case)
    assert counts["SELECT audit_heads"] == 2, "\n".join(st.seen)
    with db.session() as s:
        actions = [e.action for e in audit.case_events(session=s, case_id=case_id) if e.id not in before]
        assert actions == ["confidential.read", "task.created", "task.auto_assigned", "task.completed"]  # as appended
        result = audit.verify(session=s)
        assert result.ok, result.reason


def test_events_appended_in_a_transaction_are_seen_by_its_own_statements_on_the_audit_log(db, clock, team):
    with db.session() as s:
        audit.append(session=s, actor="beheer", action="test.een", details={})
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "test.een")) == 1
        audit.append(session=s, actor="beheer", action="test.twee", details={})
        assert s.scalar(text("SELECT count(*) FROM audit_events WHERE action = 'test.twee'")) == 1
        head = s.scalar(select(AuditHead.seq).where(AuditHead.chain == "system"))
        assert head == s.scalar(select(func.max(AuditEvent.seq)).where(AuditEvent.chain == "system"))
        audit.append(session=s, actor="beheer", action="test.drie", details={})
    with db.session() as s:
        assert audit.verify(session=s).ok
        actions = [e.action for e in audit.case_events(session=s, case_id=None)]
        assert actions[-3:] == ["test.een", "test.twee", "test.drie"]


@pytest.mark.parametrize("writers", [4])
def test_concurrent_writers_to_one_chain_queue_on_its_head(db, clock, team, writers):
    """Each transaction locks the chain's head at its first append and writes at its commit: no chain forks."""
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            barrier.wait()
            for round_ in range(3):
                with db.session() as s:
                    for n in range(3):
                        audit.append(session=s, actor=f"w{i}", action="test.parallel", details={"r": round_, "n": n})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    pool = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors, errors
    with db.session() as s:
        result = audit.verify(session=s)
        assert result.ok, result.reason
        mine = [e for e in audit.case_events(session=s, case_id=None) if e.action == "test.parallel"]
        assert len(mine) == writers * 3 * 3
        by_writer: dict[str, list[int]] = {}
        for e in mine:
            by_writer.setdefault(f"{e.actor}:{e.details['r']}", []).append(e.seq)
        for seqs in by_writer.values():  # one transaction's events are consecutive in the chain
            assert seqs == list(range(seqs[0], seqs[0] + 3)), by_writer


def test_a_rolled_back_savepoint_does_not_leave_a_moved_audit_head(db, clock, team):
    with db.session() as s:
        audit.append(session=s, actor="t", action="een", case_id=None)
        with pytest.raises(RuntimeError):
            with s.begin_nested():
                audit.append(session=s, actor="t", action="weg", case_id=None)
                s.flush()
                raise RuntimeError("rolled back")
        audit.append(session=s, actor="t", action="twee", case_id=None)
    with db.session() as s:
        result = audit.verify(session=s)
        assert result.ok, result.reason
        actions = [e.action for e in audit.case_events(session=s, case_id=None)]
        assert actions[-2:] == ["een", "twee"] and "weg" not in actions


def test_a_transaction_with_more_events_than_one_insert_page_keeps_its_chain(db, clock, team):
    with db.session() as s:
        for n in range(1_050):  # the INSERT is sent in pages of 1,000 rows
            audit.append(session=s, actor="beheer", action="test.veel", details={"n": n})
    with db.session() as s:
        assert audit.verify(session=s).ok
        seqs = [e.seq for e in audit.case_events(session=s, case_id=None) if e.action == "test.veel"]
        assert seqs == list(range(seqs[0], seqs[0] + 1_050))
def test_a_worklist_read_over_the_api_is_three_statements_and_no_transaction(db, clock, team):
    """Token, roles, the page: 3 round trips; before pure reads ran without a transaction (issue 25) also BEGIN
    (SQLite: BEGIN IMMEDIATE, the write lock) and COMMIT: 5."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import ApiSettings
    from engine.identity import service as identity

    with db.session() as s:
        token = identity.issue_token(session=s, user=s.get(User, team["desk"]), name="budget")[0]
        case_id = cases.start_case(session=s, actor=s.get(User, team["desk"]), data={"dienstonderdeel": "Douane"}).id
    client = TestClient(create_app(ApiSettings(cookie_secure=False)))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/taken/onverdeeld", headers=headers).status_code == 200  # warm-up: the token's use
    with Statements(db.engine) as st, Transactions(db.engine) as tx:
        r = client.get("/api/v1/taken/onverdeeld", headers=headers)
    assert r.status_code == 200 and [t["zaak_id"] for t in r.json()] == [case_id], r.text
    assert len(st.seen) <= 3, st.seen
    assert tx.begins == [] and tx.in_transaction == [], tx.seen


def test_a_version_hash_is_read_once_per_transaction_and_again_after_a_rollback(db, clock, team):
    """A request asks for its process version's specs several times (issue 25: up to six reads of the same hash
    per completion flow); the session remembers the hash until its transaction ends or any (sub)transaction rolls
    back (SQLite may give a rolled-back version's id to the next one)."""
    from engine.processes.models import ProcessVersion

    with db.session() as s:
        version_id = s.scalar(select(func.max(ProcessVersion.id)))

    def reads(st):
        return sum(1 for x in st.seen if x == "SELECT process_versions")

    with db.session() as s:
        with Statements(db.engine) as st:
            first = processes.parsed_version(session=s, version_id=version_id)
            for _ in range(3):
                assert processes.parsed_version(session=s, version_id=version_id) is first
        assert reads(st) == 1, st.seen
        with Statements(db.engine) as st:
            try:
                with s.begin_nested():
                    processes.parsed_version(session=s, version_id=version_id)
                    raise RuntimeError("roll the savepoint back")
            except RuntimeError:
                pass
            processes.parsed_version(session=s, version_id=version_id)
        assert reads(st) == 1, st.seen  # forgotten at the savepoint's rollback, read once more after it
        s.commit()
        with Statements(db.engine) as st:
            processes.parsed_version(session=s, version_id=version_id)
        assert reads(st) == 1, st.seen  # a new transaction reads afresh
    with db.read_session() as r:
        with Statements(db.engine) as st:
            processes.parsed_version(session=r, version_id=version_id)
            processes.parsed_version(session=r, version_id=version_id)
        assert reads(st) == 1, st.seen


def test_a_completion_over_the_api_answers_its_worklist_entries_from_one_read(db, clock, team):
    """The completion's answer (the case's open tasks and the handler's next ones among them) comes from one read of
    the case's open work items (issue 25: two before, the same rows), after the step's own two (access, item+case)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import ApiSettings
    from engine.identity import service as identity

    with db.session() as s:
        token = identity.issue_token(session=s, user=s.get(User, team["desk"]), name="budget")[0]
        case_id = cases.start_case(session=s, actor=s.get(User, team["desk"]), data={"dienstonderdeel": "Douane"}).id
        item_id = worklist.items_of_case(session=s, case_id=case_id)[0].id
    client = TestClient(create_app(ApiSettings(cookie_secure=False)))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/taken/onverdeeld", headers=headers).status_code == 200  # warm-up: the token's use
    with Statements(db.engine) as st:
        r = client.post(f"/api/v1/taken/{item_id}/afronden", headers=headers,
                        json={"gegevens": {"ernstig": True, "samenvatting": "Vermoeden van lekken"}})
    assert r.status_code == 200, r.text
    with db.session() as s:
        desk = s.get(User, team["desk"])
        open_ids = [i.id for i in worklist.items_of_case(session=s, case_id=case_id)]
        mine_ids = [i.id for i in worklist.mine_in_case(session=s, user=desk, case_id=case_id)]
    body = r.json()
    assert [t["id"] for t in body["open_taken"]] == open_ids and open_ids, body
    assert [t["id"] for t in body["mijn_vervolgtaken"]] == mine_ids, body
    assert (body["volgende_taak"] or {}).get("id") == (mine_ids[0] if mine_ids else None), body
    # token and roles; access with item+case+audit head (the step's locked read, one query), conflicts; the step as
    # above (12 with its commit on SQLite, 11 on PostgreSQL, the SELECT users of the new task's notice included);
    # the answer's one read. Before issue 25's "rounds": 20 (the answer read the open items twice, the step read the pending
    # timers); before its second "rounds" 18 (access and the locked read apart, the drafts' DELETE, events and head
    # in two statements on PostgreSQL too).
    assert len(st.seen) <= (14 if db.dialect == "postgresql" else 15), "\n".join(st.seen)
    assert "SELECT audit_heads" not in st.seen, st.seen  # locked with the item and the case
    assert sum(1 for x in st.seen if x == "SELECT work_items") == 2, st.seen  # access+item+case, and the answer


def test_a_completion_keeps_the_version_hash_it_read_with_its_item_for_the_rest_of_the_transaction(db, clock, team):
    """The step reads its version's hash with the item and the case (one query, in its transaction): a later ask for
    that version in the same transaction (the answer's claim check, issue 25) needs no read of its own; a new
    transaction reads afresh."""
    from engine.cases.models import Case

    with db.session() as s:
        case_id = cases.start_case(session=s, actor=s.get(User, team["desk"]), data={"dienstonderdeel": "Douane"}).id
    with db.session() as s:
        item_id = worklist.items_of_case(session=s, case_id=case_id)[0].id
        desk = s.get(User, team["desk"])
        cases.complete_task(session=s, work_item_id=item_id, user=desk,
                            data={"ernstig": True, "samenvatting": "Vermoeden van lekken"})
        version_id = s.get(Case, case_id).process_version_id
        with Statements(db.engine) as st:
            processes.parsed_version(session=s, version_id=version_id)
        assert "SELECT process_versions" not in st.seen, st.seen
        s.commit()
        with Statements(db.engine) as st:
            processes.parsed_version(session=s, version_id=version_id)
        assert st.seen.count("SELECT process_versions") == 1, st.seen
