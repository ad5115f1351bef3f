"""The real server under a burst of contended requests (issue 14): it answers every request in time.

A uvicorn process with its default request threads serves a freshly seeded demo organisation. N people
claim the same pool task at once while N identity-authorised reads of one case (each appends an
``identity.read`` audit event) run alongside; every request must be answered within a few seconds, and
the server must still answer afterwards. Loopback only; every wait here is bounded.
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
from engine.cases.models import Case
from engine.identity import service as identity
from engine.identity.models import User
from engine.worklist.models import WorkItem
from tests.factories import make_user
from tests.live import Server

PORTS = range(18300, 18400)
N = 8
ANSWER_WITHIN = 10.0  # seconds per request; a hung server never answers
BURSTS = 3


@pytest.fixture
def seeded(db, key, clock):
    """The demo organisation plus N desk workers, with API tokens, dated on the server's clock.

    The server is a separate process on the system clock (no frozen clock there), so its tokens must be
    issued on that clock too, not on the suite's frozen day: the clock is set to the system clock's
    'now' (which is the machine's date, moved or not)."""
    from engine import clock as clock_mod
    from engine import demo

    clock.set(clock_mod.SystemClock().now())

    with db.session() as s:
        demo.seed(session=s)
        task = s.scalar(select(WorkItem).where(WorkItem.state == "open", WorkItem.assignee_id.is_(None),
                                               WorkItem.role == "meldpunt").order_by(WorkItem.id))
        coordinator = s.scalar(select(User).where(User.username == "coordinator"))
        desk = s.scalar(select(User).where(User.username == "meldpunt"))
        claimers = [identity.issue_token(session=s, user=make_user(s, f"desk{i}", "meldpunt"), name="t")[0]
                    for i in range(N)]
        readers = [identity.issue_token(session=s, user=u, name="t")[0] for u in (coordinator, desk)]
        # The case whose reporter's identity these readers may see: the named report of the demo.
        named = next(c.id for c in s.scalars(select(Case).order_by(Case.id))
                     if _identity_case(s, c.id, coordinator))
        return {"task": task.id, "case": named, "claimers": claimers, "readers": readers}


def _identity_case(session, case_id: int, user: User) -> bool:
    from engine.cases import confidential
    from engine.identity import access

    return (access.may_see_reporter_identity(session=session, user=user, case_id=case_id)
            and "melder_naam" in confidential.read(session, case_id=case_id))


def _burst(base_url: str, calls: list[tuple[str, str, str]]) -> list[tuple[str, int | str, float]]:
    """Fire all calls at once (a barrier); each answer or its failure, with its latency."""
    barrier = threading.Barrier(len(calls), timeout=30)

    def one(call):
        method, path, token = call
        barrier.wait()
        started = time.monotonic()
        try:
            r = httpx.request(method, base_url + path, headers={"Authorization": f"Bearer {token}"},
                              timeout=ANSWER_WITHIN)
            return path, r.status_code, time.monotonic() - started
        except httpx.TimeoutException:
            return path, "no answer", time.monotonic() - started

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


@pytest.mark.postgres_only
def test_a_burst_of_claims_and_identity_reads_is_answered_in_time(db, seeded, key):
    server = Server(db.url, key, ports=PORTS)
    try:
        task, case = seeded["task"], seeded["case"]
        claims = [("POST", f"/api/v1/taken/{task}/claimen", t) for t in seeded["claimers"]]
        reads = [("GET", f"/api/v1/zaken/{case}", seeded["readers"][i % 2]) for i in range(N)]
        results = _burst(server.base_url, claims + reads)
        for _ in range(BURSTS - 1):
            results += _burst(server.base_url, reads)
        unanswered = [r for r in results if r[1] == "no answer"]
        statuses = sorted({str(r[1]) for r in results})
        print(f"{len(results)} requests, statuses {statuses}, {len(unanswered)} unanswered, "
              f"max latency {max(r[2] for r in results):.2f} s")
        assert not unanswered, f"{len(unanswered)} of {len(results)} requests not answered within {ANSWER_WITHIN} s"
        assert {status for path, status, _ in results if "claimen" in path} <= {200, 409}
        assert {status for path, status, _ in results if "claimen" not in path} == {200}
        assert httpx.get(server.base_url + "/api/v1/gezondheid", timeout=ANSWER_WITHIN).status_code == 200
    finally:
        server.stop()
    with db.session() as s:
        reads_logged = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.case_id == case, AuditEvent.action == "identity.read"))
        assert reads_logged == BURSTS * N
        assert audit.verify(session=s).ok
