"""The case file's documents (rendered letters): list and download with the recorded sha256.

Which letters a user may have is decided once, in ``engine.cases.letters`` (letters to the reporter carry
their identity: only for who may see it); the web pages use the same functions. Every download is audited.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlalchemy.orm import Session

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute
from api.routers.cases import ERR, VisibleCase
from api.routers.common import errors
from api.schemas.casework import LetterOut, LetterWaitingOut
from engine.cases import letters as case_letters

router = APIRouter(prefix="/zaken", tags=["documenten"], route_class=UnitOfWorkRoute)

DOWNLOAD_ERRORS = {**ERR, **errors(500)}
DOWNLOAD_ERRORS[500] = {**DOWNLOAD_ERRORS[500], "description": "Brief is beschadigd (inhoud komt niet overeen met de hash)"}


def serve_letter(session: Session, *, letter, actor: str) -> Response:
    """The letter's bytes (sha256 checked, read audited: ``engine.cases.letters.read_letter``) as a download.

    A damaged letter becomes a 500 ``letter-integrity`` problem (``LetterIntegrityError``) with a reference."""
    content = case_letters.read_letter(session=session, letter=letter, actor=actor)
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
    return [_letter_out(l) for l in case_letters.visible_letters(session=session, user=user, case_id=case.id)]


def waiting_out(job) -> LetterWaitingOut:
    from engine.letter_outbox.service import waiting_label

    return LetterWaitingOut(sjabloon=job.template, ontvanger=job.recipient, stap=job.step, status=waiting_label(job),
                            gevraagd_op=job.created_at)


@router.get("/{case_id}/brieven-in-aanmaak", response_model=list[LetterWaitingOut],
            summary="Brieven die na een afgeronde stap nog worden aangemaakt", responses=ERR)
def letters_waiting(case: VisibleCase, user: CurrentUser, session: SessionDep) -> list[LetterWaitingOut]:
    """Een afgeronde stap maakt zijn brief direct na het vastleggen (de briefverwerker); tot die er is, staat hij
    hier als 'wordt aangemaakt'. Dezelfde zichtbaarheid als de brieven zelf."""
    return [waiting_out(j) for j in case_letters.visible_waiting(session=session, user=user, case_id=case.id)]


@router.get("/{case_id}/documenten/{document_id}", response_class=Response, summary="Brief downloaden",
            responses={200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "De brief; header X-Content-SHA256 = de vastgelegde hash"},
                       **DOWNLOAD_ERRORS})
def document_download(case: VisibleCase,
                      document_id: Annotated[int, Path(title="Document", ge=1, le=2**31 - 1)], user: CurrentUser,
                      session: SessionDep) -> Response:
    letter = case_letters.visible_letter(session=session, user=user, case_id=case.id, letter_id=document_id)
    return serve_letter(session, letter=letter, actor=user.username)
