from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import now
from engine.db import Base, UTCDateTime


class Incident(Base):
    """A case the engine could not move on: a script, expression, timer or letter failed (issue 18).

    One open incident per (case, element, source): a repeated failure raises ``count`` and ``last_at``.
    ``message`` is Dutch and names the process element and the kind of error, never case data.
    """

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_state_last_at", "state", "last_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # timer | taak | brief
    element_id: Mapped[str | None] = mapped_column(String(200))
    element_name: Mapped[str | None] = mapped_column(String(300))  # the step's name in the process file
    timer_id: Mapped[int | None] = mapped_column(ForeignKey("timers.id", ondelete="SET NULL"))
    work_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_items.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(Text)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    count: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | opgelost
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
