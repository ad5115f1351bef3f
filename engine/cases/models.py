from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, event, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import now
from engine.crypto import EncryptedText
from engine.db import Base, CompressedText, UTCDateTime


class Case(Base):
    """A case (zaak). ``state`` is the SpiffWorkflow instance serialised without its spec."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_list", "status", "unit", text("created_at DESC"), text("id DESC")),
        Index("ix_cases_list_category", "status", "unit", "category", text("created_at DESC"), text("id DESC")),
        # The precedents of a sanction advice (engine.cases.precedents), newest closed first. Made by migration 0035:
        # on SQLite without NULLS LAST (its DESC order already puts NULLs last; it accepts none in an index).
        Index("ix_cases_precedents", "category", text("closed_at DESC NULLS LAST"), text("id DESC"),
              postgresql_where=text("status = 'closed' AND process_kind IS NULL"),
              sqlite_where=text("status = 'closed' AND process_kind IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    process_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_versions.id"), index=True)
    # NULL: an integrity case (the set's main process). Otherwise the id of another process of the same set
    # (manifest ``processes``, e.g. the risk inventory): such an instance shares the engine's machinery (state,
    # work items, timers, audit) but is no integrity case: every case list, search, report and page leaves it out
    # (``engine.identity.access.visible_cases_condition`` and ``INTEGRITY_CASE``).
    process_kind: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | closed
    unit: Mapped[str | None] = mapped_column(String(200))  # dienstonderdeel of the subject
    category: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str | None] = mapped_column(CompressedText)  # JSON; stored compressed
    # A random tag of the stored state, new whenever ``state`` is assigned (``_new_state_tag``), NULL without a
    # state: it is written with the state in the same UPDATE, so it names one state of one case in any database.
    # What is derived from a state may be remembered under (case id, tag) without reading the state again (the
    # names in a precedent's workflow data, engine.reports.woo). Every write of ``state`` must go through the
    # attribute (all of the engine's do: the step's prebuilt UPDATE and the timer batch's write the attributes the
    # ORM would); a state written otherwise loses its tag: the database sets it NULL (trigger of migration 0037).
    state_tag: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[dict] = mapped_column(JSON, default=dict)  # non-confidential projection for lists/reports
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(100), default="system")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    # Optimistic concurrency: every UPDATE says WHERE version = :seen (StaleDataError otherwise).
    __mapper_args__ = {"version_id_col": version}


@event.listens_for(Case.state, "set")
def _new_state_tag(target: Case, value, oldvalue, initiator) -> None:
    target.state_tag = None if value is None else uuid.uuid4().hex


INTEGRITY_CASE = Case.process_kind.is_(None)  # WHERE clause: an integrity case, not another process's instance


class CaseParty(Base):
    """A person linked to a case who must never act on or see it through staff paths
    (melder, betrokkene, leidinggevende of the betrokkene), when known as a user."""

    __tablename__ = "case_parties"
    __table_args__ = (UniqueConstraint("case_id", "party", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    party: Mapped[str] = mapped_column(String(40))  # melder | betrokkene | leidinggevende
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)


class CaseActor(Base):
    """Who acts in which slot of a case (separation of duties)."""

    __tablename__ = "case_actors"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    slot: Mapped[str] = mapped_column(String(60), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class CaseConfidential(Base):
    """Fields marked ``x-vertrouwelijk`` in a form (reporter identity, the report's free
    text): kept out of the workflow state and stored encrypted (AES-GCM), as one JSON object."""

    __tablename__ = "case_confidential"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[str] = mapped_column(EncryptedText("case_confidential.data"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class TaskSubmission(Base):
    """What a user submitted when completing a task (issue 16: completed work stays readable).

    Written in the transaction that completes the task. ``data`` holds the fields of the case file (no
    confidentiality class, the same values the workflow state holds); ``confidential`` the fields of a
    confidentiality class (``x-vertrouwelijk``: the reporter's identity, the report's substance) as one JSON
    object, encrypted like ``case_confidential``. Who may read which field: ``engine.cases.field_classes``."""

    __tablename__ = "task_submissions"

    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    form: Mapped[str | None] = mapped_column(String(300))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    confidential: Mapped[str | None] = mapped_column(EncryptedText("task_submissions.confidential"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
