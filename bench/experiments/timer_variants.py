"""Experiment (issue 25): timer firing of two checkouts, interleaved round by round on one PostgreSQL database.

    .venv/bin/python -m bench.experiments.timer_variants URL K ROUNDS WORKERS ROOT_A ROOT_B ...

Per round and per checkout (the order rotating per round): K due review cases are seeded, then WORKERS
``bench.timer_worker`` processes running that checkout's engine fire them; exactly-once is checked. Prints wall
clock timers/s, worker CPU and PostgreSQL backend CPU per timer, per run and as the median per checkout.
"""
from __future__ import annotations

import json
import os
import statistics
import sys

os.environ.setdefault("MELDPUNT_REPETITIE", "uit")


def main(argv):
    url, k, rounds, workers, roots = argv[0], int(argv[1]), int(argv[2]), int(argv[3]), argv[4:]
    from bench.experiments.timer_profile import seed, setup
    from bench.m4_timers import fire_with_workers, verify_once

    database, version_id, starter, _ = setup(url)
    runs = {r: [] for r in roots}
    for rnd in range(rounds):
        order = roots[rnd % len(roots):] + roots[:rnd % len(roots)]
        for root in order:
            ids, moment = seed(database, version_id, starter, k)
            run = fire_with_workers(database, workers=workers, moment=moment, version_id=version_id, root=root)
            run["timers_per_second"] = run["fired_total"] / run["seconds"]
            run["check"] = verify_once(database, ids, moment)
            runs[root].append(run)
            print(json.dumps({"round": rnd, "root": root, "tps": round(run["timers_per_second"], 1),
                              "cpu_ms": round(run["worker_cpu_ms_per_timer"], 2),
                              "db_cpu_ms": run["db_cpu_ms_per_timer"] and round(run["db_cpu_ms_per_timer"], 2),
                              "per_worker": run["fired_per_worker"], "exactly_once": run["check"]["exactly_once"]}),
                  flush=True)
    for root, rs in runs.items():
        med = lambda key: statistics.median(r[key] for r in rs if r[key] is not None) if rs else None
        print(f"{root}: {workers} workers, median {med('timers_per_second'):.1f} timers/s, worker CPU "
              f"{med('worker_cpu_ms_per_timer'):.2f} ms/timer, PG backend CPU {med('db_cpu_ms_per_timer') or 0:.2f} "
              f"ms/timer, exactly once: {all(r['check']['exactly_once'] for r in rs)}")
    database.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
