"""Revealing the reporter's identity to someone outside the reporting desk and coordinator.

DOMAIN §4: the identity goes only to the staff authorised to handle the report; a
disclosure to another role needs a recorded reason and the integrity coordinator's
approval, and the reporter is told beforehand, in writing, with reasons. Here:

1. ``request_reveal``: a user who may see the case asks to reveal the identity to a
   grantee (a user who can see the case), with a reason. Audited.
2. ``decide_reveal``: an integrity coordinator of the case (not the requester, not the
   grantee) approves or refuses. On approval, in the same transaction and *before* the
   reveal is marked effective:

   a. a letter to the reporter (template ``kennisgeving_bekendmaking_identiteit``: to whom
      by role, why, what they can do; never the subject) is rendered and stored in the
      case file like every letter (immutable, sha256; ``documents.service``) and audited;
   b. a message pointing at it, with the reason, is placed in the reporter channel
      (``case_messages``; the reporter reads it, and downloads the letter, with the
      receipt code or as a known reporter) and audited;

   only then ``reporter_informed_at`` is set and ``is_revealed_to`` becomes true. If the
   letter cannot be produced (missing data, a reason that names the subject, a storage
   failure) the exception propagates and the caller's transaction rolls back: the request
   stays ``aangevraagd`` and the identity stays hidden.
"""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.clock import now
from engine.errors import FieldError, InvalidData, NotAuthorized, NotFound, TaskNotReady
from engine.identity.models import User
from engine.cases import reasons
from engine.cases.models import Case, CaseParty
from engine.cases.reveal_models import IdentityReveal
from engine.intake.models import CaseMessage

COORDINATOR = "integriteitscoordinator"
MAX_REASON = 2000
LETTER_TEMPLATE = "kennisgeving_bekendmaking_identiteit"
LETTER_RECIPIENT = "melder"


_REVEALED = select(IdentityReveal.id).where(  # built once (issue 25): every task page of a case worker asks
    IdentityReveal.case_id == bindparam("case_id"), IdentityReveal.grantee_id == bindparam("user_id"),
    IdentityReveal.state == "goedgekeurd", IdentityReveal.reporter_informed_at.is_not(None)).limit(1)


def is_revealed_to(*, session: Session, user: User, case_id: int) -> bool:
    return session.scalar(_REVEALED, {"case_id": case_id, "user_id": user.id}) is not None


def request_reveal(*, session: Session, case_id: int, by: User, grantee_id: int, reason: str) -> IdentityReveal:
    from engine.identity import access

    reason = (reason or "").strip()
    if not reason:
        raise InvalidData([FieldError("reden", "Een reden is verplicht.")])
    if len(reason) > MAX_REASON:
        raise InvalidData([FieldError("reden", f"Hoogstens {MAX_REASON} tekens.")])
    reasons.check_reason(session, case_id=case_id, text=reason)  # the reason stands in the case's audit chain
    grantee = session.get(User, grantee_id)
    if grantee is None or not access.can_see_case(session=session, user=grantee, case_id=case_id):
        raise InvalidData([FieldError("ontvanger_id", "Deze medewerker behandelt deze zaak niet.")])
    row = IdentityReveal(case_id=case_id, grantee_id=grantee.id, requested_by_id=by.id, reason=reason,
                         state="aangevraagd", requested_at=now())
    session.add(row)
    session.flush()
    audit.append(session=session, actor=by.username, action="identity.reveal_requested", case_id=case_id,
                 details={"verzoek": row.id, "ontvanger": grantee.username, "reden": reason})
    return row


OWN_REQUEST = "U kunt niet beslissen over een verzoek dat u zelf deed of dat u zelf betreft."


def decide_reveal(*, session: Session, case_id: int, reveal_id: int, by: User, approve: bool,
                  note: str | None = None) -> IdentityReveal:
    from engine.identity import access

    row = session.get(IdentityReveal, reveal_id)
    if row is None or row.case_id != case_id:
        raise NotFound("Verzoek niet gevonden.")
    refusal = why_not_decider(session=session, user=by, row=row)
    if refusal:
        raise NotAuthorized(refusal, reason="eigen-verzoek-onthulling" if refusal == OWN_REQUEST else None)
    if row.state != "aangevraagd":
        raise TaskNotReady("Over dit verzoek is al beslist.")
    if not approve and not (note or "").strip():
        raise InvalidData([FieldError("toelichting", "Geef de reden van de afwijzing; de aanvrager leest die.")])
    if note is not None and len(note.strip()) > MAX_REASON:
        raise InvalidData([FieldError("toelichting", f"Hoogstens {MAX_REASON} tekens.")])
    row.decided_by_id, row.decided_at, row.decision_note = by.id, now(), (note or "").strip() or None
    if not approve:
        row.state = "afgewezen"
        session.flush()
        audit.append(session=session, actor=by.username, action="identity.reveal_refused", case_id=case_id,
                     details={"verzoek": row.id})
        return row
    # Prior written notice to the reporter, with reasons (DOMAIN §4), before the reveal takes effect:
    # first the letter (a failure here rolls the whole approval back), then the channel message.
    letter = _reporter_letter(session=session, case_id=case_id, row=row, by=by)
    audit.append(session=session, actor=by.username, action="identity.reporter_letter", case_id=case_id,
                 details={"verzoek": row.id, "brief": letter.id, "sjabloon": letter.template,
                          "sha256": letter.sha256})
    notice = CaseMessage(case_id=case_id, direction="naar_melder", author_id=by.id, created_at=now(), body=(
        "Geachte melder,\n\nWij informeren u dat uw identiteit bekend wordt gemaakt aan een medewerker die "
        "betrokken is bij de behandeling van uw melding. De reden daarvoor is:\n\n" + row.reason +
        "\n\nU ontvangt hierover ook een brief; u vindt die bij de brieven over uw melding. Heeft u vragen of "
        "bezwaren, reageer dan via dit berichtenkanaal.\n\nMet vriendelijke groet,\nde integriteitscoördinator"))
    session.add(notice)
    session.flush()
    audit.append(session=session, actor=by.username, action="identity.reporter_informed", case_id=case_id,
                 details={"verzoek": row.id, "bericht": notice.id, "brief": letter.id})
    row.letter_id, row.message_id = letter.id, notice.id
    row.reporter_informed_at, row.state = now(), "goedgekeurd"
    session.flush()
    audit.append(session=session, actor=by.username, action="identity.reveal_approved", case_id=case_id,
                 details={"verzoek": row.id, "ontvanger_id": row.grantee_id})
    return row


def why_not_decider(*, session: Session, user: User, row: IdentityReveal) -> str | None:
    """``None`` if ``user`` may decide on the request ``row`` (the integrity coordinator of the case who neither
    asked nor is the grantee), else the Dutch reason. The one decision for the API and the web pages."""
    from engine.identity import access

    if COORDINATOR not in user.role_codes or not access.can_see_case(session=session, user=user, case_id=row.case_id):
        return "Alleen de integriteitscoördinator van de zaak beslist over het bekendmaken van de identiteit."
    if user.id in (row.requested_by_id, row.grantee_id):
        return OWN_REQUEST
    return None


def grantee_candidates(*, session: Session, case_id: int) -> list[User]:
    """Who the identity may be revealed to: active users who work on the case (may see it) and do not already
    see the reporter's identity."""
    from engine.identity import access

    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name, User.username))
    return [u for u in users if access.can_see_case(session=session, user=u, case_id=case_id)
            and not access.entitled_to_reporter_identity(session=session, user=u, case_id=case_id)]


def get_reveal(*, session: Session, case_id: int, reveal_id: int) -> IdentityReveal:
    row = session.get(IdentityReveal, reveal_id)
    if row is None or row.case_id != case_id:
        raise NotFound("Verzoek niet gevonden.")
    return row


def _reporter_letter(*, session: Session, case_id: int, row: IdentityReveal, by: User):
    """Render and store the notice letter to the reporter (raises ``LetterRenderError`` on any failure)."""
    from documents import service as letters  # documents knows nothing about reveals
    from documents.leakguard import vocabulary_of
    from engine.cases import service as cases
    from engine.processes import service as processes

    case = session.get(Case, case_id)
    settings: dict = {}
    data: dict = {}
    vocabulary = None
    templates = catalogue = None  # the shipped ones, for a case without a version or a version without letters
    if case.process_version_id is not None:
        parsed = processes.parsed_version(session=session, version_id=case.process_version_id)
        settings, vocabulary = parsed.manifest.settings, vocabulary_of(parsed)
        templates, catalogue = parsed.templates or None, parsed.letter_catalogue
        if case.state is not None:
            data = cases.case_data(session=session, case_id=case_id)
    data = cases.confidential_merge(session, case, data)
    # An anonymous reporter has no address: the letter goes the portal route (never the receipt code).
    data.setdefault("melder_anoniem", not any(data.get(k) for k in ("melder_naam", "melder_adres", "melder_email")))
    if not data.get("betrokkene_naam"):
        # Only for the leak guard (the reporter's whitelist never passes it to the template).
        subject = session.scalar(select(User.display_name).join(CaseParty, CaseParty.user_id == User.id).where(
            CaseParty.case_id == case_id, CaseParty.party == "betrokkene").limit(1))
        if subject:
            data["betrokkene_naam"] = subject
    data["bekendmaking_reden"] = row.reason
    data["bekendmaking_rol"] = _grantee_role(session=session, case_id=case_id, grantee_id=row.grantee_id)
    return letters.produce_letter(session=session, case_id=case_id, case_reference=case.reference,
                                  step=f"identiteit_bekendmaken_{row.id}", template=LETTER_TEMPLATE,
                                  recipient=LETTER_RECIPIENT, data=data, settings=settings, actor=by.username,
                                  vocabulary=vocabulary, templates_dir=templates, catalogue=catalogue)


def _grantee_role(*, session: Session, case_id: int, grantee_id: int) -> str:
    """The role in which the grantee works on the case (their tasks in it, else their case roles), as a
    Dutch label. The letter names the role, not the person (DOMAIN §4: the reporter learns to whom in
    terms of function; staff names stay out of the letter)."""
    from engine.identity.roles import CASE_ROLES, known_roles
    from engine.worklist.models import WorkItem

    labels = known_roles()
    grantee = session.get(User, grantee_id)
    on_case = list(session.scalars(select(WorkItem.role).where(
        WorkItem.case_id == case_id, WorkItem.assignee_id == grantee_id).order_by(WorkItem.id.desc())))
    held = [r for r in CASE_ROLES if r in (grantee.role_codes if grantee else ())]
    for role in on_case + held:
        if role in labels:
            label = labels[role]
            # Mid-sentence form: "Onderzoeker" -> "onderzoeker", but "HR-adviseur" stays.
            return label if label[1:2].isupper() else label[:1].lower() + label[1:]
    return "medewerker"


def list_reveals(*, session: Session, user: User, case_id: int) -> list[IdentityReveal]:
    """The case's requests to reveal the reporter's identity, for who may see the case (:class:`NotFound`
    otherwise: ``access.require_visible_case``)."""
    from engine.identity import access

    access.require_visible_case(session=session, user=user, case_id=case_id)
    return list(session.scalars(select(IdentityReveal).where(IdentityReveal.case_id == case_id)
                                .order_by(IdentityReveal.id)))
