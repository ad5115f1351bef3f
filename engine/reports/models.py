"""Tables of the management information: units, imports, VP registrations, monthly overviews."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import now
from engine.db import Base, UTCDateTime


class OrgUnit(Base):
    """An organisational unit (dienstonderdeel). ``employees`` is an organisation setting
    used for "reports per 100 employees"; ``director_id`` receives the monthly overview."""

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    employees: Mapped[int | None] = mapped_column(Integer)
    director_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class CaseImport(Base):
    """One loaded CSV file. The SHA-256 of its bytes is unique: the same file is refused twice."""

    __tablename__ = "case_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_hash: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(300))
    rows: Mapped[int] = mapped_column(Integer)
    units_created: Mapped[list] = mapped_column(JSON, default=list)
    case_ids: Mapped[list] = mapped_column(JSON, default=list)
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class VpRegistration(Base):
    """An anonymous first contact registered by a vertrouwenspersoon (no names, ever)."""

    __tablename__ = "vp_registrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_date: Mapped[date] = mapped_column(Date, index=True)
    unit: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(200))
    subcategory: Mapped[str | None] = mapped_column(String(200))
    concerns: Mapped[str] = mapped_column(String(40))
    handling: Mapped[str] = mapped_column(String(60))
    situation_after: Mapped[str] = mapped_column(String(40))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class MonthlyOverview(Base):
    """The monthly overview of one director as a stored Word document."""

    __tablename__ = "monthly_overviews"
    __table_args__ = (UniqueConstraint("director_id", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    director_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # JJJJ-MM
    units: Mapped[list] = mapped_column(JSON, default=list)
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
