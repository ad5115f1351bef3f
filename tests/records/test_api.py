"""The records endpoints over HTTP: hold shown on the case, four-eyes refusal in Dutch, roles (issue 20)."""
from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.settings import ApiSettings
from engine.identity import service as identity
from engine.identity.models import User
from engine.records import service as records

from tests.timebase import TEST_START

from .helpers import NO_ACTION, at_noon, closed_case

pytestmark = pytest.mark.db


@pytest.fixture
def api(db, clock):
    case_id, _ = closed_case(db, clock, "Specht", resolutions=[NO_ACTION], outcome="niet_aangetoond")
    tokens = {}
    with db.session() as s:
        for name in ("coordinator1", "coordinator2", "bvi1", "onderzoeker3", "meldpunt1"):
            user = s.scalar(select(User).where(User.username == name))
            tokens[name], _ = identity.issue_token(session=s, user=user, name="test")
    client = TestClient(create_app(ApiSettings(cookie_secure=True)))

    def call(method, path, who, **kw):
        return client.request(method, "/api/v1" + path, headers={"Authorization": f"Bearer {tokens[who]}"}, **kw)
    call.case_id = case_id
    return call


def test_hold_is_placed_by_the_coordinator_and_shows_on_the_case(api, db, clock):
    case = api.case_id
    refused = api("POST", f"/zaken/{case}/bewaarplicht", "meldpunt1", json={"reden": "Klacht"})
    assert refused.status_code == 403 and "integriteitscoördinator" in refused.json()["detail"]
    blank = api("POST", f"/zaken/{case}/bewaarplicht", "coordinator1", json={"reden": "   "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reden", blank.text
    assert api("GET", f"/zaken/{case}/bewaartermijn", "coordinator1").json()["bewaarplicht"] is None
    placed = api("POST", f"/zaken/{case}/bewaarplicht", "coordinator1", json={"reden": "Woo-verzoek 2026-17"})
    assert placed.status_code == 201, placed.text
    shown = api("GET", f"/zaken/{case}/bewaartermijn", "coordinator1").json()
    assert shown["bewaarplicht"]["reden"] == "Woo-verzoek 2026-17" and shown["klasse"] == "ongegrond"
    again = api("POST", f"/zaken/{case}/bewaarplicht", "coordinator1", json={"reden": "Nog een"})
    assert again.status_code == 409 and "al een bewaarplicht" in again.json()["detail"]
    at_noon(clock, date(2040, 1, 1))
    with db.session() as s:
        assert records.build_list(session=s) is None  # held: never listed
    clock.set(TEST_START)  # back to today: the API token is valid again
    lifted = api("DELETE", f"/zaken/{case}/bewaarplicht", "coordinator1")
    assert lifted.status_code == 200 and lifted.json()["bewaarplicht"] is None


def test_four_eyes_over_http_and_the_certificate(api, db, clock):
    at_noon(clock, date(2030, 1, 1))
    with db.session() as s:
        list_id = records.build_list(session=s).id
    clock.set(TEST_START)  # the API tokens were issued today
    base = f"/bewaartermijnen/vernietigingslijsten/{list_id}"
    assert api("GET", base, "onderzoeker3").status_code == 403
    assert api("POST", f"{base}/voorstellen", "bvi1").status_code == 403  # bvi approves, does not propose
    assert api("POST", f"{base}/voorstellen", "coordinator1").json()["status"] == "voorgesteld"
    refused = api("POST", f"{base}/goedkeuren", "coordinator1")
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("Vier ogen: wie de vernietigingslijst voorstelt")
    assert api("GET", f"{base}/verklaring", "coordinator1").status_code == 404
    approved = api("POST", f"{base}/goedkeuren", "coordinator2")
    assert approved.status_code == 200 and approved.json()["goedgekeurd_door"] == "coordinator2"
    records.execute_approved(database=db)
    listed = api("GET", "/bewaartermijnen/vernietigingslijsten", "bvi1").json()
    assert listed[0]["status"] == "uitgevoerd" and listed[0]["zaken"][0]["status"] == "vernietigd"
    doc = api("GET", f"{base}/verklaring", "coordinator1")
    assert doc.status_code == 200 and doc.content[:2] == b"PK"
    shown = api("GET", f"/zaken/{api.case_id}/bewaartermijn", "coordinator1").json()
    assert shown["status"] == "vernietigd"


def test_access_request_over_http_term_overdue_export_and_refusals(api, db):
    from engine.cases.models import Case

    with db.session() as s:
        reference = s.get(Case, api.case_id).reference
    refused = api("POST", "/inzageverzoeken", "meldpunt1", json={"naam": "Anna Spechtsma"})
    assert refused.status_code == 403 and "integriteitscoördinator" in refused.json()["detail"]
    assert api("GET", "/inzageverzoeken", "bvi1").status_code == 403
    future = api("POST", "/inzageverzoeken", "coordinator1", json={"naam": "X Y", "ontvangen_op": "2027-01-01"})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "ontvangen_op"
    made = api("POST", "/inzageverzoeken", "coordinator1", json={"naam": "Anna Spechtsma", "ontvangen_op": "2026-09-01"})
    assert made.status_code == 201, made.text
    req = made.json()
    assert req["termijn_tot"] == "2026-10-01" and req["te_laat"] is True  # today is 2 November 2026
    assert [r["id"] for r in api("GET", "/inzageverzoeken?teLaat=true", "coordinator1").json()] == [req["id"]]
    wrong = api("POST", f"/inzageverzoeken/{req['id']}/zaken", "coordinator1",
                json={"zaaknummer": reference, "rol": "betrokkene"})
    assert wrong.status_code == 422 and "niet voor als betrokkene" in wrong.json()["detail"]
    linked = api("POST", f"/inzageverzoeken/{req['id']}/zaken", "coordinator1",
                 json={"zaaknummer": reference, "rol": "melder"})
    assert linked.status_code == 200 and linked.json()["zaken"][0]["rol"] == "melder"
    exported = api("GET", f"/inzageverzoeken/{req['id']}/export", "coordinator1")
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    assert exported.headers["content-type"] == "application/zip"
    assert "Bram Spechtveld" not in exported.content.decode("latin-1")  # compressed, but: no plain copy either
    done = api("POST", f"/inzageverzoeken/{req['id']}/afhandelen", "coordinator1")
    assert done.json()["status"] == "afgehandeld" and api("GET", "/inzageverzoeken?teLaat=true",
                                                          "coordinator1").json() == []
    flag = api("POST", f"/zaken/{api.case_id}/persoonsmarkeringen", "coordinator1",
               json={"rol": "melder", "persoon": "Anna Spechtsma", "soort": "beperking", "toelichting": "Art. 18 lid 1b"})
    assert flag.status_code == 201, flag.text
    assert api("POST", f"/zaken/{api.case_id}/persoonsmarkeringen", "meldpunt1",
               json={"rol": "melder", "persoon": "Anna Spechtsma", "soort": "beperking",
                     "toelichting": "x"}).status_code == 403


def test_a_party_of_a_listed_case_neither_proposes_nor_approves_its_destruction(api, db, clock):
    """The four eyes on destroying a file must be independent: the subject (here a coordinator) and the reporter
    (here Bureau V&I) of a case on the list may not propose or approve that list; another coordinator may."""
    from engine.cases import persons
    from engine.records.models import DestructionList

    with db.session() as s:
        persons.link_persons(session=s, case_id=api.case_id, fields={"betrokkene": "betrokkene", "melder": "melder"},
                             data={"betrokkene": "coordinator1", "melder": "bvi1"}, actor="meldpunt1")
    at_noon(clock, date(2030, 1, 1))
    with db.session() as s:
        list_id = records.build_list(session=s).id
    clock.set(TEST_START)
    base = f"/bewaartermijnen/vernietigingslijsten/{list_id}"
    refused = api("POST", f"{base}/voorstellen", "coordinator1")
    assert refused.status_code == 403 and refused.json()["detail"] == records.PARTY_ON_LIST
    assert api("POST", f"{base}/voorstellen", "coordinator2").json()["status"] == "voorgesteld"
    for party in ("bvi1", "coordinator1"):
        refused = api("POST", f"{base}/goedkeuren", party)
        assert refused.status_code == 403 and refused.json()["detail"] == records.PARTY_ON_LIST, party
    with db.session() as s:
        dlist = s.get(DestructionList, list_id)
        assert (dlist.status, dlist.proposed_by, dlist.approved_by) == ("voorgesteld", "coordinator2", None)


def _certificate_xml(content: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as docx:
        return docx.read("word/document.xml").decode()


def test_a_party_of_a_listed_case_does_not_see_its_row_and_the_others_still_decide(api, db, clock):
    """The row of a case on a destruction list (number, class, dates, status) is not there for its subject, here a
    coordinator: not in the API, not on the page, not in the certificate they download; the list's other rows are,
    and the colleagues who are no party propose and approve it as before."""
    from engine.cases import persons
    from engine.cases.models import Case
    from engine.identity.service import set_password
    from tests.web.demo_clients import PASSWORD, demo_app, demo_login

    other_id, _ = closed_case(db, clock, "Kwak", resolutions=[NO_ACTION], outcome="niet_aangetoond")
    with db.session() as s:
        persons.link_persons(session=s, case_id=api.case_id, fields={"betrokkene": "betrokkene"},
                             data={"betrokkene": "coordinator1"}, actor="meldpunt1")
        own, other = (s.get(Case, i).reference for i in (api.case_id, other_id))
        set_password(session=s, user_id=s.scalar(select(User.id).where(User.username == "coordinator1")),
                     password=PASSWORD)
    at_noon(clock, date(2030, 1, 1))
    with db.session() as s:
        list_id = records.build_list(session=s).id
    clock.set(TEST_START)
    base = f"/bewaartermijnen/vernietigingslijsten/{list_id}"
    assert [z["zaaknummer"] for z in api("GET", base, "coordinator2").json()["zaken"]] == [own, other]

    def rows_seen_by_the_party():
        one = api("GET", base, "coordinator1")
        every = api("GET", "/bewaartermijnen/vernietigingslijsten", "coordinator1")
        assert one.status_code == every.status_code == 200
        assert own not in one.text and own not in every.text
        page = demo_login(demo_app(), "coordinator1").get("/bewaartermijnen")
        assert page.status_code == 200 and own not in page.text and other in page.text
        return [z["zaaknummer"] for z in one.json()["zaken"]]

    assert rows_seen_by_the_party() == [other]
    # the others decide as before; the party's answers do not name the case either
    refused = api("POST", f"{base}/voorstellen", "coordinator1")
    assert refused.status_code == 403 and own not in refused.text
    assert api("POST", f"{base}/voorstellen", "coordinator2").json()["status"] == "voorgesteld"
    approved = api("POST", f"{base}/goedkeuren", "bvi1")
    assert approved.status_code == 200 and [z["zaaknummer"] for z in approved.json()["zaken"]] == [own, other]
    with db.session() as s:  # a hold placed since: the party's case is skipped and stays (its parties known)
        records.place_hold(session=s, user=s.scalar(select(User).where(User.username == "coordinator2")),
                           case_id=api.case_id, reason="Woo-verzoek 2026-21")
    records.execute_approved(database=db)
    assert rows_seen_by_the_party() == [other]
    stored = api("GET", f"{base}/verklaring", "coordinator2")
    assert stored.status_code == 200 and own in _certificate_xml(stored.content)
    theirs = api("GET", f"{base}/verklaring", "coordinator1")
    assert theirs.status_code == 200 and theirs.content[:2] == b"PK"
    assert own not in _certificate_xml(theirs.content) and other in _certificate_xml(theirs.content)


def test_an_access_request_about_a_case_is_not_there_for_a_coordinator_who_is_a_party_of_it(api, db):
    """A request of the case's reporter, linked to the case as 'melder', names her and her part in the case: the
    subject of the case, here a coordinator, does not get the request at all (list, overdue, the request itself,
    its answers), so it cannot tell them who reported them; the coordinator who is no party handles it as before."""
    from engine.cases import persons
    from engine.cases.models import Case

    with db.session() as s:
        reference = s.get(Case, api.case_id).reference
    made = api("POST", "/inzageverzoeken", "coordinator1", json={"naam": "Anna Spechtsma", "ontvangen_op": "2026-09-01"})
    request_id = made.json()["id"]
    assert api("POST", f"/inzageverzoeken/{request_id}/zaken", "coordinator1",
               json={"zaaknummer": reference, "rol": "melder"}).status_code == 200
    assert [r["id"] for r in api("GET", "/inzageverzoeken", "coordinator2").json()] == [request_id]  # before
    with db.session() as s:
        persons.link_persons(session=s, case_id=api.case_id, fields={"betrokkene": "betrokkene"},
                             data={"betrokkene": "coordinator2"}, actor="meldpunt1")

    for path in ("/inzageverzoeken", "/inzageverzoeken?teLaat=true"):
        shown = api("GET", path, "coordinator2")
        assert shown.status_code == 200 and shown.json() == [], path
        assert "Spechtsma" not in shown.text and reference not in shown.text
    for method, path in (("GET", ""), ("GET", "/export"), ("POST", "/verlengen"), ("POST", "/afhandelen")):
        kw = {"json": {"reden": "Veel stukken"}} if path == "/verlengen" else {}
        answer = api(method, f"/inzageverzoeken/{request_id}{path}", "coordinator2", **kw)
        assert answer.status_code == 404, (path, answer.text)
        assert "Spechtsma" not in answer.text and reference not in answer.text
    # the coordinator who is no party: as before
    assert [r["id"] for r in api("GET", "/inzageverzoeken", "coordinator1").json()] == [request_id]
    assert api("POST", f"/inzageverzoeken/{request_id}/afhandelen", "coordinator1").json()["status"] == "afgehandeld"


def test_the_case_shows_why_its_destruction_is_postponed(api, db, clock):
    """Past its term, a case whose reporter can still answer the last check-in after closure is not destroyed: the
    API and the case page say so, with the engine's reason in Dutch and the day it ends."""
    from engine.cases.models import Case
    from engine.contact import service as contact
    from engine.contact.models import FollowUp
    from engine.functions import dutch_date
    from engine.identity.service import set_password
    from engine.legal_terms import add_calendar, parse_duration
    from tests.web.demo_clients import PASSWORD, demo_app, demo_login

    from .helpers import closed_on

    case_id, closed = api.case_id, closed_on(db, api.case_id)
    with db.session() as s:  # the helper issues the code after closing; plan the check-ins as at a real closing
        s.execute(FollowUp.__table__.delete().where(FollowUp.case_id == case_id))
        case = s.get(Case, case_id)
        contact.case_closed(s, case, contact.rules_of(s, case))
    last = add_calendar(closed, parse_duration("P12M"))
    at_noon(clock, add_calendar(closed, parse_duration("P3M")))
    contact.sweep_in(db)
    at_noon(clock, last)
    contact.sweep_in(db)
    at_noon(clock, date.fromordinal(add_calendar(closed, parse_duration("P1Y")).toordinal() + 1))  # term passed
    until = add_calendar(last, parse_duration("P3M"))
    with db.session() as s:
        coordinator = s.scalar(select(User).where(User.username == "coordinator1"))
        token, _ = identity.issue_token(session=s, user=coordinator, name="later")
        set_password(session=s, user_id=coordinator.id, password=PASSWORD)
        assert records.build_list(session=s) is None
    client = TestClient(create_app(ApiSettings(cookie_secure=True)))
    shown = client.get(f"/api/v1/zaken/{case_id}/bewaartermijn", headers={"Authorization": f"Bearer {token}"})
    assert shown.status_code == 200, shown.text
    assert shown.json()["uitstel"] == {
        "soort": "nazorg_termijn", "tot_en_met": until.isoformat(),
        "reden": f"De melder kan tot en met {dutch_date(until)} reageren op de laatste nazorgvraag (van "
                 f"{dutch_date(last)}); de zaak wordt niet eerder vernietigd."}
    page = demo_login(demo_app(), "coordinator1").get(f"/zaken/{case_id}")
    assert page.status_code == 200
    assert "<strong>Uitgesteld</strong> — De melder kan tot en met " + dutch_date(until) in page.text
    # once the reporter's term is over, nothing postpones it: no reason shown, and it is listed
    at_noon(clock, date.fromordinal(until.toordinal() + 1))
    with db.session() as s:
        assert records.case_retention(session=s, user=coordinator, case_id=case_id).postponed is None
        assert [c.id for c, *_ in records.due_cases(session=s)] == [case_id]
