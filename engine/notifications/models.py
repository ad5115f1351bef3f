"""The notification outbox and each user's notification preference (docs/NOTIFICATIONS.md)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import now
from engine.db import Base, UTCDateTime

DIRECT, DIGEST, OFF = "direct", "dagelijks", "uit"
MODES = (DIRECT, DIGEST, OFF)


class NotificationPreference(Base):
    """How a user wants to be told: a mail per event (``direct``, the default without a row), one overview mail a
    day (``dagelijks``) or not at all (``uit``)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(20), default=DIRECT)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Notification(Base):
    """One event for one user, written in the transaction of the event (the outbox). The sender worker mails it
    after commit (``engine.notifications.sender``).

    States: ``pending`` (to send; not before ``retry_at``) → ``sending`` (claimed and committed just before the
    SMTP conversation, ``claim`` names the attempt) → ``sent``. A refused or unreachable server puts the row back
    to ``pending`` with a later ``retry_at``; a conversation broken off after the message was handed over leaves
    the outcome unknown: ``onzeker``, never sent again (at most once). ``vervallen``: the user switched
    notifications off, or has no e-mail address, before it went. Holds no case data: a kind and a link."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_state_delivery", "state", "delivery", "retry_at"),
        Index("ix_notifications_user_day", "user_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    link: Mapped[str] = mapped_column(String(300))
    delivery: Mapped[str] = mapped_column(String(20))  # direct | dagelijks (the preference when it was written)
    day: Mapped[date] = mapped_column(Date)  # the event's date in Europe/Amsterdam (engine clock): its digest
    # Deduplication of the events the worker finds itself (a deadline near, a deadline passed): one per task,
    # deadline and user. NULL for events reported by the engine (each is one event).
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim: Mapped[str | None] = mapped_column(String(36), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)  # the error's type and SMTP code only
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class DeadlineScan(Base):
    """A task's deadline the sender worker has already notified of (``kind``: termijn_nadert or
    termijn_verstreken, for this ``due_at``): each sweep reads only the tasks not yet handled, one indexed query,
    however many overdue tasks there are. A moved deadline is a new row."""

    __tablename__ = "notification_deadline_scans"

    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
