"""Arrival and drafts (issue 17): ``worklist_visits`` (a user's last look at the worklist, so new work is
highlighted) and ``task_drafts`` (a user's saved, unfinished form of a task, encrypted like case data).

Revision ID: 0022_worklist_visits
Revises: 0021_saved_views
"""
from alembic import op
import sqlalchemy as sa
import engine.db

revision = "0022_worklist_visits"
down_revision = "0021_saved_views"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worklist_visits",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("visited_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("previous_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_worklist_visits_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_worklist_visits")),
    )
    op.create_table(
        "task_drafts",
        sa.Column("work_item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("saved_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["work_item_id"], ["work_items.id"],
                                name=op.f("fk_task_drafts_work_item_id_work_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_task_drafts_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("work_item_id", "user_id", name=op.f("pk_task_drafts")),
    )
    with op.batch_alter_table("task_drafts") as batch_op:
        batch_op.create_index(batch_op.f("ix_task_drafts_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("task_drafts") as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_drafts_user_id"))
    op.drop_table("task_drafts")
    op.drop_table("worklist_visits")
