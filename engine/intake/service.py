"""Reports coming in (desk, manager, vertrouwenspersoon, or the public anonymous form)
and the two-way channel with the reporter.

A report starts a case of the current process version with the report's data as seed
(confidential fields go to encrypted storage, see engine/cases/confidential.py). An
anonymous reporter gets a random 16-digit receipt code, shown once and stored only as
an Argon2id hash; with it they read and answer the desk's messages.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.cases import reporter_texts
from engine.cases import service as cases
from engine.cases.models import Case
from engine.clock import now
from engine.errors import FieldError, InvalidData, NotAuthorized
from engine.identity import receipts
from engine.identity.models import User
from engine.identity.roles import INTAKE_ROLES
from engine.intake.models import CaseMessage

# Values of the ``kanaal`` field of the intake form (the task that declares ``intake`` in the BPMN).
ANONYMOUS_CHANNEL = "anoniem"
MAX_MESSAGE = 10_000


@dataclass
class Submitted:
    case: Case
    receipt_code: str | None  # plaintext, to show once; never stored or logged
    replayed: bool = False  # the same form sent again (engine.intake.submissions): nothing registered


PUBLIC_IDENTITY_FIELDS = ("melder_naam", "melder_email", "melder_telefoon")


def submit_report(*, session: Session, actor: User | None, data: dict, reporter_user_id: int | None = None,
                  subject_user_id: int | None = None, public_way: str = "anoniem",
                  excluded_user_ids=None) -> Submitted:
    """Register a report. ``actor`` None means the public form: anonymous unless ``public_way`` is a named way
    (``vertrouwelijk`` or ``open``, ``engine.intake.public.WAYS``), when the name and contact details are kept
    (encrypted, with the confidentiality of a report taken by the desk). A public reporter always gets a receipt
    code for "Mijn melding".

    Staff may register for someone else: a manager (anyone with a unit), the desk, a
    vertrouwenspersoon (who must record the reporter's consent to pass it on).

    ``excluded_user_ids``: handlers the report concerns, who must not see it (``engine.intake.exclusions``: checked
    here, before anything is written; they become parties ``uitgesloten`` of the case from its first moment)."""
    from engine.identity.access import EXCLUDED_HANDLER
    from engine.intake import exclusions

    excluded = exclusions.checked(session, excluded_user_ids)
    data = dict(data)
    data.pop(exclusions.FIELD, None)  # never case data: the exclusion is a party, not a form value
    named_public = actor is None and public_way in ("vertrouwelijk", "open")
    if actor is None and not named_public:
        data.update(kanaal=ANONYMOUS_CHANNEL, melder_anoniem=True)
        for key in [k for k in data if k.startswith("melder_") and k != "melder_anoniem"]:
            data.pop(key)  # an anonymous report never takes identity fields
    elif named_public:
        data.update(kanaal="meldpunt_integriteit", ontvangstwijze="webformulier", melder_anoniem=False)
        for key in [k for k in data if k.startswith("melder_") and k != "melder_anoniem"
                    and k not in PUBLIC_IDENTITY_FIELDS]:
            data.pop(key)
    elif "vertrouwenspersoon" in actor.role_codes and data.get("via_vertrouwenspersoon"):
        if data.get("toestemming_doorgeven") is not True:
            raise InvalidData([FieldError("toestemming_doorgeven",
                                          "een vertrouwenspersoon geeft een melding alleen door met toestemming van de melder")])
    if actor is not None and not data.get("kanaal"):
        data["kanaal"] = ("vertrouwenspersoon" if data.get("via_vertrouwenspersoon")
                          else "meldpunt_integriteit" if INTAKE_ROLES & actor.role_codes else "leidinggevende")
    if not data.get("datum_melding"):
        from engine.functions import today

        data["datum_melding"] = today()
    parties: dict[str, list[int]] = {}
    if reporter_user_id is not None:
        parties["melder"] = [reporter_user_id]
    elif actor is not None and not data.get("melder_anoniem") and not data.get("via_vertrouwenspersoon") \
            and not (INTAKE_ROLES & actor.role_codes):
        parties["melder"] = [actor.id]  # a manager or employee reporting themselves
    if subject_user_id is not None:
        parties["betrokkene"] = [subject_user_id]
        subject = session.get(User, subject_user_id)
        if subject is not None and subject.manager_id:
            parties["leidinggevende"] = [subject.manager_id]
    if excluded:
        parties[EXCLUDED_HANDLER] = excluded
    case = cases.start_case(session=session, actor=actor, data=data, parties=parties)
    code = None
    if data.get("melder_anoniem") or named_public:
        code, _ = receipts.issue_receipt(session=session, case_id=case.id)
    details = {"kanaal": data.get("kanaal"), "anoniem": bool(data.get("melder_anoniem")),
               "ontvangstcode_uitgegeven": code is not None, **({"uitgesloten": len(excluded)} if excluded else {})}
    if actor is None:
        details["melden_als"] = public_way if named_public else "anoniem"
    audit.append(session=session, actor=actor.username if actor else ("melder" if named_public else "anonieme melder"),
                 action="report.submitted", case_id=case.id, details=details)
    return Submitted(case, code)


# The message field as the forms show it (web/templates/mijn_melding.html, zaak.html): errors name it so.
REPLY_LABEL = "Uw antwoord of aanvulling"
STAFF_MESSAGE_LABEL = "Nieuw bericht of vraag aan de melder"


def _body(text: str, label: str) -> str:
    """The message text, or ``InvalidData`` for field ``tekst`` whose message names the field by its label (which
    field, why); the detail is that message, never the internal field name."""
    text = (text or "").strip()
    if not text:
        message = f"‘{label}’ is leeg: schrijf uw bericht in dit veld."
    elif len(text) > MAX_MESSAGE:
        message = (f"‘{label}’ mag hoogstens {MAX_MESSAGE:,} tekens bevatten; u gebruikte er "
                   f"{len(text):,}.").replace(",", ".")
    else:
        return text
    raise InvalidData([FieldError("tekst", message)], detail=message)


def message_to_reporter(*, session: Session, case_id: int, author: User, text: str) -> CaseMessage:
    """The desk (or coordinator) writes to the reporter: ``access.may_message_reporter`` decides (the caller has
    answered 404 for a case the author may not see)."""
    from engine.identity import access

    if not access.may_message_reporter(session=session, user=author, case_id=case_id):
        raise NotAuthorized("Alleen het meldpunt of de integriteitscoördinator van de zaak schrijft de melder.")
    body = _body(text, STAFF_MESSAGE_LABEL)
    case = session.get(Case, case_id)
    if case is not None:  # the same guard as the letters: general terms only (DOMAIN §4)
        reporter_texts.check_message(session, case, body)
    msg = CaseMessage(case_id=case_id, direction="naar_melder", author_id=author.id, body=body,
                      created_at=now())
    session.add(msg)
    session.flush()
    audit.append(session=session, actor=author.username, action="message.to_reporter", case_id=case_id,
                 details={"bericht": msg.id})
    return msg


def message_from_reporter(*, session: Session, case_id: int, text: str) -> CaseMessage:
    """The reporter answers (authenticated by receipt code or as a known reporter by the caller)."""
    from engine.records.service import lock_live_case

    lock_live_case(session, case_id)  # not into a case destroyed meanwhile
    msg = CaseMessage(case_id=case_id, direction="van_melder", author_id=None, body=_body(text, REPLY_LABEL),
                      created_at=now())
    session.add(msg)
    session.flush()
    audit.append(session=session, actor="melder", action="message.from_reporter", case_id=case_id,
                 details={"bericht": msg.id})
    from engine.notifications import service as notifications

    notifications.reporter_message(session, case_id=case_id)  # that there is a message, never its text
    return msg


def messages(*, session: Session, case_id: int) -> list[CaseMessage]:
    return list(session.execute(
        select(CaseMessage).where(CaseMessage.case_id == case_id).order_by(CaseMessage.id)).scalars())


def reporter_reads_messages(*, session: Session, case_id: int) -> list[CaseMessage]:
    """The reporter reads the messages of her report (her own channel: the caller resolved her session): every
    message to her counts as read from now on (``engine.cases.reporter_view``'s unread count). The one door for the
    API's ``/melder/berichten``, ``/mijn-meldingen/{id}/berichten`` and the inbox page ``/mijn-melding``."""
    rows = messages(session=session, case_id=case_id)
    moment = now()
    for m in rows:
        if m.direction == "naar_melder" and m.read_at is None:
            m.read_at = moment
    return rows


NOT_A_CORRESPONDENT = "Alleen het meldpunt en de integriteitscoördinator van de zaak lezen de berichten met de melder."


def read_messages(*, session: Session, user: User, case_id: int, allowed: bool | None = None) -> list[CaseMessage]:
    """A staff member reads the messages with the reporter of a case (they can identify her): only who may write her
    (``access.may_message_reporter``, else :class:`NotAuthorized`), and every reading is audited (``messages.read``).
    The one door for the API and the case page. ``allowed``: that decision, taken by the caller moments ago in the
    same transaction."""
    from engine.identity import access

    if allowed is None:
        allowed = access.may_message_reporter(session=session, user=user, case_id=case_id)
    if not allowed:
        raise NotAuthorized(NOT_A_CORRESPONDENT)
    rows = messages(session=session, case_id=case_id)
    audit.append(session=session, actor=user.username, action="messages.read", case_id=case_id,
                 details={"aantal": len(rows)})
    return rows
