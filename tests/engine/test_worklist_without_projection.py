"""Worklists do not read the tasks' stored projection (issue 25): ``work_items.view`` (~2 KB of JSON per open task,
what its form shows) is for the task's own page; a worklist page of 200 tasks decoded ~400 KB of it for nothing.
The task's page still reads it with the access decision, in the same one statement."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event, inspect, select

from engine.cases import service as cases
from engine.identity import access
from engine.identity.models import User
from engine.worklist import service as worklist
from engine.worklist.models import WorkItem

pytestmark = pytest.mark.db


def _reads_view(statement: str) -> bool:
    return re.search(r'\."?view"?(\s|,|$)', statement) is not None  # "view" is quoted where it is a keyword


def _sent(db):
    sent: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda c, cur, statement, *a: sent.append(statement))
    return sent


def test_worklists_leave_the_projection_unread_and_the_task_page_reads_it_with_the_access_decision(demo):
    db = demo
    sent = _sent(db)
    listed: dict[int, tuple[int, WorkItem]] = {}
    with db.session() as s:
        assert s.scalar(select(WorkItem.id).where(WorkItem.state == "open", WorkItem.view.is_not(None))) is not None
        for user in s.scalars(select(User).order_by(User.id)):
            for read in (worklist.my_tasks, worklist.unassigned_in_my_roles, worklist.overdue):
                sent.clear()
                for item in read(session=s, user=user):
                    listed.setdefault(item.id, (user.id, item))
                    assert "view" in inspect(item).unloaded, (read.__name__, item.id)
                # what comes back (the outermost columns; a union's branches pass it on inside the database only)
                assert not any(_reads_view(statement.split("FROM", 1)[0]) for statement in sent), (read.__name__, sent)
        with_view = [(uid, item) for uid, item in listed.values() if item.state == "open"]
        assert with_view  # the demo's open tasks appear on someone's list
    for user_id, item in with_view[:5]:
        with db.session() as s:
            stored = s.scalar(select(WorkItem.view).where(WorkItem.id == item.id))
            assert stored is not None  # every step writes its open tasks' projection
            user = s.get(User, user_id)
            sent.clear()
            seen = access.task_access(session=s, user=user, work_item_id=item.id, reading=True)
            assert any(_reads_view(statement) for statement in sent), sent
            before = len(sent)
            assert cases.task_view(session=s, item=seen.item, case=seen.case, has_state=seen.has_state) == stored
            assert len(sent) == before  # read with the access decision, nothing of its own
