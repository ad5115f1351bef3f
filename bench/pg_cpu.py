"""CPU time of the PostgreSQL backends serving one database, read from ``/proc`` (issue 25).

The benchmark runs on the machine of its PostgreSQL server, so the CPU that the server spends for a run can be
read per backend process: ``utime + stime`` of ``/proc/<pid>/stat``. The backends serving a database are the
postmaster's children whose process title names it (``postgres: 15/main: USER DATABASE HOST(PORT) STATE``);
they come and go with the connection pools, so :class:`PgBackendCpu` looks for them periodically (the
postmaster's ``/proc/<pid>/task/<pid>/children``) and keeps every backend's last CPU reading: a backend that
exits between two samples loses at most one interval of its CPU (the pools keep theirs open, so that is rare
and shows in ``exited``). A backend first seen after :meth:`PgBackendCpu.mark` counts from zero (it was
started during the phase; its start-up is part of the cost).

What is not in the figure: PostgreSQL's background processes (WAL writer, checkpointer, autovacuum), which serve
every database of the server at once.

:func:`for_database` returns ``None`` when the database is not PostgreSQL or its server's processes are not
visible here (another machine or container): the callers then record the figure as not measured.
"""
from __future__ import annotations

import os
import threading
import time

INTERVAL = 0.1  # seconds between two looks for backends and their CPU

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def proc_cpu_seconds(pid: int, proc: str = "/proc") -> float | None:
    """``utime + stime`` of a process in seconds, ``None`` when it is gone (or not visible)."""
    try:
        with open(f"{proc}/{pid}/stat") as f:
            stat = f.read()
        fields = stat[stat.rfind(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, ValueError, IndexError):
        return None


def _read(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None


def _children(pid: int, proc: str) -> list[int]:
    text = _read(f"{proc}/{pid}/task/{pid}/children")
    if text is not None:
        return [int(x) for x in text.split()]
    out = []  # kernels without CONFIG_PROC_CHILDREN: every process's parent id
    for entry in os.listdir(proc):
        if entry.isdigit():
            stat = _read(f"{proc}/{entry}/stat")
            if stat:
                try:
                    if int(stat[stat.rfind(")") + 2:].split()[1]) == pid:
                        out.append(int(entry))
                except (ValueError, IndexError):
                    continue
    return out


def serves(title: str, dbname: str) -> bool:
    """Whether a backend's process title says it serves ``dbname``: ``postgres: [CLUSTER: ]USER DB HOST STATE``."""
    if not title.startswith("postgres: "):
        return False
    return dbname in title[len("postgres: "):].split()


class PgBackendCpu(threading.Thread):
    """Samples the CPU of the backends of database ``dbname`` (children of ``postmaster``) every ``interval`` s."""

    def __init__(self, postmaster: int, dbname: str, *, interval: float = INTERVAL, proc: str = "/proc"):
        super().__init__(name="pg-backend-cpu", daemon=True)
        self.postmaster, self.dbname, self.interval, self.proc = postmaster, dbname, interval, proc
        self.cpu: dict[int, float] = {}  # backend pid -> its last CPU reading (s)
        self.exited: set[int] = set()
        self.others: set[int] = set()  # children whose title names another database or no database
        self._halt = threading.Event()
        self._lock = threading.Lock()
        self.samples = 0

    def sample(self) -> None:
        """Look for new backends of the database and read the CPU of all of them once."""
        with self._lock:
            for pid in _children(self.postmaster, self.proc):
                if pid in self.cpu or pid in self.others:
                    continue
                title = _read(f"{self.proc}/{pid}/cmdline") or ""
                if serves(title, self.dbname):
                    self.cpu[pid] = 0.0
                elif title.startswith("postgres: "):  # its title is set: another database or a helper process
                    self.others.add(pid)
                # else: forked, title not set yet (still the postmaster's command line): looked at again next time
            for pid in self.cpu:
                if pid in self.exited:
                    continue
                c = proc_cpu_seconds(pid, self.proc)
                if c is None:
                    self.exited.add(pid)
                else:
                    self.cpu[pid] = c
            self.samples += 1

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            time.sleep(self.interval)  # a sleep, not Event.wait(timeout): libfaketime never ends one (see m2)

    def mark(self) -> dict:
        """A fresh reading to measure from: {"cpu": {pid: seconds}, "exited": {pid, …}}."""
        self.sample()
        with self._lock:
            return {"cpu": dict(self.cpu), "exited": set(self.exited)}

    def since(self, mark: dict) -> dict:
        """CPU of the database's backends since ``mark`` (a fresh reading first)."""
        self.sample()
        with self._lock:
            seconds = sum(c - mark["cpu"].get(pid, 0.0) for pid, c in self.cpu.items())
            return {"seconds": seconds, "backends": sum(1 for pid in self.cpu if pid not in mark["exited"]),
                    "exited_during": len(self.exited - mark["exited"]), "interval_ms": self.interval * 1000,
                    "samples": self.samples}

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=5)


def postmaster_pid(database) -> int | None:
    """The postmaster of ``database``'s server as seen from here: the parent of one of our backends, if visible."""
    from sqlalchemy import text

    if database.dialect != "postgresql":
        return None
    with database.engine.connect() as conn:
        backend = conn.execute(text("select pg_backend_pid()")).scalar_one()
        dbname = conn.execute(text("select current_database()")).scalar_one()
    title = _read(f"/proc/{backend}/cmdline") or ""
    if not serves(title, dbname):  # not this machine's process (another host, container or PID namespace)
        return None
    stat = _read(f"/proc/{backend}/stat")
    try:
        return int(stat[stat.rfind(")") + 2:].split()[1])
    except (TypeError, ValueError, IndexError):
        return None


def for_database(database, *, interval: float = INTERVAL) -> PgBackendCpu | None:
    """A started sampler for ``database`` (an ``engine.db.Database``), or ``None`` when it cannot be measured."""
    try:
        pm = postmaster_pid(database)
    except Exception:  # noqa: BLE001 - a measurement aid: never fail the benchmark for it
        return None
    if pm is None:
        return None
    sampler = PgBackendCpu(pm, database.engine.url.database, interval=interval)
    sampler.start()
    return sampler


def per_unit_ms(reading: dict | None, units: int) -> float | None:
    return reading["seconds"] * 1000 / units if reading and units else None
