"""Tasks outside the BPMN process from reporter contact (issue 23): a transcript not signed within its term (for
the desk) and a follow-up answer that signals retaliation (for the coordinator), each with claim, outcome and
motivation. Open retaliation signals of before this revision become open tasks.

Revision ID: 0034_oral_contact_tasks
Revises: 0033_perf2_work_item_view
"""
from alembic import op
import sqlalchemy as sa
import engine.crypto
import engine.db

revision = "0034_oral_contact_tasks"
down_revision = "0033_perf2_work_item_view"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, engine.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "contact_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("oral_report_id", sa.Integer(), nullable=True),
        sa.Column("follow_up_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=60), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        _when("created_at", False),
        _when("due_at"),
        _when("completed_at"),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("motivation", engine.crypto.EncryptedText(purpose="contact_tasks.motivation"), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_contact_tasks_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["oral_report_id"], ["oral_reports.id"],
                                name=op.f("fk_contact_tasks_oral_report_id_oral_reports"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["follow_up_id"], ["follow_ups.id"],
                                name=op.f("fk_contact_tasks_follow_up_id_follow_ups"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_contact_tasks_assignee_id_users")),
        sa.ForeignKeyConstraint(["completed_by_id"], ["users.id"],
                                name=op.f("fk_contact_tasks_completed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_tasks")),
        sa.UniqueConstraint("key", name=op.f("uq_contact_tasks_key")),
    )
    with op.batch_alter_table("contact_tasks") as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_tasks_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_contact_tasks_open", ["state", "role"], unique=False)
    op.execute("INSERT INTO contact_tasks (case_id, kind, key, follow_up_id, role, state, created_at) "
               "SELECT case_id, 'represaille', 'represaille:' || CAST(id AS VARCHAR(20)), id, signal_role, 'open', "
               "answered_at FROM follow_ups WHERE signal = 'open' AND signal_role IS NOT NULL "
               "AND answered_at IS NOT NULL")


def downgrade() -> None:
    op.drop_table("contact_tasks")
