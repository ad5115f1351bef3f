"""Conflicts of interest, separation of duties and unpredictable allocation.

Rules come from the process set's manifest (``separation_of_duties``), never from
Python code per task:

* a case party (melder, betrokkene, the betrokkene's leidinggevende) never acts on the case;
* a person is bound to at most one of the ``exclusive_slots`` per case (investigator ≠
  adviser ≠ decider ≠ objection handler; the two investigator slots differ);
* a slot in ``uninvolved_slots`` may only be taken by someone with no earlier part in the case.
"""
from __future__ import annotations

import secrets

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from engine.cases.models import CaseActor, CaseParty
from engine.errors import ConflictOfInterest, NotAuthorized
from engine.identity.models import User, UserRole
from engine.processes.manifest import Manifest
from engine.worklist.models import WorkItem

PARTY_LABELS = {"melder": "melder", "betrokkene": "betrokkene", "leidinggevende": "leidinggevende van de betrokkene"}

_random = secrets.SystemRandom()


def party_of(session: Session, case_id: int, user_id: int) -> str | None:
    """The user's part in the case as a person concerned; the subject's line manager is
    also derived from ``users.manager_id``, so a change of manager is covered."""
    party = session.execute(
        select(CaseParty.party).where(CaseParty.case_id == case_id, CaseParty.user_id == user_id).limit(1)
    ).scalar_one_or_none()
    if party:
        return party
    manages_subject = session.execute(select(exists().where(
        CaseParty.case_id == case_id, CaseParty.party == "betrokkene",
        CaseParty.user_id == User.id, User.manager_id == user_id))).scalar()
    return "leidinggevende" if manages_subject else None


def conflict_reason(session: Session, *, case_id: int, user: User, slot: str, manifest: Manifest,
                    assigned: bool = True) -> str | None:
    """Why ``user`` may not act in ``slot`` of the case (Dutch), or None.

    ``assigned`` is False when the user picks the task up themselves: an exclusive slot
    that another person already fills in this case stays with that person (only a
    coordinator's assignment, or the automatic draw, hands it to someone else)."""
    party = party_of(session, case_id, user.id)
    if party:
        return f"U bent {PARTY_LABELS.get(party, party)} in deze zaak en bent daarom uitgesloten."
    bound = set(session.execute(
        select(CaseActor.slot).where(CaseActor.case_id == case_id, CaseActor.user_id == user.id)
    ).scalars())
    if slot in manifest.uninvolved_slots:
        earlier = bound - {slot}
        did_work = session.execute(
            select(exists().where(WorkItem.case_id == case_id, WorkItem.completed_by_id == user.id,
                                  WorkItem.slot != slot))
        ).scalar()
        if earlier or did_work:
            return "Deze taak vraagt iemand die nog geen rol in de zaak had; u was al bij de zaak betrokken."
    if slot in manifest.exclusive_slots:
        other = sorted((bound & manifest.exclusive_slots) - {slot})
        if other:
            return (f"Functiescheiding: u treedt in deze zaak al op als {other[0]} "
                    f"en mag daarom niet ook als {slot} optreden.")
        if not assigned and slot not in bound and session.execute(select(exists().where(
                CaseActor.case_id == case_id, CaseActor.slot == slot, CaseActor.user_id != user.id))).scalar():
            return (f"De rol {slot} wordt in deze zaak al vervuld door een andere medewerker; "
                    "de integriteitscoördinator kan de taak aan u toewijzen.")
    return None


def ensure_can_act(session: Session, *, case_id: int, user: User, role: str, slot: str, manifest: Manifest,
                   assigned: bool = True) -> None:
    if not user.active:
        raise NotAuthorized("Dit account is uitgeschakeld.")
    if role not in user.role_codes:
        raise NotAuthorized(f"Deze taak hoort bij de rol '{manifest.roles.get(role, role)}', die u niet heeft.")
    reason = conflict_reason(session, case_id=case_id, user=user, slot=slot, manifest=manifest, assigned=assigned)
    if reason:
        raise ConflictOfInterest(reason)


def bind(session: Session, *, case_id: int, user_id: int, slot: str) -> None:
    existing = session.get(CaseActor, (case_id, slot, user_id))
    if existing is None:
        session.add(CaseActor(case_id=case_id, slot=slot, user_id=user_id))
        session.flush()


def eligible_users(session: Session, *, case_id: int, role: str, slot: str, manifest: Manifest) -> list[User]:
    users = session.execute(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == role, User.active.is_(True)).order_by(User.id)
    ).scalars().all()
    return [u for u in users if conflict_reason(session, case_id=case_id, user=u, slot=slot, manifest=manifest) is None]


def draw_assignee(session: Session, *, case_id: int, role: str, slot: str, manifest: Manifest,
                  weighted: bool) -> tuple[User | None, list[User], dict]:
    """Cryptographically random choice among eligible users (sticky to a slot's holder)."""
    eligible = eligible_users(session, case_id=case_id, role=role, slot=slot, manifest=manifest)
    holders = set(session.execute(
        select(CaseActor.user_id).where(CaseActor.case_id == case_id, CaseActor.slot == slot)
    ).scalars())
    sticky = [u for u in eligible if u.id in holders]
    if sticky:
        return sticky[0], eligible, {"methode": "vaste behandelaar van deze rol in de zaak"}
    if not eligible:
        return None, [], {"methode": "geen geschikte medewerker"}
    if not weighted:
        return _random.choice(eligible), eligible, {"methode": "loting"}
    load = dict(session.execute(
        select(WorkItem.assignee_id, func.count()).where(
            WorkItem.state == "open", WorkItem.assignee_id.in_([u.id for u in eligible])
        ).group_by(WorkItem.assignee_id)
    ).all())
    weights = [1.0 / (1 + load.get(u.id, 0)) for u in eligible]
    chosen = _random.choices(eligible, weights=weights, k=1)[0]
    return chosen, eligible, {"methode": "gewogen loting", "werkvoorraad": {u.username: load.get(u.id, 0) for u in eligible}}
