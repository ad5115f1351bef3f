"""Saved personal views and the export of the case list (issue 17), on both surfaces of the real app.

Views: one's own only (another user's view is not found, on the page and in the API), refused input changes
nothing, stored encrypted. Export (CSV, XLSX): exactly the rows of the user's own search through
``engine.cases.search`` (all pages, same order), the list's columns only (never the reporter's identity, a receipt
code or the report's text), only for the roles allowed, never a row of a case the user is a party to, safe against
formula injection, audited."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text

from engine.audit.models import AuditEvent
from engine.cases.models import Case, CaseParty
from engine.identity.models import User
from engine.identity.seed import DEMO_UNIT
from tests.timebase import TEST_START

pytestmark = pytest.mark.db

PASSWORD = "meldpunt-demo"
DESCRIPTION = "Een collega zoekt zonder reden personen op in vertrouwelijke registers."  # demo case 1
PUBLIC_TEXT = "Iemand neemt zonder toestemming dozen met spullen mee van het werk."
DEMO_REPORTER = ("Mehmet Medewerker", "m.medewerker@")  # the demo's named report
COLUMNS = ["Zaaknummer", "Status", "Categorie", "Dienstonderdeel", "Prioriteit", "Aangemaakt op", "Gesloten op"]


def _login(username: str) -> TestClient:
    from api.app import create_app
    from api.settings import ApiSettings

    client = TestClient(create_app(ApiSettings(cookie_secure=False)), follow_redirects=False)
    r = client.post("/api/v1/auth/inloggen", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def _csrf(client: TestClient) -> dict:
    return {"X-CSRF-Token": client.cookies.get("meldpunt_csrf")}


def _form(client: TestClient, **fields) -> dict:
    return {"csrf_token": client.cookies.get("meldpunt_csrf"), **fields}


@pytest.fixture
def demo(db, clock):
    from engine.demo import seed
    from engine.intake import public

    with db.session() as s:
        refs = seed(session=s)["cases_refs"]
    receipt = public.submit_public_report(database=db, client_key="views", values={
        "omschrijving": PUBLIC_TEXT, "categorie": "Overig", "dienstonderdeel": DEMO_UNIT})
    with db.session() as s:
        anon_id = s.scalar(select(Case.id).where(Case.reference == refs[0]))
    return {"refs": refs, "anon_id": anon_id, "receipt": receipt.receipt_code}


def _all_pages(client: TestClient, **params) -> list[str]:
    refs, cursor = [], None
    while True:
        body = client.get("/api/v1/zaken", params={**params, "limit": 200, **({"na": cursor} if cursor else {})})
        assert body.status_code == 200, body.text
        refs += [c["zaaknummer"] for c in body.json()["items"]]
        cursor = body.json()["volgende"]
        if not cursor:
            return refs


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())  # Excel with Dutch settings: UTF-8 with BOM, semicolons
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def _xlsx_rows(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


# --------------------------------------------------------------------------- saved views


def test_a_user_saves_opens_and_deletes_a_view_on_the_page_and_it_is_theirs_alone(db, demo):
    coordinator, desk = _login("coordinator"), _login("meldpunt")
    r = coordinator.post("/zaken/weergaven", data=_form(coordinator, naam="Registers open", q="register",
                                                        status="open", sorteer="zaaknummer"))
    assert r.status_code == 303 and r.headers["location"].startswith("/zaken?"), r.text
    page = coordinator.get(r.headers["location"])
    assert "Uw weergave is opgeslagen." in page.text
    link = re.search(r'<li><a href="([^"]+)">Registers open</a>', page.text)
    assert link, page.text
    opened = coordinator.get(link.group(1).replace("&amp;", "&"))
    assert re.findall(r'<td><a href="/zaken/\d+">([^<]+)</a></td>', opened.text) == [demo["refs"][0]]
    assert 'value="register"' in opened.text and "1 zaak gevonden" in opened.text

    mine = coordinator.get("/api/v1/zaken/weergaven").json()
    assert [(v["naam"], v["zoekopdracht"]["q"], v["zoekopdracht"]["status"], v["zoekopdracht"]["sorteer"])
            for v in mine] == [("Registers open", "register", "open", "zaaknummer")]
    view_id = mine[0]["id"]
    # another user: not in their list, not found on either surface, and their delete changes nothing
    assert desk.get("/api/v1/zaken/weergaven").json() == []
    assert "Registers open" not in desk.get("/zaken").text
    assert desk.get(f"/api/v1/zaken/weergaven/{view_id}").status_code == 404
    assert desk.delete(f"/api/v1/zaken/weergaven/{view_id}", headers=_csrf(desk)).status_code == 404
    gone = desk.post(f"/zaken/weergaven/{view_id}/verwijderen", data=_form(desk))
    assert gone.status_code == 404 and "text/html" in gone.headers["content-type"]
    assert coordinator.get(f"/api/v1/zaken/weergaven/{view_id}").json()["naam"] == "Registers open"

    r = coordinator.post(f"/zaken/weergaven/{view_id}/verwijderen", data=_form(coordinator))
    assert r.status_code == 303
    assert "De weergave is verwijderd." in coordinator.get(r.headers["location"]).text
    assert coordinator.get("/api/v1/zaken/weergaven").json() == []


def test_refused_views_change_nothing_and_name_the_field(db, demo):
    coordinator = _login("coordinator")
    page = coordinator.post("/zaken/weergaven", data=_form(coordinator, naam="  ", q="register"))
    assert page.status_code == 422 and "Naam van de weergave: is verplicht." in page.text
    assert 'value="register"' in page.text  # the search is kept
    page = coordinator.post("/zaken/weergaven", data=_form(coordinator, naam="Periode", van="gisteren"))
    assert page.status_code == 422 and "Aangemaakt vanaf: geen geldige datum" in page.text
    assert 'value="Periode"' in page.text  # the name typed is kept
    assert coordinator.post("/zaken/weergaven", data={"naam": "Zonder token"}).status_code == 403
    assert coordinator.get("/api/v1/zaken/weergaven").json() == []

    ok = coordinator.post("/api/v1/zaken/weergaven", headers=_csrf(coordinator),
                          json={"naam": "Fraude", "zoekopdracht": {"categorie": "Fraude", "sorteer": "-prioriteit"}})
    assert ok.status_code == 201, ok.text
    again = coordinator.post("/api/v1/zaken/weergaven", headers=_csrf(coordinator), json={"naam": "fraude"})
    assert again.status_code == 422 and "naam" in again.text and "al een weergave" in again.text
    page = coordinator.post("/zaken/weergaven", data=_form(coordinator, naam="FRAUDE"))
    assert page.status_code == 422 and "u heeft al een weergave met deze naam" in page.text
    for body in ({"naam": ""}, {"naam": "x" * 101}, {"naam": "Sort", "zoekopdracht": {"sorteer": "id"}},
                 {"naam": "Ext", "zoekopdracht": {"onbekend": 1}}):
        assert coordinator.post("/api/v1/zaken/weergaven", headers=_csrf(coordinator), json=body).status_code == 422
    assert [v["naam"] for v in coordinator.get("/api/v1/zaken/weergaven").json()] == ["Fraude"]


def test_a_view_is_stored_encrypted(db, demo):
    coordinator = _login("coordinator")
    r = coordinator.post("/api/v1/zaken/weergaven", headers=_csrf(coordinator),
                         json={"naam": "Melding over Jansen", "zoekopdracht": {"q": "vertrouwelijke registers"}})
    assert r.status_code == 201
    with db.session() as s:
        query, name = s.execute(text("SELECT query, name FROM saved_views")).one()
    assert "registers" not in query and "vertrouwelijke" not in query
    assert "Jansen" not in name and "Melding" not in name  # people name a search after whom it looks for
    assert [v["naam"] for v in coordinator.get("/api/v1/zaken/weergaven").json()] == ["Melding over Jansen"]


# --------------------------------------------------------------------------- export


def test_the_export_has_exactly_the_rows_of_the_users_search_and_only_the_list_columns(db, demo):
    coordinator = _login("coordinator")
    listed = _all_pages(coordinator, sorteer="zaaknummer")
    assert len(listed) == 4
    r = coordinator.get("/api/v1/zaken/export", params={"formaat": "csv", "sorteer": "zaaknummer"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert re.match(r'attachment; filename="zaken-\d{4}-\d{2}-\d{2}\.csv"', r.headers["content-disposition"])
    rows = _csv_rows(r.content)
    assert rows[0] == COLUMNS and [row[0] for row in rows[1:]] == listed
    assert {row[1] for row in rows[1:]} == {"Open"} and {row[3] for row in rows[1:]} == {DEMO_UNIT}
    web = coordinator.get("/zaken/export", params={"formaat": "xlsx", "sorteer": "zaaknummer"})
    assert web.status_code == 200 and "spreadsheetml" in web.headers["content-type"]
    sheet = _xlsx_rows(web.content)
    assert sheet[0] == COLUMNS and [row[0] for row in sheet[1:]] == listed
    for content in (r.content.decode("utf-8-sig"), " ".join(str(v) for row in sheet for v in row)):
        for secret in (DESCRIPTION, "registers", PUBLIC_TEXT, "dozen", demo["receipt"],
                       demo["receipt"].replace(" ", ""), *DEMO_REPORTER):
            assert secret.lower() not in content.lower(), secret
    # a search narrows the export exactly as it narrows the list
    narrowed = coordinator.get("/api/v1/zaken/export", params={"q": "register"})
    assert [row[0] for row in _csv_rows(narrowed.content)[1:]] == [demo["refs"][0]]
    # the Zaken page offers both files for its current search
    page = coordinator.get("/zaken", params={"q": "register"})
    assert 'href="/zaken/export?q=register&amp;sorteer=-aangemaakt_op&amp;formaat=csv"' in page.text
    assert "formaat=xlsx" in page.text


def test_every_export_is_audited_without_the_search_term(db, demo):
    coordinator = _login("coordinator")
    assert coordinator.get("/api/v1/zaken/export", params={"q": "register", "formaat": "xlsx"}).status_code == 200
    with db.session() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "cases.exported")))
    assert len(events) == 1
    event = events[0]
    assert event.actor == "coordinator" and event.case_id is None
    assert event.details["formaat"] == "xlsx" and event.details["aantal"] == 1
    assert event.details["zaak_ids"] == [demo["anon_id"]]
    assert event.details["filters"]["zoekterm"] is True and "register" not in str(event.details)


def test_roles_without_the_export_right_are_refused_on_both_surfaces(db, demo):
    for username in ("meldpunt", "onderzoeker1", "directeur", "auditor", "beheerder", "medewerker"):
        client = _login(username)
        api = client.get("/api/v1/zaken/export", params={"formaat": "csv"})
        assert api.status_code == 403 and api.headers["content-type"].startswith("application/problem+json")
        page = client.get("/zaken/export", params={"formaat": "csv"})
        assert page.status_code == 403 and "text/html" in page.headers["content-type"], username
        assert "Exporteren" not in client.get("/zaken").text
    with db.session() as s:
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.action == "cases.exported")) is None


def test_bureau_vi_exports_the_whole_organisation_and_a_party_never_gets_the_row(db, demo):
    bvi = _login("bvi")
    everything = [row[0] for row in _csv_rows(bvi.get("/api/v1/zaken/export").content)[1:]]
    assert everything == _all_pages(bvi) and demo["refs"][0] in everything
    with db.session() as s:  # the coordinator turns out to be the subject of the anonymous report
        coordinator_id = s.scalar(select(User.id).where(User.username == "coordinator"))
        s.add(CaseParty(case_id=demo["anon_id"], party="betrokkene", user_id=coordinator_id))
    coordinator = _login("coordinator")
    for fmt, parse in (("csv", _csv_rows), ("xlsx", _xlsx_rows)):
        got = parse(coordinator.get("/api/v1/zaken/export", params={"formaat": fmt}).content)
        assert demo["refs"][0] not in [row[0] for row in got] and len(got) == 1 + 3
    got = _csv_rows(coordinator.get("/api/v1/zaken/export", params={"q": demo["refs"][0]}).content)
    assert got == [COLUMNS]  # a header and nothing else: not even a count


def test_cells_that_a_spreadsheet_would_run_as_a_formula_are_made_plain_text(db, demo):
    evil = ["=HYPERLINK(\"http://example.org\";\"klik\")", "+31 6 1234", "-2+3", "@SUM(A1:A2)"]
    with db.session() as s:
        s.execute(insert(Case), [dict(reference=f"2026-X{i}", status="closed", unit=DEMO_UNIT, category=value,
                                      priority=0, version=1, summary={}, imported=True, created_by="test",
                                      created_at=TEST_START - timedelta(days=i + 1), updated_at=TEST_START,
                                      closed_at=TEST_START) for i, value in enumerate(evil)])
    coordinator = _login("coordinator")
    rows = _csv_rows(coordinator.get("/api/v1/zaken/export", params={"status": "closed", "sorteer": "zaaknummer"}).content)
    assert [row[2] for row in rows[1:]] == ["'" + v for v in evil]
    content = coordinator.get("/api/v1/zaken/export", params={"status": "closed", "sorteer": "zaaknummer",
                                                              "formaat": "xlsx"}).content
    assert [row[2] for row in _xlsx_rows(content)[1:]] == ["'" + v for v in evil]
    import zipfile

    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no formula anywhere in the workbook
    # dates as real spreadsheet dates, in Dutch time
    first = _xlsx_rows(content)[1]
    assert first[6].isoformat().startswith((TEST_START + timedelta(hours=1)).strftime("%Y-%m-%dT%H"))


def test_an_invalid_export_request_is_refused_in_dutch(db, demo):
    coordinator = _login("coordinator")
    assert coordinator.get("/api/v1/zaken/export", params={"formaat": "pdf"}).status_code == 422
    page = coordinator.get("/zaken/export", params={"formaat": "pdf"})
    assert page.status_code == 422 and "formaat" in page.text
    page = coordinator.get("/zaken/export", params={"van": "morgen"})
    assert page.status_code == 422 and "Aangemaakt vanaf: geen geldige datum" in page.text
