"""The case file's letters as one user may have them: the one door for the API and the web pages (issue 16).

Access (``engine.identity.access``): a letter is visible only to who may see its case; a letter to the
reporter (``access.IDENTITY_RECIPIENTS``) carries the reporter's name and address, so it is visible only
to who may also see the reporter's identity (desk, coordinator, an approved reveal). Not visible and not
existing look the same (``NotFound``). ``api/routers/documents.py`` and ``web/routes.py`` list, find and
read letters through these functions only.

Reading a letter checks the stored bytes against the recorded sha256 and audits the read
(``document.read``); a damaged letter is never handed out (``document.integrity_failed``, a line on the
``meldpunt.security`` log with ids and hashes only, then ``LetterIntegrityError``).
"""
from __future__ import annotations

import logging
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.errors import NotFound
from engine.identity import access
from engine.identity.models import User

# Security events (ids and hashes only: never identity, receipt codes, tokens or letter content).
security_log = logging.getLogger("meldpunt.security")


def _allowed(letter, *, identity: bool) -> bool:
    """The rule, given that the case is visible: a letter to the reporter needs the identity right."""
    return letter.recipient not in access.IDENTITY_RECIPIENTS or identity


def may_see_letter(*, session: Session, user: User, letter) -> bool:
    """May ``user`` see (list, download) this letter of the case file?"""
    if not access.can_see_case(session=session, user=user, case_id=letter.case_id):
        return False
    return _allowed(letter, identity=access.may_see_reporter_identity(session=session, user=user,
                                                                      case_id=letter.case_id))


def visible_letters(*, session: Session, user: User, case_id: int, only_ids: set[int] | None = None) -> list:
    """The letters of the case this user may see (every version, oldest first); ``[]`` for a case they
    may not see. ``only_ids`` narrows the answer to those letters (e.g. the ones a step just produced)."""
    from documents import service as documents  # documents knows nothing about users or cases' access

    if not access.can_see_case(session=session, user=user, case_id=case_id):
        return []
    identity = access.may_see_reporter_identity(session=session, user=user, case_id=case_id)
    return [l for l in documents.list_letters(session=session, case_id=case_id)
            if _allowed(l, identity=identity) and (only_ids is None or l.id in only_ids)]


def visible_letter(*, session: Session, user: User, case_id: int, letter_id: int):
    """The letter ``letter_id`` of case ``case_id`` (bytes not loaded), or ``NotFound`` when it does not
    exist, belongs to another case, or this user may not see it."""
    from documents.models import Letter

    letter = session.scalar(select(Letter).where(Letter.id == letter_id, Letter.case_id == case_id))
    if letter is None or not may_see_letter(session=session, user=user, letter=letter):
        raise NotFound("Document niet gevonden.")
    return letter


def read_letter(*, session: Session, letter, actor: str) -> bytes:
    """The letter's bytes after the sha256 check, the read audited (``document.read``).

    Callers have decided access first (:func:`visible_letter`, or the reporter's own channel). A damaged
    letter is logged on ``meldpunt.security`` and audited (``document.integrity_failed``: letter id,
    recorded hash, reference), committed at once because the error answer rolls the request's
    transaction back, and then ``LetterIntegrityError`` carries the same reference.
    """
    from documents import service as documents
    from documents.errors import LetterIntegrityError

    content = documents.letter_content(session=session, letter=letter)
    if not documents.verify_letter(letter, session=session):
        reference = uuid.uuid4().hex[:12]
        security_log.error("letter integrity failure: document=%s case=%s recorded_sha256=%s ref=%s",
                           letter.id, letter.case_id, letter.sha256, reference)
        audit.append(session=session, actor=actor, action="document.integrity_failed", case_id=letter.case_id,
                     details={"document": letter.id, "sha256": letter.sha256, "referentie": reference})
        session.commit()
        raise LetterIntegrityError(
            f"Brief {letter.id} is niet uitgeleverd: de opgeslagen inhoud komt niet overeen met de vastgelegde "
            f"controlewaarde (sha256). Dit is vastgelegd; neem contact op met functioneel beheer en vermeld "
            f"referentie {reference}.", reference=reference)
    audit.append(session=session, actor=actor, action="document.read", case_id=letter.case_id,
                 details={"document": letter.id, "sha256": letter.sha256})
    return content


# --------------------------------------------------------------------------- the reporter's own channel

def reporter_letters(*, session: Session, case_id: int) -> list:
    """The current letters addressed to the reporter of ``case_id``; the caller has authenticated the reporter
    of that case (receipt-code session or the known reporter)."""
    from documents import service as documents

    return [l for l in documents.current_letters(session=session, case_id=case_id)
            if l.recipient in access.IDENTITY_RECIPIENTS]


def reporter_letter(*, session: Session, case_id: int, letter_id: int):
    """A letter to the reporter of ``case_id`` (any version), or ``NotFound``; same caller duty as above."""
    from documents.models import Letter

    letter = session.scalar(select(Letter).where(Letter.id == letter_id, Letter.case_id == case_id))
    if letter is None or letter.recipient not in access.IDENTITY_RECIPIENTS:
        raise NotFound("Document niet gevonden.")
    return letter


def reporter_letter_text(*, session: Session, case_id: int, letter_id: int, actor: str) -> tuple:
    """(letter, its visible text) of a letter to the reporter of ``case_id``, to read in the portal page instead of
    downloading a .docx (a trace on her device, Word needed). The same door as the download: :func:`reporter_letter`
    decides, :func:`read_letter` checks the sha256 and audits the read; the text is
    ``documents.render.docx_reading_text`` of the stored bytes (what the letter says, as she would read it: header,
    body, footer, each once). Same caller duty as above."""
    from documents.render import docx_reading_text

    letter = reporter_letter(session=session, case_id=case_id, letter_id=letter_id)
    return letter, docx_reading_text(read_letter(session=session, letter=letter, actor=actor))


# --------------------------------------------------------------------------- letters not yet made (issue 25)

def visible_waiting(*, session: Session, user: User, case_id: int) -> list:
    """The letters of the case asked for by a committed step and not yet stored by the letter worker
    (``engine.letter_outbox``), that this user will be able to see once made (the same rule as stored letters);
    shown as "wordt aangemaakt" until they exist."""
    from engine.letter_outbox import service as outbox

    if not access.can_see_case(session=session, user=user, case_id=case_id):
        return []
    jobs = outbox.waiting(session=session, case_id=case_id)
    if not jobs:
        return []
    identity = access.may_see_reporter_identity(session=session, user=user, case_id=case_id)
    return [j for j in jobs if _allowed(j, identity=identity)]


def reporter_waiting(*, session: Session, case_id: int) -> list:
    """The letters to the reporter of ``case_id`` not yet made; same caller duty as :func:`reporter_letters`."""
    from engine.letter_outbox import service as outbox

    return [j for j in outbox.waiting(session=session, case_id=case_id) if j.recipient in access.IDENTITY_RECIPIENTS]
