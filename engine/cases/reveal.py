"""Revealing the reporter's identity to someone outside the reporting desk and coordinator.

DOMAIN §4: the identity goes only to the staff authorised to handle the report; a
disclosure to another role needs a recorded reason and the integrity coordinator's
approval, and the reporter is told beforehand, in writing, with reasons. Here:

1. ``request_reveal``: a user who may see the case asks to reveal the identity to a
   grantee (a user who can see the case), with a reason. Audited.
2. ``decide_reveal``: an integrity coordinator of the case (not the requester, not the
   grantee) approves or refuses. On approval, in the same transaction and *before* the
   reveal is marked effective, a written notice with the reason is placed in the
   reporter channel (``case_messages``, the reporter reads it with the receipt code or
   as a known reporter) and audited; only then ``reporter_informed_at`` is set and
   ``is_revealed_to`` becomes true.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.clock import now
from engine.errors import FieldError, InvalidData, NotAuthorized, NotFound, TaskNotReady
from engine.identity.models import User
from engine.cases.reveal_models import IdentityReveal
from engine.intake.models import CaseMessage

COORDINATOR = "integriteitscoordinator"
MAX_REASON = 2000


def is_revealed_to(*, session: Session, user: User, case_id: int) -> bool:
    return session.scalar(select(IdentityReveal.id).where(
        IdentityReveal.case_id == case_id, IdentityReveal.grantee_id == user.id,
        IdentityReveal.state == "goedgekeurd", IdentityReveal.reporter_informed_at.is_not(None)).limit(1)) is not None


def request_reveal(*, session: Session, case_id: int, by: User, grantee_id: int, reason: str) -> IdentityReveal:
    from engine.identity import access

    reason = (reason or "").strip()
    if not reason:
        raise InvalidData([FieldError("reden", "Een reden is verplicht.")])
    if len(reason) > MAX_REASON:
        raise InvalidData([FieldError("reden", f"Hoogstens {MAX_REASON} tekens.")])
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


def decide_reveal(*, session: Session, case_id: int, reveal_id: int, by: User, approve: bool,
                  note: str | None = None) -> IdentityReveal:
    from engine.identity import access

    row = session.get(IdentityReveal, reveal_id)
    if row is None or row.case_id != case_id:
        raise NotFound("Verzoek niet gevonden.")
    if COORDINATOR not in by.role_codes or not access.can_see_case(session=session, user=by, case_id=case_id):
        raise NotAuthorized("Alleen de integriteitscoördinator van de zaak beslist over het bekendmaken van de identiteit.")
    if by.id in (row.requested_by_id, row.grantee_id):
        raise NotAuthorized("U kunt niet beslissen over een verzoek dat u zelf deed of dat u zelf betreft.")
    if row.state != "aangevraagd":
        raise TaskNotReady("Over dit verzoek is al beslist.")
    row.decided_by_id, row.decided_at, row.decision_note = by.id, now(), (note or "").strip() or None
    if not approve:
        row.state = "afgewezen"
        session.flush()
        audit.append(session=session, actor=by.username, action="identity.reveal_refused", case_id=case_id,
                     details={"verzoek": row.id})
        return row
    # Prior written notice to the reporter, with reasons (DOMAIN §4), before the reveal takes effect.
    notice = CaseMessage(case_id=case_id, direction="naar_melder", author_id=by.id, created_at=now(), body=(
        "Geachte melder,\n\nWij informeren u dat uw identiteit bekend wordt gemaakt aan een medewerker die "
        "betrokken is bij de behandeling van uw melding. De reden daarvoor is:\n\n" + row.reason +
        "\n\nDit gebeurt pas nadat u dit bericht heeft ontvangen. Heeft u vragen of bezwaren, reageer dan via "
        "dit berichtenkanaal.\n\nMet vriendelijke groet,\nde integriteitscoördinator"))
    session.add(notice)
    session.flush()
    audit.append(session=session, actor=by.username, action="identity.reporter_informed", case_id=case_id,
                 details={"verzoek": row.id, "bericht": notice.id})
    row.message_id, row.reporter_informed_at, row.state = notice.id, now(), "goedgekeurd"
    session.flush()
    audit.append(session=session, actor=by.username, action="identity.reveal_approved", case_id=case_id,
                 details={"verzoek": row.id, "ontvanger_id": row.grantee_id})
    return row


def list_reveals(*, session: Session, case_id: int) -> list[IdentityReveal]:
    return list(session.scalars(select(IdentityReveal).where(IdentityReveal.case_id == case_id)
                                .order_by(IdentityReveal.id)))
