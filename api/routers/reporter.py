"""The reporter's channel: status (acknowledgement, feedback in general terms), messages, attachments,
and the letters addressed to the reporter (recipient ``melder``, current versions), e.g. the prior
notice of an identity reveal. An anonymous reporter has no address: the portal is where their
letters are "made available" (the templates say so); the receipt code is never in a letter.

Two ways in: the anonymous reporter's session (``/melder/...``, cookie from ``POST /melder/sessie``,
which opens exactly one case) and a known reporter logged in as a user (``/mijn-meldingen/{case_id}/...``,
only for the case in which they are the reporter; 404 otherwise).
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Response, UploadFile, status

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute, current_reporter, in_transaction
from api.routers.common import errors
from api.routers.documents import DOWNLOAD_ERRORS, _letter_out, serve_letter, waiting_out
from api.schemas.casework import (AttachmentOut, LetterOut, MessageIn, MessageOut, ReporterDeadlineOut,
                                  ReporterStatus)
from engine.cases import attachments
from engine.cases import letters as case_letters
from engine.cases import reporter_view
from engine.errors import NotFound
from engine.identity import access
from engine.identity.models import ReporterSession
from engine.intake import service as intake

router = APIRouter(tags=["melder"], route_class=UnitOfWorkRoute)

ERR = errors(401, 403, 404)


@in_transaction
def anonymous_case(reporter: Annotated[ReporterSession, Depends(current_reporter)]) -> int:
    if reporter.receipt.case_id is None:
        raise NotFound("Geen melding bij deze ontvangstcode.")
    return reporter.receipt.case_id


@in_transaction
def known_reporter_case(case_id: Annotated[int, Path(title="Zaak", ge=1, le=2**31 - 1)], user: CurrentUser,
                        session: SessionDep) -> int:
    if not access.is_reporter_of(session=session, user=user, case_id=case_id):
        raise NotFound("Melding niet gevonden.")
    return case_id


AnonCase = Annotated[int, Depends(anonymous_case)]
KnownCase = Annotated[int, Depends(known_reporter_case)]


def _status(session, case_id: int) -> ReporterStatus:
    """The engine's one reporter view (the web inbox shows the same, ``engine.cases.reporter_view``)."""
    view = reporter_view.reporter_view(session=session, case_id=case_id)
    return ReporterStatus(zaaknummer=view.reference, status=view.status, ontvangst_bevestigd=bool(view.acknowledged_on),
                          ontvangst_bevestigd_op=view.acknowledged_on, terugkoppeling=view.feedback,
                          ongelezen_berichten=view.unread_messages, fase=view.phase, status_tekst=view.status_text,
                          termijnen=[ReporterDeadlineOut(uiterlijk_op=d.last_day, wat=d.what, tekst=d.text)
                                     for d in view.deadlines],
                          brieven=[_letter_out(l) for l in view.letters],
                          brieven_in_aanmaak=[waiting_out(j) for j in view.letters_waiting])


def _messages(session, case_id: int) -> list[MessageOut]:
    rows = intake.reporter_reads_messages(session=session, case_id=case_id)
    return [MessageOut(id=m.id, richting=m.direction, tekst=m.body, verzonden_op=m.created_at) for m in rows]


def _attachment_out(a) -> AttachmentOut:
    return AttachmentOut(id=a.id, bestandsnaam=a.filename, type=a.media_type, grootte=a.size, sha256=a.sha256,
                         toegevoegd_op=a.created_at)


def _read_upload(file: UploadFile) -> bytes:
    return file.file.read(attachments.MAX_BYTES + 1)


LETTER_DOWNLOAD = {200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                         "description": "De brief; header X-Content-SHA256 = de vastgelegde hash"},
                   **errors(401, 403), **DOWNLOAD_ERRORS}


def _letters(session, case_id: int) -> list[LetterOut]:
    return [_letter_out(l) for l in case_letters.reporter_letters(session=session, case_id=case_id)]


def _letter(session, case_id: int, letter_id: int, actor: str) -> Response:
    letter = case_letters.reporter_letter(session=session, case_id=case_id, letter_id=letter_id)
    return serve_letter(session, letter=letter, actor=actor)


# --------------------------------------------------------------------------- anonymous (receipt session)

@router.get("/melder/melding", response_model=ReporterStatus, summary="Stand van mijn melding", responses=ERR)
def anon_status(case_id: AnonCase, session: SessionDep) -> ReporterStatus:
    return _status(session, case_id)


@router.get("/melder/berichten", response_model=list[MessageOut], summary="Berichten met het meldpunt", responses=ERR)
def anon_messages(case_id: AnonCase, session: SessionDep) -> list[MessageOut]:
    return _messages(session, case_id)


@router.post("/melder/berichten", response_model=MessageOut, status_code=status.HTTP_201_CREATED,
             summary="Een bericht of antwoord aan het meldpunt sturen", responses=errors(401, 403, 404, 413, 422))
def anon_answer(body: MessageIn, case_id: AnonCase, session: SessionDep) -> MessageOut:
    m = intake.message_from_reporter(session=session, case_id=case_id, text=body.tekst)
    return MessageOut(id=m.id, richting=m.direction, tekst=m.body, verzonden_op=m.created_at)


@router.get("/melder/bijlagen", response_model=list[AttachmentOut], summary="Mijn bijlagen", responses=ERR)
def anon_attachments(case_id: AnonCase, session: SessionDep) -> list[AttachmentOut]:
    return [_attachment_out(a) for a in attachments.list_for_case(session=session, case_id=case_id)]


@router.post("/melder/bijlagen", response_model=AttachmentOut, status_code=status.HTTP_201_CREATED,
             summary="Een bijlage toevoegen (pdf, png, jpg, txt, docx; hoogstens 5 MB)",
             description=attachments.NAME_NOT_KEPT, responses=errors(401, 403, 404, 413, 422))
def anon_add_attachment(case_id: AnonCase, session: SessionDep,
                              bestand: Annotated[UploadFile,
                                                 File(title="Bestand", description="Het bestand")]) -> AttachmentOut:
    content = _read_upload(bestand)
    return _attachment_out(attachments.add(session=session, case_id=case_id, filename=bestand.filename,
                                           content=content, actor="anonieme melder"))


@router.get("/melder/brieven", response_model=list[LetterOut], summary="Brieven aan mij over mijn melding",
            responses=ERR)
def anon_letters(case_id: AnonCase, session: SessionDep) -> list[LetterOut]:
    return _letters(session, case_id)


@router.get("/melder/brieven/{letter_id}", response_class=Response, summary="Een brief aan mij downloaden",
            responses=LETTER_DOWNLOAD)
def anon_letter(case_id: AnonCase, letter_id: Annotated[int, Path(title="Brief", ge=1, le=2**31 - 1)],
                session: SessionDep) -> Response:
    return _letter(session, case_id, letter_id, "anonieme melder")


# --------------------------------------------------------------------------- known reporter (logged in)

@router.get("/mijn-meldingen/{case_id}", response_model=ReporterStatus, summary="Stand van mijn melding",
            responses=ERR)
def known_status(case_id: KnownCase, session: SessionDep) -> ReporterStatus:
    return _status(session, case_id)


@router.get("/mijn-meldingen/{case_id}/berichten", response_model=list[MessageOut], summary="Berichten met het meldpunt",
            responses=ERR)
def known_messages(case_id: KnownCase, session: SessionDep) -> list[MessageOut]:
    return _messages(session, case_id)


@router.post("/mijn-meldingen/{case_id}/berichten", response_model=MessageOut, status_code=status.HTTP_201_CREATED,
             summary="Een bericht of antwoord aan het meldpunt sturen", responses=errors(401, 403, 404, 413, 422))
def known_answer(body: MessageIn, case_id: KnownCase, session: SessionDep) -> MessageOut:
    m = intake.message_from_reporter(session=session, case_id=case_id, text=body.tekst)
    return MessageOut(id=m.id, richting=m.direction, tekst=m.body, verzonden_op=m.created_at)


@router.get("/mijn-meldingen/{case_id}/bijlagen", response_model=list[AttachmentOut], summary="Mijn bijlagen",
            responses=ERR)
def known_attachments(case_id: KnownCase, session: SessionDep) -> list[AttachmentOut]:
    return [_attachment_out(a) for a in attachments.list_for_case(session=session, case_id=case_id)]


@router.post("/mijn-meldingen/{case_id}/bijlagen", response_model=AttachmentOut, status_code=status.HTTP_201_CREATED,
             summary="Een bijlage toevoegen", description=attachments.NAME_NOT_KEPT,
             responses=errors(401, 403, 404, 413, 422))
def known_add_attachment(case_id: KnownCase, session: SessionDep, user: CurrentUser,
                               bestand: Annotated[UploadFile,
                                                  File(title="Bestand", description="Het bestand")]) -> AttachmentOut:
    content = _read_upload(bestand)
    return _attachment_out(attachments.add(session=session, case_id=case_id, filename=bestand.filename,
                                           content=content, actor=user.username))


@router.get("/mijn-meldingen/{case_id}/brieven", response_model=list[LetterOut],
            summary="Brieven aan mij over mijn melding", responses=ERR)
def known_letters(case_id: KnownCase, session: SessionDep) -> list[LetterOut]:
    return _letters(session, case_id)


@router.get("/mijn-meldingen/{case_id}/brieven/{letter_id}", response_class=Response,
            summary="Een brief aan mij downloaden", responses=LETTER_DOWNLOAD)
def known_letter(case_id: KnownCase, letter_id: Annotated[int, Path(title="Brief", ge=1, le=2**31 - 1)],
                 user: CurrentUser,
                 session: SessionDep) -> Response:
    return _letter(session, case_id, letter_id, user.username)
