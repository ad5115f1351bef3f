"""Issue 25, fewer round trips per completion (bench/findings.md "0v-rounds"): what each cut must keep doing.

* the API completion's access decision is the step's locked read of item and case (one query, the case's row
  locked ``FOR NO KEY UPDATE`` as the step's own read locks it);
* the task's drafts are deleted with the task only when it has one (read with the item) - and then still deleted;
* the process version's hash read with the task access serves the rest of the transaction, and only it;
* on PostgreSQL a step's audit events and its chain's head are one statement: the chain stays whole.
"""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from engine.audit import service as audit
from engine.audit.models import AuditEvent, AuditHead
from engine.cases import service as cases
from engine.cases.models import Case
from engine.identity import access
from engine.identity import service as identity
from engine.identity.models import User
from engine.processes import service as processes
from engine.worklist import drafts
from engine.worklist import service as worklist
from engine.worklist.models import WorkItem
from tests.engine.test_statement_budget import EVENTS_AND_HEAD, Statements
from tests.factories import deployed_review_team

pytestmark = pytest.mark.db

DATA = {"ernstig": True, "samenvatting": "Vermoeden van lekken"}


@pytest.fixture
def team(db, clock):
    return deployed_review_team(db)


def _case_and_item(db, team, *, claim: bool = False) -> tuple[int, int]:
    with db.session() as s:
        desk = s.get(User, team["desk"])
        case_id = cases.start_case(session=s, actor=desk, data={"dienstonderdeel": "Douane"}).id
        item_id = worklist.items_of_case(session=s, case_id=case_id)[0].id
        if claim:
            worklist.claim(session=s, work_item_id=item_id, user=desk)
    return case_id, item_id


def _api(db, team):
    from api.app import create_app
    from api.settings import ApiSettings

    with db.session() as s:
        token = identity.issue_token(session=s, user=s.get(User, team["desk"]), name="rounds")[0]
    return TestClient(create_app(ApiSettings(cookie_secure=False))), {"Authorization": f"Bearer {token}"}


def test_a_draft_still_ends_with_its_task_and_a_task_without_one_sends_no_delete(db, team):
    _, with_draft = _case_and_item(db, team, claim=True)
    _, without = _case_and_item(db, team)
    with db.session() as s:
        drafts.save(session=s, user=s.get(User, team["desk"]), item=s.get(WorkItem, with_draft),
                    values={"samenvatting": "half af"})
    with db.session() as s:
        assert drafts.users_with_draft(session=s, work_item_id=with_draft) == [team["desk"]]
    for item_id, deletes in ((with_draft, 1), (without, 0)):
        with db.session() as s:
            desk = s.get(User, team["desk"])
            with Statements(db.engine) as st:
                cases.complete_task(session=s, work_item_id=item_id, user=desk, data=DATA)
            assert st.seen.count("DELETE ?") == deletes, st.seen
        with db.session() as s:
            assert drafts.users_with_draft(session=s, work_item_id=item_id) == []


def test_a_draft_ends_with_its_task_completed_over_the_api(db, team):
    case_id, item_id = _case_and_item(db, team, claim=True)
    with db.session() as s:
        drafts.save(session=s, user=s.get(User, team["desk"]), item=s.get(WorkItem, item_id),
                    values={"samenvatting": "half af"})
    client, headers = _api(db, team)
    r = client.post(f"/api/v1/taken/{item_id}/afronden", headers=headers, json={"gegevens": DATA})
    assert r.status_code == 200, r.text
    with db.session() as s:
        assert drafts.users_with_draft(session=s, work_item_id=item_id) == []
        assert s.get(WorkItem, item_id).state == "completed"


def test_the_access_read_for_the_step_locks_the_case_as_the_steps_own_read(db, team):
    if db.dialect != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite takes the database's write lock for the whole step")
    case_id, item_id = _case_and_item(db, team)
    with db.session() as holder:
        seen = access.task_access(session=holder, user=holder.get(User, team["desk"]), work_item_id=item_id,
                                  for_step=True)
        assert seen.step_read is not None and seen.step_read[1] is False  # the hash, no draft
        assert seen.case.state  # loaded with the row, not deferred
        with pytest.raises(OperationalError, match="could not obtain lock"):
            with db.session() as other:  # another step of the case, or any other writer of it
                other.execute(select(Case.id).where(Case.id == case_id).with_for_update(nowait=True)).one()
        with db.session() as other:  # a row pointing at the case (a letter, an event: FOR KEY SHARE) is not held up
            other.execute(select(Case.id).where(Case.id == case_id)
                          .with_for_update(read=True, key_share=True, nowait=True)).one()
        holder.rollback()


def test_an_api_completion_of_a_task_one_may_not_see_is_refused_and_nothing_changes(db, team):
    case_id, item_id = _case_and_item(db, team)
    with db.session() as s:
        token = identity.issue_token(session=s, user=s.get(User, team["o1"]), name="rounds")[0]
        version = s.get(Case, case_id).version
    client, _ = _api(db, team)
    r = client.post(f"/api/v1/taken/{item_id}/afronden", headers={"Authorization": f"Bearer {token}"},
                    json={"gegevens": DATA})
    assert r.status_code == 404, r.text
    with db.session() as s:
        assert s.get(Case, case_id).version == version
        assert s.get(WorkItem, item_id).state == "open"


def test_a_stale_case_version_is_refused_over_the_api_with_the_locked_read(db, team):
    case_id, item_id = _case_and_item(db, team)
    client, headers = _api(db, team)
    with db.session() as s:
        version = s.get(Case, case_id).version
    r = client.post(f"/api/v1/taken/{item_id}/afronden", headers=headers,
                    json={"gegevens": DATA, "zaakversie": version - 1})
    assert r.status_code == 409, r.text
    r = client.post(f"/api/v1/taken/{item_id}/afronden", headers=headers, json={"gegevens": DATA, "zaakversie": version})
    assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/taken/{item_id}/afronden", headers=headers, json={"gegevens": DATA})
    assert r.status_code in (404, 409), r.text  # done: no second completion


def test_the_version_hash_read_with_the_task_access_serves_its_transaction_only(db, team):
    _, item_id = _case_and_item(db, team)
    with db.session() as s:
        desk = s.get(User, team["desk"])
        with Statements(db.engine) as st:
            seen = access.task_access(session=s, user=desk, work_item_id=item_id)
            first = processes.parsed_version(session=s, version_id=seen.case.process_version_id)
        assert "SELECT process_versions" not in st.seen, st.seen
        assert first.forms  # the version's specs
        s.commit()
        with Statements(db.engine) as st:  # a new transaction reads afresh
            assert processes.parsed_version(session=s, version_id=seen.case.process_version_id) is first
        assert st.seen.count("SELECT process_versions") == 1, st.seen
    with db.session() as s:  # forgotten when a savepoint ends (as a hash read by parsed_version itself)
        desk = s.get(User, team["desk"])
        with s.begin_nested():
            seen = access.task_access(session=s, user=desk, work_item_id=item_id)
        with Statements(db.engine) as st:
            processes.parsed_version(session=s, version_id=seen.case.process_version_id)
        assert st.seen.count("SELECT process_versions") == 1, st.seen


def test_a_steps_events_and_head_written_in_one_statement_keep_the_chain(db, team):
    case_id, item_id = _case_and_item(db, team)
    with db.session() as s:
        before = s.scalar(select(AuditHead.seq).where(AuditHead.chain == f"case:{case_id}"))
        with Statements(db.engine) as st:
            cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, team["desk"]), data=DATA)
            s.commit()
    assert st.seen.count(EVENTS_AND_HEAD) == (1 if db.dialect == "postgresql" else 0), st.seen
    with db.session() as s:
        head = s.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.chain == f"case:{case_id}")).one()
        events = s.execute(select(AuditEvent.seq, AuditEvent.hash, AuditEvent.action)
                           .where(AuditEvent.chain == f"case:{case_id}", AuditEvent.seq > before)
                           .order_by(AuditEvent.seq)).all()
        assert [e.action for e in events] == ["task.created", "task.completed"], events
        assert [e.seq for e in events] == [before + 1, before + 2]
        assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)  # the head moved with its events
        result = audit.verify(session=s)
        assert result.ok, result.reason


def test_the_steps_locked_read_holds_its_cases_audit_head_until_the_step_ends(db, team):
    if db.dialect != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite takes the database's write lock for the whole step")
    case_id, item_id = _case_and_item(db, team)
    chain = f"case:{case_id}"
    for via_access in (False, True):
        with db.session() as holder:
            if via_access:  # the API completion's read
                access.task_access(session=holder, user=holder.get(User, team["desk"]), work_item_id=item_id,
                                   for_step=True)
            else:  # the step's own read (the web, the demo)
                holder.execute(cases._ITEM_CASE_HASH_HEAD, {"item_id": item_id}).one()
            with pytest.raises(OperationalError, match="could not obtain lock"):
                with db.session() as other:  # another writer to the case's chain (append's own lock)
                    other.execute(select(AuditHead.seq).where(AuditHead.chain == chain)
                                  .with_for_update(nowait=True)).one()
            holder.rollback()


def test_a_case_without_an_audit_head_row_is_still_completed(db, team):
    """The step's read with the head finds no row for a case whose chain has no head (none is known to reach a
    step): it reads without the head, and the step's first event starts the chain's head anew."""
    from sqlalchemy import delete

    case_id, item_id = _case_and_item(db, team)
    def forget_chain(s):  # the chain as if it never began (its events too: the next event has seq 1)
        s.execute(delete(AuditEvent).where(AuditEvent.chain == f"case:{case_id}"))
        s.execute(delete(AuditHead).where(AuditHead.chain == f"case:{case_id}"))

    with db.session() as s:
        forget_chain(s)
    with db.session() as s:
        cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, team["desk"]), data=DATA)
    client, headers = _api(db, team)
    with db.session() as s:
        assert s.get(WorkItem, item_id).state == "completed"
        forget_chain(s)
        next_id = worklist.items_of_case(session=s, case_id=case_id)[0].id
        coord_token = identity.issue_token(session=s, user=s.get(User, team["coord"]), name="rounds")[0]
    r = client.post(f"/api/v1/taken/{next_id}/afronden", headers={"Authorization": f"Bearer {coord_token}"},
                    json={"gegevens": {"besluit": "onderzoek", "motivering": "nodig"}})
    assert r.status_code == 200, r.text
    with db.session() as s:
        assert s.get(WorkItem, next_id).state == "completed"
        assert s.scalar(select(AuditHead.seq).where(AuditHead.chain == f"case:{case_id}")) is not None


def test_the_steps_statements_are_compiled_once(db, team):
    """Every statement of a step (the events-and-head statement included) comes from SQLAlchemy's compiled cache
    after the first step: a statement without a cache key is compiled anew on every execution (the multi-row
    ``insert().values()`` form of the events-and-head statement cost ~1.9 ms per step that way)."""
    from sqlalchemy import event
    from sqlalchemy.engine.interfaces import CacheStats

    def complete() -> list[tuple[str, object]]:
        _, item_id = _case_and_item(db, team)
        seen = []

        def record(conn, cursor, statement, params, context, executemany):
            seen.append((" ".join(statement.split()[:4]), context.cache_hit))

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            with db.session() as s:
                cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, team["desk"]), data=DATA)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return seen

    complete()  # the first step compiles
    seen = complete()
    uncached = [s for s, hit in seen if hit == CacheStats.NO_CACHE_KEY and not s.upper().startswith("BEGIN")]
    assert uncached == [], uncached
    if db.dialect == "postgresql":
        assert any(s.startswith("WITH written_events") for s, _ in seen), seen
