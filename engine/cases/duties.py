"""Conflicts of interest, separation of duties and unpredictable allocation.

Rules come from the process set's manifest (``separation_of_duties``), never from
Python code per task:

* a case party (melder, betrokkene, the betrokkene's leidinggevende, a handler the reporter excluded) never acts
  on the case;
* a person is bound to at most one of the ``exclusive_slots`` per case (investigator ≠
  adviser ≠ decider ≠ objection handler; the two investigator slots differ);
* a slot in ``uninvolved_slots`` may only be taken by someone with no earlier part in the case.
"""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import bindparam, exists, func, insert, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from engine.cases.models import CaseActor, CaseParty
from engine.errors import ConflictOfInterest, NotAuthorized
from engine.identity.models import User, UserRole
from engine.processes.manifest import Manifest
from engine.worklist.models import OPEN, WorkItem

PARTY_LABELS = {"melder": "melder", "betrokkene": "betrokkene", "leidinggevende": "leidinggevende van de betrokkene",
                "uitgesloten": "door de melder uitgesloten behandelaar"}  # access.EXCLUDED_HANDLER

_random = secrets.SystemRandom()


def _build_facts():
    case_id, user_id = bindparam("case_id"), bindparam("user_id")
    return union_all(
        select(literal("party").label("kind"), CaseParty.party.label("value"))
        .where(CaseParty.case_id == case_id, CaseParty.user_id == user_id),
        select(literal("party").label("kind"), literal("leidinggevende").label("value"))
        .select_from(CaseParty).join(User, User.id == CaseParty.user_id)
        .where(CaseParty.case_id == case_id, CaseParty.party == "betrokkene", User.manager_id == user_id),
        select(literal("slot").label("kind"), CaseActor.slot.label("value"))
        .where(CaseActor.case_id == case_id, CaseActor.user_id == user_id),
    )


_FACTS = _build_facts()  # built once (issue 25): every task completion and pick-up asks


def _facts(session: Session, case_id: int, user_id: int) -> tuple[str | None, set[str]]:
    """The user's part in the case as a person concerned, and the slots they hold in it,
    in one round trip. The subject's line manager is derived from ``users.manager_id``,
    so a change of manager is covered."""
    rows = session.execute(_FACTS, {"case_id": case_id, "user_id": user_id}).all()
    parties = [value for kind, value in rows if kind == "party"]
    # a direct party (melder, betrokkene) outranks being the subject's manager
    party = next((p for p in parties if p != "leidinggevende"), parties[0] if parties else None)
    return party, {value for kind, value in rows if kind == "slot"}


def party_of(session: Session, case_id: int, user_id: int) -> str | None:
    """The user's part in the case as a person concerned (melder, betrokkene, leidinggevende)."""
    return _facts(session, case_id, user_id)[0]


def conflict_reason(session: Session, *, case_id: int, user: User, slot: str, manifest: Manifest,
                    assigned: bool = True, facts: tuple[str | None, set[str]] | None = None,
                    name: str | None = None) -> str | None:
    """Why ``user`` may not act in ``slot`` of the case (Dutch), or None. Addressed to the user ("U bent ..."), or,
    with ``name``, said about them to someone else (the coordinator handing work over: "Jan is ...").

    ``assigned`` is False when the user picks the task up themselves: an exclusive slot
    that another person already fills in this case stays with that person (only a
    coordinator's assignment, or the automatic draw, hands it to someone else)."""
    party, bound = facts if facts is not None else _facts(session, case_id, user.id)
    if party:
        if name:
            return f"{name} is {PARTY_LABELS.get(party, party)} in deze zaak en is daarom uitgesloten."
        return f"U bent {PARTY_LABELS.get(party, party)} in deze zaak en bent daarom uitgesloten."
    if slot in manifest.uninvolved_slots:
        earlier = bound - {slot}
        did_work = bool(earlier) or session.execute(
            select(exists().where(WorkItem.case_id == case_id, WorkItem.completed_by_id == user.id,
                                  WorkItem.slot != slot))
        ).scalar()
        if did_work:
            return ("Deze taak vraagt iemand die nog geen rol in de zaak had; "
                    f"{name or 'u'} was al bij de zaak betrokken.")
    if slot in manifest.exclusive_slots:
        other = sorted((bound & manifest.exclusive_slots) - {slot})
        if other:
            return (f"Functiescheiding: {name or 'u'} treedt in deze zaak al op als {other[0]} "
                    f"en mag daarom niet ook als {slot} optreden.")
        if not assigned and slot not in bound and session.execute(select(exists().where(
                CaseActor.case_id == case_id, CaseActor.slot == slot, CaseActor.user_id != user.id))).scalar():
            return (f"De rol {slot} wordt in deze zaak al vervuld door een andere medewerker; "
                    "de integriteitscoördinator kan de taak aan u toewijzen.")
    return None


def ensure_can_act(session: Session, *, case_id: int, user: User, role: str, slot: str, manifest: Manifest,
                   assigned: bool = True) -> set[str]:
    """Refuse (NotAuthorized / ConflictOfInterest) unless ``user`` may act in ``slot``.
    Returns the slots the user already holds in the case (for :func:`bind`)."""
    if not user.active:
        raise NotAuthorized("Dit account is uitgeschakeld.")
    if role not in user.role_codes:
        raise NotAuthorized(f"Deze taak hoort bij de rol '{manifest.roles.get(role, role)}', die u niet heeft.",
                            reason="rol-ontbreekt")
    facts = _facts(session, case_id, user.id)
    reason = conflict_reason(session, case_id=case_id, user=user, slot=slot, manifest=manifest, assigned=assigned,
                             facts=facts)
    if reason:
        raise ConflictOfInterest(reason, reason="belangenconflict")
    return facts[1]


_INSERT_ACTOR = insert(CaseActor.__table__)


def bind(session: Session, *, case_id: int, user_id: int, slot: str, held: set[str] | None = None) -> None:
    """Record that the user fills ``slot`` in the case. ``held``: the slots the user is
    known to hold already (from :func:`ensure_can_act` in the same transaction)."""
    if held is not None:
        if slot not in held:  # prebuilt Core (issue 25): no unit of work for a row nothing reads back in the step
            session.connection().execute(_INSERT_ACTOR, {"case_id": case_id, "slot": slot, "user_id": user_id})
        return
    if session.get(CaseActor, (case_id, slot, user_id)) is None:
        session.add(CaseActor(case_id=case_id, slot=slot, user_id=user_id))


def eligible_users(session: Session, *, case_id: int, role: str, slot: str, manifest: Manifest) -> list[User]:
    """The active holders of ``role`` for whom :func:`conflict_reason` (``assigned=True``) finds nothing, in one
    set-based query: the same rules as NOT EXISTS conditions, whatever the number of people holding the role."""
    uninvolved = slot in manifest.uninvolved_slots
    others = tuple(sorted(manifest.exclusive_slots - {slot})) if slot in manifest.exclusive_slots else ()
    params = {"case_id": case_id, "role": role, "slot": slot}
    if others:
        params["others"] = list(others)
    return list(session.execute(_eligible_statement(uninvolved, bool(others)), params).scalars())


_ELIGIBLE: dict[tuple[bool, bool], Any] = {}


def _eligible_statement(uninvolved: bool, exclusive: bool):
    """The statement of :func:`eligible_users` for one shape of the rules, built once (issue 25: building it cost
    more than running it); case, role, slot and the other exclusive slots are parameters."""
    stmt = _ELIGIBLE.get((uninvolved, exclusive))
    if stmt is not None:
        return stmt
    case_id, slot = bindparam("case_id"), bindparam("slot")
    subject = aliased(User)
    conditions = [
        UserRole.role == bindparam("role"), User.active.is_(True),
        ~exists().where(CaseParty.case_id == case_id, CaseParty.user_id == User.id),
        ~exists().where(CaseParty.case_id == case_id, CaseParty.party == "betrokkene",
                        subject.id == CaseParty.user_id, subject.manager_id == User.id),
    ]
    if uninvolved:
        conditions += [~exists().where(CaseActor.case_id == case_id, CaseActor.user_id == User.id,
                                       CaseActor.slot != slot),
                       ~exists().where(WorkItem.case_id == case_id, WorkItem.completed_by_id == User.id,
                                       WorkItem.slot != slot)]
    if exclusive:
        conditions.append(~exists().where(CaseActor.case_id == case_id, CaseActor.user_id == User.id,
                                          CaseActor.slot.in_(bindparam("others", expanding=True))))
    stmt = _ELIGIBLE[(uninvolved, exclusive)] = (
        select(User).join(UserRole, UserRole.user_id == User.id).where(*conditions).order_by(User.id))
    return stmt


_DRAW: dict[tuple[bool, bool], Any] = {}


def _draw_statement(uninvolved: bool, exclusive: bool):
    """:func:`eligible_users`' statement with two columns more, built once per shape: the id of the user's absence
    running on ``:day`` (the latest) and whether the user holds ``:slot`` in the case."""
    stmt = _DRAW.get((uninvolved, exclusive))
    if stmt is None:
        from sqlalchemy.orm import lazyload

        from engine.staff.models import Absence

        day = bindparam("day")
        absence = (select(func.max(Absence.id))
                   .where(Absence.user_id == User.id, Absence.cancelled_at.is_(None), Absence.starts_on <= day,
                          Absence.ends_on >= day).scalar_subquery())
        holds = exists().where(CaseActor.case_id == bindparam("case_id"), CaseActor.slot == bindparam("slot"),
                               CaseActor.user_id == User.id)
        stmt = _DRAW[(uninvolved, exclusive)] = (_eligible_statement(uninvolved, exclusive)
                                                 .add_columns(absence.label("absence_id"), holds.label("holds"))
                                                 .options(lazyload(User.roles)))
    return stmt


def draw_assignee(session: Session, *, case_id: int, role: str, slot: str, manifest: Manifest,
                  weighted: bool) -> tuple[User | None, list[User], dict]:
    """Cryptographically random choice among eligible users (sticky to a slot's holder).

    Absence (issue 22, ``engine.staff.service``): nobody who is away today is drawn; a task that is sticky to an
    absent holder goes to the holder's delegate when the delegate may take it, otherwise to the pool (the info
    then carries ``vervanger_geweigerd``: why, for the coordinators). An absence recorded by a party of the case
    steers nothing in it (``staff.recorded_by_party``): no delegate, and no draw that leaves the absent person out -
    the pool."""
    from engine.staff import service as staff

    # One query (issue 25; was four: the eligible users, their roles, their absences today, the slot's holders):
    # each eligible user with the id of the absence running today (the latest, as ``staff.current_absences``
    # gives it) and whether they hold the slot in the case. Their roles are not loaded (nothing here needs them;
    # read later, they load then).
    uninvolved = slot in manifest.uninvolved_slots
    others = tuple(sorted(manifest.exclusive_slots - {slot})) if slot in manifest.exclusive_slots else ()
    params = {"case_id": case_id, "role": role, "slot": slot, "day": staff.today()}
    if others:
        params["others"] = list(others)
    rows = session.execute(_draw_statement(uninvolved, bool(others)), params).all()
    eligible = [user for user, _, _ in rows]
    away = {user.id: absence_id for user, absence_id, _ in rows if absence_id is not None}
    sticky = [user for user, _, holds in rows if holds]
    if sticky:
        holder = sticky[0]
        if holder.id not in away:
            return holder, eligible, {"methode": "vaste behandelaar van deze rol in de zaak"}
        from engine.staff.models import Absence

        delegate, why = staff.delegate_decision(session, absence=session.get(Absence, away[holder.id]),
                                                case_id=case_id, role=role, slot=slot, manifest=manifest)
        info = {"methode": "vaste behandelaar afwezig", "afwezig": holder.username, "afwezig_id": holder.id}
        if delegate is None:
            return None, eligible, {**info, "vervanger_geweigerd": why}
        return delegate, eligible, {**info, "vervanger": delegate.username}
    if staff.recorded_by_party(session, absence_ids=away.values(), case_id=case_id):
        # leaving someone out of the draw because a party of the case said they are away would let the party steer
        # who handles their own case: the pool instead, and the coordinators are told why
        return None, eligible, {"methode": "geen loting: afwezigheid vastgelegd door een partij van de zaak",
                                "vervanger_geweigerd": f"Niet geloot: {staff.PARTY_RECORDED}."}
    eligible = [u for u in eligible if u.id not in away]
    if not eligible:
        return None, [], {"methode": "geen geschikte medewerker"}
    if not weighted:
        return _random.choice(eligible), eligible, {"methode": "loting"}
    load = dict(session.execute(
        select(WorkItem.assignee_id, func.count()).where(
            WorkItem.state == OPEN, WorkItem.assignee_id.in_([u.id for u in eligible])
        ).group_by(WorkItem.assignee_id)
    ).all())
    weights = [1.0 / (1 + load.get(u.id, 0)) for u in eligible]
    chosen = _random.choices(eligible, weights=weights, k=1)[0]
    return chosen, eligible, {"methode": "gewogen loting", "werkvoorraad": {u.username: load.get(u.id, 0) for u in eligible}}
