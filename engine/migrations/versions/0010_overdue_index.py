"""The overdue index in the worklists' full sort order.

Revision ID: 0010_overdue_index
Revises: 0009_reveal_letters
"""
from alembic import op
import sqlalchemy as sa

revision = "0010_overdue_index"
down_revision = "0009_reveal_letters"
branch_labels = None
depends_on = None

DUE = "state = 'open' AND due_at IS NOT NULL"


def _where(clause: str) -> dict:
    return {"postgresql_where": sa.text(clause), "sqlite_where": sa.text(clause)}


def upgrade() -> None:
    # (due_at) alone made "all overdue tasks" fetch and sort every overdue item before LIMIT.
    op.drop_index("ix_work_items_open_due", table_name="work_items")
    op.create_index("ix_work_items_open_due", "work_items",
                    ["due_at", sa.text("priority DESC"), "created_at", "id"], **_where(DUE))


def downgrade() -> None:
    op.drop_index("ix_work_items_open_due", table_name="work_items")
    op.create_index("ix_work_items_open_due", "work_items", ["due_at"], **_where(DUE))
