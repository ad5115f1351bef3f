"""Browser session -> user and roles, kept in the process for a few seconds (issue 25).

Every request of a signed-in person resolves its session cookie; from the database that is two statements (the
session joined with its user, then the roles). Here a resolved session is remembered for
``Settings.session_cache_seconds`` (engine clock) as plain column values, keyed by the database and the cookie's
hash, and put back into the request's ORM session without a statement (``Session.merge(load=False)``).

Revocation still takes effect:

* in this process at once: a committed change to any session, user or role (a logout, a revoked session, an account
  blocked, a role taken away) empties the cache; an entry read before such a change is not stored (generation);
* in another server process at once on PostgreSQL: the change's transaction sends ``NOTIFY meldpunt_identiteit``
  (delivered at its commit, dropped with its rollback) and every server process LISTENs on a connection of its own
  (:func:`listen`, started by the API's lifespan) and empties its cache when it hears it. While that connection is
  down, the process remembers nothing for that database (every request reads the session and roles again), so a
  lost notification cannot keep a revoked session alive. Without a listener (SQLite, one server process; a
  command-line tool) and for a change written past the engine (plain SQL): within the TTL at the latest;
* expiry and idle time are checked on every request from the remembered values, as before.

Sessions awaiting a second factor are never remembered (they change within seconds).
"""
from __future__ import annotations

import threading
import weakref
from datetime import datetime, timedelta

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from engine.identity.models import ApiToken, User, UserRole, WebSession

_WEB = ("id", "user_id", "session_hash", "csrf_token", "created_at", "expires_at", "last_seen_at", "revoked_at",
        "pending", "second_factor_at")
_TOUCH_ONLY = {"last_seen_at"}  # sliding a session's last use changes nothing anyone decides on


class _Cache:
    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[datetime, dict, dict, list[dict]]] = {}
        self._lock = threading.Lock()
        self.generation = 0

    def get(self, key: tuple[str, str], moment: datetime):
        if not _may_remember(key[0]):
            return None
        entry = self._entries.get(key)
        if entry is None or entry[0] <= moment:
            return None
        return entry[1:]

    def put(self, key: tuple[str, str], generation: int, until: datetime, web: WebSession) -> None:
        user = web.user
        values = ({c: getattr(web, c) for c in _WEB},
                  {c.key: getattr(user, c.key) for c in inspect(User).column_attrs},
                  [{c.key: getattr(r, c.key) for c in inspect(UserRole).column_attrs} for r in user.roles])
        with self._lock:
            if generation == self.generation and _may_remember(key[0]):  # nothing changed since the values were read
                if len(self._entries) > 10_000:
                    self._entries.clear()
                self._entries[key] = (until, *values)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()


cache = _Cache()


_urls: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # engine -> its URL as text (rendering costs)


def key(session: Session, session_hash: str) -> tuple[str, str]:
    bind = session.get_bind()
    url = _urls.get(bind)
    if url is None:
        url = _urls[bind] = str(bind.url)
    return url, session_hash


def restore(session: Session, values) -> WebSession:
    """The remembered session as a persistent object of ``session`` (no statement). Fresh, clean objects built from
    the remembered values are attached as they are; ``Session.merge`` copied each into a second one (issue 25)."""
    web_values, user_values, role_values = values
    roles = [_detached(_loaded(UserRole, r)) for r in role_values]
    user = _loaded(User, user_values)
    set_committed_value(user, "roles", roles)  # as loaded: no history, no attribute events
    web = _loaded(WebSession, web_values)
    set_committed_value(web, "user", _detached(user))
    _detached(web)
    identities = session.identity_map
    if any(inspect(o).key in identities for o in (web, user, *roles)):
        return session.merge(web, load=False)  # already in this session: merged into the loaded objects
    session.add(web)  # the usual case, a fresh request session: attached as they are (user and roles cascade)
    return web


def _loaded(cls, values: dict):
    """An instance holding ``values`` as a query's row would fill it (every column of the remembered row; no
    constructor defaults, no attribute events)."""
    obj = cls.__mapper__.class_manager.new_instance()
    obj.__dict__.update(values)
    return obj


def _detached(obj):
    make_transient_to_detached(obj)
    return obj


def remember(session: Session, session_hash: str, generation: int, web: WebSession, moment: datetime,
             seconds: float) -> None:
    if seconds > 0 and not web.pending:
        cache.put(key(session, session_hash), generation, moment + timedelta(seconds=seconds), web)


def _relevant(obj) -> bool:
    if isinstance(obj, (User, UserRole, ApiToken)):
        return True
    if isinstance(obj, WebSession):
        state = inspect(obj)
        changed = {a.key for a in state.attrs if a.history.has_changes()}
        return bool(changed - _TOUCH_ONLY) or state.deleted or state.transient or state.pending
    return False


@event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context, _instances) -> None:
    if any(_relevant(o) for o in (*session.new, *session.dirty, *session.deleted)):
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            # the other server processes hear it at the commit (PostgreSQL delivers one per transaction); sent at
            # every such flush, so a savepoint rolled back with its NOTIFY cannot silence a later change
            connection.exec_driver_sql(f"NOTIFY {CHANNEL}")
        session.info["identity_changed"] = True


@event.listens_for(Session, "after_commit")
def _forget_on_commit(session: Session) -> None:
    if session.info.pop("identity_changed", False):
        cache.clear()


@event.listens_for(Session, "after_soft_rollback")
def _forget_flag(session: Session, transaction) -> None:
    if not session.in_transaction():
        session.info.pop("identity_changed", None)


# --------------------------------------------------------------------------- the other server processes' changes

CHANNEL = "meldpunt_identiteit"
RETRY_SECONDS = 1.0  # between attempts to (re)connect the listener; meanwhile nothing is remembered

_listeners: dict[str, "Listener"] = {}  # database URL (as in the cache's keys) -> this process's listener
_listeners_lock = threading.Lock()


def _may_remember(url: str) -> bool:
    """False while this process has a listener for the database that is not (yet, or no longer) listening."""
    listener = _listeners.get(url)
    return listener is None or listener.listening


class Listener:
    """A thread of a server process LISTENing on :data:`CHANNEL` on a PostgreSQL connection of its own: every
    notification empties the cache. ``listening`` is true only between a successful LISTEN and the connection's
    loss; the cache is emptied at both moments (what was remembered meanwhile may be stale)."""

    def __init__(self, bind) -> None:
        self.url = str(bind.url)
        self._dsn = bind.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.listening = False
        self.heard = 0  # notifications heard (for the tests and the metrics)
        self.stop_event = threading.Event()
        self.first_attempt = threading.Event()  # set after the first LISTEN or the first failure to connect
        self.thread = threading.Thread(target=self._run, name="meldpunt-identiteit-listener", daemon=True)

    def _down(self) -> None:
        self.listening = False
        cache.clear()

    def _run(self) -> None:
        import psycopg

        while not self.stop_event.is_set():
            try:
                conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=5)
            except Exception:
                self._down()
                self.first_attempt.set()
                self.stop_event.wait(RETRY_SECONDS)
                continue
            try:
                conn.execute(f"LISTEN {CHANNEL}")
                cache.clear()  # remembered before this process listened: may be stale
                self.listening = True
                self.first_attempt.set()
                while not self.stop_event.is_set():
                    for _ in conn.notifies(timeout=RETRY_SECONDS):
                        cache.clear()
                        self.heard += 1
                    conn.execute("SELECT 1")  # a connection lost without a word raises here
            except Exception:
                pass
            finally:
                self._down()
                self.first_attempt.set()
                conn.close()
            self.stop_event.wait(RETRY_SECONDS)


def listen(bind) -> "Listener | None":
    """Start this process's listener for ``bind``'s database (PostgreSQL only; ``None`` on SQLite): the API's
    lifespan calls it. From then on the cache answers for that database only while the listener listens."""
    if bind.dialect.name != "postgresql":
        return None
    with _listeners_lock:
        listener = Listener(bind)
        _listeners[listener.url] = listener  # before the thread starts: nothing is remembered until it listens
        listener.thread.start()
    listener.first_attempt.wait(timeout=10)  # serve the first requests with the listener listening
    return listener


def stop(listener: "Listener | None") -> None:
    """Stop a listener of :func:`listen` (the API's shutdown); the cache answers as without one again."""
    if listener is None:
        return
    listener.stop_event.set()  # the thread ends within RETRY_SECONDS (not awaited: a shutdown does not wait on it)
    with _listeners_lock:
        if _listeners.get(listener.url) is listener:
            del _listeners[listener.url]
    cache.clear()
