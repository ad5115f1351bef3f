"""Experiment (issue 25, §0l-woo): the Woo overview's anonymisation check one case at a time (``base``:
``woo.check_case_text`` per case, as before §0l-woo) against a batch at a time (``new``: ``woo.check_case_texts``),
A/B in one process: statements and CPU (``time.process_time``) per ``woo.build`` over ``--n`` closed cases, each
with a clean summary, a confidential value and a party (no workflow state: the statements and the per-case work
around them, not the workflow restore, which the names memo answers in both).

    MELDPUNT_BENCH_DB_PREFIX=x_ PYTHONPATH=$PWD .venv/bin/python -m bench.experiments.woo_check_cost \\
        [--db sqlite|postgresql] [--n 1000] [--blocks 8] [--calls 3]
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, timedelta

CATEGORY = "Financiële schendingen"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--blocks", type=int, default=8)
    ap.add_argument("--calls", type=int, default=3)
    args = ap.parse_args()

    from sqlalchemy import event

    from bench.common import bench_database, ensure_keyring
    from bench.experiments import seed_closed_cases
    from engine.clock import now
    from engine.db import Database, set_database
    from engine.reports import woo

    def one_by_one(session, cases, *, product="Het Woo-overzicht"):
        for c in cases:
            woo.check_case_text(session, case_id=c.id, reference=c.reference, imported=c.imported,
                                text=c.description, product=product)

    variants = {"new": woo.check_case_texts, "base": one_by_one}
    ensure_keyring()
    with bench_database(args.db) as b:
        database = Database(b.url)
        set_database(database)
        try:
            with database.session() as s:
                seed_closed_cases(s, prefix="WC", n=args.n, category=CATEGORY, summary={"categorie": CATEGORY},
                                  text_of=lambda k: "Onterechte declaraties.")
            today = now().date()
            start, end = today - timedelta(days=1), today + timedelta(days=1)
            sent = [0]

            def count(*_):
                sent[0] += 1

            event.listen(database.engine, "before_cursor_execute", count)
            cpu = {k: [] for k in variants}
            statements = {}
            answers = {}
            for block in range(args.blocks + 1):
                for label in (("base", "new") if block % 2 == 0 else ("new", "base")):
                    woo.check_case_texts = variants[label]  # what build() calls
                    sent[0] = 0
                    t0 = time.process_time()
                    for _ in range(args.calls):
                        with database.session() as s:
                            answers[label] = woo.build(session=s, start=start, end=end)
                    if block:  # the first block is the warm-up
                        cpu[label].append((time.process_time() - t0) / args.calls)
                        statements[label] = sent[0] / args.calls
            woo.check_case_texts = variants["new"]
            assert answers["base"] == answers["new"] and len(answers["new"]["case_ids"]) == args.n
        finally:
            set_database(None)
            database.dispose()
    print(f"{args.db}: woo.build over {args.n} closed cases, {args.blocks} blocks of {args.calls} calls per variant,"
          f" alternating; the same answer from both")
    for label in ("base", "new"):
        xs = cpu[label]
        print(f"   {label}: {statements[label]:.0f} statements per call, CPU median {1000 * statistics.median(xs):.1f} ms"
              f" (blocks: {' '.join(f'{1000 * x:.1f}' for x in xs)})")


if __name__ == "__main__":
    main()
