"""The search index of cases (issue 17): one row per case with the terms of its searchable free text.

``terms`` holds no readable text: on PostgreSQL a ``tsvector`` (Dutch lexemes, configuration 'dutch'),
on SQLite the Dutch snowball stems separated by spaces, indexed by the FTS5 table ``case_search_fts``
(external content, kept in step by triggers; migration 0019). Written and read only by
:mod:`engine.cases.search`.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class CaseSearchTerms(Base):
    __tablename__ = "case_search"
    __table_args__ = (
        Index("ix_case_search_terms", "terms", postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    terms: Mapped[str] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"), nullable=False)
