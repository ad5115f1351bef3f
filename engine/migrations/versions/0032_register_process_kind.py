"""The register of critical and risky functions (issue 24): its functions, assessments (history) and holders; an
instance of another process of the set (the risk
inventory) is stored as a case row with ``process_kind`` set; NULL is an integrity case.

Revision ID: 0032_register_process_kind
Revises: 0031_oral_reports_follow_up
"""
from alembic import op
import sqlalchemy as sa
import engine.db

revision = "0032_register_process_kind"
down_revision = "0031_oral_reports_follow_up"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("process_kind", sa.String(length=100), nullable=True))
        batch.create_index("ix_cases_process_kind", ["process_kind"])
    op.create_table(
        "register_functions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team", "name"),
    )
    op.create_index("ix_register_functions_unit", "register_functions", ["unit"])
    op.create_table(
        "register_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("function_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("classification", sa.String(length=40), nullable=False),
        sa.Column("risks", sa.JSON(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("gross", sa.Integer(), nullable=False),
        sa.Column("net", sa.Integer(), nullable=False),
        sa.Column("net_explanation", sa.Text(), nullable=False),
        sa.Column("acceptable", sa.Boolean(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("assessed_by", sa.String(length=100), nullable=False),
        sa.Column("assessed_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["function_id"], ["register_functions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_register_assessments_function", "register_assessments", ["function_id", "id"])
    op.create_index("ix_register_assessments_case_id", "register_assessments", ["case_id"])
    op.create_table(
        "register_holders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("function_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("screening", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["function_id"], ["register_functions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_register_holders_function_id", "register_holders", ["function_id"])
    op.create_index("ix_register_holders_user", "register_holders", ["user_id", "until"])


def downgrade() -> None:
    op.drop_table("register_holders")
    op.drop_table("register_assessments")
    op.drop_table("register_functions")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_process_kind")
        batch.drop_column("process_kind")
