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


def signalled_case(db, clock, before_answer=None) -> int:
    """A closed case whose reporter answered the check-in after closure with "ja" (the real process, follow-up and
    answer): a contact task for the signal is open. ``before_answer(session)`` runs just before the answer."""
    case_id = _anonymous_case(db)
    _close(db, case_id)
    clock.advance(timedelta(days=92))
    assert contact.send_due_in(db) == 1
    with db.session() as s:
        if before_answer is not None:
            before_answer(s)
        follow_up = contact.follow_ups(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id)[0]
        contact.answer(session=s, case_id=case_id, follow_up_id=follow_up.id, adverse="ja",
                       text="Ik word niet meer uitgenodigd voor overleg.")
    return case_id


@pytest.fixture
def signal(db, clock, team):
    """A reporter's signal of retaliation after closure: its contact task, claimed by a second coordinator
    ("coord2"); a third coordinator ("coord3") who may take it."""
    case_id = signalled_case(db, clock)
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


def test_a_role_taken_away_in_another_server_process_ends_the_contact_tasks_of_that_role_at_once(db, team, signal):
    """The roles a request loaded may be a few seconds old in another server process (engine.identity.session_cache);
    the contact tasks decide on the role held now, as the work items do: a coordinator whose coordinator role was
    taken away (here by a statement from 'another process', which empties no cache of this one) no longer sees the
    signal in the worklist's block or on the case, and cannot take it - although they still see the case (Bureau
    V&I)."""
    from sqlalchemy import delete

    from engine.identity.models import UserRole
    from engine.identity.service import set_password
    from tests.web.demo_clients import PASSWORD, demo_app, demo_login

    case_id, task_id = signal
    with db.session() as s:
        contact.release_task(session=s, user=s.get(User, team["coord2"]), case_id=case_id, task_id=task_id)
        s.add(UserRole(user_id=team["coord3"], role="bureau_vi"))
        set_password(session=s, user_id=team["coord3"], password=PASSWORD)
    client = demo_login(demo_app(), "coord3")
    link = f"/zaken/{case_id}/contacttaken/{task_id}"
    api = f"/api/v1/zaken/{case_id}/contacttaken"
    assert link in client.get("/werkvoorraad").text
    assert [t["id"] for t in client.get(api).json()] == [task_id]
    assert client.get(f"/api/v1/zaken/{case_id}/berichten").status_code == 200  # the coordinator writes the reporter

    with db.engine.begin() as conn:  # the administrator's change, committed by another server process
        conn.execute(delete(UserRole.__table__).where(UserRole.user_id == team["coord3"],
                                                      UserRole.role == COORDINATOR))

    assert client.get(f"/api/v1/zaken/{case_id}").status_code == 200  # the case itself: Bureau V&I oversees it
    assert link not in client.get("/werkvoorraad").text
    assert client.get(api).json() == []
    assert client.get(link).status_code == 404
    assert client.get(f"/api/v1/zaken/{case_id}/berichten").status_code in (403, 404)  # nor the reporter's messages
    claim = client.post(f"{api}/{task_id}/oppakken", headers={"X-CSRF-Token": client.cookies.get("meldpunt_csrf")})
    assert claim.status_code == 404
    with db.session() as s:
        assert _task(s, task_id).assignee_id is None  # still in the pool, for who holds the role
        assert [t.id for t, _ in contact.open_tasks(session=s, user=s.get(User, team["coord"]))] == [task_id]


@pytest.mark.parametrize("party", ["melder", "betrokkene", "leidinggevende"])
def test_a_coordinator_who_is_a_party_neither_sees_nor_takes_the_signal_of_that_case(db, team, signal, party):
    """The signal's role is the coordinator's; a coordinator who is the reporter, the subject or the subject's
    manager of the case is left out of its pool, its block in the worklist, its notification and the hand-over."""
    from engine.cases import persons
    from engine.cases.models import CaseParty

    case_id, task_id = signal
    with db.session() as s:
        contact.release_task(session=s, user=s.get(User, team["coord2"]), case_id=case_id, task_id=task_id)
        if party == "leidinggevende":  # the subject is coord3's employee
            employee = make_user(s, "medewerker-coord3", unit=DEMO_UNIT, manager=s.get(User, team["coord3"]))
            persons.link_persons(session=s, case_id=case_id, fields={"betrokkene": "betrokkene"},
                                 data={"betrokkene": employee.username}, actor="meldpunt")
        else:
            s.add(CaseParty(case_id=case_id, party=party, user_id=team["coord3"]))
    with db.session() as s:
        coord3 = s.get(User, team["coord3"])
        assert contact.open_tasks(session=s, user=coord3) == []
        assert contact.tasks_of_case(session=s, user=coord3, case_id=case_id) == []
        with pytest.raises(Exception) as refused:
            contact.claim_task(session=s, user=coord3, case_id=case_id, task_id=task_id)
        assert type(refused.value).__name__ == "NotFound"
        assert contact.why_not_act(session=s, user=coord3, task=_task(s, task_id)) is not None
        # the hand-over of a colleague's work never gives it to them
        contact.claim_task(session=s, user=s.get(User, team["coord2"]), case_id=case_id, task_id=task_id)
        result = staff.reassign_all_work(session=s, by=s.get(User, team["coord"]), user_id=team["coord2"],
                                         to_user_id=team["coord3"], reason="Vertrek")
        assert [i["taak_id"] for i in result.to_pool] == [task_id] and _task(s, task_id).assignee_id is None
        s.flush()
        contact.to_pool(s, _task(s, task_id), actor="test", reason="opnieuw in de pool")  # announced afresh
    with db.session() as s:
        told = set(s.scalars(select(Notification.user_id).where(Notification.kind == "nieuwe_taak")))
        assert team["coord"] in told and team["coord3"] not in told
