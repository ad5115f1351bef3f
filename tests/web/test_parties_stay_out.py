"""Parties of a case stay out of it on both surfaces, also where a role of theirs reaches past the case page.

The reporter, the subject and the subject's line manager of a case never handle it (DOMAIN §2, §4;
``engine.identity.access.EXCLUDED_PARTIES``). Doors that are not a case page but show or act on a case:

* incidents (``engine.incidents.service``): the process owner sees every incident by case number and retries or
  closes it; a process owner who is a party of the case must not see or touch the incidents of that case;
* a colleague's absence with "taken overdragen" (``engine.staff.service.record_absence``): the coordinator moves
  the absent person's claimed tasks to the delegate they chose; a coordinator who is a party of the case must not
  move that case's tasks, nor learn of them from the answer (as the hand-over of all work already refuses);
* the director's monthly overview (``engine.reports.monthly``): the cases of the director's units with stage,
  outcome and measure; never a case about the director (nor a risk inventory, which is no integrity case).

The real app (API and pages), the demo organisation, the real engine and database.
"""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web import flow
from tests.web.demo_clients import PASSWORD, demo_app, demo_login

pytestmark = pytest.mark.db

PARTIES = ("melder", "betrokkene", "leidinggevende")


_app, _login = demo_app, demo_login  # tests/web/demo_clients.py


def _csrf(client: TestClient) -> dict:
    return {"X-CSRF-Token": client.cookies.get("meldpunt_csrf")}


def _form(client: TestClient, **data) -> dict:
    return {**data, "csrf_token": client.cookies.get("meldpunt_csrf")}


def _case_with_party(db, party: str, person: str) -> tuple[int, str]:
    """A report in unit Douane in which the staff member ``person`` is ``party`` (the known reporter, the subject,
    or the subject's line manager); registered by the desk."""
    from engine.identity.service import create_user, get_user
    from engine.intake import service as intake

    with db.session() as s:
        who = get_user(session=s, username=person)
        subject = who
        if party == "leidinggevende":
            subject = create_user(session=s, username=f"medewerker-van-{person}", display_name="Mirte Medewerker",
                                  roles=[], unit="Douane", manager_id=who.id, password=PASSWORD)
        elif party == "melder":
            subject = get_user(session=s, username="medewerker")
        registration = {**flow.ANSWERS["melding_registreren"], "melder_anoniem": party != "melder",
                        "kanaal": "meldpunt_integriteit", "betrokkene_naam": subject.display_name,
                        **({"melder_naam": who.display_name} if party == "melder" else {})}
        case = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"), data=registration,
                                    reporter_user_id=who.id if party == "melder" else None,
                                    subject_user_id=subject.id).case
        return case.id, case.reference


# --------------------------------------------------------------------------- incidents


@pytest.mark.parametrize("party", PARTIES)
def test_a_process_owner_who_is_a_party_neither_sees_nor_handles_the_incidents_of_that_case(demo, party):
    from engine.identity.service import create_user
    from engine.incidents import service as incidents

    with demo.session() as s:
        create_user(session=s, username="pb-partij", display_name="Pieter Partij", roles=["procesbeheerder"],
                    unit="Douane", password=PASSWORD)
    case_id, reference = _case_with_party(demo, party, "pb-partij")
    with demo.session() as s:  # a termijn of the case failed in the process model
        incident_id = incidents.record(s, case_id=case_id, source="timer", exc=ZeroDivisionError()).id
    app = _app()

    owner = _login(app, "procesbeheerder")  # the process owner who is no party: every incident, by case number
    listed = owner.get("/api/v1/incidenten")
    assert [(r["id"], r["zaaknummer"]) for r in listed.json()] == [(incident_id, reference)]
    assert owner.get(f"/api/v1/incidenten/{incident_id}").status_code == 200
    assert reference in owner.get("/incidenten").text

    party_owner = _login(app, "pb-partij")
    assert party_owner.get("/api/v1/incidenten").json() == []
    assert party_owner.get("/api/v1/incidenten?status=alle").json() == []
    assert party_owner.get(f"/api/v1/incidenten/{incident_id}").status_code == 404
    closing = party_owner.post(f"/api/v1/incidenten/{incident_id}/afsluiten", headers=_csrf(party_owner))
    assert closing.status_code == 404 and reference not in closing.text
    retry = party_owner.post(f"/api/v1/incidenten/{incident_id}/opnieuw-proberen", headers=_csrf(party_owner))
    assert retry.status_code == 404 and reference not in retry.text
    page = party_owner.get("/incidenten")
    assert page.status_code == 200 and reference not in page.text and f'data-incident="{incident_id}"' not in page.text
    web_close = party_owner.post(f"/incidenten/{incident_id}/afsluiten", data=_form(party_owner))
    assert web_close.status_code == 404 and reference not in web_close.text
    web_retry = party_owner.post(f"/incidenten/{incident_id}/opnieuw", data=_form(party_owner))
    assert web_retry.status_code == 404 and reference not in web_retry.text

    with demo.session() as s:  # nothing the party did changed the incident
        assert incidents.get_incident(session=s, by=_user(s, "procesbeheerder"), incident_id=incident_id).state == "open"


def _user(s, username: str):
    from engine.identity.service import get_user

    return get_user(session=s, username=username)


# --------------------------------------------------------------------------- an absence that moves claimed work


def _claimed_by_desk(db, case_id: int) -> int:
    """The case's first task (the desk's registration), claimed by the demo desk user 'meldpunt'."""
    from engine.worklist import service as worklist

    with db.session() as s:
        item = next(i for i in worklist.items_of_case(session=s, case_id=case_id) if i.role == "meldpunt")
        if item.assignee_id is None:
            worklist.claim(session=s, work_item_id=item.id, user=_user(s, "meldpunt"))
        return item.id


def _party_coordinator_and_second_desk(db) -> tuple[int, int]:
    from engine.identity.service import create_user

    with db.session() as s:
        coordinator = create_user(session=s, username="coord-partij", display_name="Cora Partij",
                                  roles=["integriteitscoordinator"], unit="Douane", password=PASSWORD)
        desk2 = create_user(session=s, username="meldpunt2", display_name="Mees Meldpunt", roles=["meldpunt"],
                            unit="Douane", password=PASSWORD)
        return coordinator.id, desk2.id


def _assignee(db, item_id: int) -> int | None:
    from engine.worklist.models import WorkItem

    with db.session() as s:
        return s.get(WorkItem, item_id).assignee_id


@pytest.mark.parametrize("party", PARTIES)
def test_a_coordinator_who_is_a_party_moves_no_task_of_that_case_by_recording_an_absence_api(demo, party):
    from engine.staff import service as staff

    _, desk2 = _party_coordinator_and_second_desk(demo)
    case_id, reference = _case_with_party(demo, party, "coord-partij")
    item_id = _claimed_by_desk(demo, case_id)
    with demo.session() as s:
        desk = _user(s, "meldpunt").id
    today = staff.today().isoformat()
    app = _app()
    coordinator = _login(app, "coord-partij")
    r = coordinator.post(f"/api/v1/gebruikers/{desk}/afwezigheden", headers=_csrf(coordinator),
                         json={"van": today, "tot": today, "vervanger_id": desk2, "taken_overdragen": True})
    assert r.status_code == 201, r.text
    handed = r.json()["overdracht"]
    assert reference not in r.text
    assert all(i["zaak_id"] != case_id for key in ("overgedragen", "naar_pool", "gebleven") for i in handed[key])
    # not even counted: "one task stayed in a case outside your oversight" would tell the party that the case exists
    # (access.counted_condition)
    assert handed["gebleven_buiten_toezicht"] == 0
    assert _assignee(demo, item_id) == desk  # the party did not move the work of their own case
    # the other coordinators are told which task stayed, the party nothing
    with demo.session() as s:
        seen = staff.notices_for(session=s, user=_user(s, "coordinator"))
        assert any(i["taak_id"] == item_id for n in seen for i in n["items"])
        own = staff.notices_for(session=s, user=_user(s, "coord-partij"))
        assert all(i["zaak_id"] != case_id for n in own for i in n["items"])
    page = coordinator.get("/werkvoorraad")
    assert page.status_code == 200 and reference not in page.text


def test_a_coordinator_who_is_a_party_moves_no_task_of_that_case_by_recording_an_absence_web(demo):
    from engine.staff import service as staff

    _, desk2 = _party_coordinator_and_second_desk(demo)
    case_id, reference = _case_with_party(demo, "betrokkene", "coord-partij")
    other_case, _ = _case_with_party(demo, "betrokkene", "medewerker")  # a case the coordinator may act on
    item_id, other_item = _claimed_by_desk(demo, case_id), _claimed_by_desk(demo, other_case)
    with demo.session() as s:
        desk = _user(s, "meldpunt").id
    today = staff.today().isoformat()
    coordinator = _login(_app(), "coord-partij")
    r = coordinator.post(f"/gebruikers/{desk}/afwezigheden", data=_form(
        coordinator, van=today, tot=today, vervanger=str(desk2), taken_overdragen="1"))
    assert r.status_code == 303, r.text[:500]
    shown = coordinator.get(r.headers["location"])
    assert shown.status_code == 200 and reference not in shown.text
    assert _assignee(demo, item_id) == desk  # stays: the coordinator is the subject of this case
    assert _assignee(demo, other_item) == desk2  # moves: the coordinator may act on this one


# --------------------------------------------------------------------------- the director's monthly overview


def test_the_directors_monthly_overview_leaves_out_cases_about_them_and_the_risk_inventory(demo):
    """The monthly overview (engine.reports.monthly) lists the cases of the director's units with their route,
    stage, outcome and measure. A director who is the subject, the subject's manager or the reporter of a case
    must not read that case there (API and download are one door); a risk inventory is no integrity case."""
    from documents.render import docx_text
    from engine.register import service as register
    from engine.reports import monthly
    from engine.reports.service import set_unit

    with demo.session() as s:
        set_unit(session=s, name="Douane", employees=100, director_id=_user(s, "directeur").id)
    own = {party: _case_with_party(demo, party, "directeur")[1] for party in PARTIES}
    other = _case_with_party(demo, "betrokkene", "medewerker")[1]
    with demo.session() as s:
        inventory = register.start_on_request(session=s, actor=_user(s, "dlso"), process="risicoinventarisatie",
                                              team="Douane", reason="reorganisatie").reference
        monthly.generate(session=s, month="2026-11")
    director = _login(_app(), "directeur")
    [item] = director.get("/api/v1/rapportages/maandoverzichten").json()
    text = docx_text(director.get(f"/api/v1/rapportages/maandoverzichten/{item['id']}").content)
    assert other in text  # the overview works: a case in the unit that is not about the director
    assert [party for party, reference in own.items() if reference in text] == []
    assert inventory not in text
    assert item["cijfers"]["meldingen"] == text.count("MP-2026-")  # the figures count what is listed


def test_the_dashboard_counts_no_risk_inventory_as_a_report(demo):
    """The dashboard (engine.reports.dashboard, API and page): a risk inventory is another process's instance,
    never a report, an open case or a phase of one."""
    from engine.register import service as register

    coordinator = _login(_app(), "coordinator")
    url = "/api/v1/rapportages/dashboard?van=2026-01-01&tot=2026-12-31"
    before = coordinator.get(url).json()["cijfers"]
    page_before = coordinator.get("/rapportages/dashboard?van=2026-01-01&tot=2026-12-31").text
    with demo.session() as s:
        register.start_on_request(session=s, actor=_user(s, "dlso"), process="risicoinventarisatie", team="Douane",
                                  reason="reorganisatie")
    assert coordinator.get(url).json()["cijfers"] == before
    page = coordinator.get("/rapportages/dashboard?van=2026-01-01&tot=2026-12-31")
    assert page.status_code == 200 and "Vragenlijst risicovolle functies" not in page.text
    assert "Vragenlijst risicovolle functies" not in page_before
