"""Staff changes (issue 22): ``absences`` (a user's absence with a delegate) and ``staff_notices`` (what the
integrity coordinators are told after a staff change).

Revision ID: 0025_absences
Revises: 0024_second_factor
"""
from alembic import op
import sqlalchemy as sa
import engine.db

revision = "0025_absences"
down_revision = "0024_second_factor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("delegate_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_absences_user_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["delegate_id"], ["users.id"], name=op.f("fk_absences_delegate_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_absences_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
    )
    with op.batch_alter_table("absences") as batch_op:
        batch_op.create_index("ix_absences_user_period", ["user_id", "starts_on", "ends_on"], unique=False)
    op.create_table(
        "staff_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_user_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("created_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("seen_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["subject_user_id"], ["users.id"], name=op.f("fk_staff_notices_subject_user_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["seen_by_id"], ["users.id"], name=op.f("fk_staff_notices_seen_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_notices")),
    )
    with op.batch_alter_table("staff_notices") as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_notices_subject_user_id"), ["subject_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_notices_seen_at"), ["seen_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_notices") as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_notices_seen_at"))
        batch_op.drop_index(batch_op.f("ix_staff_notices_subject_user_id"))
    op.drop_table("staff_notices")
    with op.batch_alter_table("absences") as batch_op:
        batch_op.drop_index("ix_absences_user_period")
    op.drop_table("absences")
