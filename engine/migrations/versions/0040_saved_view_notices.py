"""Notes that a saved view was removed because its case was destroyed: ``saved_view_notices``.

A saved view whose search names a person of a case (its name or its search term) is removed when that case is
destroyed after its retention term; its owner reads on the Zaken page that a view was removed, and why, without
anything of the view or the case (docs/RETENTION.md).

Revision ID: 0040_saved_view_notices
Revises: 0039_form_submissions
"""
from alembic import op
import sqlalchemy as sa
import engine.db

revision = "0040_saved_view_notices"
down_revision = "0039_form_submissions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_view_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_saved_view_notices_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_view_notices")),
    )
    with op.batch_alter_table("saved_view_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_view_notices_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("saved_view_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_view_notices_user_id"))
    op.drop_table("saved_view_notices")
