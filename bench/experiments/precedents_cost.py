"""Experiment (issue 25, §0l): the precedents of a sanction advice, the anonymisation check one case at a time
(``base``: ``woo.check_case_text`` per precedent, three statements each, as before §0l) against all at once
(``new``: ``woo.refused_case_texts``), A/B in one process: statements and CPU (``time.process_time``) per call of
``precedents.precedents`` with ``--n`` closed cases of the category, each with a summary, a confidential value
and a party (every other summary names its party and is withheld).

    MELDPUNT_BENCH_DB_PREFIX=x_ PYTHONPATH=$PWD .venv/bin/python -m bench.experiments.precedents_cost \\
        [--db sqlite|postgresql] [--n 50] [--blocks 10] [--calls 20]
"""
from __future__ import annotations

import argparse
import statistics
import time

CATEGORY = "Financiële schendingen"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite")
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--blocks", type=int, default=10)
    ap.add_argument("--calls", type=int, default=20)
    args = ap.parse_args()

    from sqlalchemy import event

    from bench.common import bench_database, ensure_keyring
    from bench.experiments import seed_closed_cases
    from engine.cases import precedents as mod
    from engine.db import Database, set_database
    from engine.reports import woo
    from engine.reports.service import ReportRefused

    def refused_one_by_one(session, texts, *, product="Het Woo-overzicht"):
        refused = set()
        for case, text in texts:
            try:
                woo.check_case_text(session, case_id=case.id, reference=case.reference, imported=bool(case.imported),
                                    text=text, product=product)
            except ReportRefused:
                refused.add(case.id)
        return refused

    variants = {"new": woo.refused_case_texts, "base": refused_one_by_one}
    ensure_keyring()
    with bench_database(args.db) as b:
        database = Database(b.url)
        set_database(database)
        try:
            with database.session() as s:
                seed_closed_cases(s, prefix="PC", n=args.n, category=CATEGORY,
                                  text_of=lambda k: "Collega Leiding keurde alles goed." if k % 2
                                  else "Onterechte declaraties.")
            sent = [0]

            def count(*_):
                sent[0] += 1

            event.listen(database.engine, "before_cursor_execute", count)
            cpu = {k: [] for k in variants}
            statements = {}
            answers = {}
            for block in range(args.blocks + 1):
                for label in (("base", "new") if block % 2 == 0 else ("new", "base")):
                    woo.refused_case_texts = variants[label]  # what precedents() calls
                    sent[0] = 0
                    t0 = time.process_time()
                    for _ in range(args.calls):
                        with database.session() as s:
                            answers[label] = mod.precedents(session=s, category=CATEGORY, viewer=None)
                    if block:  # the first block is the warm-up
                        cpu[label].append((time.process_time() - t0) / args.calls)
                        statements[label] = sent[0] / args.calls
            assert answers["base"] == answers["new"], "the two checks answer differently"
        finally:
            set_database(None)
            database.dispose()
    print(f"{args.db}: precedents() with {args.n} precedents, {args.blocks} blocks of {args.calls} calls per variant,"
          f" alternating; the same answer from both")
    for label in ("base", "new"):
        xs = cpu[label]
        print(f"   {label}: {statements[label]:.0f} statements per call, CPU median {1000 * statistics.median(xs):.2f} ms"
              f" (blocks: {' '.join(f'{1000 * x:.2f}' for x in xs)})")


if __name__ == "__main__":
    main()
