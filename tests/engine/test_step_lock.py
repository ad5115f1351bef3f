"""The step's lock on its case (PostgreSQL): it excludes every other step and writer of the case, but not the
foreign-key checks of rows that merely point at the case (a letter, an outbox job, an audit event, a work item of
another step's commit). Those take ``FOR KEY SHARE``; a step holding ``FOR UPDATE`` made each of them wait for the
step's whole transaction (issue 25, bench/findings.md §0t-pg: ~3 ms of lock waits per completion, the letter worker's
INSERT 5.6 ms), ``FOR NO KEY UPDATE`` (what an UPDATE of the row takes anyway) does not.

No timing: the second transaction asks with NOWAIT, so it either gets its lock at once or fails at once."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from engine.cases import service as cases
from engine.cases.models import Case
from engine.identity.models import User
from engine.worklist import service as worklist
from tests.factories import deployed_review_team


@pytest.fixture()
def locked_case(db):
    if db.dialect != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite takes the database's write lock for the whole step")
    team = deployed_review_team(db)
    with db.session() as s:
        case = cases.start_case(session=s, actor=s.get(User, team["desk"]), data={})
        item_id = worklist.items_of_case(session=s, case_id=case.id)[0].id
        case_id = case.id
    holder = db.session()
    step = holder.__enter__()
    # the step's own locked read of item, case and version (engine.cases.service.complete_task)
    step.execute(cases._ITEM_CASE_HASH, {"item_id": item_id}).one()
    try:
        yield case_id, item_id
    finally:
        holder.__exit__(None, None, None)


def test_a_row_pointing_at_the_case_is_not_held_up_by_the_steps_lock(db, locked_case):
    case_id, _ = locked_case
    with db.session() as other:
        # what PostgreSQL's foreign-key check takes on the case for an INSERT of a letter, job or event
        other.execute(select(Case.id).where(Case.id == case_id)
                      .with_for_update(read=True, key_share=True, nowait=True)).one()


def test_a_second_step_on_the_same_case_still_waits_for_the_first(db, locked_case):
    case_id, item_id = locked_case
    # another step of the case (the same locked read) and any other writer of the case (FOR UPDATE)
    for statement, params in ((cases._ITEM_CASE_HASH.with_for_update(of=Case, key_share=True, nowait=True),
                               {"item_id": item_id}),
                              (select(Case.id).where(Case.id == case_id).with_for_update(nowait=True), {})):
        with pytest.raises(OperationalError, match="could not obtain lock"):
            with db.session() as other:
                other.execute(statement, params).one()
