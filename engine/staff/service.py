"""Staff changes (issue 22): a blocked account's work back to the pool, handing over all open work of a person in
one action, and absences with a delegate. The one door for ``api/routers/staff.py``, ``web/pages/staff.py`` and
``meldpunt users disable``.

Rules:

* Blocking an account (:func:`disable_account`) hands every task it had claimed back to the pool of the task's role
  (the same engine function as a role taken away: ``engine.worklist.service.release_claims``) and tells the
  coordinators (:func:`notify_coordinators_of_staff_change`).
* The integrity coordinator hands over all open work of a person at once (:func:`reassign_all_work`), to the pool
  or to a named colleague. Each task is checked on its own against exclusions and separation of duties
  (``engine.cases.duties.conflict_reason``): a task the colleague may not take goes to the pool, listed with the
  Dutch reason. A task of a case the coordinator may not act on (not in their oversight, or a party to it) stays
  where it is and is only counted. Tasks that did not go as asked are also put in a notice for the coordinators,
  with their reasons.
* An absence (:func:`record_absence`) runs from ``van`` to ``tot`` inclusive, Dutch calendar dates of the engine
  clock. While it runs, work that would go to the person goes to the delegate (automatic assignment, a
  coordinator's assignment, the person's own hand-over), each time checked for the delegate as above; when the
  delegate may not take it, it goes to the pool and the coordinators see why. One hop only: a delegate's own
  delegate is not followed. The day after ``tot`` the person gets their work again.

Everything is audited; notices name tasks and case numbers, never case content.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.cases import duties, reasons
from engine.cases.models import Case
from engine.clock import now
from engine.contact import service as contact
from engine.contact.models import ContactTask
from engine.errors import FieldError, InvalidData, NotAuthorized, NotFound
from engine.identity import access
from engine.identity import service as identity
from engine.identity.models import User
from engine.identity.roles import USER_ADMIN_ROLES, known_roles
from engine.legal_terms import local_date
from engine.processes import service as processes
from engine.staff.models import Absence, StaffNotice, StaffNoticeRead
from engine.worklist import drafts
from engine.worklist import service as worklist
from engine.worklist.models import WorkItem

COORDINATOR_ROLE = "integriteitscoordinator"
MAX_NOTICES = 20
# In a notice's text, where the number of its tasks goes: filled in per reader (:func:`notices_for`), from the tasks
# of the cases that count for them (a case the reader is excluded from does not: access.counted_condition).
COUNT = "{aantal}"


def _tasks(n: int) -> str:
    return f"{n} {'taak' if n == 1 else 'taken'}"


def today() -> date:
    """Today's Dutch calendar date by the engine clock."""
    return local_date(now())


# --------------------------------------------------------------------------- who may

def may_hand_over_work(user: User) -> bool:
    return bool(user.active) and COORDINATOR_ROLE in user.role_codes


def require_coordinator(user: User) -> None:
    if not may_hand_over_work(user):
        raise NotAuthorized("Alleen de integriteitscoördinator draagt het werk van een medewerker over.")


def may_manage_absences(by: User, user_id: int) -> bool:
    """The person themselves, the coordinator and the functional administrator record absences."""
    return bool(by.active) and (by.id == user_id or bool(by.role_codes & ({COORDINATOR_ROLE} | USER_ADMIN_ROLES)))


def staff_member(*, session: Session, by: User, user_id: int) -> User:
    """The person whose work and absences ``by`` looks at (coordinator, functional administrator, or themselves)."""
    if not may_manage_absences(by, user_id):
        raise NotAuthorized("Alleen de medewerker zelf, de integriteitscoördinator en de functioneel beheerder "
                            "zien het werk en de afwezigheid van een medewerker.")
    return identity.get_user(session=session, user_id=user_id)


# --------------------------------------------------------------------------- notifying the coordinators

def _item_line(session: Session, item: WorkItem | ContactTask, *, to: str, reason: str | None = None) -> dict:
    """A task in a notice or a hand-over's answer; a contact task (outside the BPMN process) says so in ``soort``,
    its ``taak_id`` being the contact task's number."""
    reference = session.scalar(select(Case.reference).where(Case.id == item.case_id))
    if isinstance(item, ContactTask):
        name, kind = contact.TASK_NAMES.get(item.kind, item.kind), {"soort": "contacttaak"}
    else:
        name, kind = item.name, {}
    return {"zaak_id": item.case_id, "zaaknummer": reference, "taak": name, "taak_id": item.id, "naar": to, **kind,
            **({"reden": reason} if reason else {})}


def notify_coordinators_of_staff_change(session: Session, *, kind: str, subject: User | None, actor: str, text: str,
                                        items: list[dict] | None = None) -> StaffNotice:
    """Tell the integrity coordinators about a staff change, durably, in the same transaction as the change.

    A notice on every coordinator's worklist until one of them marks it seen (:func:`notices_for`; what it says of
    a case the marker is excluded from stays for the others, :func:`mark_notice_seen`), an e-mail to
    each active coordinator (an outbox row written here, sent after commit, naming nothing: engine.notifications),
    and an audit event. ``text`` and ``items`` name people, tasks and case numbers only, never case
    content; each coordinator sees the items of the cases they may see."""
    notice = StaffNotice(kind=kind, subject_user_id=subject.id if subject else None, text=text,
                         items=list(items or []), actor=actor, created_at=now())
    session.add(notice)
    session.flush()
    # E-mail (engine.notifications): only that there is something, and a link; the names stay in the product.
    from engine.identity.models import UserRole
    from engine.notifications import enqueue

    coordinators = session.scalars(select(User.id).join(UserRole, UserRole.user_id == User.id)
                                   .where(UserRole.role == COORDINATOR_ROLE, User.active.is_(True))
                                   .order_by(User.id)).all()
    # a coordinator excluded from every case the notice names gets no mail for it (the notice does not exist for
    # them, :func:`notices_for`), unless it is a blocked account's, which reads as one without tasks
    cases = {item.get("zaak_id") for item in notice.items if item.get("zaak_id") is not None}
    if cases and kind != "geblokkeerd":
        left_out = set(coordinators)
        for case_id in sorted(cases):
            left_out &= access.excluded_among(session=session, user_ids=left_out, case_id=case_id)
            if not left_out:
                break
        coordinators = [c for c in coordinators if c not in left_out]
    for coordinator_id in dict.fromkeys(coordinators):
        if subject is None or coordinator_id != subject.id:
            enqueue(session, user_id=coordinator_id, kind="werk_teruggegeven", link="/werkvoorraad")
    audit.append(session=session, actor=actor, action="staff.coordinators_notified",
                 details={"melding_id": notice.id, "soort": kind, "gebruiker_id": notice.subject_user_id,
                          "taken": len(notice.items)})
    return notice


# An item left over when a coordinator excluded from its case marked the rest of its notice seen
# (:func:`mark_notice_seen`) carries the id of the notice it was split from: the notice it now forms exists only for
# the coordinators who count at least one of its items (it is no blocked account's news any more: that was seen).
REST_OF = "rest_van"


def _is_rest(notice: StaffNotice) -> bool:
    return bool(notice.items) and all(REST_OF in item for item in notice.items)


def _blocked_without_tasks(session: Session, notice: StaffNotice) -> str:
    """A blocked account's notice as it reads when no task counts for the reader (as :func:`disable_account` words
    one without tasks)."""
    subject = session.get(User, notice.subject_user_id) if notice.subject_user_id else None
    name = subject.display_name if subject else "Een gebruiker"
    return f"{name} is geblokkeerd; er stonden geen opgepakte taken op naam."


def _reader_view(notice: StaffNotice, excluded: set[int]) -> str | None:
    """How the notice exists for a reader excluded from the cases ``excluded``: ``"geheel"`` (some item counts for
    them), ``"zonder_taken"`` (a blocked account's news whose every task is of such a case: it reads as one without
    tasks), or None (the notice is about those cases alone: it does not exist for them)."""
    items = notice.items or []
    if not items or any(item.get("zaak_id") not in excluded for item in items):
        return "geheel"
    if notice.kind == "geblokkeerd" and not _is_rest(notice):
        return "zonder_taken"
    return None


def _shown_cases(session: Session, user: User, case_ids, excluded: set[int]) -> set[int]:
    """The cases of ``case_ids`` whose items a notice shows ``user`` (not excluded, and a case they may see); the
    others' items are only counted, or (excluded) not even that."""
    return {cid for cid in case_ids if cid is not None and cid not in excluded
            and access.can_see_case(session=session, user=user, case_id=cid)}


def notices_for(*, session: Session, user: User, limit: int = MAX_NOTICES) -> list[dict]:
    """The unseen staff notices for a coordinator, newest first (none for anyone else); items of cases they may not
    see are only counted, those of a case they are excluded from not even that. A notice they marked seen
    themselves is gone for them (:func:`mark_notice_seen`), even while it stays for the others."""
    if not may_hand_over_work(user):
        return []
    shown_cases: set[int] = set()
    asked: set[int] = set()
    out: list[dict] = []
    offset = 0
    read = exists().where(StaffNoticeRead.notice_id == StaffNotice.id, StaffNoticeRead.user_id == user.id)
    while len(out) < limit:  # a notice that does not exist for the reader takes no place in their list
        rows = list(session.scalars(select(StaffNotice).where(StaffNotice.seen_at.is_(None), ~read)
                                    .order_by(StaffNotice.created_at.desc(), StaffNotice.id.desc())
                                    .offset(offset).limit(limit)))
        offset += len(rows)
        case_ids = {item.get("zaak_id") for n in rows for item in n.items or []}
        # an item of a case the coordinator is excluded from is neither shown nor counted (access.counted_condition)
        excluded = access.excluded_cases(session=session, user=user, case_ids=case_ids)
        shown_cases |= _shown_cases(session, user, case_ids - asked, excluded)
        asked |= case_ids
        for n in rows:
            view = _reader_view(n, excluded)
            if view is None:
                continue
            shown, hidden = [], 0
            for item in n.items or []:
                cid = item.get("zaak_id")
                if cid in excluded:
                    continue
                if cid in shown_cases:
                    shown.append({k: v for k, v in item.items() if k != REST_OF})
                else:
                    hidden += 1
            text = _blocked_without_tasks(session, n) if view == "zonder_taken" else n.text
            text = text.replace(COUNT, _tasks(len(shown) + hidden))
            out.append({"id": n.id, "kind": n.kind, "text": text, "items": shown, "hidden": hidden,
                        "created_at": n.created_at, "subject_user_id": n.subject_user_id})
            if len(out) == limit:
                break
        if len(rows) < limit:
            break
    return out


def notices_to_read(*, session: Session, user: User) -> list[dict]:
    """:func:`notices_for`, for a door that answers a non-coordinator with a refusal (the API) rather than with an
    empty list (the worklist page, which shows them only to the coordinator)."""
    if not may_hand_over_work(user):
        raise NotAuthorized("Alleen de integriteitscoördinator ziet de personeelsmeldingen.")
    return notices_for(session=session, user=user)


def mark_notice_seen(*, session: Session, by: User, notice_id: int) -> StaffNotice:
    """A coordinator marks a notice seen: what it showed them is dealt with, for all coordinators. Its items they
    were not shown (a case outside their oversight, only counted; a case they are excluded from, not even counted)
    are not dealt with: they stay unseen, as a notice of their own (same kind, text and time; :data:`REST_OF`), for
    the coordinators who see them. Neither the notice nor that rest comes back to ``by`` (:class:`StaffNoticeRead`);
    marking it again changes nothing. A notice about cases ``by`` is excluded from alone does not exist for them:
    not found, as an unknown one (before anything else is asked, so the answer tells them nothing of it)."""
    require_coordinator(by)
    # one reader at a time: two coordinators marking the same notice split it once
    notice = session.scalar(select(StaffNotice).where(StaffNotice.id == notice_id).with_for_update()
                            .execution_options(populate_existing=True))
    if notice is None:
        raise NotFound("Melding niet gevonden.")
    case_ids = {item.get("zaak_id") for item in notice.items or []}
    excluded = access.excluded_cases(session=session, user=by, case_ids=case_ids)
    view = _reader_view(notice, excluded)
    if view is None:
        raise NotFound("Melding niet gevonden.")
    if notice.seen_at is not None or session.get(StaffNoticeRead, (notice.id, by.id)) is not None:
        return notice
    shown = _shown_cases(session, by, case_ids, excluded)
    kept = [item for item in notice.items or [] if item.get("zaak_id") in shown]
    left = [{**item, REST_OF: item.get(REST_OF, notice.id)} for item in notice.items or []
            if item.get("zaak_id") not in shown]
    details: dict = {"melding_id": notice.id}
    at = now()
    if left:
        rest = StaffNotice(kind=notice.kind, subject_user_id=notice.subject_user_id, text=notice.text, items=left,
                           actor=notice.actor, created_at=notice.created_at)
        session.add(rest)
        session.flush()
        session.add(StaffNoticeRead(notice_id=rest.id, user_id=by.id, seen_at=at))  # never back to them
        if view == "zonder_taken":
            notice.text = _blocked_without_tasks(session, notice)  # what its reader was told
        notice.items = kept
        details |= {"taken": len(kept), "rest_melding_id": rest.id, "rest_taken": len(left)}
    notice.seen_at, notice.seen_by_id = at, by.id
    session.add(StaffNoticeRead(notice_id=notice.id, user_id=by.id, seen_at=at))
    audit.append(session=session, actor=by.username, action="staff.notice_seen", details=details)
    return notice


# --------------------------------------------------------------------------- blocking an account

def disable_account(*, session: Session, user_id: int, actor: str) -> tuple[User, list[WorkItem]]:
    """Block the account (no log-in, tokens and sessions end), hand its claimed tasks back to the pool and tell the
    coordinators. Returns the user and the tasks handed back."""
    user = identity.disable_user(session=session, user_id=user_id)
    released = worklist.release_claims(session=session, user=user, actor=actor, reason="gebruiker geblokkeerd")
    from engine.register import holders  # the register of risky functions: the blocked user holds none any more

    holders.end_for(session, user_id=user.id, on=today())
    audit.append(session=session, actor=actor, action="gebruiker_geblokkeerd",
                 details={"gebruiker_id": user.id, "vrijgegeven": len(released)})
    if released:
        text = f"Taken teruggezet in de pool na het blokkeren van {user.display_name}: {COUNT}."
    else:
        text = f"{user.display_name} is geblokkeerd; er stonden geen opgepakte taken op naam."
    notify_coordinators_of_staff_change(session, kind="geblokkeerd", subject=user, actor=actor, text=text,
                                        items=[_item_line(session, i, to="pool") for i in released])
    return user, released


# --------------------------------------------------------------------------- a person become a party of a case

PARTY_REASON = "mag niet (meer) aan deze zaak werken"


def release_party_claims(session: Session, *, user_ids, case_ids, actor: str,
                         except_item_id: int | None = None) -> list:
    """Someone just became a party of a case (linked as its subject or reporter, or made the subject's manager):
    their claimed open tasks in that case go back to the pool (drafts discarded, each audited), so a party never
    keeps a task of their own case that nobody else can take. The coordinators are told, without a name or the
    kind of party (the notice is seen by every coordinator; who is a party of a case is need-to-know); the items
    name the case numbers, each shown only to a coordinator who may see that case. Returns what went back."""
    cases = set(case_ids)
    released: list = []
    if not cases:
        return released
    for user_id in sorted(set(user_ids)):
        user = session.get(User, user_id)
        if user is not None:
            released += worklist.release_claims(session=session, user=user, actor=actor, reason=PARTY_REASON,
                                                case_ids=cases, except_item_id=except_item_id)
    if released:
        text = f"Taken teruggezet in de pool: wie ze had opgepakt, {PARTY_REASON}: {COUNT}."
        notify_coordinators_of_staff_change(session, kind="partij_geworden", subject=None, actor=actor, text=text,
                                            items=[_item_line(session, i, to="pool") for i in released])
    return released


# --------------------------------------------------------------------------- absences

def current_absences(session: Session, user_ids: list[int], day: date | None = None) -> dict[int, Absence]:
    """The absence running on ``day`` (default: today) for each of ``user_ids`` that has one."""
    if not user_ids:
        return {}
    day = day or today()
    rows = session.scalars(select(Absence).where(Absence.user_id.in_(user_ids), Absence.cancelled_at.is_(None),
                                                 Absence.starts_on <= day, Absence.ends_on >= day)
                           .order_by(Absence.id))
    return {a.user_id: a for a in rows}


def active_absence(session: Session, user_id: int, day: date | None = None) -> Absence | None:
    return current_absences(session, [user_id], day).get(user_id)


def _parsed(session: Session, case_id: int):
    case = session.get(Case, case_id)
    return processes.parsed_version(session=session, version_id=case.process_version_id)


def _manifest(session: Session, case_id: int):
    return _parsed(session, case_id).manifest


def refusal(session: Session, *, person: User, case_id: int, role: str, slot: str, manifest=None, task=None,
            parsed=None) -> str | None:
    """Why ``person`` may not be given a task of ``role``/``slot`` in the case (Dutch, about them), or None. With
    ``task`` (the work item; ``parsed``: the case's version, read when not given) also the separation of duties
    its step applies (``engine.cases.duties.separation_refusal``)."""
    name = person.display_name
    if not person.active:
        return f"{name} is geblokkeerd."
    if role not in person.role_codes:
        return f"{name} heeft de rol {known_roles().get(role, role)} niet."
    if task is not None and parsed is None:
        parsed = _parsed(session, case_id)
    return duties.conflict_reason(session, case_id=case_id, user=person, slot=slot,
                                  manifest=manifest or (parsed.manifest if parsed else _manifest(session, case_id)),
                                  name=name, task=task, parsed=parsed)


PARTY_RECORDED = "de afwezigheid is vastgelegd door iemand die in deze zaak niet mag optreden"


def recorded_by_party(session: Session, *, absence_ids, case_id: int) -> set[int]:
    """Those of ``absence_ids`` recorded by a party of the case (its reporter, subject or the subject's manager,
    ``access.is_excluded``), whoever the absence is of. Such an absence steers nothing in that case: its delegate
    gets none of the case's work, and the automatic draw does not choose among the others as if the absent person
    were not there (the task goes to the pool, the coordinators are told: ``engine.cases.duties.draw_assignee``).
    A party never influences who handles their own case."""
    ids = sorted(set(absence_ids))
    if not ids:
        return set()
    recorders = dict(session.execute(select(Absence.id, Absence.created_by_id).where(Absence.id.in_(ids))).all())
    parties = access.excluded_among(session=session, user_ids={r for r in recorders.values() if r is not None},
                                    case_id=case_id)
    return {absence_id for absence_id, recorder in recorders.items() if recorder in parties}


def delegate_decision(session: Session, *, absence: Absence, case_id: int, role: str, slot: str,
                      manifest=None, task=None, parsed=None) -> tuple[User | None, str | None]:
    """Who gets a task meant for the absent person: (delegate, None), or (None, why it goes to the pool). The
    delegate of an absence recorded by a party of the case gets none of its work (:func:`recorded_by_party`)."""
    absent = session.get(User, absence.user_id)
    prefix = f"{absent.display_name} is afwezig tot en met {absence.ends_on.strftime('%d-%m-%Y')}"
    if absence.delegate_id is None:
        return None, f"{prefix} en heeft geen vervanger."
    if recorded_by_party(session, absence_ids=[absence.id], case_id=case_id):
        return None, f"{prefix}; {PARTY_RECORDED}, dus geldt de vervanger hier niet."
    delegate = session.get(User, absence.delegate_id)
    if active_absence(session, delegate.id) is not None:
        return None, f"{prefix}; vervanger {delegate.display_name} is zelf ook afwezig."
    why = refusal(session, person=delegate, case_id=case_id, role=role, slot=slot, manifest=manifest, task=task,
                  parsed=parsed)
    if why:
        return None, f"{prefix}; vervanger: {why}"
    return delegate, None


def on_auto_assigned(session: Session, *, item: WorkItem, info: dict) -> None:
    """After automatic assignment (``engine.cases.service``): when the person meant for the task was away and their
    delegate could not take it, the task is in the pool and the coordinators are told why."""
    refused = info.get("vervanger_geweigerd")
    if not refused:
        return
    absent = session.get(User, info["afwezig_id"]) if info.get("afwezig_id") else None
    if absent is None:  # the draw itself went to the pool (an absence recorded by a party of the case)
        text = "Een nieuwe taak staat in de pool: de automatische toewijzing is niet uitgevoerd."
    else:
        text = (f"Een nieuwe taak voor {absent.display_name} (afwezig) staat in de pool: de vervanger kon hem niet "
                "krijgen.")
    notify_coordinators_of_staff_change(session, kind="vervanging_geweigerd", subject=absent, actor="system",
                                        text=text, items=[_item_line(session, item, to="pool", reason=refused)])


def _parse_day(value, name: str, errors: list[FieldError]) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors.append(FieldError(name, "Geef een datum als JJJJ-MM-DD."))
        return None


def list_absences(*, session: Session, by: User, user_id: int) -> list[Absence]:
    staff_member(session=session, by=by, user_id=user_id)
    return list(session.scalars(select(Absence).where(Absence.user_id == user_id, Absence.cancelled_at.is_(None))
                                .order_by(Absence.starts_on.desc(), Absence.id.desc())))


def record_absence(*, session: Session, by: User, user_id: int, starts_on, ends_on, delegate_id: int | None,
                   move_claimed: bool = False) -> tuple[Absence, "HandOver | None"]:
    """Record an absence of ``user_id`` with an optional delegate; everything is checked before anything changes.
    ``move_claimed``: when the absence runs today, the person's claimed tasks go to the delegate now (each checked;
    a task the delegate may not take goes to the pool and the coordinators see why)."""
    person = staff_member(session=session, by=by, user_id=user_id)
    errors: list[FieldError] = []
    start, end = _parse_day(starts_on, "van", errors), _parse_day(ends_on, "tot", errors)
    if start and end:
        if end < start:
            errors.append(FieldError("tot", "De einddatum ligt vóór de begindatum."))
        elif end < today():
            errors.append(FieldError("tot", "De einddatum ligt in het verleden."))
        elif session.scalar(select(Absence.id).where(Absence.user_id == user_id, Absence.cancelled_at.is_(None),
                                                     Absence.starts_on <= end, Absence.ends_on >= start)):
            errors.append(FieldError("van", "Er is al een afwezigheid in deze periode; trek die eerst in."))
    delegate = None
    if delegate_id is not None:
        delegate = session.get(User, delegate_id)
        if delegate is None or not delegate.active:
            errors.append(FieldError("vervanger_id", "Kies een bestaande, niet geblokkeerde medewerker als vervanger."))
        elif delegate.id == user_id:
            errors.append(FieldError("vervanger_id", "Iemand kan niet zijn eigen vervanger zijn."))
    if move_claimed and delegate_id is None:
        errors.append(FieldError("taken_overdragen", "Kies een vervanger om de opgepakte taken aan over te dragen."))
    if errors:
        raise InvalidData(errors)
    absence = Absence(user_id=user_id, delegate_id=delegate_id, starts_on=start, ends_on=end, created_by_id=by.id,
                      created_at=now())
    session.add(absence)
    session.flush()
    audit.append(session=session, actor=by.username, action="afwezigheid_vastgelegd",
                 details={"afwezigheid_id": absence.id, "gebruiker_id": user_id, "van": start.isoformat(),
                          "tot": end.isoformat(), "vervanger_id": delegate_id})
    result = None
    if move_claimed and start <= today() <= end:
        result = _hand_over(session, by=by, person=person, reason=f"afwezig, vervanger {delegate.display_name}",
                            to=delegate, via_absence=absence)
        if result.to_pool:
            notify_coordinators_of_staff_change(
                session, kind="vervanging_geweigerd", subject=person, actor=by.username,
                text=f"Bij de afwezigheid van {person.display_name} konden {COUNT} niet naar de "
                     f"vervanger {delegate.display_name}: ze staan in de pool.", items=result.to_pool)
        if result.stayed_party:  # another coordinator decides about these (each sees the cases they may see)
            notify_coordinators_of_staff_change(
                session, kind="overdracht", subject=person, actor=by.username,
                text=f"Bij de afwezigheid van {person.display_name} bleven {COUNT} (opgepakt) "
                     "staan: wie de afwezigheid vastlegde, mag in die zaken niet optreden.", items=result.stayed_party)
    return absence, result


def cancel_absence(*, session: Session, by: User, user_id: int, absence_id: int) -> Absence:
    """Withdraw an absence (also to end it early): from now on work goes to the person again."""
    staff_member(session=session, by=by, user_id=user_id)
    absence = session.get(Absence, absence_id)
    if absence is None or absence.user_id != user_id or absence.cancelled_at is not None:
        raise NotFound("Afwezigheid niet gevonden.")
    absence.cancelled_at = now()
    audit.append(session=session, actor=by.username, action="afwezigheid_ingetrokken",
                 details={"afwezigheid_id": absence.id, "gebruiker_id": user_id})
    return absence


# --------------------------------------------------------------------------- handing over all open work

@dataclass
class HandOver:
    """The outcome of handing over a person's open work: per task where it went (and why, if not as asked)."""

    moved: list[dict] = field(default_factory=list)     # to the chosen colleague (or the pool, when asked)
    to_pool: list[dict] = field(default_factory=list)   # the colleague may not take it: in the pool, with reason
    stayed: list[dict] = field(default_factory=list)    # the coordinator may not act on the case: unchanged
    stayed_hidden: int = 0                              # ... of cases the coordinator may not even see
    # the tasks of cases in which whoever handed over is a party: never in their answer, not even counted (as if the
    # case did not exist for them, access.counted_condition); the other coordinators' notice lists them

    stayed_party: list[dict] = field(default_factory=list)


def open_work(*, session: Session, user_id: int) -> list[WorkItem]:
    """The person's claimed open tasks, in worklist order."""
    return list(session.scalars(select(WorkItem).where(WorkItem.state == "open", WorkItem.assignee_id == user_id)
                                .order_by(*worklist._ORDER)))


def _to_pool(session: Session, item: WorkItem, *, actor: str, reason: str) -> None:
    previous = item.assignee_id
    item.assignee_id = None
    drafts.discard(session, work_item_id=item.id)
    audit.append(session=session, actor=actor, action="task.unclaimed", case_id=item.case_id, task_id=item.task_id,
                 details={"element": item.element_id, "was_toegewezen_aan": previous, "reden": reason})


def _to_person(session: Session, item: WorkItem, *, actor: str, person: User, reason: str) -> None:
    previous = item.assignee_id
    item.assignee_id = person.id
    drafts.discard(session, work_item_id=item.id, keep_user_id=person.id)
    audit.append(session=session, actor=actor, action="task.assigned", case_id=item.case_id, task_id=item.task_id,
                 details={"element": item.element_id, "aan": person.username, "was_toegewezen_aan": previous,
                          "reden": reason})


PARTY_STAYS = "Wie de overdracht deed, mag in deze zaak niet optreden; de taak bleef staan."


def _party_of(session: Session, by: User, person: User, case_id: int) -> bool:
    """Is ``by``, handing over ``person``'s work, the reporter, the subject or the subject's manager of the case? Then
    they move nothing of it (whatever their role: an absence's hand-over too), and their answer does not name it."""
    return by.id != person.id and access.is_excluded(session=session, user=by, case_id=case_id)


def _hand_over(session: Session, *, by: User, person: User, reason: str, to: User | None,
               via_absence: Absence | None = None, check_by: bool = False) -> HandOver:
    result = HandOver()
    for item in open_work(session=session, user_id=person.id):
        if _party_of(session, by, person, item.case_id):  # not counted to ``by`` either (access.counted_condition)
            result.stayed_party.append(_item_line(session, item, to=person.display_name, reason=PARTY_STAYS))
            continue
        parsed = _parsed(session, item.case_id)
        manifest = parsed.manifest
        if check_by:  # the coordinator acts on the case: in their oversight, and not a party to it
            if not access.can_see_case(session=session, user=by, case_id=item.case_id):
                result.stayed_hidden += 1
                continue
            why = duties.conflict_reason(session, case_id=item.case_id, user=by, slot=COORDINATOR_ROLE,
                                         manifest=manifest)
            if why:
                result.stayed.append(_item_line(session, item, to=person.display_name, reason=why))
                continue
        if to is None:
            _to_pool(session, item, actor=by.username, reason=reason)
            result.moved.append(_item_line(session, item, to="pool"))
            continue
        if via_absence is not None:
            chosen, why = delegate_decision(session, absence=via_absence, case_id=item.case_id, role=item.role,
                                            slot=item.slot, manifest=manifest, task=item, parsed=parsed)
        else:
            why = refusal(session, person=to, case_id=item.case_id, role=item.role, slot=item.slot,
                          manifest=manifest, task=item, parsed=parsed)
        if why:
            _to_pool(session, item, actor=by.username, reason=f"{reason}; {why}")
            result.to_pool.append(_item_line(session, item, to="pool", reason=why))
        else:
            _to_person(session, item, actor=by.username, person=to, reason=reason)
            result.moved.append(_item_line(session, item, to=to.display_name))
    for task in contact.claimed_by(session, user_id=person.id):  # contact tasks (engine.contact), the same way
        if _party_of(session, by, person, task.case_id):
            result.stayed_party.append(_item_line(session, task, to=person.display_name, reason=PARTY_STAYS))
            continue
        if check_by and not access.can_see_case(session=session, user=by, case_id=task.case_id):
            result.stayed_hidden += 1
            continue
        why = None
        if to is not None:
            why = contact.why_not_act(session=session, user=to, task=task)
            if via_absence is not None and why is None and active_absence(session, to.id) is not None:
                why = f"{to.display_name} is zelf ook afwezig."
        if to is None:
            contact.to_pool(session, task, actor=by.username, reason=reason)
            result.moved.append(_item_line(session, task, to="pool"))
        elif why:
            why = f"{to.display_name}: {why}"
            contact.to_pool(session, task, actor=by.username, reason=f"{reason}; {why}")
            result.to_pool.append(_item_line(session, task, to="pool", reason=why))
        else:
            contact.to_person(session, task, actor=by.username, person=to, reason=reason)
            result.moved.append(_item_line(session, task, to=to.display_name))
    session.flush()
    return result


def reassign_all_work(*, session: Session, by: User, user_id: int, to_user_id: int | None, reason: str) -> HandOver:
    """The coordinator hands over all open work of ``user_id`` in one action: to the pool (``to_user_id`` None) or
    to a colleague. A task the colleague may not take (exclusion, separation of duties, missing role) goes to the
    pool, listed with the reason; a task of a case the coordinator may not act on stays."""
    require_coordinator(by)
    person = identity.get_user(session=session, user_id=user_id)
    errors: list[FieldError] = []
    reason = " ".join(str(reason or "").split())
    if not reason:
        errors.append(FieldError("reden", "Geef een reden voor het overdragen."))
    elif len(reason) > 500:
        errors.append(FieldError("reden", "De reden is te lang (hoogstens 500 tekens)."))
    to = None
    if to_user_id is not None:
        to = session.get(User, to_user_id)
        if to is None or not to.active:
            errors.append(FieldError("naar_id", "Kies een bestaande, niet geblokkeerde collega (of de pool)."))
        elif to.id == person.id:
            errors.append(FieldError("naar_id", "Kies een andere collega dan de medewerker zelf."))
    if errors:
        raise InvalidData(errors)
    # The reason stands in the audit chain of every case whose task moves: it names none of their reporters.
    reasons.check_reason(session, case_id=_handed_over_cases(session, by=by, person=person), text=reason)
    result = _hand_over(session, by=by, person=person, reason=reason, to=to, check_by=True)
    if result.to_pool or result.stayed or result.stayed_party:  # why, per task, stays readable (worklist notices)
        notify_coordinators_of_staff_change(
            session, kind="overdracht", subject=person, actor=by.username,
            text=f"Niet al het werk van {person.display_name} ging naar {to.display_name if to else 'de pool'}.",
            items=result.to_pool + result.stayed + result.stayed_party)
    audit.append(session=session, actor=by.username, action="werk_overgedragen",
                 details={"gebruiker_id": person.id, "naar_id": to.id if to else None, "reden": reason,
                          "overgedragen": len(result.moved), "naar_pool": len(result.to_pool),
                          "gebleven": len(result.stayed) + result.stayed_hidden + len(result.stayed_party)})
    return result


def _handed_over_cases(session: Session, *, by: User, person: User) -> set[int]:
    """The cases of ``person``'s claimed work whose tasks a hand-over by ``by`` may move (:func:`_hand_over`: not
    those of a case ``by`` is a party of or may not see)."""
    cases = {i.case_id for i in open_work(session=session, user_id=person.id)}
    cases |= {t.case_id for t in contact.claimed_by(session, user_id=person.id)}
    return {c for c in cases if not _party_of(session, by, person, c)
            and access.can_see_case(session=session, user=by, case_id=c)}


def open_work_view(*, session: Session, by: User, user_id: int) -> tuple[User, list[dict], int]:
    """What the coordinator sees of a person's claimed open tasks before handing them over: the tasks of cases
    they may see (case number, task, role, due date), and how many others there are - not counting those of a case
    the coordinator is excluded from (``access.counted_condition``)."""
    require_coordinator(by)
    person = identity.get_user(session=session, user_id=user_id)
    shown, hidden = [], 0
    roles = known_roles()
    items, tasks = open_work(session=session, user_id=user_id), contact.claimed_by(session, user_id=user_id)
    # a case ``by`` is excluded from is not counted either: "one more task you may not see" would tell them it exists
    excluded = access.excluded_cases(session=session, user=by, case_ids={t.case_id for t in (*items, *tasks)})
    for item in items:
        if item.case_id in excluded:
            continue
        if not access.can_see_case(session=session, user=by, case_id=item.case_id):
            hidden += 1
            continue
        shown.append({**_item_line(session, item, to=person.display_name), "rol": roles.get(item.role, item.role),
                      "termijn": item.due_at})
    for task in tasks:
        if task.case_id in excluded:
            continue
        if not access.can_see_case(session=session, user=by, case_id=task.case_id):
            hidden += 1
            continue
        shown.append({**_item_line(session, task, to=person.display_name), "rol": roles.get(task.role, task.role),
                      "termijn": task.due_at})
    return person, shown, hidden


# --------------------------------------------------------------------------- the coordinator's staff list

def staff_overview(*, session: Session, by: User) -> list[dict]:
    """The coordinator's list of the people of their unit (every unit for a coordinator without one): per active
    person their claimed open tasks (a count) and the absence running today with its delegate, by name. Names,
    counts and dates only; the tasks themselves are on each person's work page (:func:`open_work_view`)."""
    require_coordinator(by)
    query = select(User).where(User.active.is_(True))
    if by.unit is not None:
        query = query.where(User.unit == by.unit)
    people = list(session.scalars(query.order_by(User.display_name, User.id)))
    ids = [p.id for p in people]
    counts: dict[int, int] = {}
    # not counting the tasks of a case the coordinator is excluded from (access.counted_condition)
    excluded = select(Case.id).where(access.excluded_condition(by))
    for model in (WorkItem, ContactTask) if ids else ():  # contact tasks (engine.contact) are claimed work too
        for user_id, n in session.execute(select(model.assignee_id, func.count(model.id))
                                          .where(model.state == "open", model.assignee_id.in_(ids),
                                                 model.case_id.not_in(excluded))
                                          .group_by(model.assignee_id)).all():
            counts[user_id] = counts.get(user_id, 0) + n
    absences = current_absences(session, ids)
    delegates = {u.id: u.display_name for u in session.scalars(
        select(User).where(User.id.in_([a.delegate_id for a in absences.values() if a.delegate_id])))}
    rows = []
    for person in people:
        absence = absences.get(person.id)
        rows.append({"id": person.id, "naam": person.display_name, "gebruikersnaam": person.username,
                     "dienstonderdeel": person.unit, "opgepakt": int(counts.get(person.id, 0)),
                     "afwezig_tot": absence.ends_on if absence else None,
                     "vervanger": (delegates.get(absence.delegate_id, "geen") if absence else None)})
    return rows
