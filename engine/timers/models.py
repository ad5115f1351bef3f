from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import now
from engine.db import Base, UTCDateTime


class Timer(Base):
    """A waiting BPMN timer, durable: the worker fires rows whose fire_at has passed."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_state_fire_at", "state", "fire_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))  # date | duration | cycle
    attached_to: Mapped[str | None] = mapped_column(String(36))  # user task id for boundary timers
    fire_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default="pending")  # pending | fired | cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fire_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)  # the error's kind in Dutch, never case data
    # Failed firings in a row, and when the next attempt may be made (exponential backoff).
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
