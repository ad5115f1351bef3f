"""Legal holds, destruction lists and the destruction of a case (issue 20).

Flow (as an archive inspector expects): the retention run (``meldpunt retention run``, daily) builds a
*concept* destruction list of the closed cases whose term has passed (engine/records/retention.py) and
that are not on hold; the integrity coordinator *proposes* it; a second person *approves* it (four eyes);
the next retention run destroys every approved case, one transaction per case, and stores the certificate
of destruction (engine/records/certificate.py) with the list.

What destruction leaves (the statistics stub): the ``cases`` row with its number, unit, category, dates and
only the ``summary`` keys the reports read (:data:`STUB_KEYS`), and the completed work items without the
staff who held them (the dashboard's feedback dates). Everything else bound to the case is deleted: every
table with a column referencing ``cases.id`` (and rows referencing those rows), so a table added later
is covered without touching this module.

The audit chain: each case has its own chain (``case:<id>``). The whole chain (events, read events and
head) is deleted with the case and replaced by one *tombstone* event in the ``system`` chain, which
records the chain's last sequence number and hash and how many events it had. The system chain stays
intact and keyed, so ``meldpunt audit verify`` passes; a signed checkpoint that still lists the destroyed
chain is reconciled with the tombstone (engine.audit.checkpoint.compare). Rehashing events with their
payloads blanked (a tombstone per event) was rejected: it would recompute a keyed chain, exactly what
the checkpoints are there to detect, and the events' timestamps and actors are case data too.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.audit.models import AuditEvent, AuditHead
from engine.cases.models import Case, INTEGRITY_CASE
from engine.clock import now
from engine.db import Base, Database
from engine.errors import DomainError, FieldError, InvalidData, NotAuthorized, NotFound
from engine.identity import access
from engine.identity.models import User
from engine.legal_terms import local_date
from engine.records.models import DestructionItem, DestructionList, LegalHold
from engine.records.retention import CLASS_LABELS, DEFAULT_RULES, RetentionRules, outcome_class
from engine.worklist.models import WorkItem

log = logging.getLogger(__name__)

# The Case.summary keys the annual annex, the Woo overview, the dashboard, the monthly overviews and the
# VP tables read (engine/reports); nothing else survives destruction.
STUB_KEYS = ("categorie", "subcategorie", "dienstonderdeel", "afdoeningen", "soort_onderzoek", "uitkomst",
             "inhoud_geanonimiseerd", "datum_melding", "aantal_betrokkenen", "ordemaatregel",
             "ontvangstbevestigd_op", "melder_anoniem", "route")
# Tables that keep their rows of a destroyed case: the stub itself, the lists (no personal data) and the
# audit tables (handled by the tombstone); work items are kept without the staff (see the module doc).
_KEEP = frozenset({"cases", "destruction_list_items", "destruction_lists", "audit_events", "audit_heads",
                   "work_items"})
SYSTEM_ACTOR = "system"


class RecordsRefused(DomainError):
    status = 409
    code = "records-refused"
    title = "Actie op het archief geweigerd"


# --------------------------------------------------------------------------- rules
def current_rules(session: Session) -> RetentionRules:
    """The retention block of the newest deployed process version, or the documented defaults."""
    from engine.processes import service as processes
    from engine.processes.models import ProcessVersion

    version = session.execute(select(ProcessVersion.id, ProcessVersion.content_hash)
                              .order_by(ProcessVersion.id.desc()).limit(1)).first()
    if version is None:
        return DEFAULT_RULES
    parsed = processes.parsed_version(session=session, version_id=version.id, content_hash=version.content_hash)
    return parsed.manifest.retention or DEFAULT_RULES


def _today() -> date:
    return local_date(now())


# --------------------------------------------------------------------------- legal hold
def active_hold(session: Session, case_id: int) -> LegalHold | None:
    return session.scalar(select(LegalHold).where(LegalHold.case_id == case_id, LegalHold.lifted_at.is_(None))
                          .order_by(LegalHold.id.desc()).limit(1))


def _require_manager(session: Session, user: User) -> None:
    if not (access.may_manage_records(user)
            and access.holds_any_role(session=session, user=user, roles=access.RECORDS_ROLES)):  # live
        raise NotAuthorized("Alleen de integriteitscoördinator beheert bewaarplichten en vernietigingslijsten.",
                            reason="alleen-coordinator")


def _require_live_case(session: Session, user: User, case_id: int) -> Case:
    case = access.require_visible_case(session=session, user=user, case_id=case_id)
    # The case's row lock before the check, as the destruction takes it before its own (execute_approved): a hold
    # placed or lifted while the case is being destroyed waits, then finds it destroyed and writes nothing (without
    # the lock it rested on the destroyed case, its reason and a new audit chain with it).
    session.execute(select(Case.id).where(Case.id == case_id).with_for_update())
    if is_destroyed(session, case_id):
        raise RecordsRefused("Deze zaak is al vernietigd.")
    return case


def place_hold(*, session: Session, user: User, case_id: int, reason: str) -> LegalHold:
    """Put a case on legal hold (never destroyed while it lasts); audited in the case's chain."""
    _require_manager(session, user)
    _require_live_case(session, user, case_id)
    reason = " ".join((reason or "").split())
    if not reason:
        message = "Geef de reden van de bewaarplicht (bijvoorbeeld een rechtszaak, Woo-verzoek of klacht)."
        raise InvalidData([FieldError("reden", message)], detail=message)
    if active_hold(session, case_id) is not None:
        raise RecordsRefused("Op deze zaak rust al een bewaarplicht.")
    hold = LegalHold(case_id=case_id, reason=reason[:2000], placed_by=user.username, placed_at=now())
    session.add(hold)
    session.flush()
    audit.append(session=session, actor=user.username, action="bewaarplicht.ingesteld", case_id=case_id,
                 details={"bewaarplicht": hold.id, "reden": hold.reason})
    recheck_case(session, case_id, actor=user.username)
    return hold


def lift_hold(*, session: Session, user: User, case_id: int) -> LegalHold:
    _require_manager(session, user)
    _require_live_case(session, user, case_id)
    hold = active_hold(session, case_id)
    if hold is None:
        raise RecordsRefused("Op deze zaak rust geen bewaarplicht.")
    hold.lifted_by, hold.lifted_at = user.username, now()
    audit.append(session=session, actor=user.username, action="bewaarplicht.opgeheven", case_id=case_id,
                 details={"bewaarplicht": hold.id})
    return hold


@dataclass(frozen=True)
class CaseRetention:
    case_id: int
    status: str  # open | bewaard | vernietigd
    outcome_class: str | None
    closed_on: date | None
    end_of_term: date | None
    hold: LegalHold | None
    holds: list[LegalHold]
    # Why the case is not destroyed although its term has passed (:func:`postponement`); None while the term runs
    # or when nothing holds it back.
    postponed: Postponement | None = None


def case_retention(*, session: Session, user: User, case_id: int) -> CaseRetention:
    """What the case file shows: its class, term and holds, and - once its term has passed - why it is not yet
    destroyed (for who may see the case)."""
    case = access.require_visible_case(session=session, user=user, case_id=case_id)
    holds = list(session.scalars(select(LegalHold).where(LegalHold.case_id == case_id).order_by(LegalHold.id)))
    hold = next((h for h in reversed(holds) if h.lifted_at is None), None)
    if is_destroyed(session, case_id):
        return CaseRetention(case_id, "vernietigd", None, None, None, None, [])
    if case.status != "closed" or case.closed_at is None:
        return CaseRetention(case_id, "open", None, None, None, hold, holds)
    klass, closed_on = outcome_class(case.summary or {}), local_date(case.closed_at)
    rules, today = current_rules(session), _today()
    end = rules.end_of_term(klass, closed_on)
    postponed = postponement(session, case, rules=rules, today=today) if today > end else None
    if postponed is not None and postponed.code in CONTACT_CODES and not _sees_contact(session, user, case):
        postponed = CONTACT_RUNS  # that a signal of retaliation is open is the reporter's business
    return CaseRetention(case_id, "bewaard", klass, closed_on, end, hold, holds, postponed)


# --------------------------------------------------------------------------- destruction lists
def is_destroyed(session: Session, case_id: int) -> bool:
    return session.scalar(select(exists().where(DestructionItem.case_id == case_id,
                                                DestructionItem.status == "vernietigd"))) is True


def lock_live_case(session: Session, case_id: int, *, exclusive: bool = False) -> None:
    """Share-lock the case's row before the reporter writes into it, and refuse when the case is destroyed. The
    destruction (:func:`execute_approved`) holds the row for update, so a message or request that arrives while the
    case is destroyed waits, then finds it destroyed and writes nothing; without the lock it waited on the case's key
    and then rested on the destroyed case. ``exclusive``: lock it for update from the start, for a write that goes on
    to open a contact task (which locks the row for update: two writers that each held it shared would deadlock)."""
    session.execute(select(Case.id).where(Case.id == case_id).with_for_update(read=not exclusive))
    if is_destroyed(session, case_id):
        raise NotFound("Zaak niet gevonden.")


def _listed_condition():
    """Cases already destroyed or on a list that is not yet executed."""
    pending = select(DestructionItem.case_id).join(DestructionList, DestructionList.id == DestructionItem.list_id) \
        .where((DestructionItem.status == "vernietigd")
               | ((DestructionItem.status == "te_vernietigen") & (DestructionList.status != "uitgevoerd")))
    return Case.id.in_(pending)


def due_cases(*, session: Session, today: date | None = None) -> list[tuple[Case, str, date, date]]:
    """Closed cases whose term has passed, not postponed (:func:`postponement`) and not already listed:
    (case, class, closed, end)."""
    today = today or _today()
    rules = current_rules(session)
    held = select(LegalHold.case_id).where(LegalHold.lifted_at.is_(None))
    out = []
    for case in session.scalars(select(Case).where(INTEGRITY_CASE, Case.status == "closed", Case.closed_at.is_not(None),
                                                   Case.id.not_in(held), ~_listed_condition())
                                .order_by(Case.closed_at, Case.id)):
        klass, closed_on = outcome_class(case.summary or {}), local_date(case.closed_at)
        end = rules.end_of_term(klass, closed_on)
        if today > end and postponement(session, case, rules=rules, today=today) is None:
            out.append((case, klass, closed_on, end))
    return out


@dataclass(frozen=True)
class Postponement:
    """Why a case is not destroyed now, whatever its own term says: the engine's one decision, used for the list,
    its proposal, its approval, the destruction itself (in its own transaction) and the case's retention page.
    ``text`` is Dutch for the records officer and names no person; ``until`` is the last day of the postponement
    when it is known."""
    code: str  # niet_afgesloten | bewaarplicht | signaal_benadeling | verslag_ter_controle | contacttaak |
    #            nazorg_gepland | nazorg_termijn
    text: str
    until: date | None = None


# The postponements that tell something of the contact with the reporter after closure; shown in full only to who
# may see that contact (the follow-up) or keeps the records, to the others as :data:`CONTACT_RUNS`.
CONTACT_CODES = frozenset({"signaal_benadeling", "verslag_ter_controle", "contacttaak", "nazorg_gepland",
                           "nazorg_termijn"})
CONTACT_RUNS = Postponement("contact_melder", "Het contact met de melder na afsluiting loopt nog; de zaak wordt pas "
                                              "daarna vernietigd.")


def _sees_contact(session: Session, user: User, case: Case) -> bool:
    from engine.contact.service import may_see_follow_up

    return access.may_read_records(user) or may_see_follow_up(session=session, user=user, case=case)


def postponement(session: Session, case: Case, *, rules: RetentionRules | None = None,
                 today: date | None = None) -> Postponement | None:
    """Whether (and why) ``case`` must not be destroyed today: it is not closed, a legal hold rests on it, or contact
    with the reporter runs - a signal of retaliation, the transcript of an oral report under review
    (:func:`_transcript_under_review`), another contact task open, a check-in after closure still planned, or the
    last check-in sent less than the ``ontvangstcodes`` term ago (the reporter can still answer it). Destroying
    such a case would cut the reporter off and remove the signal. None: nothing holds it back."""
    from engine.contact.models import ContactTask, FollowUp
    from engine.contact.service import RETALIATION
    from engine.functions import dutch_date

    if case.status != "closed" or case.closed_at is None:
        return Postponement("niet_afgesloten", "De zaak is niet (meer) afgesloten.")
    if active_hold(session, case.id) is not None:
        return Postponement("bewaarplicht", "Er rust een bewaarplicht op de zaak; zij wordt niet vernietigd zolang "
                                            "die geldt.")
    today = today or _today()
    rules = rules or current_rules(session)
    kinds = set(session.scalars(select(ContactTask.kind).where(ContactTask.case_id == case.id,
                                                               ContactTask.state == "open")))
    follow_ups = session.execute(select(FollowUp.state, FollowUp.due_at, FollowUp.signal)
                                 .where(FollowUp.case_id == case.id)).all()
    if RETALIATION in kinds or any(signal == "open" for *_, signal in follow_ups):
        return Postponement("signaal_benadeling", "Er staat een signaal van benadeling van de melder open; de zaak "
                                                  "wordt niet vernietigd zolang het niet is afgehandeld.")
    corrected, review_due = _transcript_under_review(session, case.id, today)
    if corrected:
        return Postponement("verslag_ter_controle", "De melder stuurde correcties op het verslag van een mondelinge "
                                                    "melding; de zaak wordt niet vernietigd zolang het meldpunt geen "
                                                    "nieuwe versie heeft voorgelegd en de melder die niet heeft "
                                                    "kunnen controleren en ondertekenen.")
    if review_due is not None:
        return Postponement("verslag_ter_controle", f"Het verslag van een mondelinge melding ligt bij de melder ter "
                                                    f"controle en ondertekening tot en met {dutch_date(review_due)}; "
                                                    f"de zaak wordt niet eerder vernietigd.", until=review_due)
    if kinds:
        return Postponement("contacttaak", "Er staat een taak bij het contact met de melder open; de zaak wordt "
                                           "niet vernietigd zolang die niet is afgerond.")
    planned = sorted(local_date(due_at) for state, due_at, _ in follow_ups if state == "gepland")
    if planned:
        return Postponement("nazorg_gepland", f"Er is nog een nazorgvraag aan de melder gepland (op "
                                              f"{dutch_date(planned[-1])}); de zaak wordt niet vernietigd zolang de "
                                              f"nazorg loopt.")
    last = _last_contact(session, case.id, local_date(case.closed_at), today)
    if last is not None and last[1] is not None:
        start, what = last
        end = rules.part_end_of_term("ontvangstcodes", start)
        if end is not None and today <= end:
            can = CONTACT_AFTER_CLOSURE[what].format(start=dutch_date(start))
            return Postponement("nazorg_termijn", f"De melder kan tot en met {dutch_date(end)} {can}; de zaak wordt "
                                                  f"niet eerder vernietigd.", until=end)
    return None


def build_list(*, session: Session, actor: str = SYSTEM_ACTOR, today: date | None = None) -> DestructionList | None:
    """A concept destruction list of every due case (None when nothing is due)."""
    due = due_cases(session=session, today=today)
    if not due:
        return None
    dlist = DestructionList(status="concept", built_at=now(), built_by=actor)
    session.add(dlist)
    session.flush()
    for case, klass, closed_on, end in due:
        session.add(DestructionItem(list_id=dlist.id, case_id=case.id, reference=case.reference,
                                    outcome_class=klass, closed_on=closed_on, end_of_term=end))
    session.flush()
    audit.append(session=session, actor=actor, action="vernietigingslijst.opgesteld",
                 details={"lijst": dlist.id, "zaken": len(due)})
    return dlist


HELD_BACK = "Aangehouden"  # the note of a case held back from a list not yet executed: "Aangehouden: <reason>"


def _hold_back(session: Session, item: DestructionItem, reason: Postponement, actor: str) -> None:
    """Take ``item``'s case off its list (status ``overgeslagen``, with the Dutch reason for the records officer):
    it is not destroyed with this list, and the next retention run lists it again once nothing postpones it and its
    term has passed (a new list: a new proposal and approval)."""
    item.status, item.note = "overgeslagen", f"{HELD_BACK}: {reason.text}"[:300]
    audit.append(session=session, actor=actor, action="vernietigingslijst.zaak_aangehouden", case_id=item.case_id,
                 details={"lijst": item.list_id, "reden": reason.code})


def recheck_list(session: Session, list_id: int, *, actor: str = SYSTEM_ACTOR) -> int:
    """Hold back every case of a list not yet executed that something now postpones (:func:`postponement`): a
    signal of retaliation or a check-in that arrived, a legal hold placed, a longer term for the reporter's contact
    deployed since the list was built. Returns how many were held back."""
    rules, today, held = current_rules(session), _today(), 0
    for item in session.scalars(select(DestructionItem).where(DestructionItem.list_id == list_id,
                                                              DestructionItem.status == "te_vernietigen")
                                .order_by(DestructionItem.id)).all():
        case = session.get(Case, item.case_id)
        reason = (postponement(session, case, rules=rules, today=today) if case is not None
                  else Postponement("niet_afgesloten", "De zaak is niet gevonden."))
        if reason is not None:
            _hold_back(session, item, reason, actor)
            held += 1
    session.flush()
    return held


def recheck_case(session: Session, case_id: int, *, actor: str = SYSTEM_ACTOR) -> int:
    """:func:`recheck_list` for the lists not yet executed on which ``case_id`` waits: called where contact with the
    reporter reopens (engine.contact) and where a legal hold is placed, so the case leaves the list at once."""
    pending = select(DestructionItem.list_id).join(DestructionList, DestructionList.id == DestructionItem.list_id) \
        .where(DestructionItem.case_id == case_id, DestructionItem.status == "te_vernietigen",
               DestructionList.status != "uitgevoerd")
    return sum(recheck_list(session, list_id, actor=actor) for list_id in session.scalars(pending).all())


def _require_reader(session: Session, user: User) -> None:
    """The records roles, held now (``access.holds_any_role``: a role taken away in another server process, whose
    cached session still lists it, ends the access at once)."""
    if not (access.may_read_records(user) and access.holds_any_role(
            session=session, user=user, roles=access.RECORDS_ROLES | access.DESTRUCTION_APPROVER_ROLES)):
        raise NotAuthorized("U heeft geen toegang tot de vernietigingslijsten.")


def get_list(*, session: Session, user: User, list_id: int) -> DestructionList:
    _require_reader(session, user)
    dlist = session.get(DestructionList, list_id)
    if dlist is None:
        raise NotFound("Vernietigingslijst niet gevonden.")
    return dlist


def list_lists(*, session: Session, user: User) -> list[DestructionList]:
    _require_reader(session, user)
    return list(session.scalars(select(DestructionList).order_by(DestructionList.id.desc())))


def items(session: Session, list_id: int) -> list[DestructionItem]:
    """Every row of a list: for the engine (the destruction, the stored certificate), never shown as such to a user
    (:func:`visible_items`)."""
    return list(session.scalars(select(DestructionItem).where(DestructionItem.list_id == list_id)
                                .order_by(DestructionItem.id)))


def _own_cases(user: User):
    """The cases in which ``user`` is the reporter, the subject or the subject's manager (``access.is_excluded``)."""
    return select(Case.id).where(access.excluded_condition(user))


def visible_items(*, session: Session, user: User, list_id: int) -> list[DestructionItem]:
    """The rows of a list ``user`` may read (:func:`get_list` checked the list): not the row of a case in which they
    are a party. Such a row is not there for them at all - not counted, not in the certificate they download
    (:func:`certificate_for`) - so a party does not learn from the list that their case is due, held or destroyed.
    (After destruction the case's parties are erased with the rest of the file; the row then names a case nobody
    can be linked to any more.)"""
    return list(session.scalars(select(DestructionItem).where(DestructionItem.list_id == list_id,
                                                              DestructionItem.case_id.not_in(_own_cases(user)))
                                .order_by(DestructionItem.id)))


def certificate_for(*, session: Session, user: User, list_id: int) -> tuple[str, bytes]:
    """The certificate of destruction of an executed list as ``user`` may download it: (file name, Word document).
    The stored certificate, or - when a row of it is one ``user`` may not see (:func:`visible_items`) - the same
    certificate rendered without that row."""
    from engine.records.certificate import certificate_docx

    dlist = get_list(session=session, user=user, list_id=list_id)
    if dlist.certificate_filename is None:
        raise NotFound("Deze lijst is nog niet uitgevoerd; er is nog geen verklaring van vernietiging.")
    every, shown = items(session, list_id), visible_items(session=session, user=user, list_id=list_id)
    if len(shown) == len(every):
        return dlist.certificate_filename, dlist.certificate
    executed = max((i.destroyed_at for i in every if i.destroyed_at is not None), default=None)
    return dlist.certificate_filename, certificate_docx(dlist, shown, executed_at=executed)


PARTY_ON_LIST = ("Op deze vernietigingslijst staat een zaak waarin u niet mag optreden. Laat een andere bevoegde "
                 "collega de lijst voorstellen of goedkeuren.")


def _require_no_party(session: Session, user: User, list_id: int) -> None:
    """Nobody proposes or approves the destruction of a case in which they are the reporter, the subject or the
    subject's manager (DOMAIN §2: a party does not handle its own case; the four eyes must be independent)."""

    own = select(Case.id).where(access.excluded_condition(user))
    if session.scalar(select(DestructionItem.id).where(DestructionItem.list_id == list_id,
                                                       DestructionItem.case_id.in_(own)).limit(1)) is not None:
        raise NotAuthorized(PARTY_ON_LIST)


def propose(*, session: Session, user: User, list_id: int) -> DestructionList:
    """The coordinator proposes a concept list for destruction."""
    _require_manager(session, user)
    dlist = get_list(session=session, user=user, list_id=list_id)
    _require_no_party(session, user, dlist.id)
    if dlist.status != "concept":
        raise RecordsRefused("Alleen een conceptlijst kan worden voorgesteld.")
    recheck_list(session, dlist.id, actor=user.username)
    dlist.status, dlist.proposed_by, dlist.proposed_at = "voorgesteld", user.username, now()
    audit.append(session=session, actor=user.username, action="vernietigingslijst.voorgesteld",
                 details={"lijst": dlist.id})
    return dlist


def approve(*, session: Session, user: User, list_id: int) -> DestructionList:
    """A second person approves a proposed list (four eyes); the next retention run destroys its cases."""
    dlist = get_list(session=session, user=user, list_id=list_id)
    if dlist.status != "voorgesteld":
        raise RecordsRefused("Alleen een voorgestelde vernietigingslijst kan worden goedgekeurd.")
    if user.username == dlist.proposed_by:
        raise NotAuthorized("Vier ogen: wie de vernietigingslijst voorstelt, mag hem niet ook goedkeuren. "
                            "Laat een tweede bevoegde collega goedkeuren.", reason="vier-ogen-vernietiging")
    if not access.may_approve_destruction(user, proposed_by=dlist.proposed_by):
        raise NotAuthorized("Alleen de integriteitscoördinator of het Bureau Veiligheid en Integriteit keurt "
                            "een vernietigingslijst goed.")
    _require_no_party(session, user, dlist.id)
    recheck_list(session, dlist.id, actor=user.username)
    dlist.status, dlist.approved_by, dlist.approved_at = "goedgekeurd", user.username, now()
    audit.append(session=session, actor=user.username, action="vernietigingslijst.goedgekeurd",
                 details={"lijst": dlist.id})
    return dlist


# --------------------------------------------------------------------------- destruction
def _case_tables():
    """(table, condition builder) for every table holding rows of a case, children before parents."""
    from engine.models import import_all

    import_all()
    tables = Base.metadata.sorted_tables
    # table name -> column referencing cases.id; a kept table too (work items): the rows pointing at its rows of the
    # case go (a draft of a task the process cancelled, which no completion discarded)
    bound: dict[str, object] = {}
    for t in tables:
        if t.name == "cases":
            continue
        for col in t.columns:
            if any(fk.column.table.name == "cases" for fk in col.foreign_keys) or col.name == "case_id":
                bound[t.name] = col
                break
    plan = []
    for t in reversed(tables):
        if t.name in _KEEP:
            continue
        if t.name in bound:
            col = bound[t.name]
            plan.append((t, lambda case_id, col=col: col == case_id))
            continue
        for col in t.columns:  # a row pointing at a case-bound row (e.g. a reporter session at its receipt)
            for fk in col.foreign_keys:
                parent = fk.column.table
                if parent.name in bound:
                    pcol, key = bound[parent.name], fk.column
                    plan.append((t, lambda case_id, col=col, pcol=pcol, key=key:
                                 col.in_(select(key).where(pcol == case_id))))
    return plan


def destroy_case(*, session: Session, case_id: int, actor: str, list_id: int | None = None) -> dict:
    """Destroy one case inside the caller's transaction; returns the tombstone's details."""
    case = session.scalar(select(Case).where(Case.id == case_id).with_for_update())
    if case is None:
        raise NotFound("Zaak niet gevonden.")
    reason = postponement(session, case)  # checked under the case's row lock: see execute_approved
    if reason is not None:
        raise RecordsRefused(f"Deze zaak wordt niet vernietigd. {reason.text}")
    from engine.cases.search import forget_terms
    from engine.reports.woo import forget_names

    summary = case.summary or {}
    stub = {k: summary[k] for k in STUB_KEYS if k in summary}
    views_removed = _remove_views_naming_persons(session, case)  # while the case's names are still known
    if not _anonymous(session, case, stub.get("inhoud_geanonimiseerd")):
        # checked now, while the case's names are known: afterwards the stub has none to check it against, and the
        # reports and precedents would print a summary they withheld until today
        del stub["inhoud_geanonimiseerd"]
    forget_terms(session, case_id=case_id)  # the search index keeps no stems of it (SQLite FTS5 segments)
    deleted = {}
    for table, condition in _case_tables():
        result = session.execute(delete(table).where(condition(case_id)))
        if result.rowcount:
            deleted[table.name] = result.rowcount
    session.execute(update(WorkItem).where(WorkItem.case_id == case_id)
                    .values(assignee_id=None, completed_by_id=None, form=None, view=None))
    case.summary = stub
    case.state, case.created_by, case.updated_at = None, SYSTEM_ACTOR, now()
    # The case's audit chain goes with it; the tombstone in the system chain keeps its last link.
    chain = audit.chain_for(case_id)
    head = session.scalar(select(AuditHead).where(AuditHead.chain == chain))
    chained = session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.chain == chain, AuditEvent.seq.is_not(None))) or 0
    reads = session.scalar(select(func.count()).select_from(AuditEvent)
                           .where(AuditEvent.chain == chain, AuditEvent.seq.is_(None))) or 0
    session.execute(delete(AuditEvent).where((AuditEvent.chain == chain) | (AuditEvent.case_id == case_id)))
    session.execute(delete(AuditHead).where(AuditHead.chain == chain))
    audit.forget_chain(session, chain)
    forget_names(case_id)  # this process's memo of the names in its workflow data
    details = {"zaak": case_id, "zaaknummer": case.reference, "keten": chain,
               "volgnummer": head.seq if head else 0, "laatste_hash": head.hash if head else audit.GENESIS,
               "gebeurtenissen": chained, "leesgebeurtenissen": reads, "lijst": list_id,
               "verwijderd": deleted, "weergaven_verwijderd": views_removed}
    audit.append(session=session, actor=actor, action=audit.TOMBSTONE_ACTION, details=details)
    return details


def _remove_views_naming_persons(session: Session, case: Case) -> int | None:
    """Remove the saved views (of any employee) whose name or search names a person of ``case`` - reporter, subject,
    witnesses, parties, the reporter's contact details - and tell their owners without naming anything
    (``engine.cases.views.remove_views_naming``). Such a view is the employee's own, but after the destruction
    nothing may remain that names the persons of the case; it would also keep finding the same person elsewhere,
    which is exactly the link the destruction ends. None when the case's names cannot be read (logged without
    names); then no view is removed."""
    from engine.cases.views import remove_views_naming
    from engine.reports.woo import ReportRefused, case_names

    try:
        names, _places, contacts = case_names(session, case_id=case.id, reference=case.reference,
                                              imported=bool(case.imported))
    except ReportRefused:
        log.warning("destruction of case %s: its names could not be read; saved views not checked", case.id)
        return None
    return remove_views_naming(session, names=names, contacts=contacts)


def _anonymous(session: Session, case: Case, text) -> bool:
    """Whether the case's anonymised summary passes the reports' anonymisation check against the case's own names,
    places and contact details (``engine.reports.woo.check_case_text``); a summary that cannot be checked does not."""
    from engine.reports.woo import ReportRefused, check_case_text

    if not isinstance(text, str) or not text.strip():
        return True
    try:
        check_case_text(session, case_id=case.id, reference=case.reference, imported=bool(case.imported), text=text)
    except ReportRefused:
        return False
    return True


def execute_approved(*, database: Database, actor: str = SYSTEM_ACTOR) -> int:
    """Destroy the cases of every approved list, one transaction per case; then store each list's
    certificate. Returns how many cases were destroyed. A case that something postpones now (:func:`postponement`:
    a legal hold, contact with the reporter reopened, the case reopened) is skipped with the reason and stays."""
    from engine.records.certificate import certificate_docx

    destroyed = 0
    with database.session() as session:
        list_ids = list(session.scalars(select(DestructionList.id).where(DestructionList.status == "goedgekeurd")
                                        .order_by(DestructionList.id)))
    for list_id in list_ids:
        with database.session() as session:
            todo = list(session.scalars(select(DestructionItem.id).where(
                DestructionItem.list_id == list_id, DestructionItem.status == "te_vernietigen")
                .order_by(DestructionItem.id)))
        for item_id in todo:
            with database.session() as session:  # one transaction per case
                item = session.get(DestructionItem, item_id)
                # The case's row lock first, then the check, in the transaction that destroys: whatever reopens
                # contact with the reporter (engine.contact) locks the same row, so it either committed before this
                # check sees it or waits and finds the case destroyed.
                case = session.scalar(select(Case).where(Case.id == item.case_id).with_for_update())
                reason = (postponement(session, case) if case is not None
                          else Postponement("niet_afgesloten", "De zaak is niet gevonden."))
                if reason is not None:
                    item.status, item.note = "overgeslagen", reason.text[:300]
                    audit.append(session=session, actor=actor, action="vernietigingslijst.zaak_aangehouden",
                                 case_id=item.case_id if case is not None else None,
                                 details={"lijst": list_id, "reden": reason.code})
                else:
                    destroy_case(session=session, case_id=item.case_id, actor=actor, list_id=list_id)
                    item.status, item.destroyed_at = "vernietigd", now()
                    destroyed += 1
        with database.session() as session:
            dlist = session.get(DestructionList, list_id)
            dlist.certificate = certificate_docx(dlist, items(session, list_id))
            dlist.certificate_filename = f"verklaring-van-vernietiging-{list_id}.docx"
            dlist.status = "uitgevoerd"
            audit.append(session=session, actor=actor, action="vernietigingslijst.uitgevoerd",
                         details={"lijst": list_id, "vernietigd": sum(
                             1 for i in items(session, list_id) if i.status == "vernietigd")})
    return destroyed


def _transcript_under_review(session: Session, case_id: int, today: date) -> tuple[bool, date | None]:
    """Whether the reporter's corrections to a transcript of an oral report wait for the desk's new version, and
    the last day of the latest review term that still runs (a transcript offered to the reporter to check, correct
    and sign, ``reporter_contact.oral_report.review_term``; None when none runs). Once the term passed unsigned the
    timer worker opens a contact task for the desk, which holds the case in its turn."""
    from engine.contact.models import OralReport

    rows = session.execute(select(OralReport.status, OralReport.review_due).where(
        OralReport.case_id == case_id, OralReport.status.in_(("ter_controle", "correctie_ontvangen")))).all()
    running = [due for status, due in rows if status == "ter_controle" and due >= today]
    return any(status == "correctie_ontvangen" for status, _ in rows), max(running, default=None)


# What the reporter can still do after the last contact after closure, as the retention page says it
# (``_last_contact``; ``{start}`` is that day).
CONTACT_AFTER_CLOSURE = {
    "nazorgvraag": "reageren op de laatste nazorgvraag (van {start})",
    "bericht": "het laatste bericht in de berichtenbox (van {start}) lezen en beantwoorden",
    "verslag": "het verslag van een mondelinge melding inzien dat op {start} werd ondertekend",
}


def _last_contact(session: Session, case_id: int, closed_on: date,
                  today: date | None = None) -> tuple[date, str | None] | None:
    """The day from which the ``ontvangstcodes`` term runs, and what happened that day (a key of
    :data:`CONTACT_AFTER_CLOSURE`; None for the closing day): the closing day, or the last contact with the reporter
    after closure when that is later — a check-in (``reporter_contact.follow_up``, from the day it was due), a
    message either way in her mailbox, her signature under a transcript of an oral report — so that she can read and
    answer, with her receipt code, what the last contact brought, for the whole term. None while contact is still
    open: a check-in that is planned, an open contact task (a signal of retaliation being followed up, corrections
    the desk has not yet answered), or a transcript the reporter can still check, correct and sign within its term,
    or whose corrections wait for the desk (:func:`_transcript_under_review`): the anonymous reporter signs with her
    receipt code."""
    from engine.contact.models import ContactTask, FollowUp, OralReport
    from engine.intake.models import CaseMessage

    if session.scalar(select(exists().where(ContactTask.case_id == case_id, ContactTask.state == "open"))):
        return None
    corrected, review_due = _transcript_under_review(session, case_id, today or _today())
    if corrected or review_due is not None:
        return None
    # (day, rank, kind): on one day, a check-in is named rather than the message that carried it, and her
    # signature rather than the message that offered the version she signed
    contacts = []
    for state, due_at in session.execute(select(FollowUp.state, FollowUp.due_at).where(
            FollowUp.case_id == case_id, FollowUp.state != "geen_inbox")).all():
        if state == "gepland":
            return None
        contacts.append((local_date(due_at), 1, "nazorgvraag"))
    message, signature = session.execute(select(
        select(func.max(CaseMessage.created_at)).where(CaseMessage.case_id == case_id).scalar_subquery(),
        select(func.max(OralReport.signed_at)).where(OralReport.case_id == case_id).scalar_subquery(),
    )).one()
    if message is not None:
        contacts.append((local_date(message), 0, "bericht"))
    if signature is not None:
        contacts.append((local_date(signature), 2, "verslag"))
    after = [contact for contact in contacts if contact[0] > closed_on]
    if not after:
        return closed_on, None
    day, _rank, what = max(after)
    return day, what


def purge_receipt_codes(*, session: Session, today: date | None = None) -> int:
    """Receipt codes (and their sessions) of closed cases past the ``ontvangstcodes`` term: the anonymous
    reporter's way in ends before the file itself is destroyed. The term runs from the closing day or, when later,
    from the last contact with the reporter after closure (:func:`_last_contact`). Returns how many cases were purged."""
    from engine.identity.models import ReceiptCode, ReporterSession

    today = today or _today()
    end_for = current_rules(session).part_end_of_term
    held = select(LegalHold.case_id).where(LegalHold.lifted_at.is_(None))
    rows = session.execute(select(Case.id, Case.closed_at).where(
        Case.status == "closed", Case.closed_at.is_not(None), Case.id.not_in(held),
        Case.id.in_(select(ReceiptCode.case_id)))).all()
    purged = 0
    for case_id, closed_at in rows:
        last = _last_contact(session, case_id, local_date(closed_at), today)
        if last is None:
            continue
        start = last[0]
        end = end_for("ontvangstcodes", start)
        if end is None or today <= end:
            continue
        receipts = select(ReceiptCode.id).where(ReceiptCode.case_id == case_id)
        session.execute(delete(ReporterSession).where(ReporterSession.receipt_id.in_(receipts)))
        session.execute(delete(ReceiptCode).where(ReceiptCode.case_id == case_id))
        audit.append(session=session, actor=SYSTEM_ACTOR, action="ontvangstcode.verwijderd", case_id=case_id,
                     details={"reden": "bewaartermijn ontvangstcodes verstreken"})
        purged += 1
    return purged


@dataclass(frozen=True)
class RunResult:
    destroyed: int
    receipt_codes_purged: int
    new_list_id: int | None
    listed: int


def run(*, database: Database, today: date | None = None) -> RunResult:
    """The daily retention run: destroy approved lists, purge expired receipt codes, build a new list."""
    destroyed = execute_approved(database=database)
    with database.session() as session:
        purged = purge_receipt_codes(session=session, today=today)
    with database.session() as session:
        dlist = build_list(session=session, today=today)
        new_id = dlist.id if dlist else None
        listed = len(items(session, new_id)) if new_id else 0
    return RunResult(destroyed, purged, new_id, listed)


def class_label(klass: str) -> str:
    return CLASS_LABELS.get(klass, klass)


DAILY_ACTION = "bewaartermijnronde.gestart"


class _AlreadyRan(Exception):
    pass



def daily_run(*, database: Database) -> RunResult | None:
    """The retention run once per calendar day (Europe/Amsterdam, engine clock), for the timer worker: the first
    sweep of a day runs it, every later sweep that day (of this or another worker) does nothing and returns None.

    The marker is an audit event in the system chain: appending it row-locks the chain's head, so of two workers
    the second waits, then sees the first one's marker and backs out (its transaction rolls back)."""
    from engine.legal_terms import end_of_day_utc

    today = _today()
    if getattr(database, "_retention_done_on", None) == today:  # this process saw today's run: no query
        return None
    start_of_today = end_of_day_utc(date.fromordinal(today.toordinal() - 1))
    ran_today = (select(func.count()).select_from(AuditEvent)
                 .where(AuditEvent.action == DAILY_ACTION, AuditEvent.at >= start_of_today))
    with database.session() as session:
        if session.scalar(ran_today):
            database._retention_done_on = today
            return None
    try:
        with database.session() as session:
            audit.append(session=session, actor=SYSTEM_ACTOR, action=DAILY_ACTION, details={"dag": today})
            if session.scalar(ran_today) > 1:  # another worker's marker, committed while we waited for the lock
                raise _AlreadyRan
    except _AlreadyRan:
        database._retention_done_on = today
        return None
    database._retention_done_on = today
    return run(database=database, today=today)
