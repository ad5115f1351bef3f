"""Oral reports with a transcript for the reporter to sign, meeting requests, follow-up after closure (issue 23).

Revision ID: 0031_oral_reports_follow_up
Revises: 0030_modeler_drafts
"""
from alembic import op
import sqlalchemy as sa
import engine.crypto
import engine.db

revision = "0031_oral_reports_follow_up"
down_revision = "0030_modeler_drafts"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, engine.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "oral_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("registered_by_id", sa.Integer(), nullable=False),
        _when("created_at", False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("review_due", sa.Date(), nullable=False),
        sa.Column("signed_version_id", sa.Integer(), nullable=True),
        _when("signed_at"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_oral_reports_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["registered_by_id"], ["users.id"],
                                name=op.f("fk_oral_reports_registered_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oral_reports")),
    )
    with op.batch_alter_table("oral_reports") as batch_op:
        batch_op.create_index(batch_op.f("ix_oral_reports_case_id"), ["case_id"], unique=False)
    op.create_table(
        "meeting_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("wish", engine.crypto.EncryptedText(purpose="meeting_requests.wish"), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        _when("created_at", False),
        sa.Column("oral_report_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_meeting_requests_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["oral_report_id"], ["oral_reports.id"],
                                name=op.f("fk_meeting_requests_oral_report_id_oral_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_requests")),
    )
    with op.batch_alter_table("meeting_requests") as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_requests_case_id"), ["case_id"], unique=False)
    op.create_table(
        "transcript_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("oral_report_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", engine.crypto.EncryptedText(purpose="transcript_versions.body"), nullable=False),
        _when("created_at", False),
        sa.ForeignKeyConstraint(["oral_report_id"], ["oral_reports.id"],
                                name=op.f("fk_transcript_versions_oral_report_id_oral_reports"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_transcript_versions_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcript_versions")),
    )
    with op.batch_alter_table("transcript_versions") as batch_op:
        batch_op.create_index("ix_transcript_versions_report", ["oral_report_id", "number"], unique=False)
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=20), nullable=False),
        _when("due_at", False),
        sa.Column("state", sa.String(length=20), nullable=False),
        _when("sent_at"),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.String(length=10), nullable=True),
        sa.Column("answer_text", engine.crypto.EncryptedText(purpose="follow_ups.answer_text"), nullable=True),
        _when("answered_at"),
        sa.Column("signal", sa.String(length=20), nullable=True),
        sa.Column("signal_role", sa.String(length=60), nullable=True),
        sa.Column("signal_handled_by_id", sa.Integer(), nullable=True),
        _when("signal_handled_at"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_follow_ups_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["case_messages.id"], name=op.f("fk_follow_ups_message_id_case_messages")),
        sa.ForeignKeyConstraint(["signal_handled_by_id"], ["users.id"],
                                name=op.f("fk_follow_ups_signal_handled_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    with op.batch_alter_table("follow_ups") as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_ups_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_follow_ups_due", ["state", "due_at"], unique=False)


def downgrade() -> None:
    for table in ("follow_ups", "transcript_versions", "meeting_requests", "oral_reports"):
        op.drop_table(table)
