"""Browser session -> user and roles, kept in the process for a few seconds (issue 25).

Every request of a signed-in person resolves its session cookie; from the database that is two statements (the
session joined with its user, then the roles). Here a resolved session is remembered for
``Settings.session_cache_seconds`` (engine clock) as plain column values, keyed by the database and the cookie's
hash, and put back into the request's ORM session without a statement (``Session.merge(load=False)``).

Revocation still takes effect:

* in this process at once: a committed change to any session, user or role (a logout, a revoked session, an account
  blocked, a role taken away) empties the cache; an entry read before such a change is not stored (generation);
* in another server process within the TTL at the latest;
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
            if generation == self.generation:  # nothing changed since the values were read
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
        session.info["identity_changed"] = True


@event.listens_for(Session, "after_commit")
def _forget_on_commit(session: Session) -> None:
    if session.info.pop("identity_changed", False):
        cache.clear()


@event.listens_for(Session, "after_soft_rollback")
def _forget_flag(session: Session, transaction) -> None:
    if not session.in_transaction():
        session.info.pop("identity_changed", None)
