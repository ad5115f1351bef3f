"""Staff changes (issue 22): absences with a delegate, and the notices the coordinator sees after a staff change."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import now
from engine.db import Base, UTCDateTime


class Absence(Base):
    """A period (``starts_on`` .. ``ends_on``, both inclusive, Dutch calendar dates of the engine clock) in which a
    user is away. While it runs, work that would be assigned to the user goes to ``delegate_id`` (when the delegate
    may take it under separation of duties and exclusions) or to the pool (``engine.staff.service.route_to``)."""

    __tablename__ = "absences"
    __table_args__ = (Index("ix_absences_user_period", "user_id", "starts_on", "ends_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffNotice(Base):
    """What the integrity coordinators must be told after a staff change (a user blocked, work handed over, a
    delegate who could not take a task): shown on their worklist until one of them marks it seen (``seen_at``:
    dealt with for everyone). ``items`` lists the tasks concerned (case id, task name, where it went and why), never
    case content. Items the one who marked it seen was not shown (a case outside their oversight, only counted, or
    one they are excluded from, not even counted) stay unseen, split off into a notice of their own
    (``engine.staff.service.mark_notice_seen``), which never comes back to that reader (:class:`StaffNoticeRead`).

    The e-mail for these notices is added in ``engine.staff.service.notify_coordinators_of_staff_change``."""

    __tablename__ = "staff_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    items: Mapped[list] = mapped_column(JSON, default=list)
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    seen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class StaffNoticeRead(Base):
    """A coordinator marked this notice seen (``engine.staff.service.mark_notice_seen``): it no longer shows for
    them, whether or not it was dealt with for everyone. The rest of a notice split off at that moment (the items
    they were not shown) gets a row for them too, so it never comes back to them while it stays for the others."""

    __tablename__ = "staff_notice_reads"

    notice_id: Mapped[int] = mapped_column(ForeignKey("staff_notices.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
