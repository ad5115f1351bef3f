"""Who marked a staff notice seen, per reader: ``staff_notice_reads``.

A coordinator who marks a staff notice seen deals with what she was shown; the tasks she only counted (a case outside
her oversight) or was not even told of (a case she is excluded from) stay for the coordinators who see them, split
off into a notice of their own (``engine.staff.service.mark_notice_seen``). That rest must not come back to her: one
row per (notice, reader) says she has seen it.

Data: a notice marked seen before this revision was dealt with for everyone (``staff_notices.seen_at``, which keeps
that meaning) and stays so; whoever marked it (``seen_by_id``, recorded since the notices exist) gets a row, at the
time she marked it. A notice whose marker's account was since removed (``seen_by_id`` emptied) gets none: it is seen
for everyone all the same. A rest split off before this revision (items of a case the marker was excluded from)
does not exist for her anyway (``engine.staff.service``); no row is needed.

Downgrade: drops the rows; ``seen_at`` still says what was dealt with for everyone.

Revision ID: 0043_staff_notice_reads
Revises: 0042_reporter_file_names_neutral
"""
from alembic import op
import sqlalchemy as sa
import engine.db

revision = "0043_staff_notice_reads"
down_revision = "0042_reporter_file_names_neutral"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_notice_reads",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["staff_notices.id"],
                                name=op.f("fk_staff_notice_reads_notice_id_staff_notices"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_staff_notice_reads_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("notice_id", "user_id", name=op.f("pk_staff_notice_reads")),
    )
    with op.batch_alter_table("staff_notice_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_notice_reads_user_id"), ["user_id"], unique=False)
    op.execute("INSERT INTO staff_notice_reads (notice_id, user_id, seen_at) "
               "SELECT id, seen_by_id, seen_at FROM staff_notices "
               "WHERE seen_at IS NOT NULL AND seen_by_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("staff_notice_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_notice_reads_user_id"))
    op.drop_table("staff_notice_reads")
