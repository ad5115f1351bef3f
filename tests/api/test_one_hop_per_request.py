"""One thread-pool hop per request (issue 25, "a web layer that never blocks the loop"): FastAPI would run every
synchronous dependency, the endpoint and the answer's validation each in its own hop; ``api.deps.UnitOfWorkRoute``
runs the deferred database dependencies, the endpoint, the commit and the answer's serialisation in one, and a
web page is one plain ``def`` handler without synchronous dependencies. Counted here at the one door every hop
goes through (``anyio.to_thread.run_sync``, which starlette's ``run_in_threadpool`` calls), on the real app.
"""
from __future__ import annotations

import re

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient

from engine.identity import service as identity
from engine.worklist import service as worklist

pytestmark = pytest.mark.db

PASSWORD = "een-hop-per-verzoek-1"


@pytest.fixture
def hops(monkeypatch):
    """The thread-pool hops made while serving requests (the callables, for a readable failure)."""
    made: list[str] = []
    original = anyio.to_thread.run_sync

    async def counting(func, *args, **kwargs):
        func_ = getattr(func, "func", func)  # FastAPI hands in a functools.partial
        made.append(getattr(func_, "__qualname__", repr(func_)))
        return await original(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return made


def _count(hops: list[str], call) -> list[str]:
    hops.clear()
    response = call()
    assert response.status_code in (200, 303), response.text
    return list(hops)


def test_an_api_read_an_api_write_and_a_web_page_each_take_exactly_one_hop(world, db, app, hops):
    with db.session() as s:
        identity.set_password(session=s, user_id=world.users["meldpunt"], password=PASSWORD)
        item_id = worklist.items_of_case(session=s, case_id=world.case_a)[0].id
    c, h = world.client, world.h("meldpunt")
    web = TestClient(app, base_url="https://testserver", follow_redirects=False)
    assert web.post("/api/v1/auth/inloggen", json={"username": "meldpunt", "password": PASSWORD}).status_code == 200
    for warm in ("/api/v1/taken/onverdeeld", f"/api/v1/taken/{item_id}"):  # first-use caches, the token's last use
        assert c.get(warm, headers=h).status_code == 200
    assert web.get("/werkvoorraad").status_code == 200

    counted = {
        "API read (worklist)": _count(hops, lambda: c.get("/api/v1/taken/onverdeeld", headers=h)),
        "API read (task detail)": _count(hops, lambda: c.get(f"/api/v1/taken/{item_id}", headers=h)),
        "API write (claim)": _count(hops, lambda: c.post(f"/api/v1/taken/{item_id}/claimen", headers=h)),
        "API write (release)": _count(hops, lambda: c.post(f"/api/v1/taken/{item_id}/vrijgeven", headers=h)),
        "web page (worklist)": _count(hops, lambda: web.get("/werkvoorraad")),
        "web page (task)": _count(hops, lambda: web.get(f"/taken/{item_id}")),
    }
    token = re.search(r'name="csrf_token" value="([^"]+)"', web.get(f"/taken/{item_id}").text).group(1)
    counted["web write (claim)"] = _count(hops, lambda: web.post(
        f"/taken/{item_id}/oppakken", data={"csrf_token": token, "terug": "/werkvoorraad"}))
    assert {name: len(made) for name, made in counted.items()} == {name: 1 for name in counted}, counted
