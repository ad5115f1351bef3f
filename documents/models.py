"""The stored letter: one immutable row per rendered version."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import now
from engine.db import Base, UTCDateTime


class Letter(Base):
    """A rendered letter in the case file.

    Immutable once written (an update raises); a correction is a new row with the
    next ``version`` for the same case/step/template/recipient and ``supersedes_id``
    pointing at the row it corrects. ``content`` holds the bytes when ``storage`` is
    ``db``; another store (e.g. content-addressed files keyed by ``sha256``) leaves it empty.
    """

    __tablename__ = "letters"
    __table_args__ = (
        UniqueConstraint("case_id", "step", "template", "recipient", "version"),
        Index("ix_letters_case", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(200))  # element id of the task that produced it
    template: Mapped[str] = mapped_column(String(100))
    template_sha256: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"))
    recipient: Mapped[str] = mapped_column(String(40))
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    rendered_by: Mapped[str] = mapped_column(String(100), default="system")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(
        String(100), default="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    storage: Mapped[str] = mapped_column(String(20), default="db")
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    @property
    def filename(self) -> str:
        return f"{self.template}-v{self.version}.docx"


class ImmutableLetter(Exception):
    """Programming error: stored letters are never changed."""


@event.listens_for(Letter, "before_update")
def _refuse_update(_mapper, _connection, target: Letter) -> None:
    raise ImmutableLetter(f"letter {target.id} is immutable; make a correction (new version) instead")
