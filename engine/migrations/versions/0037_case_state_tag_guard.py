"""The database itself forgets a case's state tag when the state is written without a new one (issue 25).

``cases.state_tag`` names one stored state: what is derived from a state may be remembered under (case id, tag)
(the names in a precedent's workflow data, ``engine.reports.woo``; the sanction advice withholds a precedent whose
text names a person of its case). The engine writes a new random tag in the same UPDATE as every state. A state
written any other way (an operator's repair, a restore script, a future code path that forgets the tag) kept the
old tag, so the memo answered for a state that is no longer there: a precedent naming its subject could be shown.
Now a trigger sets the tag NULL whenever an UPDATE writes ``state`` and leaves the tag as it was; without a tag,
the memo reads the state again (its names by the state's own digest).

PostgreSQL: a BEFORE trigger ``OF state`` compares only the small tags (never the toasted state). SQLite: an AFTER
trigger of the same condition clears the tag of the row (it writes only ``state_tag``, so it does not fire again).

Revision ID: 0037_case_state_tag_guard
Revises: 0036_case_state_tag
"""
from alembic import op

revision = "0037_case_state_tag_guard"
down_revision = "0036_case_state_tag"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION cases_forget_state_tag() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                NEW.state_tag := NULL;
                RETURN NEW;
            END
            $$""")
        op.execute("""
            CREATE TRIGGER cases_state_without_tag BEFORE UPDATE OF state ON cases
            FOR EACH ROW WHEN (NEW.state_tag IS NOT DISTINCT FROM OLD.state_tag AND NEW.state_tag IS NOT NULL)
            EXECUTE FUNCTION cases_forget_state_tag()""")
    else:
        op.execute("""
            CREATE TRIGGER cases_state_without_tag AFTER UPDATE OF state ON cases
            FOR EACH ROW WHEN NEW.state_tag IS OLD.state_tag AND NEW.state_tag IS NOT NULL
            BEGIN
                UPDATE cases SET state_tag = NULL WHERE id = NEW.id;
            END""")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS cases_state_without_tag" + (
        " ON cases" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS cases_forget_state_tag()")
