"""The case's workflow state is read only where it is used (issue 25).

``Case.state`` is the largest value of a case row by far (the whole workflow, compressed; TOASTed on PostgreSQL,
decompressed by ``engine.db.CompressedText`` in the server). The access decision of a task
(``engine.identity.access.task_access``: claim, task page, completion) does not read it; the step reads it once,
in its ``FOR UPDATE`` read of the case, and that row fills the case the access query put in the session (no
lazy load afterwards).
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event, update

from engine.cases.models import Case
from engine.worklist.models import WorkItem
from tests.process.scenarios import DEFAULTS

pytestmark = pytest.mark.db

# ``cases.state`` as a column fetched (not ``cases.state IS [NOT] NULL``, which PostgreSQL answers without the TOAST)
_STATE_FETCHED = re.compile(r"\bcases\.state\b(?!\s+IS\b)", re.IGNORECASE)


class _Sent:
    """Every statement sent on the engine while active: how many, and how many fetch the case's state."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, *args):
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            self.statements.append(statement)

    @property
    def state_reads(self) -> list[str]:
        return [s for s in self.statements if _STATE_FETCHED.search(s)]


def _first_task(world) -> int:
    detail = world.client.get(f"/api/v1/zaken/{world.case_a}", headers=world.h("meldpunt")).json()
    return detail["open_taken"][0]["id"]


def test_claim_open_and_complete_read_the_case_state_once_in_the_steps_locked_read(world, db):
    c, tid, who = world.client, _first_task(world), world.h("meldpunt")
    with _Sent(db.engine) as claimed:
        opened = c.post(f"/api/v1/taken/{tid}/claimen-en-openen", headers=who)
    assert opened.status_code == 200, opened.text
    assert opened.json()["gegevens"], "the task page shows the case's data (from the stored projection)"
    with _Sent(db.engine) as page:
        again = c.get(f"/api/v1/taken/{tid}", headers=who)
    assert again.status_code == 200 and again.json() == opened.json()
    # neither the claim nor the task page reads the workflow state
    assert claimed.state_reads == [] and page.state_reads == [], (claimed.state_reads, page.state_reads)

    with _Sent(db.engine) as completion:
        done = c.post(f"/api/v1/taken/{tid}/afronden", headers=who,
                      json={"gegevens": DEFAULTS["melding_registreren"], "zaakversie": opened.json()["zaakversie"]})
    assert done.status_code == 200, done.text
    assert done.json()["zaakversie"] == opened.json()["zaakversie"] + 1 and done.json()["open_taken"]
    # the step's state is read once: in its locked read of item, case and version hash (no lazy load of the
    # deferred attribute, no second read by the access query)
    reads = completion.state_reads
    assert len(reads) == 1, reads
    assert "process_versions" in reads[0] and "work_items" in reads[0], reads[0]
    if db.dialect == "postgresql":
        assert "FOR NO KEY UPDATE OF CASES" in reads[0].upper(), reads[0]  # the lock the step needs (test_step_lock.py)


def test_a_task_of_a_case_without_workflow_state_shows_no_workflow_data(world, db):
    """'No workflow' (an imported or destroyed case) is known from the access query, without the state."""
    c, tid, who = world.client, _first_task(world), world.h("meldpunt")
    before = c.get(f"/api/v1/taken/{tid}", headers=who)
    assert before.status_code == 200
    with db.session() as s:
        view = dict(s.get(WorkItem, tid).view or {})
    # the projection never holds a confidential value (the desk's work view prefills the identity from the case's
    # encrypted record: engine.cases.task_read.task_work, tests/web/test_task_work_view.py)
    assert "melder_naam" not in view
    assert view and set(view) & set(before.json()["gegevens"]), "the projection shows while there is a state"

    with db.engine.begin() as conn:
        conn.execute(update(Case).where(Case.id == world.case_a).values(state=None))
    with _Sent(db.engine) as page:
        after = c.get(f"/api/v1/taken/{tid}", headers=who)
    assert after.status_code == 200, after.text
    assert not set(view) & set(after.json()["gegevens"]), after.json()["gegevens"]
    assert page.state_reads == [], page.state_reads
