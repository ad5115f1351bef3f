"""Before/after experiment for measurement 3: the engine's worklist queries vs the
changed ORDER BY + partial indexes proposed in bench/findings.md, on PostgreSQL.

    python -m bench.experiments.worklist_indexes [N_CASES]     (default 1,000,000)

Seeds N cases like measurement 3, runs each query 30 times before and after
creating the proposed indexes (and with the proposed ORDER BY), and prints a
JSON summary (also written to bench/experiments/worklist_indexes.json).
"""
from __future__ import annotations

import json
import sys

from sqlalchemy import text

from bench import seed
from bench.common import BENCH_DIR, bench_database, perf, summary_ms
from bench.m3_worklist import explain_pg
from engine import clock
from engine.db import Database

COLS = "id, case_id, task_id, element_id, name, role, slot, form, state, assignee_id, due_at, priority, created_at"
OLD_ORDER = "ORDER BY due_at IS NULL, due_at, priority DESC, created_at, id LIMIT 200"
NEW_ORDER = "ORDER BY due_at ASC NULLS LAST, priority DESC, created_at, id LIMIT 200"
NOT_PARTY = "NOT EXISTS (SELECT 1 FROM case_parties p WHERE p.case_id = work_items.case_id AND p.user_id = :uid)"

QUERIES = {
    "my_tasks": f"SELECT {COLS} FROM work_items WHERE state = 'open' AND assignee_id = :uid AND {NOT_PARTY}",
    "unassigned_in_my_roles": f"SELECT {COLS} FROM work_items WHERE state = 'open' AND assignee_id IS NULL "
                              f"AND role IN ('integriteitscoordinator', 'onderzoeker') AND {NOT_PARTY}",
    "overdue_mine": f"SELECT {COLS} FROM work_items WHERE state = 'open' AND due_at IS NOT NULL AND due_at < :now "
                    f"AND (assignee_id = :uid OR (assignee_id IS NULL AND role IN ('integriteitscoordinator', "
                    f"'onderzoeker'))) AND {NOT_PARTY}",
    "overdue_all": "SELECT " + COLS + " FROM work_items WHERE state = 'open' AND due_at IS NOT NULL AND due_at < :now",
}
CASE_COLS = "id, reference, status, unit, category, priority, created_at, closed_at"
CASE_QUERIES = {
    "case_list_closed_unit_category_p1": f"SELECT {CASE_COLS} FROM cases WHERE status = 'closed' AND "
        "unit = 'Dienstonderdeel 01' AND category = 'lekken' ORDER BY created_at DESC, id DESC LIMIT 25",
    "case_list_closed_unit_keyset": f"SELECT {CASE_COLS} FROM cases WHERE status = 'closed' AND "
        "unit = 'Dienstonderdeel 01' AND (created_at, id) < (:c_at, :c_id) ORDER BY created_at DESC, id DESC LIMIT 25",
}
INDEXES = [
    # open work items only (≈2 % of the table), in worklist order
    "CREATE INDEX ix_wi_open_assignee_order ON work_items (assignee_id, due_at, priority DESC, created_at, id) "
    "WHERE state = 'open'",
    "CREATE INDEX ix_wi_open_unassigned_order ON work_items (due_at, priority DESC, created_at, id) "
    "WHERE state = 'open' AND assignee_id IS NULL",
    "CREATE INDEX ix_wi_open_due_order ON work_items (due_at, priority DESC, created_at, id) "
    "WHERE state = 'open' AND due_at IS NOT NULL",
    # case list: equality filters, then the sort key
    "CREATE INDEX ix_cases_status_unit_created ON cases (status, unit, created_at DESC, id DESC)",
    "CREATE INDEX ix_cases_status_unit_category_created ON cases (status, unit, category, created_at DESC, id DESC)",
]


def _time(db, sql, params, reps=30):
    times = []
    with db.engine.connect() as conn:
        for _ in range(3):
            conn.execute(text(sql), params).all()
        for _ in range(reps):
            t0 = perf()
            conn.execute(text(sql), params).all()
            times.append(perf() - t0)
    return summary_ms(times)


def _plan(db, sql, params):
    compiled = text(sql).bindparams(**params).compile(db.engine, compile_kwargs={"literal_binds": True})
    p = explain_pg(db, str(compiled), ())
    return {"indexes": p["indexes"], "nodes": p["node_types"], "exec_ms": p["execution_time_ms"]}


def main(argv):
    n = int(argv[0]) if argv else 1_000_000
    out = {"cases": n}
    with bench_database("postgresql") as b:
        db = Database(b.url)
        info = seed.seed_people(db)
        seed.seed_cases(db, info, n, version_id=None)
        seed.analyze(db)
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT created_at, id FROM cases WHERE status='closed' AND unit='Dienstonderdeel 01' "
                                    "ORDER BY created_at DESC, id DESC OFFSET 1999 LIMIT 1")).first() or (clock.now(), 0)
        params = {"uid": info.bench_user_id, "now": clock.now(), "c_at": row[0], "c_id": row[1]}
        phases = {}
        for phase in ("before", "after"):
            if phase == "after":
                with db.engine.begin() as conn:
                    for ddl in INDEXES:
                        conn.execute(text(ddl))
                seed.analyze(db)
            res = {}
            for name, base in QUERIES.items():
                for label, order in (("engine_order", OLD_ORDER), ("nulls_last_order", NEW_ORDER)):
                    sql = f"{base} {order}"
                    used = {k: v for k, v in params.items() if ":" + k in sql}
                    res[f"{name}/{label}"] = {"latency": _time(db, sql, used), "plan": _plan(db, sql, used)}
            for name, sql in CASE_QUERIES.items():
                used = {k: v for k, v in params.items() if ":" + k in sql}
                res[name] = {"latency": _time(db, sql, used), "plan": _plan(db, sql, used)}
            phases[phase] = res
        out["phases"] = phases
        db.dispose()
    (BENCH_DIR / "experiments" / "worklist_indexes.json").write_text(json.dumps(out, indent=1, default=str))
    for phase, res in out["phases"].items():
        for name, r in res.items():
            print(f"{phase:6s} {name:45s} median {r['latency']['median_ms']:7.2f}  p95 {r['latency']['p95_ms']:7.2f}  "
                  f"exec {r['plan']['exec_ms']}  {r['plan']['indexes']}")


if __name__ == "__main__":
    main(sys.argv[1:])
