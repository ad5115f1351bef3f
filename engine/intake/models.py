from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import now
from engine.crypto import EncryptedText
from engine.db import Base, UTCDateTime


class CaseMessage(Base):
    """A message between the reporting desk and the reporter (also an anonymous one).

    The body may identify the reporter, so it is stored encrypted."""

    __tablename__ = "case_messages"
    __table_args__ = (Index("ix_case_messages_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(20))  # naar_melder | van_melder
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # desk user; None = the reporter
    body: Mapped[str] = mapped_column(EncryptedText("case_messages.body"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FormSubmission(Base):
    """A report form that was sent, by its one-time form key (``engine.intake.submissions``): the same form sent
    twice (a double click, a lost answer, a retried request) files one report.

    Only the key's hash is kept, with a MAC of what was sent keyed by the key itself, and, for the first minutes,
    the report's receipt code sealed under a key derived from the form key: the database alone opens nothing."""

    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    content_mac: Mapped[bytes] = mapped_column(LargeBinary(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    sealed_code: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
