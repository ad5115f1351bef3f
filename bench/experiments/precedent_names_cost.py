"""Experiment (issue 25, §0l-woo): the precedents of a sanction advice with their workflow states read and hashed to
key the names memo (``base``: as before §0l-woo, the state loaded by the precedents query, the key its BLAKE2b
digest) against the key on the state's tag (``new``: the state not read once the names are remembered), A/B in one
process: statements, states decompressed and CPU (``time.process_time``) per call of ``precedents.precedents`` with
``--n`` closed cases, each with the workflow state of a case closed through the real process.

    MELDPUNT_BENCH_DB_PREFIX=x_ PYTHONPATH=$PWD .venv/bin/python -m bench.experiments.precedent_names_cost \\
        [--db sqlite|postgresql] [--n 50] [--blocks 10] [--calls 20]
"""
from __future__ import annotations

import argparse
import hashlib
import statistics
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite")
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--blocks", type=int, default=10)
    ap.add_argument("--calls", type=int, default=20)
    args = ap.parse_args()

    from sqlalchemy import event
    from sqlalchemy.orm import defer, undefer

    from bench.common import bench_database, ensure_keyring
    from engine import clock as clock_mod
    from engine.cases import precedents as mod
    from engine.cases.models import Case
    from engine.db import CompressedText, Database, set_database
    from engine.reports import woo
    from tests.reports.helpers import close_through_workflow
    from tests.reports.test_woo_check_batches import BD, CLEAN, FIN_S, _clones
    from tests.timebase import TEST_START

    def digest_key(case):
        return (case.id, case.process_kind, "digest", hashlib.blake2b(case.state.encode(), digest_size=32).digest())

    real = {"defer": mod.defer, "key": woo._names_key, "remembered": woo._remembered}
    variants = {
        "new": real,
        "base": {"defer": lambda attr: undefer(attr), "key": digest_key, "remembered": lambda session, case: None},
    }
    unpacked = [0]
    unpack = CompressedText.unpack.__func__

    def counting(cls, stored):
        unpacked[0] += 1
        return unpack(cls, stored)

    ensure_keyring()
    clock = clock_mod.FrozenClock(TEST_START)
    clock_mod.set_clock(clock)
    clock_mod.install_spiff_clock()
    with bench_database(args.db) as b:
        database = Database(b.url)
        set_database(database)
        try:
            original = close_through_workflow(database, clock, unit="Douane", category=FIN_S, resolutions=[BD],
                                              kind="feitenonderzoek_intern", outcome="aangetoond",
                                              subject="Jan de Vries", description=CLEAN)
            _clones(database, original, [("Medewerker De Vries declareerde." if k % 2 else CLEAN)
                                         for k in range(args.n - 1)])
            sent = [0]

            def count(*_):
                sent[0] += 1

            event.listen(database.engine, "before_cursor_execute", count)
            CompressedText.unpack = classmethod(counting)
            cpu = {k: [] for k in variants}
            statements, states, answers = {}, {}, {}
            for block in range(args.blocks + 1):
                for label in (("base", "new") if block % 2 == 0 else ("new", "base")):
                    mod.defer, woo._names_key, woo._remembered = (variants[label][k]
                                                                  for k in ("defer", "key", "remembered"))
                    sent[0] = unpacked[0] = 0
                    t0 = time.process_time()
                    for _ in range(args.calls):
                        with database.session() as s:
                            answers[label] = mod.precedents(session=s, category=FIN_S, viewer=None)
                    if block:  # the first block is the warm-up (the names memo, the process version)
                        cpu[label].append((time.process_time() - t0) / args.calls)
                        statements[label], states[label] = sent[0] / args.calls, unpacked[0] / args.calls
            mod.defer, woo._names_key, woo._remembered = real["defer"], real["key"], real["remembered"]
            assert answers["base"] == answers["new"], "the two answer differently"
            assert len(answers["new"]) == min(args.n, mod.MAX_PRECEDENTS)
            assert sum(p["inhoud_achtergehouden"] for p in answers["new"]) == (args.n - 1) // 2
        finally:
            CompressedText.unpack = classmethod(unpack)
            set_database(None)
            database.dispose()
    print(f"{args.db}: precedents() with {args.n} precedents with workflow states, {args.blocks} blocks of "
          f"{args.calls} calls per variant, alternating; the same answer from both")
    for label in ("base", "new"):
        xs = cpu[label]
        print(f"   {label}: {statements[label]:.0f} statements, {states[label]:.0f} states decompressed per call, "
              f"CPU median {1000 * statistics.median(xs):.2f} ms (blocks: {' '.join(f'{1000 * x:.2f}' for x in xs)})")


if __name__ == "__main__":
    main()
