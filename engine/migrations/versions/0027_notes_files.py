"""Internal notes and files both ways (issue 23): ``case_notes`` (handlers' notes, encrypted) and, on
``reporter_attachments``, who added a file (reporter or handler), its kind and what metadata was removed.

Revision ID: 0027_notes_files
Revises: 0026_notifications
"""
from alembic import op
import sqlalchemy as sa
import engine.crypto
import engine.db

revision = "0027_notes_files"
down_revision = "0026_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", engine.crypto.EncryptedText(purpose="case_notes.text"), nullable=False),
        sa.Column("created_at", engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("edited_at", engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_notes_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_case_notes_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notes")),
    )
    with op.batch_alter_table("case_notes") as batch_op:
        batch_op.create_index("ix_case_notes_case", ["case_id", "id"], unique=False)
    with op.batch_alter_table("reporter_attachments") as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=20), server_default="melder", nullable=False))
        batch_op.add_column(sa.Column("kind", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("added_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("stripped", sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_reporter_attachments_added_by_id_users"), "users",
                                    ["added_by_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("reporter_attachments") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_reporter_attachments_added_by_id_users"), type_="foreignkey")
        batch_op.drop_column("stripped")
        batch_op.drop_column("added_by_id")
        batch_op.drop_column("kind")
        batch_op.drop_column("source")
    with op.batch_alter_table("case_notes") as batch_op:
        batch_op.drop_index("ix_case_notes_case")
    op.drop_table("case_notes")
