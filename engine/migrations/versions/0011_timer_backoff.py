"""Timers: failures in a row and the next attempt (backoff for a timer whose firing fails).

Revision ID: 0011_timer_backoff
Revises: 0010_overdue_index
"""
from alembic import op
import sqlalchemy as sa

import engine.db

revision = "0011_timer_backoff"
down_revision = "0010_overdue_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("timers") as batch:
        batch.add_column(sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("retry_at", engine.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("timers") as batch:
        batch.drop_column("retry_at")
        batch.drop_column("failures")
