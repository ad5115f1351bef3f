"""Oral reports with a transcript the reporter signs, meeting requests, and the follow-up after closure
(issue 23; EU 2019/1937 art. 9(2) and art. 18). Every free text may identify the reporter: stored encrypted."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import now
from engine.crypto import EncryptedText
from engine.db import Base, UTCDateTime


class MeetingRequest(Base):
    """The reporter asks for a meeting in person or by phone (public form or "Mijn melding")."""

    __tablename__ = "meeting_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # gesprek | telefoon
    wish: Mapped[str | None] = mapped_column(EncryptedText("meeting_requests.wish"))
    source: Mapped[str] = mapped_column(String(20))  # formulier | inbox
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    oral_report_id: Mapped[int | None] = mapped_column(ForeignKey("oral_reports.id"))  # set when held


class OralReport(Base):
    """A report made orally (by phone or in a meeting), registered by the desk. Signed only by the reporter."""

    __tablename__ = "oral_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # telefoon | gesprek
    held_on: Mapped[date] = mapped_column(Date)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    status: Mapped[str] = mapped_column(String(30))  # ter_controle | correctie_ontvangen | ondertekend | niet_ondertekend
    review_due: Mapped[date] = mapped_column(Date)  # last day of the term to check, correct and sign
    signed_version_id: Mapped[int | None] = mapped_column(Integer)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TranscriptVersion(Base):
    """One version of the transcript: the desk's text (``verslag``) or the reporter's corrections (``correctie``)."""

    __tablename__ = "transcript_versions"
    __table_args__ = (Index("ix_transcript_versions_report", "oral_report_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    oral_report_id: Mapped[int] = mapped_column(ForeignKey("oral_reports.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # verslag | correctie
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the reporter
    body: Mapped[str] = mapped_column(EncryptedText("transcript_versions.body"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class FollowUp(Base):
    """A check-in with the reporter after closure ("Heeft u na uw melding nadelige gevolgen ervaren?").

    ``state``: gepland (waits for ``due_at``), verstuurd (in the inbox), beantwoord, geen_inbox (the reporter has no
    receipt code: nothing can be sent). An answer that signals retaliation opens a task for the coordinator
    (``signal``: open, then afgehandeld)."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    term: Mapped[str] = mapped_column(String(20))  # ISO 8601 duration after closing, from the manifest
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("case_messages.id"))
    answer: Mapped[str | None] = mapped_column(String(10))  # ja | nee
    answer_text: Mapped[str | None] = mapped_column(EncryptedText("follow_ups.answer_text"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signal: Mapped[str | None] = mapped_column(String(20))  # open | afgehandeld
    signal_role: Mapped[str | None] = mapped_column(String(60))
    signal_handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signal_handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ContactTask(Base):
    """A task outside the BPMN process that reporter contact opens (issue 23): the reporter did not sign the
    transcript within its term (``kind`` ``verslag_niet_ondertekend``, for the desk), sent corrections to it
    (``correcties_verwerken``, for the desk: answer them with a new version) or answered a check-in after closure
    with "ja" (``represaille``, for the coordinator). The oral report and the follow-up do not run in a BPMN
    element (the follow-up starts after the case's workflow ended), so these tasks have a row of their own with the
    lifecycle of a work item: open in the pool of ``role``, claimed (``assignee_id``), completed with an
    ``outcome`` and a ``motivation`` (encrypted: it may identify the reporter), or ``vervallen`` when the reporter
    acted first (or the desk offered a new version of a transcript whose term passed). The corrections task is
    completed by the new version itself (``outcome`` ``nieuwe_versie``). ``key`` makes opening idempotent (one task
    per subject and term, or per round of corrections), also with several workers."""

    __tablename__ = "contact_tasks"
    __table_args__ = (Index("ix_contact_tasks_open", "state", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # verslag_niet_ondertekend | correcties_verwerken | represaille
    key: Mapped[str] = mapped_column(String(80), unique=True)
    oral_report_id: Mapped[int | None] = mapped_column(ForeignKey("oral_reports.id", ondelete="CASCADE"))
    follow_up_id: Mapped[int | None] = mapped_column(ForeignKey("follow_ups.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | afgerond | vervallen
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(40))
    motivation: Mapped[str | None] = mapped_column(EncryptedText("contact_tasks.motivation"))
