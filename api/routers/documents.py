"""The case file's documents (rendered letters): list and download with the recorded sha256.

Letters to the reporter carry their identity, so they are listed and served only to users who may
see the reporter's identity (``access.may_see_reporter_identity``); every download is audited.
"""
from __future__ import annotations

import logging
import uuid

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute
from api.routers.cases import ERR, IdPath, VisibleCase, _may_identity
from api.routers.common import errors
from api.schemas.casework import LetterOut
from engine.audit import service as audit
from engine.errors import NotFound

router = APIRouter(prefix="/zaken", tags=["documenten"], route_class=UnitOfWorkRoute)

# Security events (ids and hashes only: never identity, receipt codes, tokens or letter content).
security_log = logging.getLogger("meldpunt.security")

DOWNLOAD_ERRORS = {**ERR, **errors(500)}
DOWNLOAD_ERRORS[500] = {**DOWNLOAD_ERRORS[500], "description": "Brief is beschadigd (inhoud komt niet overeen met de hash)"}


def find_letter(session: Session, *, case_id: int, letter_id: int):
    """The letter row of this case (bytes not checked yet), or ``NotFound``; callers check access first."""
    from documents import service as letters
    from documents.errors import LetterNotFound

    try:
        letter = letters.get_letter(session=session, letter_id=letter_id, verify=False)
    except LetterNotFound:
        letter = None
    if letter is None or letter.case_id != case_id:
        raise NotFound("Document niet gevonden.")
    return letter


def serve_letter(session: Session, *, letter, actor: str) -> Response:
    """The letter's bytes after the sha256 check, the read audited.

    A damaged letter is never handed out: the failure is logged on ``meldpunt.security`` and
    audited (``document.integrity_failed``: letter id, recorded hash, reference), committed
    at once because the error answer rolls the request's transaction back, and then
    ``LetterIntegrityError`` becomes a 500 ``letter-integrity`` problem with the same reference.
    """
    from documents import service as letters
    from documents.errors import LetterIntegrityError

    content = letters.letter_content(session=session, letter=letter)
    if not letters.verify_letter(letter, session=session):
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
    return Response(content, media_type=letter.media_type, headers={
        "X-Content-SHA256": letter.sha256, "Content-Disposition": f'attachment; filename="{letter.filename}"'})


def _letter_out(letter) -> LetterOut:
    return LetterOut(id=letter.id, sjabloon=letter.template, ontvanger=letter.recipient, versie=letter.version,
                     stap=letter.step, opgesteld_op=letter.rendered_at, sha256=letter.sha256, grootte=letter.size,
                     bestandsnaam=letter.filename)


@router.get("/{case_id}/documenten", response_model=list[LetterOut], summary="Brieven in het zaakdossier",
            responses=ERR)
def documents_list(case: VisibleCase, user: CurrentUser, session: SessionDep) -> list[LetterOut]:
    """Brieven aan de melder (met diens identiteit) alleen voor wie de identiteit mag zien."""
    from documents import service as letters

    identity = _may_identity(session, user, case.id)
    return [_letter_out(l) for l in letters.list_letters(session=session, case_id=case.id)
            if identity or l.recipient != "melder"]


@router.get("/{case_id}/documenten/{document_id}", response_class=Response, summary="Brief downloaden",
            responses={200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "De brief; header X-Content-SHA256 = de vastgelegde hash"},
                       **DOWNLOAD_ERRORS})
def document_download(case: VisibleCase, document_id: IdPath, user: CurrentUser, session: SessionDep) -> Response:
    letter = find_letter(session, case_id=case.id, letter_id=document_id)
    if letter.recipient == "melder" and not _may_identity(session, user, case.id):
        raise NotFound("Document niet gevonden.")
    return serve_letter(session, letter=letter, actor=user.username)
