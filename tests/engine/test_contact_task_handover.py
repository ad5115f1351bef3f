"""Contact tasks outside the BPMN process (issue 23: a transcript left unsigned, a reporter's signal of retaliation)
never stay with someone who can no longer act on them: blocking the account or taking the role away hands them
back to the pool of their role, the coordinator's hand-over of all of a person's work moves them too (to a colleague
who may act on them, else to the pool with the reason), the staff list counts them and the assignee can give one
back. The same engine functions as for work items (``engine.worklist.release_claims``, ``engine.staff``)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.contact import service as contact
from engine.contact.models import ContactTask
from engine.errors import NotAuthorized
from engine.identity import admin
from engine.identity.models import User
from engine.identity.seed import DEMO_UNIT
from engine.identity.service import get_user
from engine.notifications.models import Notification
from engine.staff import service as staff
from tests.engine.test_oral_reports import _anonymous_case, _close, org  # noqa: F401 - the fixture
from tests.factories import make_user

pytestmark = pytest.mark.db

COORDINATOR = "integriteitscoordinator"


@pytest.fixture
def team(db, org):  # noqa: F811
    with db.session() as s:
        team = {"coord": get_user(session=s, username="coordinator").id,
                "admin": get_user(session=s, username="beheerder").id,
                "o1": get_user(session=s, username="onderzoeker1").id,
                "coord2": make_user(s, "coord2", COORDINATOR, unit=DEMO_UNIT).id,
                "coord3": make_user(s, "coord3", COORDINATOR, unit=DEMO_UNIT).id}
        for key in ("coord", "coord2", "coord3"):  # only users with an address are told by e-mail
            s.get(User, team[key]).email = f"{key}@example.org"
        return team


@pytest.fixture
def signal(db, clock, team):
    """A reporter's signal of retaliation after closure (the real process, follow-up and answer): its contact task,
    claimed by a second coordinator ("coord2"); a third coordinator ("coord3") who may take it."""
    case_id = _anonymous_case(db)
    _close(db, case_id)
    clock.advance(timedelta(days=92))
    assert contact.send_due_in(db) == 1
    with db.session() as s:
        follow_up = contact.follow_ups(session=s, case_id=case_id)[0]
        contact.answer(session=s, case_id=case_id, follow_up_id=follow_up.id, adverse="ja",
                       text="Ik word niet meer uitgenodigd voor overleg.")
    with db.session() as s:
        (task,) = [t for t in contact.tasks_of_case(session=s, user=s.get(User, team["coord2"]), case_id=case_id)]
        contact.claim_task(session=s, user=s.get(User, team["coord2"]), case_id=case_id, task_id=task.id)
        s.execute(Notification.__table__.delete())  # what follows is told afresh
        return case_id, task.id


def _task(s, task_id: int) -> ContactTask:
    return s.get(ContactTask, task_id)


def _events(s, case_id: int, action: str) -> list[AuditEvent]:
    return list(s.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.action == action)
                          .order_by(AuditEvent.id)))


def test_blocking_the_assignee_hands_a_claimed_signal_back_to_the_pool(db, team, signal):
    case_id, task_id = signal
    with db.session() as s:  # before: only coord2 can act on it; nobody else sees it in their worklist
        assert contact.open_tasks(session=s, user=s.get(User, team["coord"])) == []
        staff.disable_account(session=s, user_id=team["coord2"], actor="beheer")
    with db.session() as s:
        assert _task(s, task_id).assignee_id is None and _task(s, task_id).state == "open"
        assert [t.id for t, _ in contact.open_tasks(session=s, user=s.get(User, team["coord"]))] == [task_id]
        (event,) = _events(s, case_id, "contact_task.unclaimed")
        assert event.details["reden"] == "gebruiker geblokkeerd" and event.details["was_toegewezen_aan"] == team["coord2"]
        notice = staff.notices_for(session=s, user=s.get(User, team["coord"]))[0]
        assert notice["text"] == "Taken teruggezet in de pool na het blokkeren van Coord2: 1 taak."
        assert [(i["taak_id"], i["soort"], i["naar"]) for i in notice["items"]] == [(task_id, "contacttaak", "pool")]
        assert notice["items"][0]["taak"] == contact.TASK_NAMES[contact.RETALIATION]
        # the pool's coordinators hear that it is open again
        told = s.scalars(select(Notification.user_id).where(Notification.kind == "nieuwe_taak")).all()
        assert team["coord"] in told and team["coord3"] in told


def test_taking_the_role_away_hands_it_back_and_other_roles_keep_theirs(db, team, signal):
    case_id, task_id = signal
    with db.session() as s:  # coord2 also becomes an investigator: losing that role keeps the signal
        admin.change_user(session=s, by=s.get(User, team["admin"]), user_id=team["coord2"],
                          roles=[COORDINATOR, "onderzoeker"])
    with db.session() as s:
        admin.change_user(session=s, by=s.get(User, team["admin"]), user_id=team["coord2"], roles=[COORDINATOR])
        assert _task(s, task_id).assignee_id == team["coord2"]
    with db.session() as s:
        _, released = admin.change_user(session=s, by=s.get(User, team["admin"]), user_id=team["coord2"],
                                        roles=["onderzoeker"])
        assert released == 1
    with db.session() as s:
        assert _task(s, task_id).assignee_id is None
        assert _events(s, case_id, "contact_task.unclaimed")[-1].details["reden"] == "rol ingetrokken"


def test_the_coordinators_hand_over_moves_it_to_a_colleague_who_may_act_else_to_the_pool(db, team, signal):
    case_id, task_id = signal
    with db.session() as s:  # what the coordinator sees first: the person's claimed work, the signal included
        person, shown, hidden = staff.open_work_view(session=s, by=s.get(User, team["coord"]), user_id=team["coord2"])
        assert [(t["taak_id"], t["soort"], t["rol"]) for t in shown] == [(task_id, "contacttaak", "Integriteitscoördinator")]
        assert hidden == 0
        counts = {r["id"]: r["opgepakt"] for r in staff.staff_overview(session=s, by=s.get(User, team["coord"]))}
        assert counts[team["coord2"]] == 1
    with db.session() as s:  # to an investigator: not their role, so to the pool, with the reason
        result = staff.reassign_all_work(session=s, by=s.get(User, team["coord"]), user_id=team["coord2"],
                                         to_user_id=team["o1"], reason="Vertrekt")
        assert result.moved == []
        (line,) = result.to_pool
        assert (line["taak_id"], line["soort"], line["naar"]) == (task_id, "contacttaak", "pool")
        assert line["reden"] == "Olga Onderzoeker: Deze taak is voor de rol Integriteitscoördinator."
        assert _task(s, task_id).assignee_id is None
    with db.session() as s:  # claimed again, then handed to a coordinator who may act on it
        contact.claim_task(session=s, user=s.get(User, team["coord2"]), case_id=case_id, task_id=task_id)
    with db.session() as s:
        result = staff.reassign_all_work(session=s, by=s.get(User, team["coord"]), user_id=team["coord2"],
                                         to_user_id=team["coord3"], reason="Vertrekt")
        assert [(m["taak_id"], m["soort"], m["naar"]) for m in result.moved] == [(task_id, "contacttaak", "Coord3")]
    with db.session() as s:
        assert _task(s, task_id).assignee_id == team["coord3"]
        event = _events(s, case_id, "contact_task.assigned")[-1]
        assert event.details["aan"] == "coord3" and event.details["reden"] == "Vertrekt"
        assert team["coord3"] in s.scalars(select(Notification.user_id)
                                           .where(Notification.kind == "taak_toegewezen")).all()
        # coord3 can now complete it
        contact.complete_task(session=s, user=s.get(User, team["coord3"]), case_id=case_id, task_id=task_id,
                              outcome="geen_benadeling", motivation="Nagevraagd bij de melder.")


def test_the_assignee_gives_it_back_and_nobody_else_can(db, team, signal):
    case_id, task_id = signal
    with db.session() as s:
        with pytest.raises(NotAuthorized, match="Alleen wie de taak heeft opgepakt"):
            contact.release_task(session=s, user=s.get(User, team["coord3"]), case_id=case_id, task_id=task_id)
    with db.session() as s:
        assert _task(s, task_id).assignee_id == team["coord2"]
        contact.release_task(session=s, user=s.get(User, team["coord2"]), case_id=case_id, task_id=task_id)
    with db.session() as s:
        assert _task(s, task_id).assignee_id is None
        assert _events(s, case_id, "contact_task.unclaimed")[-1].details["reden"] == "teruggegeven door wie haar had opgepakt"
        contact.claim_task(session=s, user=s.get(User, team["coord3"]), case_id=case_id, task_id=task_id)
