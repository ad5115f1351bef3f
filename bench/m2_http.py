"""Measurements 2 (end-to-end throughput over HTTP) and 7 (peak RSS of the server).

The real application (``api.app:create_app``) runs under uvicorn as a separate process
on a free loopback port, against the benchmark database of the run (migrated by
``bench_database``; the integrity process of ``processes/`` is deployed here and a
small organisation of users is created). N simulated case handlers (threads, each
with its own ``httpx.Client``) then drive complete cases through the API along the
feitenonderzoek route: registration, acknowledgement, assessment, investigation by
two investigators (separation of duties), sanction advice, resolution (voornemen,
zienswijze, besluit), feedback and closing, with the letters rendered by the server
as the process says.

Per task a handler does what a person would: look in the worklist (``GET
/taken/mijn`` for a task assigned to them, ``GET /taken/onverdeeld`` for a pool
task) unless it already knows the task (its last completion's answer listed it in
``mijn_vervolgtaken``), claim and open a pool task in one request (``POST
/taken/{id}/claimen-en-openen``) or open its own (``GET /taken/{id}``: form, data, case
version), and complete it (``POST /taken/{id}/afronden`` with the case version); the
former client (worklist, claim, open, complete for every task) is ``legacy_client``. The
latency of measurement 2 is the client-side time of that POST; the other requests
are load too and are summarised next to it. Every non-2xx answer or transport error
is recorded (status, request, body excerpt); a case that hits one is abandoned.

Measurement 7 samples ``VmRSS`` of the server process (and, with ``--workers 2``,
its worker processes) every 50 ms in a background thread, and reads each process's
``VmHWM`` (the kernel's own peak) before it is stopped.

Timers do not run in the server (``MELDPUNT_TIMERS_IN_SERVER=false``): nothing on
the route falls due during a run (the shortest term is days), and production can run
the timer worker separately.
"""
from __future__ import annotations

import json
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import pg_cpu
from bench.common import INTEGRITY, ROOT, perf, summary_ms
from engine.clock import now

UNIT = "Douane"
BODY_EXCERPT = 300
MAX_KEPT_ERRORS = 50
REQUEST_TIMEOUT = 60.0
STARTUP_TIMEOUT = 60.0
RSS_INTERVAL = 0.05
MAX_STEPS_PER_CASE = 80

# Users per role, as a function of the number of handlers. Separation of duties needs two
# investigators per case; the objection (not on this route) needs an uninvolved jurist.
_ORG = [  # role, username stem, unit, minimum, handlers per user
    ("meldpunt", "meldpunt", UNIT, 1, 4),
    ("integriteitscoordinator", "coordinator", UNIT, 1, 4),
    ("bevoegd_gezag", "directeur", UNIT, 1, 4),
    ("onderzoeker", "onderzoeker", None, 2, 2),
    ("hr_adviseur", "hr", None, 1, 4),
    ("jurist", "jurist", None, 2, 4),
]

SQLITE_ONE_WORKER = ("SQLite has one writer at a time for the whole database file (the engine takes the "
                     "write lock at BEGIN IMMEDIATE): a second server process adds no write capacity, only "
                     "lock waits with the sqlite3 busy handler's sleeps; several processes are a PostgreSQL "
                     "deployment.")


# ---- the route ------------------------------------------------------------------------

def route_answers() -> dict[str, dict]:
    """Form data per user task along the feitenonderzoek route (the process tests' defaults)."""
    from engine.functions import today
    from tests.process.scenarios import FEITENONDERZOEK, defaults_on, with_

    # dated on the server's day (its Dutch date, as the intake records it) (the server runs on the system clock; terms must not be overdue)
    answers = with_(defaults_on(today()), FEITENONDERZOEK)
    for task in ("melding_registreren", "zaak_registreren"):
        answers[task] = {**answers[task], "dienstonderdeel": UNIT}
    return json.loads(json.dumps(answers))


def registration_body(answers: dict) -> dict:
    from api.schemas.casework import StaffReportIn

    reg = answers["melding_registreren"]
    return {k: v for k, v in reg.items() if k in StaffReportIn.model_fields}


# ---- the organisation -------------------------------------------------------------------

@dataclass
class Org:
    password: str
    users: dict[str, list[dict]]  # role -> [{"id", "username"}]
    by_id: dict[int, dict] = field(default_factory=dict)
    task_meta: dict[str, tuple[str, str]] = field(default_factory=dict)  # element -> (role, slot)
    exclusive_slots: frozenset = frozenset()
    deactivated: list[int] = field(default_factory=list)  # other users switched off for the run


def org_sizes(handlers: int) -> dict[str, int]:
    return {role: max(minimum, math.ceil(handlers / per)) for role, _, _, minimum, per in _ORG}


def setup_org(database, *, prefix: str, handlers: int) -> Org:
    """Deploy processes/, create this run's users (one shared password hash), and switch off every
    other active user holding a role of the process, so the server's random draws stay inside
    this organisation (restored by :func:`restore_users`)."""
    from sqlalchemy import select, update

    from engine.identity import service as identity
    from engine.identity.models import User, UserRole
    from engine.processes import service as processes

    password = "bench-" + secrets.token_urlsafe(18)
    pw_hash = identity.hash_secret(password)
    sizes = org_sizes(handlers)
    with database.session() as s:
        version = processes.deploy(session=s, directory=INTEGRITY, actor="bench")
        parsed = processes.parsed_version(session=s, version_id=version.id)
        users: dict[str, list[dict]] = {}
        for role, stem, unit, _, _ in _ORG:
            users[role] = []
            for k in range(1, sizes[role] + 1):
                u = identity.create_user(session=s, username=f"{prefix}{stem}{k}", display_name=f"{stem} {k}",
                                         roles=[role], unit=unit)
                u.password_hash = pw_hash
                users[role].append({"id": u.id, "username": u.username})
        s.flush()
        ours = [u["id"] for us in users.values() for u in us]
        others = list(s.execute(
            select(User.id).join(UserRole, UserRole.user_id == User.id)
            .where(User.active.is_(True), UserRole.role.in_(list(parsed.manifest.roles)), User.id.not_in(ours))
            .distinct()).scalars())
        if others:
            s.execute(update(User).where(User.id.in_(others)).values(active=False))
        meta = {el: (t.role, t.slot or t.role) for el, t in parsed.tasks.items() if t.role}
        org = Org(password=password, users=users, task_meta=meta,
                  exclusive_slots=frozenset(parsed.manifest.exclusive_slots), deactivated=others)
    org.by_id = {u["id"]: {**u, "role": role} for role, us in users.items() for u in us}
    return org


def retire_org(database, org: Org) -> None:
    """Switch this run's users off (the next run gets its own) and the others back on."""
    from sqlalchemy import update

    from engine.identity.models import User

    with database.session() as s:
        s.execute(update(User).where(User.id.in_(list(org.by_id))).values(active=False))
        if org.deactivated:
            s.execute(update(User).where(User.id.in_(org.deactivated)).values(active=True))


# ---- the server process -----------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _keyring_value() -> str:
    """The key ring the seeding used (this process's), so the server can read what was seeded."""
    import base64

    from engine import crypto

    keys = crypto.get_keyring().keys
    return ",".join(base64.urlsafe_b64encode(k).decode("ascii") for k in keys) or crypto.generate_key()


def server_env(database_url: str, root: Path = ROOT) -> dict:
    env = dict(os.environ)
    env.update({
        "MELDPUNT_DATABASE_URL": database_url,
        "MELDPUNT_COOKIE_SECURE": "false",  # plain http on the loopback
        "MELDPUNT_TIMERS_IN_SERVER": "false",
        # the handlers log in with a password only (a second factor is not what is measured)
        "MELDPUNT_TWEEDE_FACTOR": "uit",
        "MELDPUNT_REPETITIE": "uit",
        "MELDPUNT_ENCRYPTION_KEYS": env.get("MELDPUNT_ENCRYPTION_KEYS") or _keyring_value(),
        "PYTHONPATH": os.pathsep.join([str(root)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])),
        "PYTHONUNBUFFERED": "1",
    })
    return env


class Server:
    """``uvicorn api.app:create_app --factory`` in its own process group; always stopped by :meth:`stop`."""

    def __init__(self, database_url: str, *, workers: int = 1, extra_env: dict | None = None,
                 launcher: list[str] | None = None, letter_workers: int = 0, root: Path | None = None):
        self.database_url, self.workers = database_url, workers
        # the source tree the server runs from (another checkout: the same load against a former version)
        self.root = Path(root) if root else ROOT
        self.extra_env = extra_env or {}
        # letter_workers > 0: the production topology on PostgreSQL (compose.yaml, deploy/run-processes.sh): the
        # server renders no letters, that many `meldpunt brieven run` processes do (woken by NOTIFY at commit)
        self.letter_workers = letter_workers
        self.letter_procs: list[subprocess.Popen] = []
        if letter_workers:
            self.extra_env = {**self.extra_env, "MELDPUNT_BRIEVEN_IN_SERVER": "false"}
        # what runs uvicorn's command line: uvicorn itself, or bench.serve_profiled (one process)
        self.launcher = launcher or ["-m", "uvicorn"]
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.log_path: Path | None = None
        self._log = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, attempts: int = 3) -> "Server":
        import atexit

        atexit.register(self.stop)  # a safety net; stop() is idempotent
        last = ""
        for _ in range(attempts):
            self.port = _free_port()
            cmd = [sys.executable, *self.launcher, "api.app:create_app", "--factory",
                   "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log", "--log-level", "warning",
                   "--timeout-graceful-shutdown", "5"]
            if self.workers > 1:
                cmd += ["--workers", str(self.workers)]
            fd, name = tempfile.mkstemp(prefix="meldpunt-bench-uvicorn-", suffix=".log")
            os.close(fd)
            self.log_path = Path(name)
            self._log = open(self.log_path, "wb")
            self.proc = subprocess.Popen(cmd, cwd=self.root, env={**server_env(self.database_url, self.root),
                                                                 **self.extra_env},
                                         stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
            try:
                self._wait_ready()
                env = {**server_env(self.database_url, self.root), **self.extra_env}
                self.letter_procs = [
                    subprocess.Popen([sys.executable, "-m", "cli.main", "brieven", "run"], cwd=self.root, env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
                    for _ in range(self.letter_workers)]
                return self
            except _PortTaken as exc:
                last = str(exc)
                self.stop()
            except BaseException:
                self.stop()
                raise
        raise RuntimeError(f"uvicorn did not start after {attempts} attempts: {last}")

    def _wait_ready(self) -> None:
        import httpx

        deadline = time.monotonic() + STARTUP_TIMEOUT
        with httpx.Client(base_url=self.base_url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    tail = self.log_tail()
                    if "address already in use" in tail.lower():
                        raise _PortTaken(tail[-300:])
                    raise RuntimeError(f"uvicorn exited with {self.proc.returncode} during startup:\n{tail}")
                try:
                    if client.get("/api/v1/gezondheid").status_code == 200:
                        r = client.get("/api/v1/gereed")
                        if r.status_code == 200:
                            return
                        raise RuntimeError(f"/api/v1/gereed answered {r.status_code}: {r.text[:BODY_EXCERPT]}")
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        raise RuntimeError(f"uvicorn not healthy within {STARTUP_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 3000) -> str:
        try:
            if self._log:
                self._log.flush()
            return self.log_path.read_text(errors="replace")[-n:] if self.log_path else ""
        except OSError:
            return ""

    def letter_cpu_seconds(self) -> float:
        return sum(_cpu_seconds(p.pid) for p in self.letter_procs)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        letters, self.letter_procs = self.letter_procs, []
        try:
            for letter_proc in letters:
                self._stop_process(letter_proc)
            self._stop_process(proc)
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None

    @staticmethod
    def _stop_process(proc: subprocess.Popen | None) -> None:
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # uvicorn's supervisor stops its workers
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    pass
            try:  # anything left in the group we started (workers of a killed supervisor)
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                pass

    def remove_log(self) -> None:
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        if exc[0] is None:
            self.remove_log()
        return False


class _PortTaken(RuntimeError):
    pass


# ---- measurement 7: RSS sampling ----------------------------------------------------------

def _status_kb(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _descendants(root: int) -> list[int]:
    """``root`` and every process below it (from /proc/*/stat parent ids)."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            parent[int(entry)] = int(stat[stat.rfind(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    out, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, pp in parent.items() if pp in frontier and pid not in out]
        out += frontier
    return out


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            parts = f.read().split(b"\0")
    except OSError:
        return "?"
    text = " ".join(p.decode(errors="replace") for p in parts if p)
    if "multiprocessing" in text and "spawn" in text:
        return "uvicorn worker (spawned)"
    if "resource_tracker" in text:
        return "multiprocessing resource tracker"
    return "uvicorn " + ("supervisor" if "--workers" in text else "server") if "uvicorn" in text else text[:80]


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        fields = stat[stat.rfind(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        vals = [int(v) for v in f.readline().split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return sum(vals) - idle, sum(vals)


class RssSampler(threading.Thread):
    """VmRSS of the server and its descendants every ``interval`` s; peaks per phase."""

    def __init__(self, root_pid: int, interval: float = RSS_INTERVAL):
        super().__init__(name="rss-sampler", daemon=True)
        self.root, self.interval = root_pid, interval
        self.phase = "startup"
        self._halt = threading.Event()
        self._lock = threading.Lock()
        self.samples = 0
        self.pids: dict[int, str] = {}
        self.peak_sum_kb: dict[str, int] = {}
        self.peak_proc_kb: dict[int, int] = {}
        self.hwm_kb: dict[int, int] = {}
        self.cpu: dict[int, float] = {}

    def set_phase(self, name: str) -> None:
        with self._lock:
            self.phase = name

    def run(self) -> None:
        next_scan = 0.0
        while not self._halt.is_set():
            now = time.monotonic()
            if now >= next_scan:
                for pid in _descendants(self.root):
                    self.pids.setdefault(pid, _cmdline(pid))
                next_scan = now + 0.5
            self._sample()
            # a sleep, not ``self._halt.wait(interval)``: libfaketime 0.9.10 (Debian 12) does not
            # intercept sem_clockwait, so a timed Event.wait never times out under `make test-on`
            time.sleep(self.interval)

    def _sample(self) -> None:
        total = 0
        for pid in list(self.pids):
            kb = _status_kb(pid, "VmRSS")
            if kb is None:
                continue
            total += kb
            self.peak_proc_kb[pid] = max(self.peak_proc_kb.get(pid, 0), kb)
            hwm = _status_kb(pid, "VmHWM")
            if hwm is not None:
                self.hwm_kb[pid] = max(self.hwm_kb.get(pid, 0), hwm)
            self.cpu[pid] = _cpu_seconds(pid)
        with self._lock:
            self.peak_sum_kb[self.phase] = max(self.peak_sum_kb.get(self.phase, 0), total)
        self.samples += 1

    def cpu_seconds(self) -> float:
        for pid in list(self.pids):
            c = _cpu_seconds(pid)
            if c:
                self.cpu[pid] = c
        return sum(self.cpu.values())

    def stop(self) -> dict:
        """Stop sampling (call before the server stops) and return the figures in MB."""
        self._sample()
        self._halt.set()
        self.join(timeout=5)
        mb = lambda kb: kb / 1024.0  # noqa: E731
        procs = [{"pid": pid, "what": self.pids[pid], "peak_rss_sampled_mb": mb(self.peak_proc_kb.get(pid, 0)),
                  "vm_hwm_mb": mb(self.hwm_kb.get(pid, 0))} for pid in sorted(self.pids)]
        peak_sum = mb(max(self.peak_sum_kb.values(), default=0))
        max_proc = max((mb(max(self.hwm_kb.get(pid, 0), self.peak_proc_kb.get(pid, 0))) for pid in self.pids),
                       default=0.0)
        return {
            # the figure for the target: the largest sampled total, or one process's own peak if higher
            "peak_mb": max(peak_sum, max_proc),
            "interval_ms": self.interval * 1000,
            "samples": self.samples,
            "processes": procs,
            "peak_sum_mb_by_phase": {k: mb(v) for k, v in self.peak_sum_kb.items()},
            "peak_sum_mb": peak_sum,
            "peak_sum_measured_mb": mb(self.peak_sum_kb.get("measured", 0)),
            "max_process_mb": max_proc,
            "sum_of_process_peaks_mb": sum(max(p["vm_hwm_mb"], p["peak_rss_sampled_mb"]) for p in procs),
        }


# ---- the handlers -----------------------------------------------------------------------

class Recorder:
    """Latencies per request kind and every failure, shared by the handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {}
        self.errors: list[dict] = []
        self.error_count = 0
        self.completions = 0
        self.cases_closed = 0
        self.cases_abandoned = 0
        self.letters: list[int] = []
        # (case id, element id) → wall-clock times (time.time(), the server's clock too: same machine) at which a
        # completion's answer arrived: its step had committed by then (letter visibility's lower bound)
        self.answered: dict[tuple[int, str], list[float]] = {}
        self.trails: dict[str, int] = {}

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latency.setdefault(kind, []).append(seconds)

    def error(self, **info) -> None:
        with self.lock:
            self.error_count += 1
            if len(self.errors) < MAX_KEPT_ERRORS:
                self.errors.append(info)


class CaseFailed(Exception):
    pass


class Handler:
    """One simulated case handler: drives its cases from registration to closing, acting for each
    task as the organisation's user who would (assignee, slot holder, or a colleague in the role)."""

    def __init__(self, index: int, base_url: str, org: Org, sessions: dict[int, dict], answers: dict,
                 recorder: Recorder, *, legacy: bool = False):
        import httpx

        self.index, self.org, self.sessions, self.answers, self.rec = index, org, sessions, answers, recorder
        self.legacy = legacy  # True: the client before issue 25's fewer requests (worklist + claim + open per task)
        self.client = httpx.Client(base_url=base_url + "/api/v1", timeout=REQUEST_TIMEOUT,
                                   limits=httpx.Limits(max_connections=4, max_keepalive_connections=4))

    def close(self) -> None:
        self.client.close()

    # -- HTTP ---------------------------------------------------------------------------------
    def call(self, kind: str, method: str, path: str, user_id: int, *, ok=(200,), json_body=None, params=None):
        import httpx

        s = self.sessions[user_id]
        headers = {"Cookie": f"meldpunt_session={s['cookie']}"}
        if method != "GET":
            headers["X-CSRF-Token"] = s["csrf"]
        t0 = perf()
        try:
            r = self.client.request(method, path, headers=headers, json=json_body, params=params)
        except httpx.HTTPError as exc:
            self.rec.error(kind=kind, request=f"{method} {path}", user=s["username"], status=None,
                           body=f"{type(exc).__name__}: {exc}"[:BODY_EXCERPT])
            raise CaseFailed(kind) from exc
        dt = perf() - t0
        if r.status_code not in ok:
            self.rec.error(kind=kind, request=f"{method} {path}", user=s["username"], status=r.status_code,
                           body=r.text[:BODY_EXCERPT])
            raise CaseFailed(kind)
        self.rec.add(kind, dt)
        return r.json() if r.content else None

    # -- one case -------------------------------------------------------------------------------
    def _own(self, role: str) -> list[int]:
        users = [u["id"] for u in self.org.users[role]]
        k = self.index % len(users)
        return users[k:] + users[:k]  # this handler's colleague in the role first

    def _actor(self, item: dict, holders: dict[str, int]) -> int:
        role, slot = self.org.task_meta.get(item["element_id"], (item["rol"], item["rol"]))
        if item["toegewezen_aan"] is not None:
            if item["toegewezen_aan"] not in self.org.by_id:
                self.rec.error(kind="assignment", request=item["element_id"], user=None, status=None,
                               body=f"assigned to user {item['toegewezen_aan']}, outside the benchmark organisation")
                raise CaseFailed("assignment")
            return item["toegewezen_aan"]
        if slot in holders:
            return holders[slot]
        busy = {uid for s, uid in holders.items() if s in self.org.exclusive_slots and s != slot}
        for uid in self._own(role):
            if slot not in self.org.exclusive_slots or uid not in busy:
                return uid
        self.rec.error(kind="assignment", request=item["element_id"], user=None, status=None,
                       body=f"no user of role {role} free for slot {slot}")
        raise CaseFailed("assignment")

    def _find_in_worklist(self, item_id: int, user_id: int, assigned: bool) -> dict:
        path = "/taken/mijn" if assigned else "/taken/onverdeeld"
        for page in range(20):
            rows = self.call("worklist", "GET", path, user_id, params={"limit": 100, "offset": page * 100})
            for row in rows:
                if row["id"] == item_id:
                    return row
            if len(rows) < 100:
                break
        self.rec.error(kind="worklist", request=f"GET {path}", user=self.sessions[user_id]["username"], status=200,
                       body=f"task {item_id} not in the worklist")
        raise CaseFailed("worklist")

    def _case_in_worklist(self, case_id: int, user_id: int, path: str) -> list[dict]:
        for page in range(20):
            rows = self.call("worklist", "GET", path, user_id, params={"limit": 100, "offset": page * 100})
            found = [r for r in rows if r["zaak_id"] == case_id]
            if found or len(rows) < 100:
                return found
        return []

    def drive_case(self, counted: bool) -> None:
        answers = self.answers
        desk = self._own("meldpunt")[0]
        case = self.call("register", "POST", "/meldingen", desk, ok=(201,), json_body=registration_body(answers))
        case_id = case["zaak_id"]
        # The desk finds the new report's first task in its worklist (the pool, or its own tasks).
        open_items = self._case_in_worklist(case_id, desk, "/taken/onverdeeld") or \
            self._case_in_worklist(case_id, desk, "/taken/mijn")
        if not open_items:
            self.rec.error(kind="worklist", request="GET /taken/onverdeeld, /taken/mijn",
                           user=self.sessions[desk]["username"], status=200,
                           body=f"no task of the new case {case_id} in the desk's worklists")
            raise CaseFailed("worklist")
        # What the acting user already has on screen: the rows of its worklist it just read, then the
        # completion's answer (mijn_vervolgtaken: this case's tasks now on its own worklists).
        known_by, known = desk, {i["id"]: i for i in open_items}
        holders: dict[str, int] = {}
        trail: list[str] = []
        status = "open"
        for _ in range(MAX_STEPS_PER_CASE):
            todo = sorted((i for i in open_items if i["element_id"] in answers), key=lambda i: i["id"])
            if not todo:
                break
            item = todo[0]
            user = self._actor(item, holders)
            assigned = item["toegewezen_aan"] == user
            if self.legacy:  # the client of §0g: worklist, claim, open, complete for every task
                row = self._find_in_worklist(item["id"], user, assigned)
                if row["toegewezen_aan"] is None:
                    self.call("claim", "POST", f"/taken/{item['id']}/claimen", user)
                detail = self.call("detail", "GET", f"/taken/{item['id']}", user)
            else:
                # A real handler: the worklist only for a task it does not know yet (another user's turn, or
                # a task not in its last answer); a pool task claimed and opened in one request.
                row = known.get(item["id"]) if known_by == user else None
                if row is None:
                    row = self._find_in_worklist(item["id"], user, assigned)
                if row["toegewezen_aan"] is None:
                    detail = self.call("claim_open", "POST", f"/taken/{item['id']}/claimen-en-openen", user)
                else:
                    detail = self.call("detail", "GET", f"/taken/{item['id']}", user)
            body = {"gegevens": answers[item["element_id"]], "zaakversie": detail["zaakversie"]}
            done = self.call("complete", "POST", f"/taken/{item['id']}/afronden", user, json_body=body)
            answered = now().timestamp()  # the engine clock, as the outbox's created_at/done_at (the real clock here)
            if counted:
                with self.rec.lock:
                    self.rec.completions += 1
                    self.rec.answered.setdefault((case_id, item["element_id"]), []).append(answered)
            role, slot = self.org.task_meta.get(item["element_id"], (item["rol"], item["rol"]))
            holders.setdefault(slot, user)
            trail.append(item["element_id"])
            open_items, status = done["open_taken"], done["zaakstatus"]
            known_by, known = user, {i["id"]: i for i in done.get("mijn_vervolgtaken") or []}
        if status != "closed":
            self.rec.error(kind="route", request=f"case {case_id}", user=None, status=None,
                           body=f"case ended in status {status!r} after {trail}; open: "
                                f"{[i['element_id'] for i in open_items]}"[:BODY_EXCERPT * 2])
            raise CaseFailed("route")
        coordinator = self._own("integriteitscoordinator")[0]
        letters = self.call("letters", "GET", f"/zaken/{case_id}/documenten", coordinator)
        if counted:
            with self.rec.lock:
                self.rec.cases_closed += 1
                self.rec.letters.append(len(letters))
                key = " → ".join(trail)
                self.rec.trails[key] = self.rec.trails.get(key, 0) + 1

    def drive(self, n: int, counted: bool, start: threading.Barrier | None) -> None:
        if start is not None:
            start.wait()
        for _ in range(n):
            try:
                self.drive_case(counted)
            except CaseFailed:
                with self.rec.lock:
                    self.rec.cases_abandoned += 1
            except Exception as exc:  # a bug in the driver: recorded, never silent
                self.rec.error(kind="driver", request="", user=None, status=None,
                               body=f"{type(exc).__name__}: {exc}"[:BODY_EXCERPT])
                with self.rec.lock:
                    self.rec.cases_abandoned += 1


def login_all(base_url: str, org: Org) -> tuple[dict[int, dict], list[float], list[dict]]:
    """One browser session per user (POST /auth/inloggen): session cookie + CSRF token, shared by the handlers."""
    import httpx

    sessions, times, errors = {}, [], []
    with httpx.Client(base_url=base_url + "/api/v1", timeout=REQUEST_TIMEOUT) as client:
        for uid, u in org.by_id.items():
            t0 = perf()
            r = client.post("/auth/inloggen", json={"username": u["username"], "password": org.password})
            times.append(perf() - t0)
            if r.status_code != 200:
                errors.append({"kind": "login", "request": "POST /auth/inloggen", "user": u["username"],
                               "status": r.status_code, "body": r.text[:BODY_EXCERPT]})
                continue
            cookie = r.cookies.get("meldpunt_session")
            sessions[uid] = {"username": u["username"], "cookie": cookie, "csrf": r.json()["csrf_token"]}
            client.cookies.clear()
    return sessions, times, errors


def _run_handlers(handlers: list[Handler], per_handler: list[int], counted: bool) -> float:
    active = [(h, n) for h, n in zip(handlers, per_handler) if n > 0]
    if not active:
        return 0.0
    barrier = threading.Barrier(len(active) + 1)
    threads = [threading.Thread(target=h.drive, args=(n, counted, barrier), name=f"handler-{h.index}", daemon=True)
               for h, n in active]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = perf()
    for t in threads:
        t.join()
    return perf() - t0


def _spread(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


LETTER_DRAIN_SECONDS = 60.0  # after the measured phase: how long the letter worker may take for the last letters


def _last_letter_job(database) -> int:
    from sqlalchemy import func, select

    from engine.letter_outbox.models import LetterJob

    with database.session() as s:
        return s.scalar(select(func.coalesce(func.max(LetterJob.id), 0)))


def letter_visibility(database, first_job: int, answered: dict | None = None) -> dict:
    """Issue 25: per letter job of the measured phase (id ≥ ``first_job``), ``done_at − created_at`` (both the
    server's clock: the outbox row's INSERT inside the step's transaction, and the worker's render inside its own
    transaction, just before its commit): an upper bound of "visible after the step's commit", by the rest of the
    step's transaction after the INSERT, which under load is long. ``answered``: the times the completions'
    answers arrived at the client, after their commit; ``done_at`` minus the first of the job's step answered
    after its INSERT is the lower bound (``from_answer``). Waits up to :data:`LETTER_DRAIN_SECONDS` for the last
    ones."""
    from sqlalchemy import select

    from engine.letter_outbox.models import DONE, LetterJob

    deadline = perf() + LETTER_DRAIN_SECONDS
    while True:
        with database.session() as s:
            rows = s.execute(select(LetterJob.state, LetterJob.created_at, LetterJob.done_at, LetterJob.attempts,
                                    LetterJob.last_error, LetterJob.template, LetterJob.case_id, LetterJob.step)
                             .where(LetterJob.id >= first_job)).all()
        if all(r.state == DONE for r in rows) or perf() > deadline:
            break
        time.sleep(0.2)
    delays = [(r.done_at - r.created_at).total_seconds() for r in rows if r.state == DONE and r.done_at]
    out = summary_ms(delays) if delays else {}
    out["letters"], out["not_visible"] = len(rows), sum(r.state != DONE for r in rows)
    lower = []
    for r in rows:
        if r.state != DONE or not r.done_at:
            continue
        inserted = r.created_at.timestamp()
        after = [t for t in (answered or {}).get((r.case_id, r.step), []) if t >= inserted]
        if after:
            lower.append(r.done_at.timestamp() - min(after))  # negative: made before the answer arrived
    out["from_answer"] = summary_ms(lower) if lower else {}
    # why a letter is missing (the job's error holds the error's kind and the template's problem, no case data)
    out["not_visible_jobs"] = [{"state": r.state, "attempts": r.attempts, "template": r.template,
                                "last_error": (r.last_error or "")[:300]} for r in rows if r.state != DONE][:10]
    return out


LETTERS, NO_LETTERS = "letters", "without_letters"


def INTEGRITY_FILES() -> dict[str, bytes]:
    """The integrity process as deployed for measurement 2 (``processes/``, its letters included)."""
    from engine.processes.validation import read_process_dir

    return read_process_dir(INTEGRITY)


def NO_LETTERS_FILES() -> dict[str, bytes]:
    """The same process without any letter (``bench.scenarios.INTEGRITY_NO_LETTERS_SCENARIO``: its tasks' letter
    properties removed, the fields only a letter read kept for the case file), the manifest's settings as
    deployed here."""
    from dataclasses import replace

    from bench.scenarios import INTEGRITY_NO_LETTERS_SCENARIO

    return replace(INTEGRITY_NO_LETTERS_SCENARIO, settings={}).files()


def activate_variant(database, files: dict[str, bytes]) -> None:
    """Make ``files`` the version new cases start on (deployed the first time, activated again afterwards);
    cases already running keep theirs."""
    from engine.processes import service as processes

    with database.session() as s:
        processes.deploy_files(session=s, files=files, actor="bench",
                               override="benchmark: the process with and without letters, measured side by side")


def _rounds(cases_per_handler: int, variants: list[str]) -> list[tuple[str, int]]:
    """(variant, cases per handler) in the order they run. One variant: all cases in one go, as before. Two: one
    case per handler each per round, their order swapped every round (A B B A A B …) so that neither always runs
    first (on a warmer or a busier machine)."""
    if len(variants) == 1:
        return [(variants[0], cases_per_handler)]
    out: list[tuple[str, int]] = []
    for k in range(cases_per_handler):
        out += [(v, 1) for v in (variants if k % 2 == 0 else variants[::-1])]
    return out


@dataclass
class _Window:
    """What one variant's rounds measured, summed over its rounds."""

    wall: float = 0.0
    cpu_server: float = 0.0
    cpu_client: float = 0.0
    cpu_letters: float = 0.0
    busy: float = 0.0
    total: float = 0.0
    pg: dict | None = None

    def add_pg(self, reading: dict | None) -> None:
        if reading is None:
            return
        if self.pg is None:
            self.pg = dict(reading)
        else:
            self.pg["seconds"] += reading["seconds"]
            self.pg["backends"] = max(self.pg["backends"], reading["backends"])
            self.pg["exited_during"] += reading["exited_during"]

    def add_busy(self, before: tuple[float, float], after: tuple[float, float]) -> None:
        self.busy += after[0] - before[0]
        self.total += after[1] - before[1]

    def busy_fraction(self) -> float:
        return self.busy / self.total if self.total > 0 else float("nan")


def _wait_for_letters(database, first_job: int) -> None:
    """Until every letter job since ``first_job`` is made (at most :data:`LETTER_DRAIN_SECONDS`; the letters'
    visibility is reported at the end of the run, :func:`letter_visibility`)."""
    from sqlalchemy import func, select

    from engine.letter_outbox.models import DONE, LetterJob

    deadline = perf() + LETTER_DRAIN_SECONDS
    while perf() < deadline:
        with database.session() as s:
            if not s.scalar(select(func.count()).select_from(LetterJob)
                            .where(LetterJob.id >= first_job, LetterJob.state != DONE)):
                return
        time.sleep(0.05)


def variant_summary(rec: "Recorder", window: _Window) -> dict:
    """The figures of the rounds without letters, as the run's own (same names)."""
    wall, cpu_server = window.wall, window.cpu_server + window.cpu_letters
    per_s = (lambda n: n / wall) if wall else (lambda n: 0.0)
    requests = sum(len(v) for v in rec.latency.values())
    out = {
        "measured_seconds": wall, "task_completions": rec.completions, "cases_closed": rec.cases_closed,
        "cases_abandoned": rec.cases_abandoned,
        "task_completions_per_second": per_s(rec.completions), "cases_per_second": per_s(rec.cases_closed),
        "requests": requests, "requests_per_second": per_s(requests),
        "requests_per_completion": requests / rec.completions if rec.completions else float("nan"),
        "complete_latency": summary_ms(rec.latency.get("complete", [])),
        "other_latency": {k: summary_ms(v) for k, v in sorted(rec.latency.items()) if k != "complete"},
        "letters_per_case": (sum(rec.letters) / len(rec.letters)) if rec.letters else 0.0,
        "routes": rec.trails, "errors": rec.error_count, "error_samples": rec.errors,
        "cpu": {"server_seconds": cpu_server, "client_seconds": window.cpu_client,
                "server_cpu_ms_per_completion": cpu_server * 1000 / rec.completions if rec.completions else None,
                "letter_worker_seconds": window.cpu_letters,
                "server_cores_used": per_s(cpu_server), "client_cores_used": per_s(window.cpu_client),
                "machine_busy_fraction": window.busy_fraction()},
    }
    out["cpu"].update(postgresql_cpu_fields(window.pg, rec.completions))
    return out


def run_config(database, *, dialect: str, workers: int, handlers: int, cases_per_handler: int, warmup_cases: int,
               prefix: str, log=print, profile_out: Path | None = None, letter_workers: int = 0,
               legacy_client: bool = False, server_root: Path | None = None, launcher: list[str] | None = None,
               on_phase=None, without_letters: bool = False) -> dict:
    """One server configuration: start, log in, warm up, measure, stop. The server is always stopped and
    the organisation retired; a failure to start or to log in raises (:func:`run` records it).
    ``profile_out``: run the server under :mod:`bench.serve_profiled` (one worker) and write its profile there.
    ``legacy_client``: the handlers of §0g (worklist, claim, open and complete for every task) instead of the
    ones that use the completion's answer and ``claimen-en-openen``. ``server_root``: run the server from
    another checkout (a before/after comparison with the same client). ``launcher``: what runs uvicorn.
    ``on_phase(name, server)``: called as the measured phase begins ("measured") and ends ("after") (e.g. to
    attach a profiler to ``server.proc.pid``).
    ``without_letters``: the same route on the same process without any letter (issue 25, what letters cost),
    measured alternately with it: each of the ``cases_per_handler`` rounds drives one case per handler with letters
    and one without (the order swapped every round, ABBA), the version new cases start on switched between them
    (:func:`activate_variant`); the run's own figures are those of the letter rounds, the others under
    ``without_letters``."""
    answers = route_answers()
    org = setup_org(database, prefix=prefix, handlers=handlers)
    variants = {LETTERS: INTEGRITY_FILES()}
    if without_letters:
        variants[NO_LETTERS] = NO_LETTERS_FILES()
        for files in (variants[NO_LETTERS], variants[LETTERS]):  # both deployed; the letters' one active
            activate_variant(database, files)
    rounds = _rounds(cases_per_handler, list(variants))
    if profile_out is not None:
        if workers != 1:
            raise ValueError("the profiled server runs one worker")
        launcher = ["-m", "bench.serve_profiled", "--profile-out", str(profile_out), "--"]
    server = Server(database.url, workers=workers, launcher=launcher, letter_workers=letter_workers,
                    root=server_root)
    sampler: RssSampler | None = None
    pg = pg_cpu.for_database(database)  # PostgreSQL's CPU for this database (None: not PostgreSQL / not visible)
    pg_reading = None
    rec, warm, rec_without = Recorder(), Recorder(), Recorder()
    try:
        t_start = perf()
        server.start()
        start_seconds = perf() - t_start
        sampler = RssSampler(server.proc.pid)
        sampler.start()
        sampler.set_phase("login")
        sessions, login_times, login_errors = login_all(server.base_url, org)
        if login_errors:
            raise RuntimeError(f"login failed: {login_errors[:3]}")
        hs = [Handler(i, server.base_url, org, sessions, answers, warm, legacy=legacy_client)
              for i in range(handlers)]
        try:
            sampler.set_phase("warmup")
            warm_seconds, warm_cases = 0.0, 0
            for variant in reversed(list(variants)):  # each variant's version warmed up; the letters' one last
                if len(variants) > 1:
                    activate_variant(database, variants[variant])
                warm_seconds += _run_handlers(hs, _spread(warmup_cases, handlers), counted=True)
                warm_cases += warmup_cases
            for h in hs:
                h.rec = rec
            sampler.set_phase("measured")
            if profile_out is not None:
                os.kill(server.proc.pid, signal.SIGUSR1)  # bench.serve_profiled: count from here
            if on_phase is not None:
                on_phase("measured", server)
            first_job = _last_letter_job(database) + 1
            measured = {name: _Window() for name in variants}
            recorders = {LETTERS: rec, NO_LETTERS: rec_without}
            for variant, cases in rounds:
                if len(variants) > 1:
                    activate_variant(database, variants[variant])
                for h in hs:
                    h.rec = recorders[variant]
                window = measured[variant]
                cpu0_server, cpu0_client, busy0 = sampler.cpu_seconds(), time.process_time(), _machine_busy()
                cpu0_letters = server.letter_cpu_seconds()
                pg_mark = pg.mark() if pg else None
                window.wall += _run_handlers(hs, [cases] * handlers, counted=True)
                if len(variants) > 1 and variant == LETTERS:  # its letters made before the next round's CPU
                    _wait_for_letters(database, first_job)
                window.add_pg(pg.since(pg_mark) if pg else None)
                window.cpu_server += sampler.cpu_seconds() - cpu0_server
                window.cpu_client += time.process_time() - cpu0_client
                # the letters' CPU counts as the server's, wherever they are rendered
                window.cpu_letters += server.letter_cpu_seconds() - cpu0_letters
                window.add_busy(busy0, _machine_busy())
            if len(variants) > 1:
                activate_variant(database, variants[LETTERS])
            if on_phase is not None:
                on_phase("after", server)
            sampler.set_phase("after")
            letters_visible = letter_visibility(database, first_job, answered=rec.answered)
        finally:
            for h in hs:
                h.close()
        rss, sampler = sampler.stop(), None
        errors = warm.error_count + rec.error_count + rec_without.error_count
        log_tail = server.log_tail(2000) if errors else None
    except BaseException as exc:
        tail = server.log_tail(2000)
        if tail.strip() and not isinstance(exc, KeyboardInterrupt):
            raise RuntimeError(f"{type(exc).__name__}: {exc}\n--- server log {server.log_path} ---\n{tail}") from exc
        raise
    finally:
        # Each step even if the one before fails: the server process must never outlive the run.
        try:
            if pg is not None:
                pg.stop()
            if sampler is not None:
                sampler.stop()
        finally:
            try:
                server.stop()
            finally:
                retire_org(database, org)
    if not errors:
        server.remove_log()
    mine = measured[LETTERS]
    wall, cpu_client, cpu_letters = mine.wall, mine.cpu_client, mine.cpu_letters
    cpu_server, pg_reading = mine.cpu_server + mine.cpu_letters, mine.pg
    requests = sum(len(v) for v in rec.latency.values())
    busy_frac = mine.busy_fraction()
    per_s = (lambda n: n / wall) if wall else (lambda n: 0.0)
    out = {
        "dialect": dialect, "workers": workers, "handlers": handlers, "organisation": org_sizes(handlers),
        "letter_workers": letter_workers or "in the server (a thread per process)",
        "server_start_seconds": start_seconds,
        "warmup": {"cases": warm_cases, "seconds": warm_seconds, "task_completions": warm.completions,
                   "cases_closed": warm.cases_closed, "errors": warm.error_count},
        "cases_per_handler": cases_per_handler,
        "measured_seconds": wall,
        "task_completions": rec.completions,
        "cases_closed": rec.cases_closed,
        "cases_abandoned": rec.cases_abandoned + warm.cases_abandoned,
        "task_completions_per_second": per_s(rec.completions),
        "cases_per_second": per_s(rec.cases_closed),
        "requests": requests,
        "requests_per_second": per_s(requests),
        "requests_per_completion": requests / rec.completions if rec.completions else float("nan"),
        # issue 25: per kind (register and letters are per case, spread over its completions)
        "requests_per_completion_by_kind": {k: len(v) / rec.completions for k, v in sorted(rec.latency.items())}
        if rec.completions else {},
        "client": "legacy (worklist + claim + open per task)" if legacy_client else
                  "uses the completion's answer; claimen-en-openen for pool tasks",
        "complete_latency": summary_ms(rec.latency.get("complete", [])),
        "other_latency": {k: summary_ms(v) for k, v in sorted(rec.latency.items()) if k != "complete"},
        "login_latency": summary_ms(login_times),
        "letters_per_case": (sum(rec.letters) / len(rec.letters)) if rec.letters else 0.0,
        # issue 25: from the outbox row's INSERT (in the step's transaction, so an upper bound of "after commit")
        # to the letter worker marking it klaar, for the letters of the measured phase (target p95 ≤ 1 s)
        "letter_visible_after_commit": letters_visible,
        "routes": rec.trails,
        "errors": errors,
        "error_samples": [{"phase": "warmup", **e} for e in warm.errors] + rec.errors,
        "server_log_tail": log_tail,
        "cpu": {"server_seconds": cpu_server, "client_seconds": cpu_client,
                # machine-noise-robust cost: server CPU per completion, its other requests included
                "server_cpu_ms_per_completion": cpu_server * 1000 / rec.completions if rec.completions else None,
                "letter_worker_seconds": cpu_letters,
                "server_cores_used": per_s(cpu_server), "client_cores_used": per_s(cpu_client),
                "machine_busy_fraction": busy_frac, "cpu_count": os.cpu_count()},
        "rss": rss,
    }
    out["cpu"].update(postgresql_cpu_fields(pg_reading, rec.completions))
    if NO_LETTERS in measured:
        out["interleaved_rounds"] = [variant for variant, _ in rounds]
        out["without_letters"] = variant_summary(rec_without, measured[NO_LETTERS])  # its errors in the run's too
        other = out["without_letters"]
        log(f"  m2 {dialect} ×{workers}, the same route without letters (alternating with it): "
            f"{other['task_completions']} completions → {other['task_completions_per_second']:.1f}/s; complete p50 "
            f"{other['complete_latency']['median_ms']:.1f} / p95 {other['complete_latency']['p95_ms']:.1f} ms; "
            f"{other['cpu']['server_cpu_ms_per_completion'] or float('nan'):.1f} ms server CPU per completion"
            f"{_pg_cpu_log(other['cpu'])}")
    lat = out["complete_latency"]
    if letters_visible.get("letters"):
        lower = letters_visible.get("from_answer") or {}
        log(f"  m2 {dialect} ×{workers}{f' + {letter_workers} letter worker(s)' if letter_workers else ''}: letter visible after commit p50 {letters_visible['median_ms']:.0f} / p95 "
            f"{letters_visible['p95_ms']:.0f} ms from the outbox INSERT, p50 {lower.get('median_ms', float('nan')):.0f}"
            f" / p95 {lower.get('p95_ms', float('nan')):.0f} ms from the completion's answer "
            f"({letters_visible['letters']} letters, "
            f"{letters_visible['not_visible']} not visible after {LETTER_DRAIN_SECONDS:.0f} s)")
    log(f"  m2 {dialect} ×{workers} worker(s){f' + {letter_workers} letter worker(s)' if letter_workers else ''}, "
        f"{handlers} handlers: {rec.completions} completions in {wall:.1f} s "
        f"→ {out['task_completions_per_second']:.1f}/s, {out['cases_per_second']:.2f} cases/s; complete p50 "
        f"{lat['median_ms']:.1f} / p95 {lat['p95_ms']:.1f} / p99 {lat['p99_ms']:.1f} ms; errors {errors}; "
        f"{out['requests_per_completion']:.2f} requests and "
        f"{out['cpu']['server_cpu_ms_per_completion'] or float('nan'):.1f} ms server CPU per completion; "
        f"server RSS peak {rss['peak_mb']:.0f} MB{_pg_cpu_log(out['cpu'])}")
    return out


def postgresql_cpu_fields(reading: dict | None, completions: int) -> dict:
    """Issue 25 (PostgreSQL CPU per completion ≤ 4 ms): CPU of the PostgreSQL backends serving the benchmark's
    database during the measured phase (:mod:`bench.pg_cpu`, from /proc), per completed task; ``None`` when the
    database is not PostgreSQL or its server's processes are not visible from here."""
    return {"postgresql_seconds": reading["seconds"] if reading else None,
            "postgresql_cpu_ms_per_completion": pg_cpu.per_unit_ms(reading, completions),
            "postgresql_backends": reading["backends"] if reading else None,
            "postgresql_backends_exited": reading["exited_during"] if reading else None}


def _pg_cpu_log(cpu: dict) -> str:
    ms = cpu.get("postgresql_cpu_ms_per_completion")
    return (f"; CPU per completion: server {cpu['server_cpu_ms_per_completion']:.1f} ms, PostgreSQL {ms:.2f} ms"
            if ms is not None and cpu.get("server_cpu_ms_per_completion") is not None else "")


def run(ctx) -> dict:
    """Measurement 2 per database (PostgreSQL: 1 and 2 server workers; SQLite: 1) and measurement 7 from it."""
    import traceback

    sizes = ctx.sizes
    out: dict = {"handlers": sizes.m2_handlers, "cases_per_handler": sizes.m2_cases_per_handler,
                 "warmup_cases": sizes.m2_warmup_cases, "client": "httpx, one thread and client per handler",
                 "timers_in_server": False, "access_log": False, "sqlite_single_worker_reason": SQLITE_ONE_WORKER,
                 "runs": {}}
    # PostgreSQL: 1 and 2 server processes with the letters in the server (a thread per process), and 2 server
    # processes with one `meldpunt brieven run` process (the deployments' topology: LISTEN/NOTIFY wakes it).
    # Issue 25: the same route without letters alternates with it in every configuration of a full run, and in the
    # first one per database of the quick and tiny runs (their time budget)
    configs = {"postgresql": [(1, 0), (2, 0), (2, 1)]}
    for dialect, database in ctx.databases.items():
        for index, (workers, letter_workers) in enumerate(configs.get(dialect, [(1, 0)])):
            key = f"{dialect}_{workers}w" + (f"_{letter_workers}lw" if letter_workers else "")
            try:
                out["runs"][key] = run_config(database, dialect=dialect, workers=workers,
                                              handlers=sizes.m2_handlers, cases_per_handler=sizes.m2_cases_per_handler,
                                              warmup_cases=sizes.m2_warmup_cases, prefix=f"h{key}_", log=ctx.log,
                                              letter_workers=letter_workers,
                                              without_letters=index == 0 or ctx.mode == "full")
            except Exception as exc:  # recorded (and counted as an error), the other runs go on
                ctx.log(f"  m2 {key} FAILED: {type(exc).__name__}: {str(exc)[:500]}")
                out["runs"][key] = {"dialect": dialect, "workers": workers, "failed": f"{type(exc).__name__}: {exc}",
                                    "traceback": traceback.format_exc()[-3000:], "errors": 1}
    if getattr(ctx, "options", {}).get("profile_http") and ctx.databases:
        dialect = "postgresql" if "postgresql" in ctx.databases else next(iter(ctx.databases))
        out["profile"] = profile_run(ctx.databases[dialect], dialect=dialect, sizes=sizes, log=ctx.log)
    return out


def profile_run(database, *, dialect: str, sizes, log=print) -> dict:
    """The same load once more against a server under the stack sampler (bench/serve_profiled.py)."""
    import traceback

    fd, name = tempfile.mkstemp(prefix="meldpunt-bench-profile-", suffix=".json")
    os.close(fd)
    path = Path(name)
    try:
        run = run_config(database, dialect=dialect, workers=1, handlers=sizes.m2_handlers,
                         cases_per_handler=sizes.m2_cases_per_handler, warmup_cases=sizes.m2_warmup_cases,
                         prefix=f"hprof_{dialect}_", log=log, profile_out=path)
        profile = json.loads(path.read_text())
    except Exception as exc:
        log(f"  m2 profile FAILED: {type(exc).__name__}: {str(exc)[:500]}")
        return {"failed": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()[-3000:]}
    finally:
        path.unlink(missing_ok=True)
    return {"dialect": dialect, "workers": 1, "task_completions_per_second": run["task_completions_per_second"],
            "complete_latency": run["complete_latency"], "errors": run["errors"], "cpu": run["cpu"], **profile}
