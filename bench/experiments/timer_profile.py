"""Experiment (issue 25): CPU time per fired timer, and where it goes.

    .venv/bin/python -m bench.experiments.timer_profile URL profile K      # cProfile of one fire_due over K timers
    .venv/bin/python -m bench.experiments.timer_profile URL cpu K          # CPU time and statements per timer

URL is a migrated (or empty: migrated here) database of your own. K review cases (intake task with a P7D
boundary timer) are started under a FrozenClock, then fired in this process with the clock 8 days later.
"""
from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time
from datetime import timedelta

os.environ.setdefault("MELDPUNT_REPETITIE", "uit")


def setup(url: str):
    from sqlalchemy import func, select

    from bench.common import REVIEW, make_team
    from engine.db import Database
    from engine.migrations.runner import upgrade
    from engine.processes import service as processes
    from engine.processes.models import ProcessVersion

    upgrade(url)
    database = Database(url)
    with database.session() as s:
        version = s.execute(select(ProcessVersion).order_by(ProcessVersion.id.desc())).scalars().first()
        if version is None:
            version = processes.deploy(session=s, directory=REVIEW)
        parsed = processes.parsed_version(session=s, version_id=version.id)
        team = make_team(s, parsed.manifest, prefix="t")
        version_id, starter = version.id, team["meldpunt"][0].id
        n = s.execute(select(func.count()).select_from(ProcessVersion)).scalar_one()
    return database, version_id, starter, n


def seed(database, version_id, starter, k):
    from sqlalchemy import func, select

    from bench.m4_timers import seed_due_cases
    from engine import clock
    from engine.cases.models import Case

    with database.session() as s:
        offset = s.execute(select(func.count()).select_from(Case)).scalar_one()
    at = clock.now().replace(microsecond=0) + timedelta(days=30 * (1 + offset // 1000))
    ids = seed_due_cases(database, k=k, at=at, version_id=version_id, starter_id=starter)
    return ids, at + timedelta(days=8)


def main(argv):
    url, mode, k = argv[0], argv[1], int(argv[2])
    size = int(argv[3]) if len(argv) > 3 else None  # timers per batch (default: the worker's)
    from sqlalchemy import event

    from engine import clock
    from engine.timers.service import fire_due

    database, version_id, starter, _ = setup(url)
    ids, moment = seed(database, version_id, starter, k)
    clock.set_clock(clock.FrozenClock(moment))
    clock.install_spiff_clock()
    statements = [0]

    @event.listens_for(database.engine, "before_cursor_execute")
    def _count(*_a):
        statements[0] += 1

    kw = {"batch": size} if size else {}
    c0, w0 = time.process_time(), time.perf_counter()
    if mode == "profile":
        prof = cProfile.Profile(time.process_time)
        prof.enable()
        fired = fire_due(database=database, **kw)
        prof.disable()
    else:
        fired = fire_due(database=database, **kw)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    print(f"fired {fired} of {len(ids)}: CPU {cpu * 1000 / max(fired, 1):.2f} ms/timer, wall "
          f"{wall * 1000 / max(fired, 1):.2f} ms/timer, {statements[0] / max(fired, 1):.2f} statements/timer")
    if mode == "profile":
        prof.dump_stats("/tmp/timers.prof")
        st = pstats.Stats(prof)
        st.sort_stats("cumulative").print_stats(60)
        st.sort_stats("tottime").print_stats(40)
    database.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
