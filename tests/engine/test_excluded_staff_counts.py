"""The coordinator's view of a colleague's work never counts a task of a case the coordinator is excluded from.

The demo organisation (real app) and a second integrity coordinator. A report excludes the coordinator it concerns
(party ``uitgesloten``, ``engine.intake.exclusions``); the desk officer claims its registration. What the excluded
coordinator reads of the desk officer's work - the claimed tasks and "n more in cases outside your oversight"
(API and engine), the staff list's count, the answer of handing all that work over, the staff notices on the
worklist and their e-mails - is as if that report did not exist; the colleague coordinator reads it as any task."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.web.demo_clients import PASSWORD, demo_app, demo_login

pytestmark = pytest.mark.db

REPORT = {"categorie": "Financiële schendingen", "omschrijving": "De coördinator past declaraties aan.",
          "dienstonderdeel": "Douane", "kanaal": "meldpunt_integriteit", "melder_anoniem": True}


@pytest.fixture
def org(demo):
    from engine.identity.service import create_user, get_user

    with demo.session() as s:
        create_user(session=s, username="coordinator2", display_name="Cora Collega", roles=["integriteitscoordinator"],
                    unit="Douane", password=PASSWORD, email="coordinator2@meldpunt-demo.example")
        from engine.demo import give_demo_addresses

        give_demo_addresses(session=s)  # the coordinators' mails (engine.notifications)
        return {u: get_user(session=s, username=u).id for u in ("meldpunt", "coordinator", "coordinator2")}


def _csrf(client) -> dict:
    return {"X-CSRF-Token": client.cookies.get("meldpunt_csrf")}


@pytest.fixture
def claimed(org, demo):
    """The desk officer holds the registration of the report that excludes the coordinator."""
    from engine.cases.models import Case
    from engine.worklist.models import WorkItem

    app = demo_app()
    desk = demo_login(app, "meldpunt")
    r = desk.post("/api/v1/meldingen", headers=_csrf(desk), json={**REPORT, "uitgesloten": [org["coordinator"]]})
    assert r.status_code == 201, r.text
    with demo.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.reference == r.json()["zaaknummer"]))
        item_id = s.scalar(select(WorkItem.id).where(WorkItem.case_id == case_id, WorkItem.state == "open"))
    assert desk.post(f"/api/v1/taken/{item_id}/claimen", headers=_csrf(desk)).status_code == 200
    return {"app": app, "case": case_id, "item": item_id}


def _work(client, user_id: int) -> tuple[set[int], int]:
    r = client.get(f"/api/v1/gebruikers/{user_id}/werk")
    assert r.status_code == 200, r.text
    return {t["taak_id"] for t in r.json()["taken"]}, r.json()["buiten_toezicht"]


def _notices(db, username: str) -> list[dict]:
    from engine.identity.service import get_user
    from engine.staff import service as staff

    with db.session() as s:
        return staff.notices_for(session=s, user=get_user(session=s, username=username))


def _mails(db, user_id: int) -> int:
    from engine.notifications.models import Notification

    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == user_id,
                                                                              Notification.kind == "werk_teruggegeven"))


def test_the_excluded_coordinator_reads_a_colleagues_work_without_the_case(org, demo, claimed):
    from engine.identity.service import get_user
    from engine.staff import service as staff

    app, item = claimed["app"], claimed["item"]
    coordinator, colleague = demo_login(app, "coordinator"), demo_login(app, "coordinator2")
    shown, hidden = _work(coordinator, org["meldpunt"])
    theirs, their_hidden = _work(colleague, org["meldpunt"])
    assert item in theirs and item not in shown
    assert hidden == their_hidden == 0 and shown == theirs - {item}
    with demo.session() as s:
        def claimed_by_desk(username):
            rows = staff.staff_overview(session=s, by=get_user(session=s, username=username))
            return next(r["opgepakt"] for r in rows if r["id"] == org["meldpunt"])
        assert claimed_by_desk("coordinator") == claimed_by_desk("coordinator2") - 1 == len(shown)


def test_handing_over_and_the_notices_leave_the_case_out_for_the_excluded_coordinator(org, demo, claimed):
    from engine.worklist.models import WorkItem

    app, item, case_id = claimed["app"], claimed["item"], claimed["case"]
    coordinator = demo_login(app, "coordinator")
    mails = _mails(demo, org["coordinator"]), _mails(demo, org["coordinator2"])
    r = coordinator.post(f"/api/v1/gebruikers/{org['meldpunt']}/werk-overdragen", headers=_csrf(coordinator),
                         json={"naar_id": None, "reden": "Langdurig ziek"})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["gebleven_buiten_toezicht"] == 0 and answer["gebleven"] == []
    assert all(t["taak_id"] != item for part in ("overgedragen", "naar_pool") for t in answer[part])
    with demo.session() as s:  # the task stayed with the desk officer: the other coordinators decide about it
        assert s.get(WorkItem, item).assignee_id == org["meldpunt"]
    theirs = _notices(demo, "coordinator2")
    assert [i["taak_id"] for n in theirs for i in n["items"]] == [item]
    assert _mails(demo, org["coordinator2"]) == mails[1] + 1
    # the excluded coordinator: no notice, no mail
    assert _mails(demo, org["coordinator"]) == mails[0]
    assert _notices(demo, "coordinator") == []
    page = coordinator.get("/werkvoorraad")
    assert page.status_code == 200 and "niet al het werk" not in page.text.lower()


def test_a_blocked_account_s_notice_counts_only_the_tasks_that_count_for_the_reader(org, demo, claimed):
    from engine.staff import service as staff

    with demo.session() as s:
        _, released = staff.disable_account(session=s, user_id=org["meldpunt"], actor="beheerder")
    assert [i.id for i in released] == [claimed["item"]]
    [theirs] = _notices(demo, "coordinator2")
    assert theirs["text"] == "Taken teruggezet in de pool na het blokkeren van Mila Meldpunt: 1 taak."
    assert [i["taak_id"] for i in theirs["items"]] == [claimed["item"]]
    [mine] = _notices(demo, "coordinator")
    assert mine["text"] == "Mila Meldpunt is geblokkeerd; er stonden geen opgepakte taken op naam."
    assert mine["items"] == [] and mine["hidden"] == 0
    page = demo_login(claimed["app"], "coordinator").get("/werkvoorraad")
    assert "Mila Meldpunt is geblokkeerd; er stonden geen opgepakte taken op naam." in page.text
    assert "blokkeren van Mila Meldpunt" not in page.text
