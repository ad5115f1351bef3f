"""A random tag of each case's workflow state (issue 25), new whenever the state is written, NULL without one.

The names in a precedent's workflow data are remembered under (case id, tag): the sanction advice page no longer
reads, decompresses and hashes up to 50 closed cases' states on every opening to find them. The existing rows get a
random tag each (any value unique to the row's state will do).

Revision ID: 0036_case_state_tag
Revises: 0035_precedents_index
"""
from alembic import op
import sqlalchemy as sa

revision = "0036_case_state_tag"
down_revision = "0035_precedents_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("state_tag", sa.String(32), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        random = "md5(random()::text || clock_timestamp()::text || id::text)"
    else:
        random = "lower(hex(randomblob(16)))"
    op.execute(f"UPDATE cases SET state_tag = {random} WHERE state IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("state_tag")
