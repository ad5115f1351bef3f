"""E-mail notifications (issue 22): ``notification_preferences`` (per user: direct, dagelijks, uit) and the
``notifications`` outbox the sender worker mails from after commit, and ``notification_deadline_scans`` (the task
deadlines already notified of).

Revision ID: 0026_notifications
Revises: 0025_absences
"""
from alembic import op
import sqlalchemy as sa
import engine.db

revision = "0026_notifications"
down_revision = "0025_absences"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("changed_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notification_preferences_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_preferences")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("delivery", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retry_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claim", sa.String(length=36), nullable=True),
        sa.Column("claimed_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("key", name=op.f("uq_notifications_key")),
    )
    op.create_table(
        "notification_deadline_scans",
        sa.Column("work_item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("due_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["work_item_id"], ["work_items.id"],
                                name=op.f("fk_notification_deadline_scans_work_item_id_work_items"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("work_item_id", "kind", "due_at", name=op.f("pk_notification_deadline_scans")),
    )
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.create_index("ix_notifications_state_delivery", ["state", "delivery", "retry_at"], unique=False)
        batch_op.create_index("ix_notifications_user_day", ["user_id", "day"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_claim"), ["claim"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_claim"))
        batch_op.drop_index("ix_notifications_user_day")
        batch_op.drop_index("ix_notifications_state_delivery")
    op.drop_table("notifications")
    op.drop_table("notification_deadline_scans")
    op.drop_table("notification_preferences")
