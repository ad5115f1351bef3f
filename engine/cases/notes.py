"""Internal notes on a case (issue 23): for the case's authorised handlers only (``access.may_read_notes``),
never for the reporter or the subject, never in a letter or an export (those never read this table).

Each note keeps its author and time; adding and editing are audited (the audit line carries the note's number,
never its text). Reading is not: notes carry no identity, and the case page shows them on every visit. The author
may correct a note for ``Settings.note_edit_minutes`` minutes after writing it (engine clock); after that it
stands as written.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.cases.reveal_models import CaseNote
from engine.clock import now
from engine.config import get_settings
from engine.errors import EditWindowClosed, FieldError, InvalidData, NotAuthorized, NotFound
from engine.identity import access
from engine.identity.models import User

MAX_NOTE = 10_000


@dataclass(frozen=True)
class NoteView:
    id: int
    text: str
    author: str  # display name
    author_id: int
    created_at: datetime
    edited_at: datetime | None
    editable_until: datetime | None  # for the viewer: until when they may still edit it (None: not theirs/over)


def edit_window() -> timedelta:
    return timedelta(minutes=get_settings().note_edit_minutes)


def _text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidData([FieldError("tekst", "Schrijf de notitie (het veld ‘Notitie’ is leeg).")])
    if len(text) > MAX_NOTE:
        raise InvalidData([FieldError("tekst", f"Een notitie mag hoogstens {MAX_NOTE:,} tekens bevatten; "
                                               f"u gebruikte er {len(text):,}.".replace(",", "."))])
    return text


def _view(session: Session, note: CaseNote, user: User) -> NoteView:
    author = session.get(User, note.author_id)
    until = note.created_at + edit_window()
    return NoteView(note.id, note.text, author.display_name if author else "—", note.author_id, note.created_at,
                    note.edited_at, until if note.author_id == user.id and now() < until else None)


def add(*, session: Session, user: User, case_id: int, text: str | None) -> NoteView:
    if not access.may_write_note(session=session, user=user, case_id=case_id):
        raise NotFound("Zaak niet gevonden.")
    body = _text(text)
    note = CaseNote(case_id=case_id, author_id=user.id, text=body, created_at=now())
    session.add(note)
    session.flush()
    audit.append(session=session, actor=user.username, action="note.added", case_id=case_id,
                 details={"notitie": note.id})
    return _view(session, note, user)


def edit(*, session: Session, user: User, case_id: int, note_id: int, text: str | None) -> NoteView:
    if not access.may_write_note(session=session, user=user, case_id=case_id):
        raise NotFound("Zaak niet gevonden.")
    note = session.get(CaseNote, note_id)
    if note is None or note.case_id != case_id:
        raise NotFound("Notitie niet gevonden.")
    if note.author_id != user.id:
        raise NotAuthorized("Alleen wie de notitie schreef, kan haar wijzigen.")
    if now() >= note.created_at + edit_window():
        raise EditWindowClosed(f"Deze notitie kan niet meer worden gewijzigd: dat kan tot "
                       f"{get_settings().note_edit_minutes} minuten na het schrijven. Voeg een nieuwe notitie toe.")
    body = _text(text)
    note.text = body
    note.edited_at = now()
    session.flush()
    audit.append(session=session, actor=user.username, action="note.edited", case_id=case_id,
                 details={"notitie": note.id})
    return _view(session, note, user)


def visible_notes(*, session: Session, user: User, case_id: int) -> list[NoteView]:
    """The case's notes for ``user`` (newest first); :class:`NotFound` when they may not read them."""
    if not access.may_read_notes(session=session, user=user, case_id=case_id):
        raise NotFound("Zaak niet gevonden.")
    rows = list(session.scalars(select(CaseNote).where(CaseNote.case_id == case_id).order_by(CaseNote.id.desc())))
    return [_view(session, n, user) for n in rows]
