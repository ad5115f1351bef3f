"""Drive parts of a case through the engine service (to keep browser tests fast).

The answers are the process scenario defaults (tests/process/scenarios.py); each ready
task is done by the first demo user of its role who may act (separation of duties).
"""
from __future__ import annotations

import json

from tests.process.scenarios import DEFAULTS, FEITENONDERZOEK, with_

ROLE_USERS = {
    "meldpunt": ["meldpunt"], "integriteitscoordinator": ["coordinator"], "onderzoeker": ["onderzoeker1", "onderzoeker2"],
    "bevoegd_gezag": ["directeur"], "hr_adviseur": ["hr"], "jurist": ["jurist1", "jurist2"],
    "vertrouwenspersoon": ["vertrouwenspersoon"], "bureau_vi": ["bvi"],
}

ANSWERS = with_(DEFAULTS, FEITENONDERZOEK, {
    "melding_registreren": {"melder_anoniem": True, "melder_naam": None, "melder_email": None,
                            "dienstonderdeel": "Douane", "kanaal": "anoniem"},
    "zaak_registreren": {"dienstonderdeel": "Douane"},
})


def _clean(data: dict) -> dict:
    return {k: v for k, v in data.items() if v is not None}


def ready(db, case_id: int) -> list[tuple[int, str, str, int | None]]:
    from engine.worklist import service as worklist

    with db.session() as s:
        return [(i.id, i.element_id, i.role, i.assignee_id) for i in worklist.items_of_case(session=s, case_id=case_id)]


def complete(db, case_id: int, element: str, data: dict | None = None, username: str | None = None) -> str:
    """Complete the ready task ``element``; returns the username who did it."""
    from engine.cases import service as cases
    from engine.errors import DomainError, InvalidData
    from engine.identity.models import User
    from engine.identity.service import get_user

    items = [i for i in ready(db, case_id) if i[1] == element]
    assert items, f"{element} is not ready; ready: {[i[1] for i in ready(db, case_id)]}"
    item_id, _, role, assignee = items[0]
    answers = _clean(data if data is not None else ANSWERS.get(element, {}))
    refusals = []
    with db.session() as s:
        names = [username] if username else (
            [s.get(User, assignee).username] if assignee else ROLE_USERS[role])
    for name in names:
        try:
            with db.session() as s:
                cases.complete_task(session=s, work_item_id=item_id, user=get_user(session=s, username=name),
                                    data=json.loads(json.dumps(answers)))
            return name
        except InvalidData as exc:
            raise AssertionError(f"{element}: {exc.errors}") from exc
        except DomainError as exc:
            refusals.append(f"{name}: {exc}")
    raise AssertionError(f"{element}: nobody may do it: {refusals}")


def advance_until(db, case_id: int, element: str, max_steps: int = 60, skip: set[str] | None = None) -> list[str]:
    """Complete ready tasks (engine path) until ``element`` is ready; returns the trail."""
    trail = []
    for _ in range(max_steps):
        ids = [i[1] for i in ready(db, case_id)]
        if element in ids:
            return trail
        assert ids, f"case stalled before {element}; trail {trail}"
        nxt = ids[0]
        complete(db, case_id, nxt)
        trail.append(nxt)
    raise AssertionError(f"{element} never became ready; trail {trail}")
