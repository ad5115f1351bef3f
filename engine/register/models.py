"""The register of critical and risky functions (issue 24): functions per team, every assessment kept, and who
holds which function since when."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import now
from engine.db import Base, UTCDateTime

CLASSIFICATIONS = {"kritiek": "Kritieke functie", "risicovol": "Risicovolle functie",
                   "meest_risicovol": "Meest risicovolle functie", "geen": "Geen van beide"}


class RegisterFunction(Base):
    """A function of a team. Its classification and risks are those of its newest assessment."""

    __tablename__ = "register_functions"
    __table_args__ = (UniqueConstraint("team", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(200), index=True)  # organisational unit
    team: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class RegisterAssessment(Base):
    """One assessment of a function, as the manager submitted it in an inventory; never changed afterwards (the
    history). ``case_id`` is the inventory (a case row with ``process_kind`` set), never an integrity case."""

    __tablename__ = "register_assessments"
    __table_args__ = (Index("ix_register_assessments_function", "function_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    function_id: Mapped[int] = mapped_column(ForeignKey("register_functions.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    classification: Mapped[str] = mapped_column(String(40))
    risks: Mapped[list] = mapped_column(JSON, default=list)
    measures: Mapped[str] = mapped_column(Text, default="")
    gross: Mapped[int] = mapped_column(Integer)
    net: Mapped[int] = mapped_column(Integer)
    net_explanation: Mapped[str] = mapped_column(Text, default="")
    acceptable: Mapped[bool] = mapped_column(Boolean)
    owner: Mapped[str] = mapped_column(String(200))
    review_on: Mapped[date] = mapped_column(Date)
    assessed_by: Mapped[str] = mapped_column(String(100))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class FunctionHolder(Base):
    """Who holds a function of the register from ``since`` (until ``until``, exclusive; open: still)."""

    __tablename__ = "register_holders"
    __table_args__ = (Index("ix_register_holders_user", "user_id", "until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    function_id: Mapped[int] = mapped_column(ForeignKey("register_functions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    screening: Mapped[str] = mapped_column(String(200), default="")  # e.g. "vertrouwensfunctie, VGB 2025-03-01"
