"""The web pages under a burst of contended requests (issue 14): every request answered in time, one winner.

A real server (uvicorn, 4 request threads) serves a case whose acknowledgement task is open for the desk.
N desk workers click "oppakken" on that task at once while others read the work list, the case and the
task page; then the winner submits the task N times at once (a double click, many times over) with reads
alongside. Every request is answered within a few seconds; exactly one claim and one completion win, with
one ``task.claimed`` and one ``task.completed`` event. On SQLite a route that waited for its form inside a
session held the database-wide write lock across the wait; now the form is read before any session opens.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from engine.audit import service as audit
from engine.audit.models import AuditEvent
from engine.cases import consistency
from engine.identity import service as identity
from engine.identity.models import User
from engine.worklist.models import WorkItem
from tests.factories import make_user
from tests.live import Server
from tests.process.scenarios import DEFAULTS

pytestmark = pytest.mark.db

PORTS = range(18900, 18950)
N = 8
ANSWER_WITHIN = 10.0  # seconds per request; a hung server never answers


@pytest.fixture
def world(db, key, clock):
    """A named report registered by the desk (acknowledgement open), N desk workers with browser sessions.

    The sessions are started on the server's clock (its ``Date`` header): the server runs on the wall clock.
    """
    from engine import demo

    with db.session() as s:
        demo.seed(session=s)
        desk = [make_user(s, f"balie{i}", "meldpunt") for i in range(N)]
        from engine.intake import service as intake

        case = intake.submit_report(session=s, actor=desk[0], data={}).case
        demo._advance(s, case.id, {"intake": dict(DEFAULTS["melding_registreren"])})
        item = s.scalar(select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.state == "open",
                                               WorkItem.element_id == "ontvangst_bevestigen"))
        from engine.identity import access

        viewer = next(u for u in s.scalars(select(User).order_by(User.id))
                      if access.may_see_reporter_identity(session=s, user=u, case_id=case.id))
        return {"case": case.id, "item": item.id, "desk": [u.id for u in desk] + [viewer.id]}


def _sessions(db, clock, server: Server, user_ids: list[int]) -> list[tuple[str, str]]:
    from email.utils import parsedate_to_datetime

    clock.set(parsedate_to_datetime(httpx.get(server.base_url + "/api/v1/gezondheid", timeout=5).headers["date"]))
    with db.session() as s:
        out = []
        for uid in user_ids:
            session_id, web = identity.start_web_session(session=s, user=s.get(User, uid))
            out.append((session_id, web.csrf_token))
        return out


def _burst(base_url: str, calls) -> list[tuple[str, str, int | str, float]]:
    """(kind, path, status or 'no answer', latency) of calls fired at once (a barrier)."""
    barrier = threading.Barrier(len(calls), timeout=30)

    def one(call):
        kind, method, path, (session_id, csrf), form = call
        barrier.wait()
        started = time.monotonic()
        try:
            r = httpx.request(method, base_url + path, cookies={"meldpunt_session": session_id},
                              data={**form, "csrf_token": csrf} if method == "POST" else None,
                              follow_redirects=False, timeout=ANSWER_WITHIN)
            return kind, path, r.status_code, time.monotonic() - started
        except httpx.TimeoutException:
            return kind, path, "no answer", time.monotonic() - started

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


def _reads(world, sessions):
    item, case = world["item"], world["case"]
    desk, viewer = sessions[:N], sessions[N]
    paths = ["/werkvoorraad?tab=open", f"/taken/{item}", "/werkvoorraad"]
    reads = [("read", "GET", paths[i % len(paths)], desk[i], {}) for i in range(N)]
    # the viewer opens the case: each view appends an audited identity read
    return reads + [("read", "GET", f"/zaken/{case}", viewer, {}) for _ in range(N // 2)]


def test_a_burst_of_web_claims_submits_and_reads_is_answered_in_time(db, world, key, clock):
    server = Server(db.url, key, ports=PORTS, extra_env={"MELDPUNT_REQUEST_THREADS": "4"})
    try:
        sessions = _sessions(db, clock, server, world["desk"])
        item = world["item"]
        claims = [("claim", "POST", f"/taken/{item}/oppakken", sessions[i], {"terug": "/werkvoorraad"})
                  for i in range(N)]
        results = _burst(server.base_url, claims + _reads(world, sessions))
        claim_statuses = [r[2] for r in results if r[0] == "claim"]
        assert claim_statuses.count(303) == 1, claim_statuses  # the winner is sent back with a message
        winner = sessions[[r[2] for r in results[:N]].index(303)]
        submit = dict(DEFAULTS["ontvangst_bevestigen"])
        submits = [("submit", "POST", f"/taken/{item}", winner, submit) for _ in range(N)]
        results += _burst(server.base_url, submits + _reads(world, sessions))
        unanswered = [r for r in results if r[2] == "no answer"]
        print(f"web burst: {len(results)} requests, statuses {sorted({str(r[2]) for r in results})}, "
              f"{len(unanswered)} unanswered, max latency {max(r[3] for r in results):.2f} s")
        assert not unanswered, f"{len(unanswered)} of {len(results)} requests not answered within {ANSWER_WITHIN} s"
        assert set(claim_statuses) == {303, 409}, claim_statuses
        submit_statuses = [r[2] for r in results if r[0] == "submit"]
        # one completes; the winner's other sends go to the task's read-only page (303: "had u al afgerond") once it
        # is done, or are refused (409) while the first is still in its transaction
        assert submit_statuses.count(200) == 1 and set(submit_statuses) <= {200, 303, 409}, submit_statuses
        # the task page: "niet gevonden" (404) for the others once someone holds it, 409 once it is done
        assert {r[2] for r in results if r[0] == "read" and not r[1].startswith("/taken/")} == {200}
        assert {r[2] for r in results if r[0] == "read" and r[1].startswith("/taken/")} <= {200, 404, 409}
        assert httpx.get(server.base_url + "/api/v1/gezondheid", timeout=ANSWER_WITHIN).status_code == 200
    finally:
        server.stop()
    with db.session() as s:
        task_id = s.get(WorkItem, item).task_id
        for action in ("task.claimed", "task.completed"):
            assert s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.task_id == task_id, AuditEvent.action == action)) == 1, action
        assert consistency.check_case(session=s, case_id=world["case"]) == []
        assert audit.verify(session=s).ok
