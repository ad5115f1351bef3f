"""Search index of cases (issue 17): ``case_search`` and, on SQLite, its FTS5 table.

PostgreSQL: ``terms`` is a ``tsvector`` ('dutch' configuration) with a GIN index.
SQLite: ``terms`` holds Snowball Dutch stems; ``case_search_fts`` (FTS5, external content) indexes them and
triggers keep it in step. Cases are indexed by ``engine.cases.search.index_case`` whenever their
confidential record is stored (intake, task completion). Cases that existed before this revision are not
indexed here: their text is encrypted and a migration holds no keys; ``engine.cases.search.write_terms``
takes a bulk reindex (case id -> text) when one is run with the key ring.

Revision ID: 0019_case_search
Revises: 0014_letters_encrypted
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR

revision = "0019_case_search"
down_revision = "0018_records"
branch_labels = None
depends_on = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE case_search_fts USING fts5(terms, content='case_search', content_rowid='case_id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER case_search_ai AFTER INSERT ON case_search BEGIN "
    "INSERT INTO case_search_fts(rowid, terms) VALUES (new.case_id, new.terms); END",
    "CREATE TRIGGER case_search_ad AFTER DELETE ON case_search BEGIN "
    "INSERT INTO case_search_fts(case_search_fts, rowid, terms) VALUES ('delete', old.case_id, old.terms); END",
    "CREATE TRIGGER case_search_au AFTER UPDATE ON case_search BEGIN "
    "INSERT INTO case_search_fts(case_search_fts, rowid, terms) VALUES ('delete', old.case_id, old.terms); "
    "INSERT INTO case_search_fts(rowid, terms) VALUES (new.case_id, new.terms); END",
]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "case_search",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("terms", TSVECTOR() if postgres else sa.Text(), nullable=False),
    )
    if postgres:
        op.create_index("ix_case_search_terms", "case_search", ["terms"], postgresql_using="gin")
    else:
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_case_search_terms", table_name="case_search")
    else:
        for name in ("case_search_au", "case_search_ad", "case_search_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS case_search_fts")
    op.drop_table("case_search")
