"""identity reveals point at the letter that told the reporter beforehand

Revision ID: 0009_reveal_letters
Revises: 0008_worklist_indexes
"""
from alembic import op
import sqlalchemy as sa

revision = "0009_reveal_letters"
down_revision = "0008_worklist_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identity_reveals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("letter_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_identity_reveals_letter_id_letters"), "letters", ["letter_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("identity_reveals", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_identity_reveals_letter_id_letters"), type_="foreignkey")
        batch_op.drop_column("letter_id")
