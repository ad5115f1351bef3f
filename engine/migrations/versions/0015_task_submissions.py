"""Submitted task data (issue 16: completed work stays readable).

One row per completed task, written in the transaction that completes it: the case-file fields as JSON, the
fields of a confidentiality class (``x-vertrouwelijk``) encrypted like ``case_confidential``
(``engine.cases.models.TaskSubmission``). Tasks completed before this revision have no row: their values
live only in the workflow state, and the read-only view says so.

Revision ID: 0015_task_submissions
Revises: 0014_letters_encrypted
"""
from alembic import op
import sqlalchemy as sa
import engine.db

revision = "0015_task_submissions"
down_revision = "0014_letters_encrypted"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_submissions",
        sa.Column("work_item_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=300), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("confidential", sa.Text(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["work_item_id"], ["work_items.id"],
                                name=op.f("fk_task_submissions_work_item_id_work_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_task_submissions_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["users.id"],
                                name=op.f("fk_task_submissions_submitted_by_id_users")),
        sa.PrimaryKeyConstraint("work_item_id", name=op.f("pk_task_submissions")),
    )
    with op.batch_alter_table("task_submissions") as batch_op:
        batch_op.create_index(batch_op.f("ix_task_submissions_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("task_submissions") as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_submissions_case_id"))
    op.drop_table("task_submissions")
