"""The PostgreSQL pool without a ping per checkout (issue 25): a dropped connection fails the one statement that
finds it; the pool then discards its connections and the next unit of work runs on a fresh one."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, exc, text

pytestmark = pytest.mark.db


def test_no_ping_per_checkout_and_recovery_after_the_server_dropped_the_connections(db, monkeypatch):
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no server to drop connections")
    seen, pings = [], []
    event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    # The dialect pings on the driver's own cursor, past SQLAlchemy's statement events: count the pings where the
    # pool asks for them.
    dialect = db.engine.dialect
    real_ping = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda conn: pings.append(conn) or real_ping(conn))
    with db.session() as s:
        s.execute(text("SELECT 1"))  # a first checkout: a fresh connection is never pinged
    with db.session() as s:
        pid = s.execute(text("SELECT pg_backend_pid()")).scalar()
    with db.session() as s:
        assert s.execute(text("SELECT pg_backend_pid()")).scalar() == pid  # the pooled connection again
    assert seen == ["SELECT 1"] + ["SELECT pg_backend_pid()"] * 2
    assert pings == []  # no ping at any checkout of the pooled connection

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
