"""Paging the pool ("Open in mijn rollen") when the separation of duties keeps tasks from the reader.

A person who investigated in a case may not decide or advise in it (DOMAIN §2, ``engine.cases.duties``), so the
pool does not offer them those tasks. Leaving them out must not cost the rest of the pool: every page is full while
more tasks they may take exist, the next-page link and its position come from the ordered pool itself, so walking
the pages (API Link header, web page's 'Volgende pagina') gives every task they may take exactly once and none they
may not, the last page has no next link, and the tab's count is the number of tasks walked.

Set-up with the shipped process set (demo organisation): 'rik' (Onderzoeker and Bevoegd gezag) completed the
investigation report in two cases; those cases' decisions wait in the pool, many of them before the first page ends.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from engine.cases.models import Case
from engine.identity import service as identity
from engine.identity.models import User
from engine.identity.seed import DEMO_UNIT
from engine.processes import service as processes
from engine.worklist import service as worklist
from engine.worklist.models import WorkItem
from tests.timebase import TEST_START

pytestmark = pytest.mark.db

PASSWORD = "Pool-pagina-2026!"
ROLES = ["onderzoeker", "bevoegd_gezag"]


def _case(s, n: int, version: int) -> int:
    s.execute(insert(Case).values(reference=f"2026-P{n:04d}", status="open", unit=DEMO_UNIT, priority=0, version=1,
                                  summary={}, imported=True, created_by="test", created_at=TEST_START,
                                  updated_at=TEST_START, process_version_id=version))
    return s.scalar(select(Case.id).where(Case.reference == f"2026-P{n:04d}"))


def _open(case_id: int, tag: str, i: int, element: str, name: str, role: str, slot: str, due_days: float) -> dict:
    return dict(case_id=case_id, task_id=f"{tag}-{i}", element_id=element, name=name, role=role, slot=slot,
                state="open", due_at=TEST_START + timedelta(days=due_days), priority=i % 2,
                created_at=TEST_START - timedelta(minutes=i))


def _decide(case_id: int, tag: str, i: int, due_days: float) -> dict:
    return _open(case_id, tag, i, "afdoening_bepalen", "Afdoening bepalen", "bevoegd_gezag", "bevoegd_gezag", due_days)


@pytest.fixture
def pool(demo):
    """rik's pool: ``refused`` (decisions in the cases rik investigated) and ``eligible`` (everything else in the
    pool of rik's roles: decisions elsewhere, investigation work in the cases rik investigated, the demo's own)."""
    db = demo
    with db.session() as s:
        version = processes.latest_version(session=s).id
        rik = identity.create_user(session=s, username="rik", display_name="Rik", roles=ROLES, unit=DEMO_UNIT,
                                   password=PASSWORD).id
        investigated = [_case(s, 1, version), _case(s, 2, version)]
        elsewhere = _case(s, 3, version)
        for n, case_id in enumerate(investigated):  # rik wrote the investigation report there
            s.execute(insert(WorkItem).values(
                case_id=case_id, task_id=f"done-{n}", element_id="rapport_opstellen",
                name="Conclusies per bewering en onderzoeksrapport", role="onderzoeker", slot="onderzoeker_1",
                state="completed", completed_by_id=rik, completed_at=TEST_START, created_at=TEST_START))
        rows = []
        # 150 refused decisions first in worklist order (due in the first days), then 30 more among the rest
        rows += [_decide(investigated[i % 2], "r", i, i / 100) for i in range(150)]
        rows += [_decide(investigated[i % 2], "r", i, 3 + i * 0.4) for i in range(150, 180)]
        # what rik may take: decisions in a case rik did not investigate, and further investigation work (the same
        # duty) in a case rik investigated
        rows += [_decide(elsewhere, "e", i, 2 + i * 0.05) for i in range(220)]
        rows += [_open(investigated[0], "h", i, "hoorgesprek_voeren", "Hoorgesprek betrokkene voeren", "onderzoeker",
                       "onderzoeker_2", 1 + i * 0.3) for i in range(25)]
        s.execute(insert(WorkItem), rows)
        refused = set(s.scalars(select(WorkItem.id).where(WorkItem.task_id.like("r-%"))))
        everything = set(s.scalars(select(WorkItem.id).where(WorkItem.state == "open",
                                                             WorkItem.assignee_id.is_(None),
                                                             WorkItem.role.in_(ROLES))))
    assert len(refused) == 180 and len(everything - refused) >= 245
    return {"db": db, "rik": rik, "refused": refused, "eligible": everything - refused}


def _client() -> TestClient:
    from api.app import create_app
    from api.settings import ApiSettings

    client = TestClient(create_app(ApiSettings(cookie_secure=False)), follow_redirects=False)
    r = client.post("/api/v1/auth/inloggen", json={"username": "rik", "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def _walk_api(client: TestClient, limit: int) -> list[list[int]]:
    url, pages = f"/api/v1/taken/onverdeeld?limit={limit}", []
    while url:
        r = client.get(url)
        assert r.status_code == 200, r.text
        pages.append([t["id"] for t in r.json()])
        link = r.headers.get("link")
        url = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1) if link else None
        assert len(pages) < 100
    return pages


def _check(pool, pages: list[list[int]], limit: int) -> None:
    seen = [i for page in pages for i in page]
    assert len(seen) == len(set(seen)), "a task shown twice"
    assert not set(seen) & pool["refused"], "a task the separation of duties refuses was offered"
    assert set(seen) == pool["eligible"], f"unreachable: {sorted(pool['eligible'] - set(seen))[:10]}"
    # every page but the last is full: a task the reader may take never waits behind a short page
    assert all(len(page) == limit for page in pages[:-1]), [len(p) for p in pages]
    assert 0 < len(pages[-1]) <= limit


@pytest.mark.parametrize("limit", [7, 50, 200])
def test_walking_the_pool_by_the_api_gives_every_task_the_reader_may_take_once(pool, limit):
    pages = _walk_api(_client(), limit)  # the last page has no next link: the walk ends
    _check(pool, pages, limit)
    # the offset pages of the API agree with the walk
    client, by_offset = _client(), []
    for offset in range(0, len(pool["eligible"]) + limit, limit):
        by_offset += [t["id"] for t in client.get("/api/v1/taken/onverdeeld",
                                                  params={"limit": limit, "offset": offset}).json()]
    assert by_offset == [i for page in pages for i in page]


def test_walking_the_web_pool_gives_every_task_once_and_the_count_is_what_is_walked(pool):
    client, url, pages, count = _client(), "/werkvoorraad?tab=open", [], None
    while url:
        page = client.get(url.replace("&amp;", "&"))
        assert page.status_code == 200, page.text[:500]
        pages.append([int(n) for n in re.findall(r'<td><a href="/taken/(\d+)">', page.text)])
        counted = re.search(r'Open in mijn rollen <span class="teller">\((\d+)\)</span>', page.text)
        assert counted, page.text[:2000]
        assert count in (None, int(counted.group(1)))
        count = int(counted.group(1))
        link = re.search(r'<a href="([^"]+)" rel="next">Volgende pagina</a>', page.text)
        url = link.group(1) if link else None
        assert len(pages) < 20
    from web.pages.worklist import PAGE

    _check(pool, pages, PAGE)
    assert len(pages) == 2
    assert count == len(pool["eligible"]) == sum(len(p) for p in pages)


def test_the_engine_count_agrees_with_the_pool(pool):
    with pool["db"].session() as s:
        rik = s.get(User, pool["rik"])
        assert worklist.counts(session=s, user=rik)["open"] == len(pool["eligible"])
        assert {i.id for i in worklist.unassigned_in_my_roles(session=s, user=rik, limit=1000)} == pool["eligible"]


def test_the_late_tab_offers_no_task_the_pool_refuses_and_its_count_is_what_it_lists(pool, clock):
    """Once everything is past its term, "Te laat" of a reader who watches no deadlines lists the late tasks of
    their pool they may take, as "Open in mijn rollen" (the same engine rule), and its count is what it lists."""
    clock.advance(timedelta(days=100))
    with pool["db"].session() as s:
        late = {i for i in pool["eligible"] if s.get(WorkItem, i).due_at is not None}
        rik = s.get(User, pool["rik"])
        assert worklist.counts(session=s, user=rik)["te-laat"] == len(late)
        assert {i.id for i in worklist.overdue(session=s, user=rik, limit=1000)} == late
    assert len(late) >= 245
    client, url, seen = _client(), "/api/v1/taken/te-laat?limit=50", []
    while url:
        r = client.get(url)
        assert r.status_code == 200, r.text
        seen += [t["id"] for t in r.json()]
        link = r.headers.get("link")
        url = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1) if link else None
        assert len(seen) < 2000
    assert len(seen) == len(set(seen)) and set(seen) == late
    page = client.get("/werkvoorraad?tab=te-laat")
    assert page.status_code == 200
    counted = re.search(r'Te laat <span class="teller">\((\d+)\)</span>', page.text)
    assert counted and int(counted.group(1)) == len(late)
    assert not {int(n) for n in re.findall(r'<td><a href="/taken/(\d+)">', page.text)} & pool["refused"]
