"""The task detail reads the projection stored at write time (issue 25), never the workflow: every step writes,
per open work item, what its form shows (``WorkItem.view``). Opening a task over the API or on the web page
restores no workflow, and shows exactly what the old path (restoring the workflow) showed."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from engine.cases import runtime
from engine.identity import service as identity
from engine.worklist.models import WorkItem
from tests.api.test_tasks_http import ROLE_USER
from tests.process.scenarios import DEFAULTS

pytestmark = pytest.mark.db

PASSWORD = "projectie-wachtwoord-1"


@pytest.fixture
def restores(monkeypatch):
    """Counts the workflow restorations (``runtime.loads``, the serializer's deserialize)."""
    calls = []
    real = runtime.loads

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(runtime, "loads", counting)
    return calls


def _forget_view(db, item_id: int) -> None:
    with db.session() as s:
        s.execute(update(WorkItem).where(WorkItem.id == item_id).values(view=None))


def _open_items(world) -> list[dict]:
    return world.client.get(f"/api/v1/zaken/{world.case_a}",
                            headers=world.h("integriteitscoordinator")).json()["open_taken"]


def test_the_api_task_detail_restores_no_workflow_and_shows_what_the_workflow_showed(world, db, restores):
    c = world.client
    compared = 0
    for _ in range(5):
        items = [i for i in _open_items(world) if i["element_id"] in DEFAULTS]
        if not items:
            break
        for item in items:
            who = ROLE_USER[item["rol"]]
            restores.clear()
            new = c.get(f"/api/v1/taken/{item['id']}", headers=world.h(who))
            assert new.status_code == 200, new.text
            assert restores == [], item["element_id"]  # the projection, not the workflow
            _forget_view(db, item["id"])
            old = c.get(f"/api/v1/taken/{item['id']}", headers=world.h(who))
            assert restores, "without a projection the detail restores the workflow (the old path)"
            assert new.json() == old.json(), item["element_id"]
            compared += 1
        nxt = items[0]
        who = ROLE_USER[nxt["rol"]]
        if nxt["toegewezen_aan"] is None:
            assert c.post(f"/api/v1/taken/{nxt['id']}/claimen", headers=world.h(who)).status_code == 200
        r = c.post(f"/api/v1/taken/{nxt['id']}/afronden", headers=world.h(who),
                   json={"gegevens": DEFAULTS[nxt["element_id"]]})
        assert r.status_code == 200, r.text
    assert compared >= 3, compared
    # a completed item keeps no projection
    with db.session() as s:
        assert s.query(WorkItem).filter(WorkItem.state != "open", WorkItem.view.is_not(None)).count() == 0


def test_the_web_task_page_restores_no_workflow_and_shows_the_same_form(world, db, app, restores):
    with db.session() as s:  # the desk user of the case, on the web
        identity.set_password(session=s, user_id=world.users["meldpunt"], password=PASSWORD)
    item = next(i for i in _open_items(world) if i["element_id"] == "melding_registreren")
    assert world.client.post(f"/api/v1/taken/{item['id']}/claimen", headers=world.h("meldpunt")).status_code == 200
    web = TestClient(app, base_url="https://testserver", follow_redirects=False)
    r = web.post("/api/v1/auth/inloggen", json={"username": "meldpunt", "password": PASSWORD})
    assert r.status_code == 200, r.text
    restores.clear()
    new = web.get(f"/taken/{item['id']}")
    assert new.status_code == 200, new.text
    assert restores == []
    assert "Declaraties" in new.text  # the case's data fill the form
    _forget_view(db, item["id"])
    old = web.get(f"/taken/{item['id']}")
    assert restores

    def page(html: str) -> str:  # the per-request nonce aside
        return re.sub(r'nonce="[^"]*"', "", html)

    assert page(new.text) == page(old.text)


def test_opening_a_task_reads_item_case_and_permission_in_one_query(world, db):
    """Statement budget of the task detail (GET /api/v1/taken/{id}) after authentication."""
    from sqlalchemy import event

    item = next(i for i in _open_items(world) if i["element_id"] == "melding_registreren")
    world.client.get(f"/api/v1/taken/{item['id']}", headers=world.h("meldpunt"))  # session cache, process cache
    seen = []

    def record(conn, cursor, statement, params, context, executemany):
        words = " ".join(statement.split()).split(" ")
        if words[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            seen.append(" ".join(words))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        r = world.client.get(f"/api/v1/taken/{item['id']}", headers=world.h("meldpunt"))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert r.status_code == 200, r.text
    tasks = [s for s in seen if s.startswith("SELECT work_items")]
    assert len(tasks) == 1 and "JOIN cases" in tasks[0], "\n".join(seen)  # item, case and permission at once
    assert not [s for s in seen if s.startswith("SELECT cases.id, cases.reference")], "\n".join(seen)  # loaded once
    # token+user, roles, item+case+permission with the need to know and the confidential row (0w-hot: 12 with the
    # confidential data and the view's identity check read apart), the unclaimed task's outline (may see the case,
    # excluded, live roles), the view's audit events (three anchor reads and one insert); 17 before item, case and
    # permission came in one query
    assert len(seen) <= 10, "\n".join(seen)
    assert not [s for s in seen if s.startswith("SELECT case_confidential")], "\n".join(seen)
