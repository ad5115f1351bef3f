"""A contact task whose term passes does not pass silently (EU 2019/1937 art. 19/21: a reporter's signal of
retaliation is handled in time). The notification worker's sweep (``engine.notifications.worker.scan``) sends
``termijn_nadert`` to the assignee or the pool that may act on the task (``contact.open_tasks``' own decision) and
``termijn_verstreken`` to them plus the coordinators who may see the task, once per task, deadline and user; a
handled task gets nothing. The worklist says the term passed, and the API listing carries ``termijn_verstreken``.

Set up through the real engine: a closed case, the check-in after closure answered "ja" by the reporter."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.settings import ApiSettings
from engine.contact import service as contact
from engine.contact.models import ContactTask
from engine.identity import service as identity
from engine.identity.models import User
from engine.notifications import worker
from engine.notifications.models import Notification
from web.pages.common import due_text
from tests.engine.test_contact_task_handover import signalled_case, team  # noqa: F401 - the fixture
from tests.engine.test_oral_reports import org  # noqa: F401 - the fixture

pytestmark = pytest.mark.db

PASSWORD = "wachtwoord-voor-tests"  # the demo users' password in the ``org`` fixture


@pytest.fixture
def open_signal(db, clock, team):  # noqa: F811
    """A reporter's signal of retaliation after closure: its contact task, open and unclaimed, with its term."""
    case_id = signalled_case(db, clock)
    with db.session() as s:
        (task,) = s.scalars(select(ContactTask).where(ContactTask.case_id == case_id)).all()
        assert task.kind == contact.RETALIATION and task.due_at is not None and task.assignee_id is None
        s.execute(Notification.__table__.delete())  # what follows is told afresh
        return case_id, task.id, task.due_at


def _told(s, kind: str) -> list[tuple[int, str]]:
    return sorted(s.execute(select(Notification.user_id, Notification.link).where(Notification.kind == kind)).all())


def test_a_signal_whose_term_nears_and_passes_is_told_once(db, clock, team, open_signal):  # noqa: F811
    case_id, task_id, due = open_signal
    link = f"/zaken/{case_id}/contacttaken/{task_id}"
    assert worker.scan(database=db) == 0  # ten days to go: nothing yet
    clock.set(due - timedelta(days=1))  # the last day of the term
    assert worker.scan(database=db) == 3
    with db.session() as s:  # unclaimed: the coordinators who may pick it up (the signal role's pool)
        pool = {team[k] for k in ("coord", "coord2", "coord3")}
        for key in pool:
            assert [t.id for t, _ in contact.open_tasks(session=s, user=s.get(User, key))] == [task_id]
        assert _told(s, "termijn_nadert") == sorted((u, link) for u in pool)
    assert worker.scan(database=db) == 0  # once per task, deadline and user

    with db.session() as s:
        contact.claim_task(session=s, user=s.get(User, team["coord2"]), case_id=case_id, task_id=task_id)
    clock.set(due + timedelta(hours=1))
    assert worker.scan(database=db) == 3
    with db.session() as s:  # the assignee, and the coordinators who may see the task (not the desk)
        assert _told(s, "termijn_verstreken") == sorted((team[k], link) for k in ("coord", "coord2", "coord3"))
    assert worker.scan(database=db) == 0
    clock.advance(timedelta(days=3))
    assert worker.scan(database=db) == 0  # still late, still told once
    with db.session() as s:
        assert len(_told(s, "termijn_verstreken")) == 3 and len(_told(s, "termijn_nadert")) == 3


def test_a_handled_signal_is_not_told_of_its_term(db, clock, team, open_signal):  # noqa: F811
    case_id, task_id, due = open_signal
    with db.session() as s:
        coord2 = s.get(User, team["coord2"])
        contact.claim_task(session=s, user=coord2, case_id=case_id, task_id=task_id)
        contact.complete_task(session=s, user=coord2, case_id=case_id, task_id=task_id, outcome="doorverwezen",
                              motivation="Verwezen naar de vertrouwenspersoon.")
    for moment in (due - timedelta(days=1), due + timedelta(days=1)):
        clock.set(moment)
        assert worker.scan(database=db) == 0
    with db.session() as s:
        assert _told(s, "termijn_nadert") == [] and _told(s, "termijn_verstreken") == []


def test_the_worklist_and_the_api_say_the_term_passed(db, clock, team, open_signal):  # noqa: F811
    case_id, task_id, due = open_signal
    app = create_app(ApiSettings(cookie_secure=False))
    with db.session() as s:
        token = identity.issue_token(session=s, user=s.get(User, team["coord"]), name="test")[0]
    api = TestClient(app)
    auth = {"Authorization": f"Bearer {token}"}

    def contact_section() -> str:  # logged in afresh: a session does not outlive days on the engine clock
        web = TestClient(app, follow_redirects=False)
        login_token = re.search(r'name="login_token" value="([^"]+)"', web.get("/inloggen").text).group(1)
        assert web.post("/inloggen", data={"gebruikersnaam": "coordinator", "wachtwoord": PASSWORD,
                                           "login_token": login_token}).status_code == 303
        html = web.get("/werkvoorraad").text
        return re.search(r'<section aria-labelledby="contacttaken-kop".*?</section>', html, re.S).group(0)

    before = contact_section()
    assert f"/zaken/{case_id}/contacttaken/{task_id}" in before and "verstreken" not in before
    assert [t["termijn_verstreken"] for t in api.get(f"/api/v1/zaken/{case_id}/contacttaken", headers=auth).json()] \
        == [False]
    clock.set(due + timedelta(hours=1))
    after = contact_section()
    last_day = due_text(due)  # the term's last day (its ``due_at`` is the moment that day has passed)
    assert f"termijn tot en met {last_day}" in before
    assert f'<span class="termijn te-laat">termijn verstreken (tot en met {last_day})</span>' in after, after
    assert [t["termijn_verstreken"] for t in api.get(f"/api/v1/zaken/{case_id}/contacttaken", headers=auth).json()] \
        == [True]


def test_a_new_signal_is_announced_only_to_who_may_act_on_it(db, clock, team):  # noqa: F811
    """A contact task's pool is who may act on it (``contact.may_act``: the role, a case they may see), not every
    holder of the role: a coordinator of another unit, who cannot open the task, is not told that it is there."""
    from engine.identity.models import User as UserModel
    from tests.factories import make_user

    with db.session() as s:
        other_user = make_user(s, "coord-elders", "integriteitscoordinator", unit="Andere directie")
        other_user.email = "coord-elders@example.org"  # told like the others, were it in the pool
        other = other_user.id
    case_id = signalled_case(db, clock, before_answer=lambda s: s.execute(Notification.__table__.delete()))
    with db.session() as s:
        (task,) = s.scalars(select(ContactTask).where(ContactTask.case_id == case_id)).all()
        told = set(s.scalars(select(Notification.user_id).where(Notification.kind == "nieuwe_taak")))
        assert {team["coord"], team["coord2"], team["coord3"]} <= told
        assert not contact.may_act(session=s, user=s.get(UserModel, other), task=task)
        assert other not in told
