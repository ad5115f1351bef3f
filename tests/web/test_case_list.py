"""The Zaken page and GET /api/v1/zaken: search, filters and keyset pages through engine.cases.search (issue 17).

The real app (pages and API), the demo organisation, a cookie session per user."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from engine.cases.models import Case, CaseParty
from engine.identity.models import User
from engine.identity.seed import DEMO_UNIT
from tests.timebase import TEST_START

PASSWORD = "meldpunt-demo"
DESCRIPTION = "Een collega zoekt zonder reden personen op in vertrouwelijke registers."  # demo case 1


def _login(username: str) -> TestClient:
    from api.app import create_app
    from api.settings import ApiSettings

    client = TestClient(create_app(ApiSettings(cookie_secure=False)), follow_redirects=False)
    r = client.post("/api/v1/auth/inloggen", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


@pytest.fixture
def demo(db, clock):
    from engine.demo import seed

    with db.session() as s:
        refs = seed(session=s)["cases_refs"]
    with db.session() as s:
        anon = s.scalars(select(Case).where(Case.reference == refs[0])).one()
        return {"id": anon.id, "reference": anon.reference}


def _rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<td><a href="(/zaken/\d+)">([^<]+)</a></td>', html)


def test_the_zaken_page_finds_a_case_by_another_word_form_with_a_link_and_dutch_labels(demo):
    coordinator = _login("coordinator")
    page = coordinator.get("/zaken", params={"q": "register"})  # the description says "registers"
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert _rows(page.text) == [(f"/zaken/{demo['id']}", demo["reference"])]
    for label in ("<h1>Zaken</h1>", "Zoekterm", "Dienstonderdeel", "Aangemaakt vanaf", "Sorteren op",
                  "1 zaak gevonden", "<td>Open</td>", 'aria-current="page">Zaken</a>'):
        assert label in page.text, label
    assert DESCRIPTION not in page.text  # the list shows no description
    assert _rows(coordinator.get("/zaken", params={"q": "envelop"}).text) == []
    api = coordinator.get("/api/v1/zaken", params={"q": "registers", "status": "open"}).json()
    assert [c["zaaknummer"] for c in api["items"]] == [demo["reference"]] and api["totaal"] == 1


def test_an_excluded_person_finds_nothing_not_even_a_count_on_both_surfaces(db, demo):
    with db.session() as s:  # the coordinator turns out to be the subject of the anonymous report
        coordinator_id = s.scalar(select(User.id).where(User.username == "coordinator"))
        s.add(CaseParty(case_id=demo["id"], party="betrokkene", user_id=coordinator_id))
    coordinator = _login("coordinator")
    for params in ({"q": "register"}, {"q": demo["reference"]}, {}):
        page = coordinator.get("/zaken", params=params)
        assert demo["reference"] not in [ref for _, ref in _rows(page.text)]
        api = coordinator.get("/api/v1/zaken", params=params).json()
        assert demo["reference"] not in [c["zaaknummer"] for c in api["items"]]
    assert "0 zaken gevonden" in coordinator.get("/zaken", params={"q": "register"}).text
    assert coordinator.get("/api/v1/zaken", params={"q": "register"}).json()["totaal"] == 0


def test_the_next_page_link_walks_every_case_once(db, demo):
    with db.session() as s:
        s.execute(insert(Case), [dict(reference=f"2025-H{i:04d}", status="closed", unit=DEMO_UNIT, category="Fraude",
                                      priority=0, version=1, summary={}, imported=True, created_by="test",
                                      created_at=TEST_START - timedelta(days=30, hours=i), updated_at=TEST_START)
                                 for i in range(1, 121)])
    coordinator = _login("coordinator")
    url, seen, pages = "/zaken?status=closed&sorteer=-aangemaakt_op", [], 0
    while url:
        page = coordinator.get(url.replace("&amp;", "&"))
        assert page.status_code == 200
        assert "120 zaken gevonden" in page.text
        seen += [ref for _, ref in _rows(page.text)]
        pages += 1
        link = re.search(r'<a href="([^"]+)" rel="next">Volgende pagina</a>', page.text)
        url = link.group(1) if link else None
    assert pages == 3 and len(seen) == 120 == len(set(seen))
    assert seen == [f"2025-H{i:04d}" for i in range(1, 121)]
    api, cursor, got = coordinator, None, []
    while True:
        body = api.get("/api/v1/zaken", params={"status": "closed", "limit": 50, **({"na": cursor} if cursor else {})}).json()
        got += [c["zaaknummer"] for c in body["items"]]
        cursor = body["volgende"]
        if not cursor:
            break
    assert got == seen
    assert api.get("/api/v1/zaken", params={"na": "bogus", "sorteer": "zaaknummer"}).status_code == 422


def test_the_zaken_page_asks_for_a_login(demo):
    from api.app import create_app
    from api.settings import ApiSettings

    response = TestClient(create_app(ApiSettings(cookie_secure=False)), follow_redirects=False).get("/zaken")
    assert response.status_code in (302, 303) and "/inloggen" in response.headers["location"]


def test_a_worklist_tab_pages_on_beyond_200_tasks(db, demo):
    from engine.worklist.models import WorkItem

    with db.session() as s:
        s.execute(insert(WorkItem), [dict(case_id=demo["id"], task_id=f"extra-{i}", element_id="e", name=f"Taak {i}",
                                          role="meldpunt", slot="meldpunt", state="open",
                                          due_at=TEST_START + timedelta(days=i % 9), priority=i % 2,
                                          created_at=TEST_START) for i in range(260)])
        extra = set(s.scalars(select(WorkItem.id).where(WorkItem.task_id.like("extra-%"))))
    desk = _login("meldpunt")
    url, seen, pages = "/werkvoorraad?tab=open", [], 0
    while url:
        page = desk.get(url.replace("&amp;", "&"))
        assert page.status_code == 200
        seen += [int(n) for n in re.findall(r'<td><a href="/taken/(\d+)">', page.text)]
        pages += 1
        link = re.search(r'<a href="([^"]+)" rel="next">Volgende pagina</a>', page.text)
        url = link.group(1) if link else None
    assert pages == 2 and len(seen) == len(set(seen)) and extra <= set(seen)
