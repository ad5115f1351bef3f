"""Keyed audit chain (issue 14): each event names the audit key its HMAC was made with.

``key_id`` NULL is the unkeyed SHA-256 scheme of before; those rows keep verifying as they are
(engine.audit.service). New rows are HMAC-SHA256 under the newest key of ``MELDPUNT_AUDIT_KEYS``.

Revision ID: 0013_audit_keyed
Revises: 0012_audit_read_events
"""
from alembic import op
import sqlalchemy as sa

revision = "0013_audit_keyed"
down_revision = "0012_audit_read_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("key_id", sa.String(16), nullable=True))


def downgrade() -> None:
    # Keyed rows stay in the table but no longer verify without their key id.
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("key_id")
