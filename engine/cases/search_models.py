"""The search index of cases (issue 17): one row per case with the terms of its searchable free text.

``terms`` holds no readable text: on PostgreSQL a ``tsvector`` (Dutch lexemes, configuration 'dutch'),
on SQLite the Dutch snowball stems separated by spaces, indexed by the FTS5 table ``case_search_fts``
(external content, kept in step by triggers; migration 0019). Written and read only by
:mod:`engine.cases.search`.

:class:`SavedView`: a user's saved search of the case list (migration 0021), kept by :mod:`engine.cases.views`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import now
from engine.crypto import EncryptedText
from engine.db import Base, UTCDateTime


class CaseSearchTerms(Base):
    __tablename__ = "case_search"
    __table_args__ = (
        Index("ix_case_search_terms", "terms", postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    terms: Mapped[str] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"), nullable=False)


class SavedView(Base):
    """A user's saved search on the Zaken page (issue 17): filters and sort under a name of their own.

    Personal: read, opened and deleted only by its owner (:mod:`engine.cases.views`). ``query`` (JSON of the
    filters and sort) and ``name`` are stored encrypted: a search term may be words from a report's description,
    and people name a search after whom it looks for ("Melding over J. Jansen"). A user's names are unique (case
    folded), checked by :func:`engine.cases.views.save_view` under a lock on the user's row (migration 0041)."""

    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(EncryptedText("saved_views.name"))
    query: Mapped[str] = mapped_column(EncryptedText("saved_views.query"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class SavedViewNotice(Base):
    """A note to a user that one of their saved views was removed because the case it searched for was destroyed
    (engine.records.service.destroy_case, :func:`engine.cases.views.remove_views_naming`). Holds nothing of the
    view or the case: who, and when. Shown on the Zaken page (and ``GET /api/v1/zaken/weergaven/meldingen``) until
    the owner dismisses it (migration 0039)."""

    __tablename__ = "saved_view_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
