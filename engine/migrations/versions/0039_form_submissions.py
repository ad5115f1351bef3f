"""Report forms sent: a form sent twice files one report (``engine.intake.submissions``).

Revision ID: 0039_form_submissions
Revises: 0038_attachment_names_encrypted
"""
from alembic import op
import sqlalchemy as sa

from engine.db import UTCDateTime

revision = "0039_form_submissions"
down_revision = "0038_attachment_names_encrypted"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("content_mac", sa.LargeBinary(32), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE",
                                                         name="fk_form_submissions_case_id_cases"), nullable=True),
        sa.Column("sealed_code", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_form_submissions"),
        sa.UniqueConstraint("key_hash", name="uq_form_submissions_key_hash"),
    )
    op.create_index("ix_form_submissions_case_id", "form_submissions", ["case_id"])
    op.create_index("ix_form_submissions_created_at", "form_submissions", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_form_submissions_created_at", table_name="form_submissions")
    op.drop_index("ix_form_submissions_case_id", table_name="form_submissions")
    op.drop_table("form_submissions")
