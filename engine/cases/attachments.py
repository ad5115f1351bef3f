"""Attachments the reporter adds to their report: size and type limits, safe names, encrypted at rest."""
from __future__ import annotations

import base64
import hashlib
import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.cases.reveal_models import ReporterAttachment
from engine.clock import now
from engine.errors import FieldError, InvalidData, NotFound

MAX_BYTES = 5 * 1024 * 1024
MAX_PER_CASE = 20
# Media type by extension; the content's first bytes must agree (no executable disguised as a PDF).
ALLOWED = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".txt": ("text/plain", ()),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
}
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()\-]{0,120}$")


def safe_filename(name: str | None) -> str:
    """The name as given, if it is a plain file name; path traversal and odd characters are refused."""
    raw = unicodedata.normalize("NFC", name or "").strip()
    if not raw or "/" in raw or "\\" in raw or ".." in raw or "\x00" in raw or not _SAFE.match(raw):
        raise InvalidData([FieldError("bestand", "Ongeldige bestandsnaam: gebruik alleen letters, cijfers, spaties, "
                                                 "punten, streepjes en haakjes, zonder mappen.")])
    return raw


def add(*, session: Session, case_id: int, filename: str | None, content: bytes, actor: str = "melder") -> ReporterAttachment:
    name = safe_filename(filename)
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in ALLOWED:
        raise InvalidData([FieldError("bestand", "Dit bestandstype is niet toegestaan (pdf, png, jpg, txt, docx).")])
    if not content:
        raise InvalidData([FieldError("bestand", "Het bestand is leeg.")])
    if len(content) > MAX_BYTES:
        raise InvalidData([FieldError("bestand", f"Het bestand is groter dan {MAX_BYTES // (1024 * 1024)} MB.")])
    media_type, magics = ALLOWED[ext]
    if magics and not any(content.startswith(m) for m in magics):
        raise InvalidData([FieldError("bestand", "De inhoud past niet bij het bestandstype.")])
    if ext == ".txt":
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidData([FieldError("bestand", "Een tekstbestand moet UTF-8 zijn.")]) from None
    count = len(list(session.scalars(select(ReporterAttachment.id).where(ReporterAttachment.case_id == case_id))))
    if count >= MAX_PER_CASE:
        raise InvalidData([FieldError("bestand", f"Hoogstens {MAX_PER_CASE} bijlagen per melding.")])
    row = ReporterAttachment(case_id=case_id, filename=name, media_type=media_type, size=len(content),
                             sha256=hashlib.sha256(content).hexdigest(),
                             content=base64.b64encode(content).decode("ascii"), created_at=now())
    session.add(row)
    session.flush()
    audit.append(session=session, actor=actor, action="attachment.added", case_id=case_id,
                 details={"bijlage": row.id, "grootte": row.size, "sha256": row.sha256})
    return row


def list_for_case(*, session: Session, case_id: int) -> list[ReporterAttachment]:
    return list(session.scalars(select(ReporterAttachment).where(ReporterAttachment.case_id == case_id)
                                .order_by(ReporterAttachment.id)))


def get(*, session: Session, case_id: int, attachment_id: int) -> tuple[ReporterAttachment, bytes]:
    row = session.get(ReporterAttachment, attachment_id)
    if row is None or row.case_id != case_id:
        raise NotFound("Bijlage niet gevonden.")
    return row, base64.b64decode(row.content)
