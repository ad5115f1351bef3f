"""Tables of the records lifecycle: legal holds, destruction lists, access requests and person flags (issue 20)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import now
from engine.crypto import EncryptedText
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


class AccessRequest(Base):
    """A data-subject access request (inzageverzoek, AVG art. 15) by one named person. The person's name and
    contact details are stored encrypted (``person``: JSON); ``due_on`` is the one-month term (AVG art. 12 lid 3),
    extended by two months when ``extended_at`` is set. Kept after the cases it names are destroyed: proof that
    the request was answered (it holds the person's own details only)."""

    __tablename__ = "access_requests"
    __table_args__ = (Index("ix_access_requests_open_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person: Mapped[str] = mapped_column(EncryptedText("access_requests.person"))
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | afgehandeld
    reporter_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_by: Mapped[str] = mapped_column(String(100))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_reason: Mapped[str | None] = mapped_column(EncryptedText("access_requests.extension_reason"))
    handled_by: Mapped[str | None] = mapped_column(String(100))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccessRequestCase(Base):
    """A case in which the person of an access request appears, and in which role. Deleted with the case."""

    __tablename__ = "access_request_cases"
    __table_args__ = (UniqueConstraint("request_id", "case_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("access_requests.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # melder | betrokkene | getuige


class PersonFlag(Base):
    """A rectification request (AVG art. 16) or a restriction of processing (art. 18) on one person's data in a
    case. Active while ``lifted_at`` is NULL. ``person`` (the name) and ``statement`` are encrypted."""

    __tablename__ = "person_flags"
    __table_args__ = (Index("ix_person_flags_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))  # melder | betrokkene | getuige
    person: Mapped[str] = mapped_column(EncryptedText("person_flags.person"))
    kind: Mapped[str] = mapped_column(String(20))  # rectificatie | beperking
    statement: Mapped[str] = mapped_column(EncryptedText("person_flags.statement"))
    placed_by: Mapped[str] = mapped_column(String(100))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    lifted_by: Mapped[str | None] = mapped_column(String(100))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
