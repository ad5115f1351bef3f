"""OpenID Connect login (issue 22): ``users.external_subject``, the provider's stable subject of a user.

Revision ID: 0023_oidc
Revises: 0022_worklist_visits
"""
from alembic import op
import sqlalchemy as sa

revision = "0023_oidc"
down_revision = "0022_worklist_visits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("external_subject", sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_external_subject"), ["external_subject"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_external_subject"), type_="unique")
        batch_op.drop_column("external_subject")
