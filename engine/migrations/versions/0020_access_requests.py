"""Access requests (AVG art. 15) and rectification/restriction flags on a person's data in a case (issue 20).

Revision ID: 0020_access_requests
Revises: 0019_case_search
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = "0020_access_requests"
down_revision = "0019_case_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reporter_consent", sa.Boolean(), nullable=False),
        sa.Column("registered_by", sa.String(length=100), nullable=False),
        sa.Column("registered_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("extended_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("handled_by", sa.String(length=100), nullable=True),
        sa.Column("handled_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_requests")),
    )
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.create_index("ix_access_requests_open_due", ["status", "due_on"], unique=False)
    op.create_table(
        "access_request_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["access_requests.id"],
                                name=op.f("fk_access_request_cases_request_id_access_requests"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_access_request_cases_case_id_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_request_cases")),
        sa.UniqueConstraint("request_id", "case_id", "role", name=op.f("uq_access_request_cases_request_id")),
    )
    with op.batch_alter_table("access_request_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_request_cases_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_request_cases_case_id"), ["case_id"], unique=False)
    op.create_table(
        "person_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("person", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("placed_by", sa.String(length=100), nullable=False),
        sa.Column("placed_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_by", sa.String(length=100), nullable=True),
        sa.Column("lifted_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_person_flags_case_id_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_flags")),
    )
    with op.batch_alter_table("person_flags", schema=None) as batch_op:
        batch_op.create_index("ix_person_flags_case", ["case_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("person_flags")
    op.drop_table("access_request_cases")
    op.drop_table("access_requests")
