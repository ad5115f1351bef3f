"""Partial worklist indexes in the worklists' sort order; case-list indexes.

Revision ID: 0008_worklist_indexes
Revises: 0007_reveals
"""
from alembic import op
import sqlalchemy as sa

revision = "0008_worklist_indexes"
down_revision = "0007_reveals"
branch_labels = None
depends_on = None

OPEN = "state = 'open'"
POOL = "state = 'open' AND assignee_id IS NULL"
DUE = "state = 'open' AND due_at IS NOT NULL"


def _where(clause: str) -> dict:
    return {"postgresql_where": sa.text(clause), "sqlite_where": sa.text(clause)}


def upgrade() -> None:
    op.drop_index("ix_work_items_open_role", table_name="work_items")
    op.drop_index("ix_work_items_open_assignee", table_name="work_items")
    op.drop_index("ix_work_items_open_due", table_name="work_items")
    op.create_index("ix_work_items_open_assignee", "work_items",
                    ["assignee_id", "due_at", sa.text("priority DESC"), "created_at", "id"], **_where(OPEN))
    op.create_index("ix_work_items_open_pool", "work_items",
                    ["role", "due_at", sa.text("priority DESC"), "created_at", "id"], **_where(POOL))
    op.create_index("ix_work_items_open_due", "work_items", ["due_at"], **_where(DUE))
    op.drop_index("ix_cases_status_unit", table_name="cases")
    op.create_index("ix_cases_list", "cases", ["status", "unit", sa.text("created_at DESC"), sa.text("id DESC")])
    op.create_index("ix_cases_list_category", "cases",
                    ["status", "unit", "category", sa.text("created_at DESC"), sa.text("id DESC")])


def downgrade() -> None:
    op.drop_index("ix_cases_list_category", table_name="cases")
    op.drop_index("ix_cases_list", table_name="cases")
    op.create_index("ix_cases_status_unit", "cases", ["status", "unit"])
    op.drop_index("ix_work_items_open_due", table_name="work_items")
    op.drop_index("ix_work_items_open_pool", table_name="work_items")
    op.drop_index("ix_work_items_open_assignee", table_name="work_items")
    op.create_index("ix_work_items_open_role", "work_items", ["state", "role", "due_at", "priority"])
    op.create_index("ix_work_items_open_assignee", "work_items", ["state", "assignee_id", "due_at"])
    op.create_index("ix_work_items_open_due", "work_items", ["state", "due_at"])
