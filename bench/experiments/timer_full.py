"""Experiment (issue 25): the full-size timer target, 10,000 due timers with 2 workers on PostgreSQL.

    .venv/bin/python -m bench.experiments.timer_full seed ADMIN_URL TEMPLATE_DB K PROCS
    .venv/bin/python -m bench.experiments.timer_full fire ADMIN_URL TEMPLATE_DB RUN_DB WORKERS [ROOT]

``seed``: a fresh database TEMPLATE_DB (migrated), the review process deployed, K review cases started (by
PROCS processes in parallel) under one FrozenClock, so that their intake timers (P7D) are all due 8 days later;
then VACUUM ANALYZE. Seeding 10,000 cases takes many minutes on a loaded machine, so it is done once.
``fire``: RUN_DB is created as a copy of TEMPLATE_DB (``CREATE DATABASE … TEMPLATE``: seconds), WORKERS
``bench.timer_worker`` processes (of the checkout ROOT, default this one) fire every due timer, exactly-once is
checked; prints one JSON line with wall time, worker CPU and PostgreSQL CPU per timer (the backends serving
RUN_DB, from /proc: :mod:`bench.pg_cpu`), and drops RUN_DB.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

os.environ.setdefault("MELDPUNT_REPETITIE", "uit")

AT = datetime(2027, 3, 1, 9, 0, 0, tzinfo=timezone.utc)  # the cases' start (engine clock); due at AT + 7 days


def _admin(url):
    from sqlalchemy import create_engine

    return create_engine(url, isolation_level="AUTOCOMMIT")


def _db_url(admin_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def seed(admin_url: str, template: str, k: int, procs: int) -> None:
    from sqlalchemy import text

    from bench.experiments.timer_profile import setup

    admin = _admin(admin_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{template}"'))
    url = _db_url(admin_url, template)
    database, version_id, starter, _ = setup(url)
    database.dispose()
    parts = [k // procs + (1 if i < k % procs else 0) for i in range(procs)]
    children = [subprocess.Popen([sys.executable, "-m", "bench.experiments.timer_full", "seed-part", url, str(n),
                                  str(version_id), str(starter)]) for n in parts]
    if any(c.wait() for c in children):
        raise SystemExit("a seeding process failed")
    from sqlalchemy import create_engine

    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
        n = conn.execute(text("select count(*) from timers where state = 'pending'")).scalar_one()
    eng.dispose()
    admin.dispose()
    print(json.dumps({"template": template, "pending_timers": n, "version_id": version_id}))


def seed_part(url: str, k: int, version_id: int, starter: int) -> None:
    from bench.m4_timers import seed_due_cases
    from engine.db import Database

    database = Database(url)
    seed_due_cases(database, k=k, at=AT, version_id=version_id, starter_id=starter)
    database.dispose()


def fire(admin_url: str, template: str, run_db: str, workers: int, root: str | None) -> dict:
    from sqlalchemy import select, text

    from bench.m4_timers import fire_with_workers, verify_once
    from engine.cases.models import Case
    from engine.db import Database
    from engine.processes.models import ProcessVersion

    admin = _admin(admin_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{run_db}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{run_db}" TEMPLATE "{template}"'))
    database = Database(_db_url(admin_url, run_db))
    try:
        with database.session() as s:
            ids = list(s.execute(select(Case.id)).scalars())
            version_id = s.execute(select(ProcessVersion.id).order_by(ProcessVersion.id.desc())).scalars().first()
        moment = AT + timedelta(days=8)
        run = fire_with_workers(database, workers=workers, moment=moment, version_id=version_id, root=root)
        run["timers_per_second"] = run["fired_total"] / run["seconds"] if run["seconds"] else None
        run["check"] = verify_once(database, ids, moment)
        return run
    finally:
        database.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{run_db}" WITH (FORCE)'))
        admin.dispose()


def main(argv):
    cmd = argv[0]
    if cmd == "seed":
        seed(argv[1], argv[2], int(argv[3]), int(argv[4]))
    elif cmd == "seed-part":
        seed_part(argv[1], int(argv[2]), int(argv[3]), int(argv[4]))
    elif cmd == "fire":
        run = fire(argv[1], argv[2], argv[3], int(argv[4]), argv[5] if len(argv) > 5 else None)
        print(json.dumps(run, default=str), flush=True)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
