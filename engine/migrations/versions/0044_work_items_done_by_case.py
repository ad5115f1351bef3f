"""A user's completed work in one case found by one index entry (issue 25, PostgreSQL CPU per completion).

Every completion and pick-up asks what the user did in the case before (``engine.cases.duties``: ``case_id = ? AND
completed_by_id = ? AND state = 'completed'``; the worklist's and the access decision's "involved" checks ask the
same). With one index per column, PostgreSQL without statistics (a new installation, a benchmark database, a bulk
load before the next ANALYZE) combined both indexes and so read every item the user ever completed: ~24,000 index
entries, 9-26 ms per check for a handler with that history in 1,000,000 work items, growing with the history. With
statistics it read the case's items and filtered them (~20 heap rows). ``(completed_by_id, case_id)`` answers it in
one index entry either way, and still serves every query that asks for the user's completed work alone (its first
column, as the former ``ix_work_items_completed_by_id``).

Partial (``completed_by_id IS NOT NULL``): an open or cancelled-unworked item has no entry, so a new work item and a
claim (the assignee changes: not a HOT update) write one index entry fewer; every query of this index compares
``completed_by_id`` with a value, which implies the condition on PostgreSQL and SQLite.

Downgrade: the former single-column index.

Revision ID: 0044_work_items_done_by_case
Revises: 0043_staff_notice_reads
"""
from alembic import op
import sqlalchemy as sa

revision = "0044_work_items_done_by_case"
down_revision = "0043_staff_notice_reads"
branch_labels = None
depends_on = None

DONE = "completed_by_id IS NOT NULL"


def upgrade() -> None:
    op.create_index("ix_work_items_completed_by", "work_items", ["completed_by_id", "case_id"],
                    postgresql_where=sa.text(DONE), sqlite_where=sa.text(DONE))
    op.drop_index("ix_work_items_completed_by_id", table_name="work_items")


def downgrade() -> None:
    op.create_index("ix_work_items_completed_by_id", "work_items", ["completed_by_id"])
    op.drop_index("ix_work_items_completed_by", table_name="work_items")
