"""The precedents of a sanction advice in their own index (issue 25): the closed integrity cases of one category,
newest closed first, so the query reads its 50 rows whatever the number of cases.

Without it PostgreSQL read every closed case of the category (never-analysed tables: a bitmap scan and a sort) or
every open case first (analysed: the closing date's index backwards, where the open cases' NULLs come first): tens
of thousands of rows at 100,000 cases. The query orders ``closed_at DESC NULLS LAST`` (SQLite's own order for DESC),
so only this index gives its order. SQLite accepts no NULLS LAST in an index and needs none.

Revision ID: 0035_precedents_index
Revises: 0034_oral_contact_tasks
"""
from alembic import op
import sqlalchemy as sa

revision = "0035_precedents_index"
down_revision = "0034_oral_contact_tasks"
branch_labels = None
depends_on = None

CLOSED = "status = 'closed' AND process_kind IS NULL"


def upgrade() -> None:
    nulls = " NULLS LAST" if op.get_bind().dialect.name == "postgresql" else ""
    op.create_index("ix_cases_precedents", "cases", ["category", sa.text(f"closed_at DESC{nulls}"), sa.text("id DESC")],
                    postgresql_where=sa.text(CLOSED), sqlite_where=sa.text(CLOSED))


def downgrade() -> None:
    op.drop_index("ix_cases_precedents", table_name="cases")
