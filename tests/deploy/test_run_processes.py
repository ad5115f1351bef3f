"""The production topology as processes (issue 22): ``deploy/run-processes.sh`` with 2 API processes and 2 timer
workers against PostgreSQL, under load, one API process and one worker killed with SIGKILL and started again by
the script. Afterwards nothing is lost or duplicated:

- every completion answered 200 is recorded, and every completed work item has exactly one ``task.completed``
  event (a completion whose answer was lost to the kill may be recorded, but never twice);
- every timer due during the run fired exactly once;
- every case is consistent (``engine.cases.consistency``) and the audit trail verifies
  (``engine.audit.trail.verify_trail``);
- /metrics, scraped from the API process that was NOT killed, counts the completions of both processes
  (prometheus-client's multiprocess mode, as the script sets it up).

The smaller sibling of tests/api/test_chaos.py (which starts the processes itself, with more clients and
longer): this one runs the documented script. Loopback only; every wait is bounded.
"""
from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.audit.trail import verify_trail
from engine.cases import consistency
from engine.identity import service as identity
from engine.identity.models import User
from engine.timers.models import Timer
from engine.worklist.models import WorkItem
from tests.factories import make_user
from tests.live import ROOT, environment
from tests.process.scenarios import DEFAULTS

pytestmark = pytest.mark.postgres_only

SCRIPT = ROOT / "deploy" / "run-processes.sh"
LOAD_SECONDS = 12.0
CLIENTS = 6  # three per API process
WORK_CASES = 6  # the cases whose tasks the clients claim and complete
TIMER_CASES = 8  # cases registered during the run whose acknowledgement term has already run out
REGISTERED_AGO = timedelta(days=30)  # beyond the process's acknowledgement term (seven days)
CLIENT_TIMEOUT = 15.0
PORTS = range(19100, 19160)
METRICS_TOKEN = "topologie-test-token"
COMPLETE_ROUTE = "/api/v1/taken/{task_id}/afronden"


def _two_free_ports() -> int:
    for port in PORTS[:-1]:
        try:
            for p in (port, port + 1):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", p))
        except OSError:
            continue
        return port
    raise RuntimeError("no two free ports")


class Topology:
    """``deploy/run-processes.sh`` in its own process group; its processes' pids come from its pid files."""

    def __init__(self, database_url: str, key: str):
        self.port = _two_free_ports()
        self.run_dir = Path(tempfile.mkdtemp(prefix="meldpunt-run-"))
        self.log = tempfile.TemporaryFile()
        env = environment(database_url, key, {
            "MELDPUNT_API_PROCESSES": "2",  # two ports, whatever the machine's cores (the default: one per core)
            "MELDPUNT_API_PORT": str(self.port), "MELDPUNT_RUN_DIR": str(self.run_dir), "MELDPUNT_MIGRATE": "false",
            "MELDPUNT_TIMER_POLL_SECONDS": "0.5", "MELDPUNT_PYTHON": sys.executable,
            "MELDPUNT_METRICS_TOKEN": METRICS_TOKEN,
            "MELDPUNT_BASE_URL": "https://meldpunt.example.nl"})  # the script runs in production: required
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.proc = subprocess.Popen(["bash", str(SCRIPT)], cwd=ROOT, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_started(self) -> None:
        for name in ("api-1", "api-2", "timers-1", "timers-2"):
            self.wait_running(name)

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.port + n - 1}"

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def log_tail(self) -> str:
        return self.output()[-4000:]

    def pid(self, name: str) -> int | None:
        try:
            return int((self.run_dir / f"{name}.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def wait_running(self, name: str, *, not_pid: int | None = None) -> int:
        """Until the script runs a process ``name`` (another one than ``not_pid``) and, for an API process,
        it answers."""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "run-processes.sh ended:\n" + self.log_tail()
            pid = self.pid(name)
            if pid and pid != not_pid and _alive(pid):
                if not name.startswith("api-"):
                    return pid
                try:
                    if httpx.get(self.url(int(name[4:])) + "/api/v1/gereed", timeout=2).status_code == 200:
                        return pid
                except httpx.TransportError:
                    pass
            time.sleep(0.2)
        raise AssertionError(f"{name} not running:\n{self.log_tail()}")

    def kill(self, name: str) -> tuple[int, int]:
        """SIGKILL the process; returns (old pid, the pid of the one the script started again)."""
        old = self.pid(name)
        os.kill(old, signal.SIGKILL)
        return old, self.wait_running(name, not_pid=old)

    def stop(self) -> int | None:
        """SIGTERM to the script: it stops its processes and exits (its exit status is returned; None if it did
        not end within 30 s); then SIGKILL to the group, for whatever is left."""
        status = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                status = self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        pids = [self.pid(n) for n in ("api-1", "api-2", "timers-1", "timers-2")]
        self.left_running = [p for p in pids if p and _alive(p)]
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        return status


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _registered_case(s, desk) -> int:
    """A named report registered by the desk on the test's clock (:data:`REGISTERED_AGO` before the processes'
    clock): 'ontvangst bevestigen' is open and its term timer is already due for the workers."""
    from engine import demo, legal_terms
    from engine.clock import now
    from engine.intake import service as intake

    case = intake.submit_report(session=s, actor=desk, data={}).case
    data = {**DEFAULTS["melding_registreren"], "datum_melding": legal_terms.local_date(now()).isoformat()}
    demo._advance(s, case.id, {"intake": data})
    return case.id


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls: list[tuple] = []  # (server, kind, task, outcome)

    def call(self, client: httpx.Client, server: int, kind: str, method: str, path: str, task=None, **kw):
        try:
            r = client.request(method, path, timeout=CLIENT_TIMEOUT, **kw)
            outcome = r.status_code
        except httpx.TimeoutException:
            r, outcome = None, "timeout"
        except httpx.ConnectError:
            r, outcome = None, "refused"
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            r, outcome = None, "reset"
        with self.lock:
            self.calls.append((server, kind, task, outcome))
        return r


def _client(recorder: Recorder, base_url: str, server: int, token: str, cases: set[int], stop: threading.Event,
            rng: random.Random) -> None:
    def ours(r) -> list[dict]:
        return [t for t in (r.json() if r is not None and r.status_code == 200 else [])
                if t["zaak_id"] in cases and t["element_id"] in DEFAULTS]

    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as c:
        while not stop.is_set():
            mine = recorder.call(c, server, "read", "GET", "/api/v1/taken/mijn")
            if mine is None:
                stop.wait(0.2)  # this API process is down: the script starts it again
                continue
            todo = ours(mine)
            if not todo:
                pool = sorted(ours(recorder.call(c, server, "read", "GET", "/api/v1/taken/onverdeeld")),
                              key=lambda t: t["id"])
                if not pool:
                    stop.wait(0.1)
                    continue
                task = rng.choice(pool[:3])
                r = recorder.call(c, server, "claim", "POST", f"/api/v1/taken/{task['id']}/claimen", task=task["id"])
                if r is None or r.status_code != 200:
                    stop.wait(0.1 if r is not None else 0.2)
                    continue
                todo = [task]
            task = todo[0]
            recorder.call(c, server, "complete", "POST", f"/api/v1/taken/{task['id']}/afronden", task=task["id"],
                          json={"gegevens": DEFAULTS[task["element_id"]]})


def _feed(db, registrar: int, clock, registered_at, cases: list[int], stop: threading.Event) -> None:
    for _ in range(TIMER_CASES):
        # pacing only: on a slow machine the rest are registered right after the load ends, so every run checks
        # all of them (the workers get a bounded while to fire them below)
        stop.wait(0.6 * LOAD_SECONDS / TIMER_CASES)
        with db.session() as s:
            clock.set(registered_at)
            cases.append(_registered_case(s, s.get(User, registrar)))


def _scrape(url: str) -> dict:
    r = httpx.get(url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10)
    assert r.status_code == 200, r.text
    return {f.name: f for f in text_string_to_metric_families(r.text)}


def test_run_processes_two_api_two_workers_kill_and_restart(db, key, clock):
    if db.dialect != "postgresql":
        pytest.skip("several processes share the database: PostgreSQL (`make test-pg`)")
    if os.environ.get("FAKETIME"):  # libfaketime 0.9.10 never ends a timed wait: the workers' polls would not come
        pytest.skip("timed waits under libfaketime never end; .ci/run runs it on the real date (postgres_only)")
    from engine import demo
    from engine.processes import service as processes

    topology = Topology(db.url, key)
    try:
        with db.session() as s:  # while the processes start: the process files, the users (no dates involved)
            processes.deploy(session=s, actor="test")
            demo.ensure_demo_users(session=s, password="meldpunt-demo")
            registrar = make_user(s, "registrar", "meldpunt").id
            desks = [make_user(s, f"balie{i}", "meldpunt", "integriteitscoordinator").id for i in range(CLIENTS)]
        topology.wait_started()
        wall = parsedate_to_datetime(httpx.get(topology.url(1) + "/api/v1/gezondheid", timeout=5).headers["date"])
        clock.set(wall)
        with db.session() as s:
            tokens = [identity.issue_token(session=s, user=s.get(User, d), name="topologie")[0] for d in desks]
        registered_at = wall - REGISTERED_AGO
        clock.set(registered_at)
        with db.session() as s:
            work_cases = [_registered_case(s, s.get(User, registrar)) for _ in range(WORK_CASES)]
        due_by = wall + timedelta(seconds=LOAD_SECONDS + 120)  # on the processes' clock: due during the run

        recorder, stop, timer_cases = Recorder(), threading.Event(), []
        threads = [threading.Thread(target=_client, daemon=True,
                                    args=(recorder, topology.url(1 + i % 2), 1 + i % 2, tokens[i], set(work_cases),
                                          stop, random.Random(i)))
                   for i in range(CLIENTS)]
        threads.append(threading.Thread(target=_feed, daemon=True,
                                        args=(db, registrar, clock, registered_at, timer_cases, stop)))
        started = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(0.3 * LOAD_SECONDS)
        api_old, api_new = topology.kill("api-1")
        time.sleep(max(0.0, started + 0.5 * LOAD_SECONDS - time.monotonic()))
        worker_old, worker_new = topology.kill("timers-1")  # while due timers are still being registered
        time.sleep(max(0.0, started + LOAD_SECONDS - time.monotonic()))
        stop.set()
        for t in threads:
            t.join(timeout=CLIENT_TIMEOUT * 3 + 10)
        assert not any(t.is_alive() for t in threads), "a client did not finish"
        # the last terms ran out at 60 % of the run: a bounded while for the workers to fire them all
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with db.session() as s:
                if not s.scalars(select(Timer.id).where(Timer.case_id.in_(timer_cases), Timer.state == "pending",
                                                        Timer.fire_at <= due_by)).first():
                    break
            time.sleep(0.5)
        assert all(topology.pid(n) and _alive(topology.pid(n)) for n in ("api-1", "api-2", "timers-1", "timers-2"))
        families = _scrape(topology.url(2))
        stopped = topology.stop()
        assert stopped == 0 and not topology.left_running, (stopped, topology.left_running)  # SIGTERM stops all
    finally:
        topology.stop()
    assert api_new != api_old and worker_new != worker_old
    said = topology.output()
    # everything the processes and the script wrote is one JSON object per line (MELDPUNT_LOG_JSON), with a
    # request id on each access line, and no bearer token of the clients
    lines = [json.loads(line) for line in said.splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "meldpunt.http"]
    assert access and all(line["request_id"] and line["route"].startswith(("/", "(")) for line in access)
    assert not [t for t in tokens if t in said], "a token in the logs"
    # the script said it started them again
    assert f"api-1 (pid {api_old}) ended with status" in said and f"timers-1 (pid {worker_old}) ended" in said

    calls = recorder.calls
    outcomes = Counter(c[3] for c in calls)
    assert not [c for c in calls if c[3] == "timeout"], "a request hung"
    assert not [c for c in calls if isinstance(c[3], int) and c[3] >= 500], outcomes
    assert not [c for c in calls if c[3] in ("refused", "reset") and c[0] == 2], "the process not killed refused"
    completed_ok = [c[2] for c in calls if c[1] == "complete" and c[3] == 200]
    assert len(completed_ok) >= CLIENTS, f"too little load: {outcomes}"
    assert len(completed_ok) == len(set(completed_ok)), "a task was completed twice"
    with db.session() as s:
        items = list(s.scalars(select(WorkItem).where(WorkItem.case_id.in_(work_cases))))
        events = Counter(e.task_id for e in s.scalars(select(AuditEvent).where(
            AuditEvent.action == "task.completed", AuditEvent.case_id.in_(work_cases))))
        timers = list(s.scalars(select(Timer).where(Timer.case_id.in_(timer_cases), Timer.state != "cancelled",
                                                    Timer.fire_at <= due_by)))
        _, problems = consistency.check_all(session=s)
        auditor = s.scalar(select(User).where(User.username == "auditor"))
        verified = verify_trail(session=s, user=auditor)
    completed = {w.id: w for w in items if w.state == "completed"}
    assert set(completed_ok) <= set(completed), "a completion answered 200 is not recorded"
    assert all(events[w.task_id] == 1 for w in completed.values()), "a completion recorded twice or not at all"
    assert sum(events.values()) == len(completed)
    assert len(timer_cases) == TIMER_CASES and len(timers) >= TIMER_CASES
    assert [t.fire_count for t in timers] == [1] * len(timers), "a due timer was lost or fired twice"
    assert all(t.state == "fired" for t in timers)
    assert problems == []
    assert verified.ok, verified.reason

    # multiprocess metrics: the process that was not killed reports the completions of all processes, also of
    # the killed one (its figures stay in the metrics directory)
    counted = sum(s.value for s in families["meldpunt_http_requests"].samples
                  if s.name == "meldpunt_http_requests_total" and s.labels["route"] == COMPLETE_ROUTE
                  and s.labels["status"] == "200")
    assert counted == len(completed_ok), (counted, len(completed_ok))
    assert [s.value for s in families["meldpunt_database_up"].samples] == [1]
