"""The register of critical and risky functions (issue 24): an instance of another process of the set (the risk
inventory) is stored as a case row with ``process_kind`` set; NULL is an integrity case.

Revision ID: 0029_register_process_kind
Revises: 0028_incidents
"""
from alembic import op
import sqlalchemy as sa

revision = "0029_register_process_kind"
down_revision = "0028_incidents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("process_kind", sa.String(length=100), nullable=True))
        batch.create_index("ix_cases_process_kind", ["process_kind"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_process_kind")
        batch.drop_column("process_kind")
