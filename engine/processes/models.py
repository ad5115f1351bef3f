from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.clock import now
from engine.db import Base, UTCDateTime


class ProcessVersion(Base):
    """An immutable deployment of a process set, keyed by the hash of its files."""

    __tablename__ = "process_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    main_process_id: Mapped[str] = mapped_column(String(200))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    deployed_by: Mapped[str] = mapped_column(String(100), default="system")

    files: Mapped[list["ProcessFile"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProcessFile.path"
    )


class ProcessFile(Base):
    __tablename__ = "process_files"
    __table_args__ = (UniqueConstraint("version_id", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ProcessDraft(Base):
    """One process owner's unsaved-to-a-version edit of one file of the active process set (the in-browser
    modeller, ``engine.processes.modelling``): kept until it is deployed or discarded, so a reload loses nothing."""

    __tablename__ = "process_drafts"
    __table_args__ = (UniqueConstraint("username", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    path: Mapped[str] = mapped_column(String(300))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
