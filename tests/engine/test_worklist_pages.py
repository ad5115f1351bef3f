"""Worklist tabs page by keyset (engine.worklist.service ``after=position(last)``): the same order as one
long list, no duplicates or gaps when tasks arrive between pages, across the UNION of role pools."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from engine.cases.models import Case
from engine.errors import InvalidData
from engine.identity import service as identity
from engine.worklist import service as worklist
from engine.worklist.models import WorkItem
from tests.timebase import TEST_START

pytestmark = pytest.mark.db


def _items(case_id, start, n, *, assignee=None):
    """Open tasks with repeated due dates (some none), priorities and creation times: many ties to break."""
    return [dict(case_id=case_id, task_id=f"t-{start + i}", element_id="e", name=f"Taak {start + i}",
                 role=("jurist", "onderzoeker")[i % 2], slot="s", state="open", assignee_id=assignee,
                 due_at=None if i % 5 == 0 else TEST_START + timedelta(days=(i % 7) - 3),
                 priority=i % 3, created_at=TEST_START - timedelta(minutes=i % 4))
            for i in range(n)]


def _walk(fetch, size):
    seen, after = [], None
    while True:
        page = fetch(limit=size, after=after)
        seen += [i.id for i in page]
        if len(page) < size:
            return seen
        after = worklist.position(page[-1])


@pytest.mark.parametrize("tab", ["open", "mijn", "te-laat"])
def test_keyset_pages_match_one_long_list_and_survive_new_tasks(db, clock, tab):
    with db.session() as s:
        user = identity.create_user(session=s, username="w", display_name="W", roles=["jurist", "onderzoeker"])
        case = Case(reference="2026-W1", unit="Douane", state=None)
        s.add(case)
        s.flush()
        s.execute(insert(WorkItem), _items(case.id, 0, 600, assignee=user.id if tab == "mijn" else None))
        user_id, case_id = user.id, case.id

    def fetch(**kw):
        with db.session() as s:
            u = identity.get_user(session=s, user_id=user_id)
            f = {"open": worklist.unassigned_in_my_roles, "mijn": worklist.my_tasks, "te-laat": worklist.overdue}[tab]
            return f(session=s, user=u, **kw)

    whole = [i.id for i in fetch(limit=10_000)]
    assert len(whole) > 200 and len(set(whole)) == len(whole)
    assert _walk(fetch, 37) == whole

    first = fetch(limit=100)
    with db.session() as s:  # tasks arrive after the first page was read
        s.execute(insert(WorkItem), _items(case_id, 1000, 60, assignee=user_id if tab == "mijn" else None))
    rest = _walk(lambda **kw: fetch(**kw) if kw["after"] else fetch(limit=kw["limit"],
                                                                    after=worklist.position(first[-1])), 100)
    together = [i.id for i in first] + rest
    assert len(together) == len(set(together))
    assert set(whole) <= set(together)


def test_a_bad_worklist_cursor_is_refused(db, clock):
    with db.session() as s:
        user = identity.create_user(session=s, username="w", display_name="W", roles=["jurist"])
        with pytest.raises(InvalidData):
            worklist.unassigned_in_my_roles(session=s, user=user, after="bm9wZQ")
