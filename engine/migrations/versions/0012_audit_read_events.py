"""Audit read events outside the chain's sequence (issue 14).

A read of confidential data (``identity.read`` and the like) is recorded without locking the chain's
head: its ``seq`` is NULL, its ``prev_hash`` anchors it to the head it saw (engine.audit.service).

Revision ID: 0012_audit_read_events
Revises: 0011_timer_backoff
"""
from alembic import op
import sqlalchemy as sa

revision = "0012_audit_read_events"
down_revision = "0011_timer_backoff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM audit_events WHERE seq IS NULL")
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=False)
