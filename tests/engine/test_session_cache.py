"""Browser session -> user and roles remembered in the process for a few seconds (engine.identity.session_cache,
issue 25): fewer round trips per request, and revocation still takes effect - at once in the same process, at once
from another process on PostgreSQL (LISTEN/NOTIFY), within the TTL for a change written past the engine."""
from __future__ import annotations

import time

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from engine.identity import service as identity
from engine.identity.errors import NotAuthenticated
from engine.identity.models import User, WebSession
from tests.engine.test_statement_budget import Statements
from tests.factories import make_user

pytestmark = pytest.mark.db


@pytest.fixture
def signed_in(db, clock):
    with db.session() as s:
        user = make_user(s, "cachegebruiker", "onderzoeker", "meldpunt")
        session_id, _web = identity.start_web_session(session=s, user=user)
    return session_id


def _resolve(db, session_id: str):
    with db.session() as s:
        web = identity.resolve_web_session(session=s, session_id=session_id, touch=False)
        return web.user.username, sorted(web.user.role_codes)


def test_a_remembered_session_costs_no_statement_and_gives_the_same_user_and_roles(db, signed_in):
    first = _resolve(db, signed_in)
    with Statements(db.engine) as st:
        again = _resolve(db, signed_in)
    assert again == first == ("cachegebruiker", ["meldpunt", "onderzoeker"])
    assert st.seen == []


def test_revocation_in_this_process_takes_effect_at_once(db, signed_in):
    _resolve(db, signed_in)
    with db.session() as s:  # a role taken away
        user = s.query(User).filter_by(username="cachegebruiker").one()
        user.roles = [r for r in user.roles if r.role != "meldpunt"]
    assert _resolve(db, signed_in)[1] == ["onderzoeker"]
    with db.session() as s:  # logged out
        identity.end_web_session(session=s, session_id=signed_in)
    with pytest.raises(NotAuthenticated):
        _resolve(db, signed_in)


def test_an_account_blocked_in_this_process_is_refused_at_once(db, signed_in):
    _resolve(db, signed_in)
    with db.session() as s:
        s.query(User).filter_by(username="cachegebruiker").one().active = False
    with pytest.raises(NotAuthenticated):
        _resolve(db, signed_in)


def test_revocation_by_another_process_takes_effect_within_the_ttl(db, signed_in, clock):
    from engine.config import get_settings

    _resolve(db, signed_in)
    with db.engine.begin() as conn:  # another server process: this process's cache hears nothing of it
        conn.execute(text("UPDATE web_sessions SET revoked_at = created_at"))
        conn.execute(text("DELETE FROM user_roles WHERE role = 'meldpunt'"))
    ttl = get_settings().session_cache_seconds
    assert ttl > 0
    clock.advance(timedelta(seconds=ttl))
    with pytest.raises(NotAuthenticated):
        _resolve(db, signed_in)


def test_a_session_read_before_a_revocation_is_not_remembered_after_it(db, signed_in):
    from engine.identity import session_cache

    with db.session() as s:  # a request reads the session ...
        generation = session_cache.cache.generation
        web = s.scalar(select(WebSession))
        web.user.roles
    with db.session() as other:  # ... meanwhile another request of this process logs it out ...
        identity.end_web_session(session=other, session_id=signed_in)
    with db.session() as s:  # ... and the first one's stale values are not stored
        session_cache.remember(s, web.session_hash, generation, web, identity.now(), 5)
    with pytest.raises(NotAuthenticated):
        _resolve(db, signed_in)


def _listening(db):
    """This process's listener for the test database, as the API's lifespan starts it (PostgreSQL only)."""
    from engine.identity import session_cache

    if db.dialect != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; on SQLite one server process serves the database")
    listener = session_cache.listen(db.engine)
    assert listener is not None and listener.listening
    return listener


def _until(condition, listener) -> None:
    for _ in range(400):  # the notification crosses two connections; no clock is moved meanwhile
        if condition():
            return
        # a sleep, not a timed wait on an event: under libfaketime (`make test-on`) a timed wait never ends, for its
        # deadline is taken on the moved monotonic clock and waited for on the real one
        time.sleep(0.05)


@pytest.mark.postgres_only
def test_an_account_blocked_by_another_process_is_refused_at_once_on_postgresql(db, signed_in, tmp_path):
    """`meldpunt users disable` in a process of its own: its commit notifies, this process empties its cache. The
    engine clock does not move, so without the notification the remembered session would stay valid."""
    from engine.identity import session_cache
    from tests.cli.test_fresh_process import _run

    listener = _listening(db)
    try:
        _resolve(db, signed_in)
        with Statements(db.engine) as st:
            assert _resolve(db, signed_in)[0] == "cachegebruiker"
        assert st.seen == []  # remembered
        heard = listener.heard
        done = _run(db, "users", "disable", "cachegebruiker", cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        _until(lambda: listener.heard > heard, listener)
        assert listener.heard > heard
        with pytest.raises(NotAuthenticated):
            _resolve(db, signed_in)
    finally:
        session_cache.stop(listener)


@pytest.mark.postgres_only
def test_nothing_is_remembered_while_the_listener_is_down(db, signed_in, monkeypatch):
    """A lost LISTEN connection could miss a revocation: until it listens again, every request reads the session."""
    from engine.identity import session_cache

    listener = _listening(db)
    try:
        _resolve(db, signed_in)
        monkeypatch.setattr(session_cache, "RETRY_SECONDS", 60)  # it stays down for the rest of the test
        with db.engine.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE (query LIKE 'LISTEN%' OR query = 'SELECT 1') AND datname = current_database() "
                              "AND pid <> pg_backend_pid()"))  # this test's database only, not another worker's
        _until(lambda: not listener.listening, listener)
        assert not listener.listening
        _resolve(db, signed_in)
        with Statements(db.engine) as st:
            assert _resolve(db, signed_in)[0] == "cachegebruiker"
        assert st.seen, "a session was answered from memory while the listener was down"
    finally:
        session_cache.stop(listener)
    # The listener's thread empties the cache when its connection is lost (and ends at the stop): on a busy machine
    # it may do so only now, between the two reads below. Wait for it to end before counting.
    listener.thread.join(timeout=70)
    assert not listener.thread.is_alive()
    with Statements(db.engine) as st:  # without a listener: remembered again, as before (TTL)
        _resolve(db, signed_in)
        _resolve(db, signed_in)
    assert len(st.seen) < 4
