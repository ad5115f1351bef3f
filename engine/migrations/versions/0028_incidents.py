"""Incidents (issue 18): a case whose script, expression, timer or letter failed, for the process owner and the
coordinator to see and retry.

Revision ID: 0028_incidents
Revises: 0027_notes_files
"""
from alembic import op
import sqlalchemy as sa
import engine.db

revision = "0028_incidents"
down_revision = "0027_notes_files"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("element_id", sa.String(length=200), nullable=True),
        sa.Column("element_name", sa.String(length=300), nullable=True),
        sa.Column("timer_id", sa.Integer(), nullable=True),
        sa.Column("work_item_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("first_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("resolved_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_incidents_case_id_cases"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["timer_id"], ["timers.id"], name=op.f("fk_incidents_timer_id_timers"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["work_item_id"], ["work_items.id"], name=op.f("fk_incidents_work_item_id_work_items"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents") as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_incidents_state_last_at", ["state", "last_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch_op:
        batch_op.drop_index("ix_incidents_state_last_at")
        batch_op.drop_index(batch_op.f("ix_incidents_case_id"))
    op.drop_table("incidents")
