"""One timer-worker process for measurement 4: ``python -m bench.timer_worker URL CLOCK START_AT VERSION``.

Installs a FrozenClock at CLOCK (ISO), warms the spec cache, waits until the wall
time START_AT (so several workers begin together), runs ``fire_due`` once and
prints one JSON line: {"fired": n, "start": t0, "end": t1, "cpu": s, "db_cpu": s}: ``cpu`` is
this process's CPU time during ``fire_due``, ``db_cpu`` that of its PostgreSQL backend
(``/proc``, when the server runs on this machine; else null).
"""
from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime


def _proc_cpu(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    except (OSError, ValueError, IndexError):
        return None


def main(argv: list[str]) -> int:
    url, moment, start_at, version_id = argv[0], datetime.fromisoformat(argv[1]), float(argv[2]), int(argv[3])
    from sqlalchemy import text

    from engine import clock
    from engine.db import Database
    from engine.processes import service as processes
    from engine.timers.service import fire_due

    clock.set_clock(clock.FrozenClock(moment))
    clock.install_spiff_clock()
    database = Database(url)
    backend = None
    with database.session() as s:
        processes.parsed_version(session=s, version_id=version_id)
        if database.dialect == "postgresql":
            backend = s.execute(text("select pg_backend_pid()")).scalar_one()
    while time.time() < start_at:
        time.sleep(0.005)
    db0 = _proc_cpu(backend)
    t0, c0 = time.time(), time.process_time()
    fired = fire_due(database=database)
    t1, c1 = time.time(), time.process_time()
    db1 = _proc_cpu(backend)
    database.dispose()
    print(json.dumps({"fired": fired, "start": t0, "end": t1, "cpu": c1 - c0,
                      "db_cpu": (db1 - db0) if db0 is not None and db1 is not None else None}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
