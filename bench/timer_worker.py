"""One timer-worker process for measurement 4: ``python -m bench.timer_worker URL CLOCK START_AT VERSION``.

Installs a FrozenClock at CLOCK (ISO), warms the spec cache, waits until the wall
time START_AT (so several workers begin together), runs ``fire_due`` once and
prints one JSON line: {"fired": n, "start": t0, "end": t1}.
"""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime


def main(argv: list[str]) -> int:
    url, moment, start_at, version_id = argv[0], datetime.fromisoformat(argv[1]), float(argv[2]), int(argv[3])
    from engine import clock
    from engine.db import Database
    from engine.processes import service as processes
    from engine.timers.service import fire_due

    clock.set_clock(clock.FrozenClock(moment))
    clock.install_spiff_clock()
    database = Database(url)
    with database.session() as s:
        processes.parsed_version(session=s, version_id=version_id)
    while time.time() < start_at:
        time.sleep(0.005)
    t0 = time.time()
    fired = fire_due(database=database)
    t1 = time.time()
    database.dispose()
    print(json.dumps({"fired": fired, "start": t0, "end": t1}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
