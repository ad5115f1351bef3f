"""Several timer workers at once (PostgreSQL): every due timer fires exactly once."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.audit.models import AuditEvent
from engine.cases import service as cases
from engine.processes import service as processes
from engine.timers.models import Timer
from engine.worklist.models import WorkItem
from tests.factories import REVIEW, make_user

ROOT = Path(__file__).resolve().parents[2]

WORKER = textwrap.dedent("""
    import sys
    from datetime import datetime
    from engine import clock
    from engine.db import Database
    from engine.timers.service import fire_due
    clock.set_clock(clock.FrozenClock(datetime.fromisoformat(sys.argv[2])))
    clock.install_spiff_clock()
    print(fire_due(database=Database(sys.argv[1])))
""")


@pytest.mark.postgres_only
def test_two_worker_processes_fire_each_due_timer_exactly_once(db, clock):
    if db.dialect != "postgresql":
        pytest.skip("row-lock claiming is a PostgreSQL feature; SQLite runs a single worker")
    n = 60
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        desk = make_user(s, "desk", "meldpunt")
        for _ in range(n):
            cases.start_case(session=s, actor=desk, data={})
    moment = clock.advance(timedelta(days=8))
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, db.url, moment.isoformat()], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [r[1][-2000:] for r in results]
    counts = [int(out.strip().splitlines()[-1]) for out, _ in results]
    assert sum(counts) == n  # nothing missed, nothing twice
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(Timer).where(Timer.state == "pending",
                                                                       Timer.fire_at < moment)).scalar() == 0
        fired = s.execute(select(Timer.fire_count).where(Timer.element_id == "intake_timer")).scalars().all()
        assert fired == [1] * n
        per_case = Counter(s.execute(select(AuditEvent.case_id).where(AuditEvent.action == "timer.fired")).scalars())
        assert len(per_case) == n and set(per_case.values()) == {1}
        escalations = Counter(s.execute(select(WorkItem.case_id).where(
            WorkItem.element_id == "escalate")).scalars())
        assert len(escalations) == n and set(escalations.values()) == {1}
