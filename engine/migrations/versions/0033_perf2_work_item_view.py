"""The task detail's projection stored at write time (issue 25): ``work_items.view`` holds what an open task's
form shows (its data and prefill), so opening a task no longer restores the workflow.

Revision ID: 0033_perf2_work_item_view
Revises: 0032_register_process_kind
"""
from alembic import op
import sqlalchemy as sa

revision = "0033_perf2_work_item_view"
down_revision = "0032_register_process_kind"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_items") as batch:
        batch.add_column(sa.Column("view", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("work_items") as batch:
        batch.drop_column("view")
