"""The PostgreSQL pool without a ping per checkout (issue 25): a dropped connection fails the one statement that
finds it; the pool then discards its connections and the next unit of work runs on a fresh one."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, exc, text

pytestmark = pytest.mark.db


def test_no_ping_per_checkout_and_recovery_after_the_server_dropped_the_connections(db):
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no server to drop connections")
    seen = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    with db.session() as s:
        pid = s.execute(text("SELECT pg_backend_pid()")).scalar()
    with db.session() as s:
        assert s.execute(text("SELECT pg_backend_pid()")).scalar() == pid  # the pooled connection again
    assert seen == ["SELECT pg_backend_pid()"] * 2  # no ping before either statement

    admin = create_engine(db.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    finally:
        admin.dispose()
    with pytest.raises(exc.OperationalError):
        with db.session() as s:
            s.execute(text("SELECT 1"))
    with db.session() as s:  # the pool was invalidated: a fresh connection
        assert s.execute(text("SELECT pg_backend_pid()")).scalar() != pid
