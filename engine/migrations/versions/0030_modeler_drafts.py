"""Process drafts (issue 18, in-browser modelling): a process owner's edited files, kept per user until deployed.

Revision ID: 0030_modeler_drafts
Revises: 0029_letters_outbox
"""
from alembic import op
import sqlalchemy as sa
import engine.db

revision = "0030_modeler_drafts"
down_revision = "0029_letters_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "process_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("saved_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_drafts")),
        sa.UniqueConstraint("username", "path", name=op.f("uq_process_drafts_username")),
    )
    with op.batch_alter_table("process_drafts") as batch_op:
        batch_op.create_index(batch_op.f("ix_process_drafts_username"), ["username"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("process_drafts") as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_drafts_username"))
    op.drop_table("process_drafts")
