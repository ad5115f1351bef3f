"""The API's task lists page by keyset too (issue 17: every list that grows): the Link header (rel="next") walks
every task once in worklist order, stable when a task arrives between pages; ``offset`` still works."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from engine.cases.models import Case
from engine.identity import service as identity
from engine.worklist.models import WorkItem
from tests.timebase import TEST_START

pytestmark = pytest.mark.db

PASSWORD = "meldpunt-wachtwoord-1"


def _item(case_id: int, i: int) -> dict:
    return dict(case_id=case_id, task_id=f"t-{i}", element_id="e", name=f"Taak {i}", role="meldpunt",
                slot="meldpunt", state="open", due_at=TEST_START + timedelta(days=i % 7) if i % 5 else None,
                priority=i % 3, created_at=TEST_START - timedelta(minutes=i // 4))


def test_walking_the_pool_by_the_link_header_gives_every_task_once(db):
    from api.app import create_app
    from api.settings import ApiSettings

    with db.session() as s:
        identity.create_user(session=s, username="k-meldpunt", display_name="Meldpunt", roles=["meldpunt"],
                             password=PASSWORD)
        s.execute(insert(Case).values(reference="2026-K0001", status="open", unit="Douane", priority=0, version=1,
                                      summary={}, imported=True, created_by="test", created_at=TEST_START,
                                      updated_at=TEST_START))
        case_id = s.scalar(select(Case.id))
        s.execute(insert(WorkItem), [_item(case_id, i) for i in range(230)])
    client = TestClient(create_app(ApiSettings(cookie_secure=False)), follow_redirects=False)
    assert client.post("/api/v1/auth/inloggen", json={"username": "k-meldpunt", "password": PASSWORD}).status_code == 200

    by_offset = []
    for offset in (0, 100, 200):
        by_offset += [t["id"] for t in client.get("/api/v1/taken/onverdeeld",
                                                  params={"limit": 100, "offset": offset}).json()]
    assert len(by_offset) == 230 == len(set(by_offset))

    url, seen, pages = "/api/v1/taken/onverdeeld?limit=100", [], 0
    while url:
        r = client.get(url)
        assert r.status_code == 200, r.text
        seen += [t["id"] for t in r.json()]
        pages += 1
        if pages == 1:  # a task that arrives at the end of the order does not shift the next page
            with db.session() as s:
                s.execute(insert(WorkItem), [{**_item(case_id, 999), "due_at": None, "priority": 0,
                                              "created_at": TEST_START + timedelta(days=1)}])
        link = r.headers.get("link")
        url = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1) if link else None
    assert pages == 3 and seen[:230] == by_offset and len(seen) == 231 == len(set(seen))
    assert client.get("/api/v1/taken/mijn", params={"na": "bogus"}).status_code == 422
    assert "link" not in client.get("/api/v1/taken/mijn").headers


@pytest.mark.parametrize("path", ["/api/v1/taken/onverdeeld", "/api/v1/taken/mijn"])
@pytest.mark.parametrize("cursor", ["niet-base64-!", "bGVlZw", "WzEsMl0", "eyJhIjoxfQ", "WyJ4IiwxLCJ5IiwyXQ"])
def test_a_broken_next_position_is_a_dutch_error_on_na(db, path, cursor):
    """A ``na`` that is no position the list gave (not base64, not JSON, the wrong shape, not a date): a Dutch 422
    naming the field ``na``, never a 500 - for the pool (read by the engine's pool page) and one's own list."""
    from api.app import create_app
    from api.settings import ApiSettings

    with db.session() as s:
        identity.create_user(session=s, username="k-meldpunt", display_name="Meldpunt", roles=["meldpunt"],
                             password=PASSWORD)
    client = TestClient(create_app(ApiSettings(cookie_secure=False)), follow_redirects=False)
    assert client.post("/api/v1/auth/inloggen", json={"username": "k-meldpunt", "password": PASSWORD}).status_code == 200
    r = client.get(path, params={"na": cursor})
    assert r.status_code == 422, r.text
    assert "na" in r.text and "vervolgpositie" in r.text
