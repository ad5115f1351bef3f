"""The case file's documents (rendered letters): list and download with the recorded sha256.

Letters to the reporter carry their identity, so they are listed and served only to users who may
see the reporter's identity (``access.may_see_reporter_identity``); every download is audited.
"""
from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import CurrentUser, SessionDep
from api.routers.cases import ERR, IdPath, VisibleCase, _may_identity
from api.schemas.casework import LetterOut
from engine.audit import service as audit
from engine.errors import NotFound

router = APIRouter(prefix="/zaken", tags=["documenten"])


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
                             "description": "De brief; header X-Content-SHA256 = de vastgelegde hash"}, **ERR})
def document_download(case: VisibleCase, document_id: IdPath, user: CurrentUser, session: SessionDep) -> Response:
    from documents import service as letters
    from documents.errors import LetterNotFound

    try:
        letter = letters.get_letter(session=session, letter_id=document_id)
    except LetterNotFound:
        letter = None
    if letter is None or letter.case_id != case.id or (
            letter.recipient == "melder" and not _may_identity(session, user, case.id)):
        raise NotFound("Document niet gevonden.")
    content = letters.letter_content(session=session, letter=letter)
    audit.append(session=session, actor=user.username, action="document.read", case_id=case.id,
                 details={"document": letter.id, "sha256": letter.sha256})
    return Response(content, media_type=letter.media_type, headers={
        "X-Content-SHA256": letter.sha256, "Content-Disposition": f'attachment; filename="{letter.filename}"'})


