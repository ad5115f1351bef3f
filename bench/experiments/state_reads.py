"""Experiment (issue 25, §0l): what the task access query's read of the case's workflow state costs, A/B in one
process.

m2's completion flow (``page_flow``'s inline ASGI harness: one thread does all of the server's work) drives
feitenonderzoek cases; case by case the access query (``engine.identity.access._task_access_statement``) is
switched between the former statement, which loads the whole case row (``base``), and this tree's, which defers
``Case.state`` (``new``). Alternating cases in one process keeps the machine's load drift out of the ratio. Per
request kind: server CPU (``time.thread_time``), statements, and how many workflow states were decompressed
(``CompressedText.unpack``) with their stored size (what travelled from the database).

    PYTHONPATH=$PWD .venv/bin/python -m bench.experiments.state_reads [--db sqlite|postgresql] [--pairs 6]
"""
from __future__ import annotations

import argparse
import collections
import statistics
from functools import lru_cache

from bench.experiments import page_flow


class StateMeasure(page_flow.Measure):
    """``page_flow.Measure`` plus the workflow states decompressed per request (count and stored characters)."""

    active: StateMeasure | None = None

    def __init__(self, engine):
        super().__init__(engine)
        self.unpacks = collections.defaultdict(list)
        self.unpacked = collections.defaultdict(list)
        self._u = self._b = 0

    def begin(self):
        self._u = self._b = 0
        super().begin()

    def end(self, method, path):
        super().end(method, path)
        if self.on and not self.profile:
            kind = page_flow.kind_of(method, path)
            self.unpacks[kind].append(self._u)
            self.unpacked[kind].append(self._b)


def _base_statement():
    """The access statement as it was before §0l: item and the whole case row (the rest as it is now: the live
    role checks of the access rule)."""
    from sqlalchemy import and_, bindparam, exists, false, or_, select
    from sqlalchemy.orm import aliased

    from engine.cases.models import Case
    from engine.identity import access
    from engine.identity.models import UserRole
    from engine.worklist.models import WorkItem

    @lru_cache(maxsize=None)
    def statement(oversight: str):
        uid = bindparam("uid")
        item = aliased(WorkItem)
        over = {"none": false(), "all": access._oversees(uid),
                "unit": and_(Case.unit == bindparam("unit"), access._oversees(uid))}[oversight]
        sees = and_(Case.process_kind.is_(None), or_(access._involved(uid), over), ~access._excluded(uid))
        role = aliased(UserRole)
        holds = exists().where(role.user_id == uid, role.role == item.role).correlate(item)
        return (select(item, Case, sees.label("sees"), access._excluded(uid).label("excluded"), holds.label("holds"),
                       Case.state.is_not(None).label("has_state"))
                .join(Case, Case.id == item.case_id).where(item.id == bindparam("wid")))
    return statement


def run(db: str, pairs: int, warmup: int, micro: int = 0) -> None:
    import httpx

    from bench import m2_http
    from bench.common import bench_database, ensure_keyring
    from engine.clock import install_spiff_clock
    from engine.db import CompressedText, Database, set_database
    from engine.identity import access

    ensure_keyring()
    install_spiff_clock()
    page_flow._inline_threads()
    variants = {"new": access._task_access_statement, "base": _base_statement()}
    unpack = CompressedText.unpack.__func__

    def counting_unpack(cls, stored):
        m = StateMeasure.active
        if m is not None:
            m._u += 1
            m._b += len(stored)
        return unpack(cls, stored)

    CompressedText.unpack = classmethod(counting_unpack)
    with bench_database(db) as b:
        database = Database(b.url)
        set_database(database)
        try:
            from api.app import create_app
            from api.settings import ApiSettings

            org = m2_http.setup_org(database, prefix="sr_", handlers=1)
            app = create_app(ApiSettings(cookie_secure=False))
            measures = {k: StateMeasure(database.engine) for k in variants}
            transport = page_flow.InlineASGI(app, measures["new"])
            h = page_flow.inline_handler(transport, org)
            rec = h.rec
            completions = collections.Counter()

            def case(label: str, counted: bool) -> None:
                access._task_access_statement = variants[label]
                m = measures[label]
                transport.rec, StateMeasure.active, m.on = m, m, counted
                before = rec.completions
                h.drive_case(counted)
                completions[label] += rec.completions - before
                m.on, StateMeasure.active = False, None

            for k in range(warmup):
                case("base" if k % 2 else "new", False)
            for k in range(pairs):
                for label in (("base", "new") if k % 2 == 0 else ("new", "base")):
                    case(label, True)
            assert not rec.errors, rec.errors[:3]
            if micro:
                _micro(database, variants, micro)
        finally:
            access._task_access_statement = variants["new"]
            set_database(None)
            database.dispose()
    print(f"{db}: {pairs} pairs of cases, alternating; completions base {completions['base']}, new {completions['new']}")
    for label, m in measures.items():
        n = completions[label]
        total = sum(sum(v) for v in m.cpu.values())
        print(f"{label}: server CPU {1000 * total / n:.2f} ms per completion flow; per completion: statements "
              f"{sum(sum(v) for v in m.stmts.values()) / n:.2f}, states decompressed "
              f"{sum(sum(v) for v in m.unpacks.values()) / n:.2f} ({sum(sum(v) for v in m.unpacked.values()) / n / 1024:.1f} KB stored)")
        for kind in sorted(m.cpu):
            print(f"   {kind:26s} n {len(m.cpu[kind]):3d}  cpu mean {1000 * statistics.mean(m.cpu[kind]):6.2f} ms  "
                  f"median {1000 * statistics.median(m.cpu[kind]):6.2f}  statements {statistics.mean(m.stmts[kind]):5.2f}  "
                  f"states {statistics.mean(m.unpacks[kind]):4.2f} ({statistics.mean(m.unpacked[kind]) / 1024:5.1f} KB)")


def _micro(database, variants: dict, blocks: int, per_block: int = 200) -> None:
    """``access.task_access`` alone, on the flow's last completed task (its case closed: the longest state), each
    variant in turn for ``blocks`` blocks of ``per_block`` calls (one read-only session per call, as a request
    has): CPU per call from ``time.process_time``."""
    import time

    from sqlalchemy import Text, select, type_coerce

    from engine.cases.models import Case
    from engine.db import CompressedText
    from engine.identity import access
    from engine.identity.models import User
    from engine.worklist.models import WorkItem

    with database.session() as s:
        item = s.scalars(select(WorkItem).where(WorkItem.assignee_id.is_not(None))
                         .order_by(WorkItem.id.desc()).limit(1)).one()
        item_id, user_id = item.id, item.assignee_id
        stored = s.execute(select(type_coerce(Case.__table__.c.state, Text)).where(Case.id == item.case_id)).scalar()
        size, plain = len(stored or ""), len(CompressedText.unpack(stored or ""))
    cpu = {k: [] for k in variants}
    for b in range(blocks):
        for label in (("base", "new") if b % 2 == 0 else ("new", "base")):
            access._task_access_statement = variants[label]
            t0 = time.process_time()
            for _ in range(per_block):
                with database.session() as s:
                    user = s.get(User, user_id)
                    user.role_codes
                    access.task_access(session=s, user=user, work_item_id=item_id)
                    s.rollback()
            cpu[label].append((time.process_time() - t0) / per_block)
    access._task_access_statement = variants["new"]
    print(f"micro: task_access on a closed case (state {size / 1024:.1f} KB stored, {plain / 1024:.1f} KB as JSON), {blocks} blocks of {per_block}"
          f" calls per variant, alternating (with the user read and the session around it)")
    for label, xs in cpu.items():
        print(f"   {label}: median {1000 * statistics.median(xs):.3f} ms per call  (blocks: "
              f"{' '.join(f'{1000 * x:.3f}' for x in xs)})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite")
    ap.add_argument("--pairs", type=int, default=6)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--micro", type=int, default=0, help="then blocks of task_access alone, alternating")
    args = ap.parse_args()
    run(args.db, args.pairs, args.warmup, args.micro)


if __name__ == "__main__":
    main()
