"""Experiment (issue 25, "0f-audit"): statements and CPU time per task completion before and after the audit
events were batched (one multi-row Core INSERT and one head UPDATE per chain before the commit, instead of ORM
objects: one INSERT per row on SQLite) and the completion's own rows were written by prebuilt Core statements
(submission, work item, case actor), interleaved case by case in one run, on the integrity route without letters.

The "before" variant swaps in ``engine/audit/service.py`` as of commit ``BEFORE`` (read with ``git show``; its
``append`` only) and the ORM versions of the three writes below (as they were at ``BEFORE``); everything else is
this checkout's code. ``--only audit`` swaps the audit part only. Each completion is measured with its commit
(``time.thread_time`` of the measuring thread; on PostgreSQL the client side only).

    .venv/bin/python -m bench.experiments.audit_batch [--cases 4]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("MELDPUNT_REPETITIE", "uit")  # the benchmark's own process set (see bench/__main__.py)

from sqlalchemy import event

from bench.common import DEFAULT_PG_ADMIN_URL, bench_database, pg_available
from bench.m1_baseline import route_steps, setup_service
from bench.scenarios import INTEGRITY_NO_LETTERS_SCENARIO as SCENARIO

BEFORE = "e8f4434"  # the branch point of h-audit
ROOT = Path(__file__).resolve().parents[2]


def _old_audit():
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{BEFORE}:engine/audit/service.py"],
                            check=True, capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader("engine.audit._service_before", loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    exec(compile(source, f"{BEFORE}:engine/audit/service.py", "exec"), module.__dict__)
    return module


def _orm_submission(session, item, *, user_id, clean, secret):
    import json

    from engine.cases.models import TaskSubmission
    from engine.clock import now

    session.add(TaskSubmission(work_item_id=item.id, case_id=item.case_id, form=item.form,
                               data=json.loads(json.dumps(clean, default=str)),
                               confidential=json.dumps(secret, ensure_ascii=False, sort_keys=True, default=str)
                               if secret else None, submitted_by_id=user_id, submitted_at=now()))


def _orm_complete_item(session, item, *, user_id):
    from engine.clock import now

    item.state, item.completed_at, item.completed_by_id, item.assignee_id = "completed", now(), user_id, user_id
    item.view = None


def _orm_bind(session, *, case_id, user_id, slot, held=None):
    from engine.cases.models import CaseActor

    if held is not None:
        if slot not in held:
            session.add(CaseActor(case_id=case_id, slot=slot, user_id=user_id))
        return
    raise AssertionError("only the completion's bind is swapped")


def _swap(name: str, *, audit_only: bool, old_append) -> None:
    from engine.audit import service as audit
    from engine.cases import duties
    from engine.cases import service as cases

    audit.append = old_append if name == "before" else _NEW["append"]
    if audit_only:
        return
    cases._record_submission = _orm_submission if name == "before" else _NEW["submission"]
    cases._complete_item = _orm_complete_item if name == "before" else _NEW["complete_item"]
    duties.bind = _orm_bind if name == "before" else _NEW["bind"]


_NEW: dict = {}


def measure(dialect: str, *, cases_n: int, audit_only: bool = False) -> dict:
    from engine.audit import service as audit
    from engine.cases import service as cases
    from engine.db import Database
    from engine.identity.models import User

    from engine.cases import duties

    _NEW.update(append=audit.append, submission=cases._record_submission, complete_item=cases._complete_item,
                bind=duties.bind)
    old_append = _old_audit().append
    variants = ("before", "after")
    cpu: dict[str, list[float]] = {k: [] for k in variants}
    statements: dict[str, list[int]] = {k: [] for k in variants}
    inserts: dict[str, list[int]] = {k: [] for k in variants}  # INSERTs into audit_events
    with bench_database(dialect) as b:
        database = Database(b.url)
        seen: list[str] = []
        event.listen(database.engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *a: seen.append(statement))

        def variant(n: int) -> str:
            return ("before", "after")[(n + n // 2) % 2]  # before, after, after, before, ...

        try:
            for at in route_steps(database, SCENARIO, *setup_service(database, SCENARIO), cases_n=cases_n * 2,
                                  before_case=lambda n: _swap(variant(n), audit_only=audit_only,
                                                              old_append=old_append)):
                name = variant(at.case)
                s = database.sessionmaker()
                try:
                    user = s.get(User, at.user_id)
                    user.role_codes  # the caller (the API) has loaded the user already
                    seen.clear()
                    c0 = time.thread_time()
                    cases.complete_task(session=s, work_item_id=at.item_id, user=user, data=at.data)
                    s.commit()
                    cpu[name].append(time.thread_time() - c0)
                    statements[name].append(sum(1 for q in seen if q.split(None, 1)[0].upper()
                                                not in ("BEGIN", "COMMIT", "ROLLBACK")))
                    inserts[name].append(sum(1 for q in seen if q.lstrip().upper().startswith(
                        "INSERT INTO AUDIT_EVENTS")))
                finally:
                    s.close()
        finally:
            _swap("after", audit_only=audit_only, old_append=old_append)
        database.dispose()
    return {"dialect": dialect, "completions": {k: len(v) for k, v in cpu.items()},
            "cpu_ms": {k: 1000 * statistics.mean(v) for k, v in cpu.items()},
            "statements": {k: statistics.mean(v) for k, v in statements.items()},
            "audit_inserts": {k: statistics.mean(v) for k, v in inserts.items()}}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=4, help="cases per variant")
    parser.add_argument("--only", choices=["audit"], help="swap the audit part only")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    dialects = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for dialect in [d for d in dialects if d == "sqlite" or pg_available(DEFAULT_PG_ADMIN_URL)]:
        r = measure(dialect, cases_n=args.cases, audit_only=args.only == "audit")
        b, a = r["cpu_ms"]["before"], r["cpu_ms"]["after"]
        print(f"{dialect}: {r['completions']['after']} completions each; statements per completion "
              f"{r['statements']['before']:.2f} -> {r['statements']['after']:.2f} (audit INSERTs "
              f"{r['audit_inserts']['before']:.2f} -> {r['audit_inserts']['after']:.2f}); CPU per completion "
              f"{b:.2f} ms -> {a:.2f} ms ({a / b:.3f} x)")
