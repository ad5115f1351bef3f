"""Test-data factories. Each test states its own set-up with these."""
from __future__ import annotations

import uuid
from pathlib import Path

from engine.identity.models import User, UserRole

REVIEW = Path(__file__).parent / "engine" / "process_sets" / "review"


def make_user(session, username: str, *roles: str, unit: str | None = "Douane", manager: User | None = None) -> User:
    user = User(username=username, display_name=username.title(), unit=unit,
                manager_id=manager.id if manager else None)
    user.roles = [UserRole(role=r) for r in roles]
    session.add(user)
    session.flush()
    return user


def bind_to_slot(session, *, case_id: int, user_id: int, role: str, slot: str) -> None:
    """Bind a user to a slot of a case, as completing work of that slot does: the case has work of ``role`` in
    ``slot`` (here a cancelled item, so no worklist shows it) and the binding. A slot counts for the case's
    visibility only while its holder holds the role of the case's work in it (engine.identity.access)."""
    from engine.cases.models import CaseActor
    from engine.worklist.models import WorkItem

    session.add(WorkItem(case_id=case_id, task_id=str(uuid.uuid4()), element_id="test_binding",
                         name="Testbinding", role=role, slot=slot, state="cancelled"))
    session.add(CaseActor(case_id=case_id, slot=slot, user_id=user_id))


def review_team(session) -> dict[str, User]:
    """Users for the review test process: desk, coordinator, three investigators."""
    return {
        "desk": make_user(session, "desk", "meldpunt"),
        "coord": make_user(session, "coord", "integriteitscoordinator"),
        "o1": make_user(session, "onderzoeker1", "onderzoeker"),
        "o2": make_user(session, "onderzoeker2", "onderzoeker"),
        "o3": make_user(session, "onderzoeker3", "onderzoeker"),
    }


def deployed_review_team(db, **extra: tuple[str, str]) -> dict[str, int]:
    """Deploy the review test process (``REVIEW``) and make its users (:func:`review_team`), plus one user per
    ``extra`` key: (username, role), e.g. ``auditor=("auditor1", "auditor")``; returns their ids by key."""
    from engine.processes import service as processes

    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        team = {k: u.id for k, u in review_team(s).items()}
        for key, (username, role) in extra.items():
            team[key] = make_user(s, username, role).id
        return team


def review_to_investigation(db, team, parties=None) -> int:
    """A case of the review process (``REVIEW``, users of :func:`review_team` by id in ``team``) past the desk and
    the coordinator's decision to investigate: its investigator is drawn next. Returns the case id."""
    from engine.cases import service as cases
    from engine.worklist import service as worklist

    with db.session() as s:
        case_id = cases.start_case(session=s, actor=s.get(User, team["desk"]), data={}, parties=parties).id
    for who, data in (("desk", {"ernstig": True}), ("coord", {"besluit": "onderzoek", "motivering": "nodig"})):
        with db.session() as s:
            item = worklist.items_of_case(session=s, case_id=case_id)[0]
            cases.complete_task(session=s, work_item_id=item.id, user=s.get(User, team[who]), data=data)
    return case_id


def copy_process_set(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def store_unchecked(db, directory: Path) -> None:
    """The process set in ``directory`` stored as a version the way an older release stored it, without today's
    deployment checks (cases then start on it). For a test of a run-time mechanism on a small set that today's
    deployment would refuse, e.g. the review set with a reporter's field: an integrity-case set without
    ``legal_rules`` (``engine.processes.legal_rules.integrity_case_issues``)."""
    import hashlib
    import json

    from engine.processes.models import ProcessFile, ProcessVersion
    from engine.processes.service import content_hash
    from engine.processes.validation import read_process_dir

    files = read_process_dir(directory)
    main = json.loads(files["manifest.json"])["main_process"]
    with db.session() as s:
        version = ProcessVersion(content_hash=content_hash(files), main_process_id=main, deployed_by="test")
        version.files = [ProcessFile(path=p, sha256=hashlib.sha256(c).hexdigest(), content=c)
                         for p, c in sorted(files.items())]
        s.add(version)

