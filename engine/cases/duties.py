"""Conflicts of interest, separation of duties and unpredictable allocation.

Rules come from the process set's manifest (``separation_of_duties``), never from
Python code per task:

* a case party (melder, betrokkene, the betrokkene's leidinggevende, a handler the reporter excluded) never acts
  on the case;
* a person is bound to at most one of the ``exclusive_slots`` per case (investigator ≠
  adviser ≠ decider ≠ objection handler; the two investigator slots differ);
* a slot in ``uninvolved_slots`` may only be taken by someone with no earlier part in the case;
* **functiescheiding** (DOMAIN §2, :func:`separation_refusal`): whoever investigated does not advise or decide,
  whoever advised does not investigate or decide, and whoever decides acts in no other role on the case - read
  from what each task does in the process files of the case's version (``ParsedProcessSet.separation``), whatever
  its slots. The one rule the step (``engine.cases.legal_rules``), the claim and the coordinator's assignment
  (:func:`ensure_can_act`), the automatic draw (:func:`draw_assignee`), the hand-overs (``engine.staff``) and the
  worklist (:func:`claim_refusals`) all apply: nobody is given a task its step would refuse.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Iterable, NamedTuple

from sqlalchemy import bindparam, exists, func, insert, literal, null, select, union_all
from sqlalchemy.orm import Session, aliased

from engine.cases.models import CaseActor, CaseParty
from engine.errors import ConflictOfInterest, NotAuthorized, NotFound
from engine.identity import access
from engine.identity.models import User, UserRole
from engine.processes.legal_rules import DECIDES, DUTY_LABELS
from engine.processes.manifest import Manifest
from engine.worklist.models import OPEN, WorkItem

PARTY_LABELS = {"melder": "melder", "betrokkene": "betrokkene", "leidinggevende": "leidinggevende van de betrokkene",
                "uitgesloten": "door de melder uitgesloten behandelaar"}  # access.EXCLUDED_HANDLER

# Why a party may not be given work, said about them to someone else (a coordinator assigning or handing work over,
# the hand-over's answer, the coordinators' notice, the case's audit chain): one text for every kind of party. Which
# party they are would tell the reader what the case does not let them know: that the colleague they chose is the
# reporter (her identity), or that the reporter excluded them.
PARTY_TO_OTHERS = "mag in deze zaak niet optreden (partij in de zaak of door de melder uitgesloten)."
# What the doors answer who may not see a task (``engine.identity.access.task_access``: 404).
TASK_NOT_FOUND = "Taak niet gevonden."

_random = secrets.SystemRandom()


class Earlier(NamedTuple):
    """One piece of a person's earlier part in a case: a work item they completed (``kind`` "taak") or a slot they
    are bound to (``kind`` "plaats": only ``slot`` set)."""
    kind: str
    id: int | None
    element_id: str | None
    name: str | None
    role: str | None
    slot: str | None


class Facts(NamedTuple):
    """A person's part in a case: as a person concerned (melder, betrokkene, leidinggevende), the slots they hold,
    and their earlier work and bindings (:class:`Earlier`, tasks first in the order they were made)."""
    party: str | None
    slots: set[str]
    earlier: list[Earlier]


def _earlier_rows(case_id, user_id, lead):
    """The completed work items and the bindings of the case, as the rows of :class:`Earlier` after the columns
    ``lead(person)`` gives (``person``: the column of the person's id): of the user ``user_id``, or, None, of
    everyone."""
    work = [WorkItem.case_id == case_id, WorkItem.state == "completed"]
    bound = [CaseActor.case_id == case_id]
    if user_id is not None:
        work.append(WorkItem.completed_by_id == user_id)
        bound.append(CaseActor.user_id == user_id)
    else:
        work.append(WorkItem.completed_by_id.is_not(None))
    return [
        select(literal("taak").label("kind"), *lead(WorkItem.completed_by_id), WorkItem.id.label("id"),
               WorkItem.element_id.label("element_id"), WorkItem.name.label("name"), WorkItem.role.label("role"),
               WorkItem.slot.label("slot")).where(*work),
        select(literal("plaats"), *lead(CaseActor.user_id), null(), null(), null(), null(), CaseActor.slot)
        .where(*bound),
    ]


def _build_facts():
    case_id, user_id = bindparam("case_id"), bindparam("user_id")
    # the work rows first: on PostgreSQL the first branch of a UNION gives the typed columns (id: an integer)
    return union_all(
        *_earlier_rows(case_id, user_id, lambda person: [null().label("value")]),
        select(literal("party"), CaseParty.party, null(), null(), null(), null(), null())
        .where(CaseParty.case_id == case_id, CaseParty.user_id == user_id),
        select(literal("party"), literal("leidinggevende"), null(), null(), null(), null(), null())
        .select_from(CaseParty).join(User, User.id == CaseParty.user_id)
        .where(CaseParty.case_id == case_id, CaseParty.party == "betrokkene", User.manager_id == user_id),
    )


_FACTS = _build_facts()  # built once (issue 25): every task completion and pick-up asks


def facts_columns(dialect: str, case_id, user_id) -> list:
    """:func:`_facts` as four columns for another statement (issue 25: the claim's access read, one round trip
    fewer): correlated scalar subqueries on ``case_id`` (a column of the outer statement) and ``user_id``, the rows
    as JSON arrays (``json_agg`` on PostgreSQL, ``json_group_array`` on SQLite). Read by :func:`facts_of`."""
    agg, arr = ((func.json_agg, func.json_build_array) if dialect == "postgresql"
                else (func.json_group_array, func.json_array))
    subject = aliased(User)
    work = (select(agg(arr(WorkItem.id, WorkItem.element_id, WorkItem.name, WorkItem.role, WorkItem.slot)))
            .where(WorkItem.case_id == case_id, WorkItem.state == "completed", WorkItem.completed_by_id == user_id))
    slots = select(agg(CaseActor.slot)).where(CaseActor.case_id == case_id, CaseActor.user_id == user_id)
    parties = select(agg(CaseParty.party)).where(CaseParty.case_id == case_id, CaseParty.user_id == user_id)
    manager = exists().where(CaseParty.case_id == case_id, CaseParty.party == "betrokkene",
                             CaseParty.user_id == subject.id, subject.manager_id == user_id)
    return [work.scalar_subquery().label("facts_work"), slots.scalar_subquery().label("facts_slots"),
            parties.scalar_subquery().label("facts_parties"), manager.label("facts_manager")]


def facts_of(work, slots, parties, manager) -> Facts:
    """The :class:`Facts` of :func:`facts_columns`' values: the same as :func:`_facts` reads."""
    import json

    def rows(value) -> list:
        return (json.loads(value) if isinstance(value, str) else value) or []

    found = rows(parties) + (["leidinggevende"] if manager else [])
    party = next((p for p in found if p != "leidinggevende"), found[0] if found else None)
    earlier = sorted([Earlier("taak", *r) for r in rows(work)] + [Earlier("plaats", None, None, None, None, slot)
                                                                  for slot in rows(slots)],
                     key=lambda e: (e.kind != "taak", e.id or 0))
    return Facts(party, {e.slot for e in earlier if e.kind == "plaats"}, earlier)


def _facts(session: Session, case_id: int, user_id: int) -> Facts:
    """The user's part in the case as a person concerned, the slots they hold in it and their earlier work in it,
    in one round trip. The subject's line manager is derived from ``users.manager_id``, so a change of manager is
    covered."""
    rows = session.execute(_FACTS, {"case_id": case_id, "user_id": user_id}).all()
    parties = [row[1] for row in rows if row[0] == "party"]
    # a direct party (melder, betrokkene) outranks being the subject's manager
    party = next((p for p in parties if p != "leidinggevende"), parties[0] if parties else None)
    earlier = sorted((Earlier(row[0], row[2], row[3], row[4], row[5], row[6]) for row in rows if row[0] != "party"),
                     key=lambda e: (e.kind != "taak", e.id or 0))
    return Facts(party, {e.slot for e in earlier if e.kind == "plaats"}, earlier)


SEPARATION_RULE = ("Functiescheiding: onderzoek, advies over de straf en besluit over de betrokkene liggen in een "
                   "zaak bij verschillende personen (separation_of_duties)")
DECIDER_RULE = "Functiescheiding: wie besluit, treedt in de zaak in geen andere rol op (separation_of_duties)"


@dataclass(frozen=True)
class Target:
    """The task someone would do (a work item's element, name, role and slot)."""
    element_id: str | None
    name: str
    role: str | None
    slot: str | None

    @classmethod
    def of(cls, item) -> "Target":
        return cls(item.element_id, item.name, item.role, item.slot)


@dataclass(frozen=True)
class SeparationRefusal:
    """Why a person may not do a task under separation of duties: the rule, their earlier part in the case and the
    task, worded by :meth:`text` for whoever reads it. Names tasks, duties and roles; never a person."""
    rule: str
    earlier: str  # "de taak 'X' (onderzoek)", "de plaats 'p' (onderzoek)", "de taak 'X' in de rol 'Meldpunt'"
    bound: bool  # the earlier part is a binding to a slot, not a task done
    task: str  # "de taak 'Y' (besluit over de betrokkene)", "... als 'Bevoegd gezag'"

    def text(self, *, who: str = "u", action: str = "afronden") -> str:
        """``who``: "u" (the person themselves) or a description of them ("deze medewerker"); ``action``: what
        they cannot do with the task (afronden, oppakken, krijgen)."""
        you = who == "u"
        done = (("bent" if you else "is") + " in deze zaak gebonden aan") if self.bound else "deed in deze zaak eerder"
        return (f"{self.rule}: {who} {done} {self.earlier} en {'kunt' if you else 'kan'} daarom {self.task} "
                f"niet {action}")


def separation_refusal(parsed, *, target: Target, earlier: Iterable[Earlier]) -> SeparationRefusal | None:
    """The separation of duties (DOMAIN §2) for one person and one task of a case on the version ``parsed``, or None
    when it lets them do it. ``earlier``: the person's earlier part in the case (:class:`Earlier`, the task itself
    not among it).

    What a piece of work does (investigate, advise on the sanction, decide) is read from the version's declarations
    (``separation``; an element the version does not know, from an earlier version of the case, by its slot or role).
    Refused: another duty than the task's (whoever investigated does not advise or decide, ...), and work in another
    role where either the task or the earlier work decides: the competent authority acts in no other role on the
    case, before its decision (the decision is refused) or after it (the other task is refused: it would make the
    case's decider one who also acted otherwise). A task without a duty is held only to the second."""
    separation = getattr(parsed, "separation", None)
    if separation is None:
        return None
    known = parsed.tasks
    duty = separation.of(target.element_id, target.slot, target.role, target.element_id in known)
    roles = parsed.manifest.roles

    def task_text(other_role: bool) -> str:
        text = f"de taak '{target.name}'" + (f" ({DUTY_LABELS[duty]})" if duty else "")
        return text + (f" als '{roles.get(target.role, target.role)}'" if other_role else "")

    for row in earlier:
        if row.kind == "taak":
            other = separation.of(row.element_id, row.slot, row.role, row.element_id in known)
            what = f"de taak '{row.name}'"
        else:
            other, what = separation.slots.get(row.slot or ""), f"de plaats '{row.slot}'"
        if duty is not None and other is not None and other != duty:
            return SeparationRefusal(SEPARATION_RULE, f"{what} ({DUTY_LABELS[other]})", row.kind != "taak",
                                     task_text(False))
        if row.kind == "taak" and DECIDES in (duty, other) and row.role and target.role and row.role != target.role:
            label = f" ({DUTY_LABELS[other]})" if other == DECIDES and duty != DECIDES else ""
            return SeparationRefusal(DECIDER_RULE, f"{what}{label} in de rol '{roles.get(row.role, row.role)}'",
                                     False, task_text(True))
    return None


def duties_lost(session: Session, *, case_id: int, old, new) -> list[str]:
    """What the separation of duties knows of the case's earlier work (every completed task and every binding to a
    slot, of everyone) on the version ``old`` (parsed) and no longer, or otherwise, on ``new``: a case moved onto
    ``new`` (``engine.processes.migration``) would forget who investigated, advised or decided. In Dutch, one line
    per task or slot; empty when each keeps its duty (or had none: a duty ``new`` adds only holds people apart)."""
    before, after = getattr(old, "separation", None), getattr(new, "separation", None)
    if before is None:
        return []
    rows = session.execute(union_all(*_earlier_rows(case_id, None, lambda person: [person.label("person")]))).all()
    lost: dict[str, None] = {}
    for kind, _person, _id, element_id, name, role, slot in rows:
        if kind == "taak":
            was = before.of(element_id, slot, role, element_id in old.tasks)
            now = after.of(element_id, slot, role, element_id in new.tasks) if after is not None else None
            what = f"de afgeronde taak '{name}'"
        else:
            was = before.slots.get(slot or "")
            now = after.slots.get(slot or "") if after is not None else None
            what = f"de plaats '{slot}'"
        if was is None or now == was:
            continue
        lost[f"{what} in de nieuwe versie " + (f"als {DUTY_LABELS[now]} in plaats van {DUTY_LABELS[was]} telt"
                                               if now is not None else f"niet meer als {DUTY_LABELS[was]} telt")
             + " (functiescheiding)"] = None
    return list(lost)


def _build_earlier_in_cases(one: bool):
    """:func:`earlier_in_cases`'s query for the cases of the expanding parameter ``case_ids``, or (``one``) for the
    one case ``case_id``: an expanding parameter is rendered into the statement anew on every execution."""
    from engine.cases.models import Case
    from engine.processes.models import ProcessVersion

    cases, uid = bindparam("case_ids", expanding=True), bindparam("uid")

    def of(column):
        return column == bindparam("case_id") if one else column.in_(cases)

    work = [of(WorkItem.case_id), WorkItem.state == "completed", WorkItem.completed_by_id == uid]
    return union_all(
        select(literal("taak").label("kind"), WorkItem.case_id.label("case_id"), WorkItem.id.label("id"),
               WorkItem.element_id.label("element_id"), WorkItem.name.label("name"), WorkItem.role.label("role"),
               WorkItem.slot.label("slot")).where(*work),
        select(literal("plaats"), CaseActor.case_id, null(), null(), null(), null(), CaseActor.slot)
        .where(of(CaseActor.case_id), CaseActor.user_id == uid),
        # the case's version and its hash (issue 25: the caller asks for the parsed version next, engine.processes
        # .hash_read), in the text column of the work rows
        select(literal("zaak"), Case.id, Case.process_version_id, ProcessVersion.content_hash, null(), null(), null())
        .outerjoin(ProcessVersion, ProcessVersion.id == Case.process_version_id).where(of(Case.id)),
    )


# built once (issue 25): a completion's answer (its case's tasks: one case) and the pool page ask
_EARLIER_IN_CASES, _EARLIER_IN_CASE = _build_earlier_in_cases(False), _build_earlier_in_cases(True)


def earlier_in_cases(session: Session, *, user_id: int, case_ids) -> dict[int, tuple[int, list[Earlier]]]:
    """For each of ``case_ids``: its process version and the user's earlier part in it (:class:`Earlier`), in one
    query (a worklist page's cases). The versions' hashes are read with them (``processes.hash_read``)."""
    from engine.processes import service as processes

    ids = sorted(set(case_ids))
    if not ids:
        return {}
    out: dict[int, tuple[int, list[Earlier]]] = {}
    versions: dict[int, int] = {}
    pieces: dict[int, list[Earlier]] = {}
    statement, params = ((_EARLIER_IN_CASE, {"case_id": ids[0], "uid": user_id}) if len(ids) == 1
                         else (_EARLIER_IN_CASES, {"case_ids": ids, "uid": user_id}))
    for kind, case_id, id_, element_id, name, role, slot in session.execute(statement, params):
        if kind == "zaak":
            versions[case_id] = id_
            processes.hash_read(session, id_, element_id)
        else:
            pieces.setdefault(case_id, []).append(Earlier(kind, id_, element_id, name, role, slot))
    for case_id, version in versions.items():
        out[case_id] = (version, sorted(pieces.get(case_id, []), key=lambda e: (e.kind != "taak", e.id or 0)))
    return out


def person_facts(session: Session, case_id: int, user_id: int) -> Facts:
    """The user's part in the case (:class:`Facts`), in one round trip."""
    return _facts(session, case_id, user_id)


def party_of(session: Session, case_id: int, user_id: int) -> str | None:
    """The user's part in the case as a person concerned (melder, betrokkene, leidinggevende)."""
    return _facts(session, case_id, user_id)[0]


def conflict_reason(session: Session, *, case_id: int, user: User, slot: str, manifest: Manifest,
                    assigned: bool = True, facts: Facts | None = None, name: str | None = None,
                    task=None, parsed=None) -> str | None:
    """Why ``user`` may not act in ``slot`` of the case (Dutch), or None. Addressed to the user ("U bent ..."), or,
    with ``name``, said about them to someone else (the coordinator handing work over: "Jan is ...").

    ``assigned`` is False when the user picks the task up themselves: an exclusive slot
    that another person already fills in this case stays with that person (only a
    coordinator's assignment, or the automatic draw, hands it to someone else).

    With ``task`` (the work item) and ``parsed`` (the case's version), also the separation of duties of
    :func:`separation_refusal`: the step of that task would refuse them."""
    if facts is None:
        facts = _facts(session, case_id, user.id)
    party, bound = facts.party, facts.slots
    if party:
        if name:  # said to someone else: never which party (that the chosen colleague reported would name her)
            who = name[:1].upper() + name[1:]  # at the start of the sentence ("De gekozen medewerker mag ...")
            return f"{who} {PARTY_TO_OTHERS}"
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
    if task is not None and parsed is not None:
        refusal = separation_refusal(parsed, target=Target.of(task), earlier=facts.earlier)
        if refusal is not None:
            return refusal.text(who=name or "u", action="krijgen") + "."
    return None


def ensure_can_act(session: Session, *, case_id: int, user: User, role: str, slot: str, manifest: Manifest,
                   assigned: bool = True, task=None, parsed=None, who: str = "u", action: str = "oppakken",
                   facts: Facts | None = None) -> Facts:
    """Refuse (NotAuthorized / ConflictOfInterest) unless ``user`` may act in ``slot``. Every refusal is worded for
    who reads it: ``who`` "u" when ``user`` acts themselves, else how the reader names them (the coordinator
    assigning work: "De gekozen medewerker mag in deze zaak niet optreden ...", never "U bent ..."). With ``task`` (the
    work item) and ``parsed`` (the case's version) also under the separation of duties (:func:`separation_refusal`:
    refused with reason ``functiescheiding``, saying what they cannot do: ``action``); without them the step checks
    it (``engine.cases.legal_rules``, from the facts returned here).
    Returns the user's part in the case (its ``slots`` for :func:`bind`). ``facts``: that part as this transaction
    read it for ``user`` and this case moments ago, unlocked as here (``access.task_access(claiming=True)``)."""
    if not user.active:
        raise NotAuthorized("Dit account is uitgeschakeld." if who == "u"
                            else f"Het account van {who} is uitgeschakeld.")
    if facts is None:
        facts = _facts(session, case_id, user.id)
    # Who acts themselves and may not know the case (a party of it, excluded by the reporter; or without the task's
    # role and without sight of the case) reads what every door answers them (``access.task_access``): no such
    # task. "U bent door de melder uitgesloten ..." would confirm the case and the exclusion.
    if who == "u" and (facts.party or (role not in user.role_codes
                                       and not access.can_see_case(session=session, user=user, case_id=case_id))):
        raise NotFound(TASK_NOT_FOUND)
    if role not in user.role_codes:
        raise NotAuthorized(f"Deze taak hoort bij de rol '{manifest.roles.get(role, role)}', die {who} niet heeft.",
                            reason="rol-ontbreekt")
    reason = conflict_reason(session, case_id=case_id, user=user, slot=slot, manifest=manifest, assigned=assigned,
                             facts=facts, name=None if who == "u" else who)
    if reason:
        raise ConflictOfInterest(reason, reason="belangenconflict")
    if task is not None and parsed is not None:
        refusal = separation_refusal(parsed, target=Target.of(task), earlier=facts.earlier)
        if refusal is not None:
            raise ConflictOfInterest(f"{refusal.text(who=who, action=action)}; er is niets gewijzigd.",
                                     reason="functiescheiding")
    return facts


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


def _separates(task, parsed) -> bool:
    """Does the separation of duties apply to a draw or listing for ``task``?"""
    return task is not None and getattr(parsed, "separation", None) is not None


def eligible_users(session: Session, *, case_id: int, role: str, slot: str, manifest: Manifest, task=None,
                   parsed=None) -> list[User]:
    """The active holders of ``role`` for whom :func:`conflict_reason` (``assigned=True``) finds nothing, in one
    set-based query: the same rules as NOT EXISTS conditions, whatever the number of people holding the role. With
    ``task`` and ``parsed`` (the case's version), nobody its step would refuse (:func:`separation_refusal`, over
    each holder's earlier part in the case, read in the same query)."""
    uninvolved = slot in manifest.uninvolved_slots
    others = tuple(sorted(manifest.exclusive_slots - {slot})) if slot in manifest.exclusive_slots else ()
    params = {"case_id": case_id, "role": role, "slot": slot}
    if others:
        params["others"] = list(others)
    if not _separates(task, parsed):
        return list(session.execute(_eligible_statement(uninvolved, bool(others)), params).scalars())
    rows = session.execute(_with_earlier(_eligible_statement(uninvolved, bool(others)), ("eligible", uninvolved,
                                                                                          bool(others))), params)
    return [user for user, _ in _not_separated(rows.all(), 0, task=task, parsed=parsed)]


_EARLIER_COLUMNS = 6  # the columns of Earlier


def _with_earlier(stmt, key):
    """``stmt`` (people, one row each) with the earlier part in the case (``:case_id``) of each: one row per piece
    (:class:`Earlier`'s columns; NULLs for someone without one), by an outer join. Built once per ``key``."""
    built = _EARLIER_JOINED.get(key)
    if built is None:
        earlier = union_all(*_earlier_rows(bindparam("case_id"), None, lambda person: [person.label("user_id")])
                            ).subquery("earlier")
        built = _EARLIER_JOINED[key] = (
            stmt.add_columns(earlier.c.kind, earlier.c.id, earlier.c.element_id, earlier.c.name, earlier.c.role,
                             earlier.c.slot)
            .outerjoin(earlier, earlier.c.user_id == User.id))
    return built


_EARLIER_JOINED: dict[Any, Any] = {}


def _not_separated(rows, extra: int, *, task, parsed) -> list[tuple[User, tuple]]:
    """From rows of :func:`_with_earlier` (the user, ``extra`` columns, then the earlier piece): each user the
    separation of duties lets do ``task``, with their ``extra`` columns, in the order of the rows."""
    people: dict[int, tuple[User, tuple, list[Earlier]]] = {}
    for row in rows:
        user, more, piece = row[0], tuple(row[1:1 + extra]), row[1 + extra:]
        entry = people.setdefault(user.id, (user, more, []))
        if piece[0] is not None:
            entry[2].append(Earlier(*piece))
    target = Target.of(task)
    return [(user, more) for user, more, earlier in people.values()
            if separation_refusal(parsed, target=target,
                                  earlier=sorted(earlier, key=lambda e: (e.kind != "taak", e.id or 0))) is None]


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
                  weighted: bool, task=None, parsed=None) -> tuple[User | None, list[User], dict]:
    """Cryptographically random choice among eligible users (sticky to a slot's holder). With ``task`` (the new work
    item) and ``parsed`` (the case's version), nobody the task's step would refuse under the separation of duties is
    eligible (:func:`separation_refusal`, over each holder's earlier part in the case, read in the same query); when
    nobody remains, the task goes to the pool (``geen geschikte medewerker``) as when nobody holds the role.

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
    if _separates(task, parsed):
        statement = _with_earlier(_draw_statement(uninvolved, bool(others)), ("draw", uninvolved, bool(others)))
        rows = [(user, *more) for user, more in _not_separated(session.execute(statement, params).all(), 2,
                                                                task=task, parsed=parsed)]
    else:
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
                                                case_id=case_id, role=role, slot=slot, manifest=manifest,
                                                task=task, parsed=parsed)
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
