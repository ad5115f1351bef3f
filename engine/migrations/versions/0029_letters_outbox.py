"""The letter outbox (issue 25): letters rendered after the step's commit by the letter worker.

Revision ID: 0029_letters_outbox
Revises: 0028_incidents
"""
from alembic import op
import sqlalchemy as sa
import engine.crypto
import engine.db

revision = "0029_letters_outbox"
down_revision = "0028_incidents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "letter_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("process_version_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=200), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("template", sa.String(length=100), nullable=False),
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("payload", engine.crypto.EncryptedText(purpose="letter_jobs.payload"), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retry_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("letter_id", sa.Integer(), nullable=True),
        sa.Column("created_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_letter_jobs_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["letter_id"], ["letters.id"], name=op.f("fk_letter_jobs_letter_id_letters"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_jobs")),
    )
    with op.batch_alter_table("letter_jobs") as batch_op:
        batch_op.create_index("ix_letter_jobs_state_retry", ["state", "retry_at"], unique=False)
        batch_op.create_index("ix_letter_jobs_case", ["case_id", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("letter_jobs") as batch_op:
        batch_op.drop_index("ix_letter_jobs_case")
        batch_op.drop_index("ix_letter_jobs_state_retry")
    op.drop_table("letter_jobs")
