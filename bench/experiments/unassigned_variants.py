"""Experiment: variants of unassigned_in_my_roles on PostgreSQL at 400,000 cases (proposed indexes in place).

    python bench/experiments/unassigned_variants.py
"""
from datetime import datetime, timezone
from sqlalchemy import text
from bench import seed
from bench.common import bench_database, perf
from bench.experiments import worklist_indexes as w
from bench.m3_worklist import explain_pg
from engine.db import Database
with bench_database("postgresql") as b:
    db = Database(b.url)
    info = seed.seed_people(db); seed.seed_cases(db, info, 400000, version_id=None)
    with db.engine.begin() as conn:
        for ddl in w.INDEXES: conn.execute(text(ddl))
    seed.analyze(db)
    uid = info.bench_user_id
    base = w.QUERIES["unassigned_in_my_roles"]
    variants = {
      "new_order": base + " " + w.NEW_ORDER,
      "no_not_exists": base.replace(" AND " + w.NOT_PARTY, "") + " " + w.NEW_ORDER,
      "not_exists_as_not_in": base.replace(w.NOT_PARTY, "work_items.case_id NOT IN (SELECT p.case_id FROM case_parties p WHERE p.user_id = :uid)") + " " + w.NEW_ORDER,
    }
    for name, sql in variants.items():
        s = sql.replace(":uid", str(uid))
        p = explain_pg(db, s, ())
        print(name, p["execution_time_ms"], p["indexes"], p["node_types"])
    import json
    with db.engine.connect() as conn:
        tx = conn.begin()
        conn.exec_driver_sql("DROP INDEX ix_work_items_open_assignee")
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + variants["new_order"].replace(":uid", str(uid))).scalar()
        tx.rollback()
    top = plan[0]
    def walk(n, d=0):
        print("  "*d, n["Node Type"], n.get("Index Name",""), n.get("Actual Rows"), n.get("Actual Total Time"))
        for c in n.get("Plans", []): walk(c, d+1)
    print("without old index:", top["Execution Time"]); walk(top["Plan"])
    db.dispose()
