"""A database error never carries the values bound to its statement (a reporter's name, an e-mail, a receipt
code's hash): SQLAlchemy appends ``[parameters: ...]`` to an error's text unless the engine hides them, and that
text reaches a log line or a command's printed error when nothing else catches it."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

SECRET = "Anna-Verbeek-0612345678"


def test_a_failing_statement_names_no_bound_value(db):
    with pytest.raises(DBAPIError) as failed:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT name FROM a_table_that_does_not_exist WHERE name = :name"), {"name": SECRET})
    assert "a_table_that_does_not_exist" in str(failed.value)
    assert SECRET not in str(failed.value)
    assert SECRET not in repr(failed.value)
