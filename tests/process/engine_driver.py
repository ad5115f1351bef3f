"""The same driver interface as `SpiffDriver`, on the engine service (engine.cases.service).

Used by the route tests when the engine runtime is importable; the scenarios stay unchanged.
Time moves with the engine clock (`FrozenClock`) and timers fire through
`engine.timers.service.fire_due`, as in production.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import types
from datetime import timedelta
from pathlib import Path

from .driver import PROCESSES, ReadyTask

# One user per role, two extra investigators (onderzoeker_1 != onderzoeker_2) and a second jurist
# (jurist_bezwaar must be uninvolved). Separation of duties: a person takes one exclusive slot per case.
TEAM = {
    "meldpunt": ["meldpunt1"],
    "integriteitscoordinator": ["coordinator1", "coordinator2"],
    "onderzoeker": ["onderzoeker1", "onderzoeker2", "onderzoeker3"],
    "bevoegd_gezag": ["dg1", "dg2"],
    "hr_adviseur": ["hr1", "hr2"],
    "jurist": ["jurist1", "jurist2"],
    "vertrouwenspersoon": ["vp1"],
    "bureau_vi": ["bvi1"],
}


def _install_letter_recorder(record: list) -> None:
    """Until the letters package is on the branch under test, record letter requests instead."""
    try:
        import documents.service  # noqa: F401
        return
    except ImportError:
        pass
    pkg = types.ModuleType("documents")
    service = types.ModuleType("documents.service")

    def produce_letter(**kwargs):
        record.append((kwargs["step"], kwargs["template"], kwargs["recipient"]))

    service.produce_letter = produce_letter
    pkg.service = service
    sys.modules["documents"] = pkg
    sys.modules["documents.service"] = service


class EngineDriver:
    def __init__(self, db, clock, directory: Path = PROCESSES, settings: dict | None = None,
                 deadline_terms: dict | None = None):
        """``deadline_terms``: milestone -> term of ``legal_rules.deadlines`` (a setting that lengthens a legal term
        needs the declared term to cover it, or check and deploy refuse the set)."""
        from engine.identity.models import User, UserRole
        from engine.processes import service as processes

        self.db, self.clock = db, clock
        if settings or deadline_terms:
            tmp = Path(tempfile.mkdtemp()) / "processes"
            shutil.copytree(directory, tmp)
            manifest = json.loads((tmp / "manifest.json").read_text(encoding="utf-8"))
            manifest["settings"].update(settings or {})
            for deadline in manifest["legal_rules"]["deadlines"]:
                deadline["term"] = (deadline_terms or {}).get(deadline["milestone"], deadline["term"])
            (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
            directory = tmp
        self.letters: list[tuple[str, str, str]] = []
        _install_letter_recorder(self.letters)
        self.trail: list[str] = []
        self.case_id: int | None = None
        with db.session() as s:
            processes.deploy(session=s, directory=directory)
            self.users = {}
            for role, names in TEAM.items():
                for name in names:
                    existing = s.query(User).filter_by(username=name).one_or_none()
                    if existing is None:
                        existing = User(username=name, display_name=name.title(), unit="Directie Toezicht")
                        existing.roles = [UserRole(role=role)]
                        s.add(existing)
                        s.flush()
                    self.users.setdefault(role, []).append(existing.id)

    # -- the driver interface ------------------------------------------------------------------
    def start(self, data: dict | None = None) -> None:
        from engine.cases import service as cases
        from engine.identity.models import User

        with self.db.session() as s:
            actor = s.get(User, self.users["meldpunt"][0])
            self.case_id = cases.start_case(session=s, actor=actor, data=dict(data or {})).id

    def ready(self) -> list[ReadyTask]:
        from engine.cases import service as cases
        from engine.worklist import service as worklist

        with self.db.session() as s:
            data = cases.case_data(session=s, case_id=self.case_id)
            return [ReadyTask(str(i.id), i.element_id, i.name, i.role, {"form": i.form, "slot": i.slot}, data)
                    for i in worklist.items_of_case(session=s, case_id=self.case_id)]

    def complete(self, element: str, data: dict) -> None:
        from engine.cases import service as cases
        from engine.errors import DomainError, InvalidData
        from engine.identity.models import User
        from engine.worklist import service as worklist

        with self.db.session() as s:
            items = [i for i in worklist.items_of_case(session=s, case_id=self.case_id) if i.element_id == element]
            assert items, f"{element} is not ready"
            item_id, role, assignee, slot = items[0].id, items[0].role, items[0].assignee_id, items[0].slot
        # whoever already holds the slot in this case first (the same investigator keeps the case)
        holders = self._slot_holders(slot)
        candidates = [assignee] if assignee else sorted(self.users[role], key=lambda u: u not in holders)
        refusals = []
        for user_id in candidates:
            try:
                with self.db.session() as s:
                    cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, user_id),
                                        data=json.loads(json.dumps(data)))
                self.trail.append(element)
                return
            except InvalidData as exc:
                raise AssertionError(f"{element}: form data refused: {exc.errors}") from exc
            except DomainError as exc:  # conflict of interest / separation of duties: the next colleague
                refusals.append(f"{user_id}: {exc}")
        raise AssertionError(f"{element}: nobody may complete it: {refusals}")

    def _slot_holders(self, slot: str) -> set[int]:
        from sqlalchemy import select

        from engine.worklist.models import WorkItem

        with self.db.session() as s:
            return set(s.execute(select(WorkItem.completed_by_id).where(
                WorkItem.case_id == self.case_id, WorkItem.slot == slot, WorkItem.state == "completed")).scalars())

    def waiting_timers(self) -> dict[str, str]:
        from sqlalchemy import select

        from engine.timers.models import Timer

        with self.db.session() as s:
            rows = s.execute(select(Timer.element_id, Timer.fire_at)
                             .where(Timer.case_id == self.case_id, Timer.state == "pending")).all()
            return {e: f.isoformat() for e, f in rows}

    def expire(self, timer: str) -> None:
        from datetime import datetime

        from engine.timers import service as timers

        due = self.waiting_timers()
        assert timer in due, f"timer {timer} is not waiting; waiting: {sorted(due)}"
        fire_at = datetime.fromisoformat(due[timer])
        if fire_at > self.clock.now():
            self.clock.set(fire_at + timedelta(seconds=1))
        timers.fire_due(database=self.db)

    def finished(self) -> bool:
        from engine.cases import service as cases

        with self.db.session() as s:
            return cases.get_case(session=s, case_id=self.case_id).status == "closed"

    def data(self) -> dict:
        from engine.cases import service as cases

        with self.db.session() as s:
            return cases.case_data(session=s, case_id=self.case_id)

    # -- engine-only views used by the separation-of-duties and letter tests ---------------------
    def completed_by_slot(self) -> dict[str, set[str]]:
        from sqlalchemy import select

        from engine.identity.models import User
        from engine.worklist.models import WorkItem

        with self.db.session() as s:
            rows = s.execute(select(WorkItem.slot, User.username)
                             .join(User, User.id == WorkItem.completed_by_id)
                             .where(WorkItem.case_id == self.case_id, WorkItem.state == "completed")).all()
        out: dict[str, set[str]] = {}
        for slot, username in rows:
            out.setdefault(slot, set()).add(username)
        return out

    def letters_sent(self) -> list[tuple[str, str, str]]:
        """(step, template, recipient) of every letter of the case, in order."""
        try:
            from sqlalchemy import select

            from documents.models import Letter
        except ImportError:
            return list(self.letters)
        with self.db.session() as s:
            return [tuple(r) for r in s.execute(select(Letter.step, Letter.template, Letter.recipient)
                                                .where(Letter.case_id == self.case_id).order_by(Letter.id)).all()]
