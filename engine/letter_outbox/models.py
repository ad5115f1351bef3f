"""The letter outbox: one row per letter a committed step still has to have rendered."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import now
from engine.crypto import EncryptedText
from engine.db import Base, UTCDateTime

PENDING, DONE, FAILED = "wacht", "klaar", "mislukt"


class LetterJob(Base):
    """A letter a step asked for, written in the step's transaction (the outbox); the letter worker renders and
    stores it after commit (``engine.letter_outbox.worker``).

    States: ``wacht`` (to render; not before ``retry_at``) → ``klaar`` (``letter_id`` is the stored letter, set in
    the same transaction that stored it: rendered exactly once). A failed render raises ``attempts`` and waits
    ``retry_at``; after ``brieven_max_attempts`` it is ``mislukt`` (an incident says so; a retry after a fix puts it
    back to ``wacht``). ``payload``: the case data the letter is rendered from, encrypted like the case's
    confidential fields (it holds them, selected per recipient only when rendering)."""

    __tablename__ = "letter_jobs"
    __table_args__ = (Index("ix_letter_jobs_state_retry", "state", "retry_at"),
                      Index("ix_letter_jobs_case", "case_id", "state"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    process_version_id: Mapped[int] = mapped_column(Integer)  # the version whose templates and settings apply
    step: Mapped[str] = mapped_column(String(200))  # element id of the task whose letter it is
    task_id: Mapped[str] = mapped_column(String(36))
    template: Mapped[str] = mapped_column(String(100))
    recipient: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(EncryptedText(purpose="letter_jobs.payload"))
    state: Mapped[str] = mapped_column(String(20), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)  # the error's kind and the template's problem, no case data
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
