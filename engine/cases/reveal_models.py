"""Tables for identity disclosure (reveal requests), the case file's attachments and the internal notes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import now
from engine.crypto import EncryptedText
from engine.db import Base, UTCDateTime


class IdentityReveal(Base):
    """A request to reveal the reporter's identity to one user (DOMAIN §4).

    States: ``aangevraagd`` → ``goedgekeurd`` (coordinator) | ``afgewezen``. Approval
    takes effect only after the reporter was informed in writing (``reporter_informed_at``):
    a letter in the case file (``letter_id``, template ``kennisgeving_bekendmaking_identiteit``)
    and a message in the reporter channel (``message_id``), both written in the approving
    transaction before the reveal takes effect."""

    __tablename__ = "identity_reveals"
    __table_args__ = (Index("ix_identity_reveals_case_user", "case_id", "grantee_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    grantee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="aangevraagd")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    reporter_informed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("case_messages.id"))
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"))


class ReporterAttachment(Base):
    """A file in the case file: added by the reporter (``source`` ``melder``) or by a handler (``behandelaar``,
    with a ``kind``: minutes, signed report, evidence). Name and content encrypted at rest (the content base64 in an
    EncryptedText column), stored only after its metadata was removed (``stripped``: JSON list of what was removed,
    in Dutch)."""

    __tablename__ = "reporter_attachments"
    __table_args__ = (Index("ix_reporter_attachments_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # The name too (a photo's name is the moment it was taken; people name files after people): migration 0038.
    filename: Mapped[str] = mapped_column(EncryptedText("reporter_attachments.filename"))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(EncryptedText("reporter_attachments.content"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    source: Mapped[str] = mapped_column(String(20), default="melder", server_default="melder")
    kind: Mapped[str | None] = mapped_column(String(40))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    stripped: Mapped[str | None] = mapped_column(Text)


class CaseNote(Base):
    """An internal note of the case's handlers (issue 23): never for the reporter or the subject, never in a
    letter or an export. The text is encrypted at rest; the author may edit it for a short while only."""

    __tablename__ = "case_notes"
    __table_args__ = (Index("ix_case_notes_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(EncryptedText("case_notes.text"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
