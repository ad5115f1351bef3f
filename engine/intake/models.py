from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
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
