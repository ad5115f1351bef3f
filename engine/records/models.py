"""Tables of the records lifecycle: legal holds and destruction lists (issue 20)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import now
from engine.db import Base, UTCDateTime


class LegalHold(Base):
    """A case that must not be destroyed (court case, Woo request, complaint) while ``lifted_at`` is NULL.
    Destroyed with the case once lifted and the case's term has passed (the reason may name people)."""

    __tablename__ = "legal_holds"
    __table_args__ = (Index("ix_legal_holds_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str] = mapped_column(String(100))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    lifted_by: Mapped[str | None] = mapped_column(String(100))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DestructionList(Base):
    """A destruction list (vernietigingslijst): built by the retention run, proposed by one authorised
    person and approved by another (four eyes); approval destroys its cases and stores the certificate.
    Kept permanently (the certificate is the archive's proof of destruction)."""

    __tablename__ = "destruction_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="concept")  # concept | voorgesteld | uitgevoerd
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    built_by: Mapped[str] = mapped_column(String(100))
    proposed_by: Mapped[str | None] = mapped_column(String(100))
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certificate: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    certificate_filename: Mapped[str | None] = mapped_column(String(200))


class DestructionItem(Base):
    """One case on a destruction list. Holds no personal data: number, class and dates only."""

    __tablename__ = "destruction_list_items"
    __table_args__ = (Index("ix_destruction_items_case", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("destruction_lists.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(Integer)  # no FK: the list outlives the case's contents
    reference: Mapped[str] = mapped_column(String(40))
    outcome_class: Mapped[str] = mapped_column(String(40))
    closed_on: Mapped[date] = mapped_column(Date)
    end_of_term: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="te_vernietigen")  # te_vernietigen | vernietigd | overgeslagen
    note: Mapped[str | None] = mapped_column(String(300))  # why skipped (Dutch, no personal data)
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
