from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import now
from engine.crypto import EncryptedText
from engine.db import Base, UTCDateTime

# ``state = 'open'`` written into the statement instead of bound (issue 25, PostgreSQL CPU): the worklist indexes
# are partial (``WHERE state = 'open'``), and a prepared statement whose state is a parameter cannot use them in
# its generic plan, so PostgreSQL planned such a query afresh on every execution (a custom plan, 0.1-0.5 ms each,
# ~1 ms per completion flow). With the literal the generic plan uses them and is planned once per connection.
# Use ``WorkItem.state == OPEN`` in queries.
OPEN = literal_column("'open'")


class WorkItem(Base):
    """One row per user task that became ready; worklists query only this table."""

    __tablename__ = "work_items"
    # Partial indexes on open items only, in the worklists' sort order (due date first,
    # NULLS LAST, then priority): the database reads just the first page of rows.
    __table_args__ = (
        Index("ix_work_items_open_assignee", "assignee_id", "due_at", text("priority DESC"), "created_at", "id",
              postgresql_where=text("state = 'open'"), sqlite_where=text("state = 'open'")),
        Index("ix_work_items_open_pool", "role", "due_at", text("priority DESC"), "created_at", "id",
              postgresql_where=text("state = 'open' AND assignee_id IS NULL"),
              sqlite_where=text("state = 'open' AND assignee_id IS NULL")),
        Index("ix_work_items_open_due", "due_at", text("priority DESC"), "created_at", "id",
              postgresql_where=text("state = 'open' AND due_at IS NOT NULL"),
              sqlite_where=text("state = 'open' AND due_at IS NOT NULL")),
        # A user's completed work, per case (migration 0044): the separation of duties' "what did this user do in
        # this case" is one index entry whatever the user's history; open items have no entry.
        Index("ix_work_items_completed_by", "completed_by_id", "case_id",
              postgresql_where=text("completed_by_id IS NOT NULL"), sqlite_where=text("completed_by_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)  # SpiffWorkflow task uuid
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(60))
    slot: Mapped[str] = mapped_column(String(60))
    form: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | completed | cancelled
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What the task's form shows (its data and prefill), written by every step that leaves the item open
    # (``engine.cases.service``): the task detail reads this instead of restoring the workflow. NULL for an item
    # from before the column, a completed or cancelled one, or a destroyed case: the detail then falls back.
    # Deferred (issue 25): ~2 KB of JSON per item that no list shows; a worklist page of 200 decoded ~400 KB for
    # nothing. The reads that show or compare it ask for it (``undefer``: the task access read, the step's open
    # items, the register's numbers); any other access loads it on its own.
    view: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), deferred=True)


class WorklistVisit(Base):
    """A user's visits of their worklist (issue 17): work that arrived after the previous visit is highlighted as
    new. ``visited_at`` is the latest request of the current visit, ``previous_at`` the end of the one before it
    (``engine.worklist.service.record_visit``)."""

    __tablename__ = "worklist_visits"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    previous_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TaskDraft(Base):
    """What one user typed into a task's form and saved as a draft ('Concept opslaan'), restored when that user
    opens the task again. The values are one JSON object, encrypted at rest like the case's confidential data
    (a draft may hold anything the form asks, the reporter's identity included). Deleted when the task is
    completed, handed back or assigned to someone else (``engine.worklist.drafts``)."""

    __tablename__ = "task_drafts"

    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    data: Mapped[str] = mapped_column(EncryptedText("task_drafts.data"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
