"""Users, passwords, API tokens and browser sessions.

Passwords and receipt codes: Argon2id (argon2-cffi ``PasswordHasher``, RFC 9106
low-memory profile), rehashed on login when the parameters change. Tokens and session
ids: 32 random bytes, stored as SHA-256 only (see ``ApiToken``). Nothing here logs or
returns a password, token or session id except the one return value of
:func:`issue_token` / :func:`start_web_session` that hands the secret to its owner once.

Identity sits behind :class:`IdentityProvider`: the local username/password provider
is one implementation; an OIDC provider can replace it (it maps a verified ID token to
a :class:`User`), while tokens, sessions and authorisation stay the same.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from engine.clock import now
from engine.errors import FieldError, InvalidData, NotFound
from engine.identity.errors import NotAuthenticated
from engine.identity.models import ApiToken, User, UserRole, WebSession
from engine.identity.roles import known_roles

TOKEN_PREFIX = "mpt_"
DEFAULT_TOKEN_TTL = timedelta(days=90)
MAX_TOKEN_TTL = timedelta(days=366)
SESSION_TTL = timedelta(hours=8)  # absolute
SESSION_IDLE = timedelta(hours=1)  # sliding
MIN_PASSWORD_LENGTH = 12
LAST_USED_GRANULARITY = timedelta(minutes=1)  # fewer writes on busy tokens

LOGIN_FAILED = "Gebruikersnaam of wachtwoord onjuist."
TOKEN_INVALID = "Het token is ongeldig, verlopen of ingetrokken."
SESSION_INVALID = "De sessie is ongeldig of verlopen. Meld u opnieuw aan."


# --------------------------------------------------------------------------- hashing

@lru_cache
def password_hasher() -> PasswordHasher:
    """Argon2id with argon2-cffi's defaults (RFC 9106 low-memory: t=3, m=64 MiB, p=4)."""
    return PasswordHasher()


@lru_cache
def _dummy_hash() -> str:
    return password_hasher().hash(secrets.token_urlsafe(16))


def hash_secret(secret: str) -> str:
    return password_hasher().hash(secret)


def verify_secret(hashed: str | None, secret: str) -> bool:
    """Argon2id verification; with ``hashed=None`` a dummy hash is checked so timing matches."""
    try:
        return password_hasher().verify(hashed or _dummy_hash(), secret) and hashed is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- users

def _validate_roles(roles: list[str]) -> list[str]:
    catalogue = known_roles()
    unknown = [r for r in roles if r not in catalogue]
    if unknown:
        raise InvalidData([FieldError("roles", f"Onbekende rol: {', '.join(sorted(unknown))}")])
    return sorted(set(roles))


validate_roles = _validate_roles  # public for engine.identity.admin


def _validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidData([FieldError("password", f"Het wachtwoord moet minstens {MIN_PASSWORD_LENGTH} tekens hebben.")])
    if len(password) > 1024:
        raise InvalidData([FieldError("password", "Het wachtwoord is te lang.")])


def create_user(*, session: Session, username: str, display_name: str, roles: list[str],
                unit: str | None = None, manager_id: int | None = None, password: str | None = None,
                email: str | None = None) -> User:
    username = (username or "").strip()
    errors = []
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        errors.append(FieldError("username", "Gebruikersnaam is verplicht, zonder spaties, hoogstens 100 tekens."))
    if not (display_name or "").strip():
        errors.append(FieldError("display_name", "Naam is verplicht."))
    if errors:
        raise InvalidData(errors)
    role_codes = _validate_roles(list(roles))
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidData([FieldError("username", "Deze gebruikersnaam bestaat al.")])
    if manager_id is not None and session.get(User, manager_id) is None:
        raise InvalidData([FieldError("manager_id", "Leidinggevende bestaat niet.")])
    user = User(username=username, display_name=display_name.strip(), unit=unit or None,
                manager_id=manager_id, email=email, active=True, created_at=now())
    user.roles = [UserRole(role=r) for r in role_codes]
    if password is not None:
        _validate_password(password)
        user.password_hash = hash_secret(password)
    session.add(user)
    session.flush()
    return user


def get_user(*, session: Session, user_id: int | None = None, username: str | None = None) -> User:
    if user_id is not None:
        user = session.get(User, user_id)
    elif username is not None:
        user = session.scalar(select(User).where(User.username == username))
    else:
        raise ValueError("user_id or username required")
    if user is None:
        raise NotFound("Gebruiker niet gevonden.")
    return user


def find_user(*, session: Session, user_id: int | None) -> User | None:
    """The user of ``user_id``, or None (no id, or no such user): a name shown beside a task, a note, a letter."""
    return session.get(User, user_id) if user_id is not None else None


def display_names(*, session: Session, user_ids) -> dict[int, str]:
    """User id -> display name for those of ``user_ids`` that exist, in one query (a list's assignees)."""
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def list_users(*, session: Session, include_inactive: bool = True, limit: int | None = None,
               after: str | None = None) -> list[User]:
    """Users by username; a page of ``limit`` after the username ``after`` (keyset: usernames are unique)."""
    stmt = select(User).order_by(User.username)
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    if after is not None:
        stmt = stmt.where(User.username > after)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def disable_user(*, session: Session, user_id: int) -> User:
    """Deactivate the account and revoke all its tokens and sessions at once."""
    user = get_user(session=session, user_id=user_id)
    user.active = False
    moment = now()
    for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        token.revoked_at = moment
    for web in session.scalars(select(WebSession).where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None))):
        web.revoked_at = moment
    session.flush()
    return user


def end_all_sessions(*, session: Session, user_id: int) -> None:
    """Revoke every browser session and API token of a user (e.g. after their second factor was reset)."""
    moment = now()
    for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))):
        token.revoked_at = moment
    for web in session.scalars(select(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))):
        web.revoked_at = moment
    session.flush()


def set_password(*, session: Session, user_id: int, password: str) -> User:
    _validate_password(password)
    user = get_user(session=session, user_id=user_id)
    user.password_hash = hash_secret(password)
    session.flush()
    return user


def authenticate(*, session: Session, username: str, password: str) -> User:
    """Check username and password; one Dutch error for every kind of failure.

    An unknown or disabled user costs one Argon2 verification as well, so response
    time does not tell whether the name exists.
    """
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    hashed = user.password_hash if user is not None else None
    ok = verify_secret(hashed, password or "")
    if not ok or user is None or not user.active:
        raise NotAuthenticated(LOGIN_FAILED)
    if password_hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_secret(password)
        session.flush()
    return user


# --------------------------------------------------------------------------- identity provider seam

class IdentityProvider(Protocol):
    """Turns login credentials into a :class:`User`: local passwords, or verified OIDC claims (engine.identity.oidc).

    An OIDC implementation receives ``{"code": ..., "state": ...}`` (or a verified ID
    token), validates it against the issuer, and finds or provisions the user by a
    stable subject claim. Everything after login (sessions, tokens, roles) is shared.
    """

    name: str

    def authenticate(self, *, session: Session, credentials: dict[str, Any]) -> User: ...


class LocalPasswordProvider:
    name = "local"

    def authenticate(self, *, session: Session, credentials: dict[str, Any]) -> User:
        return authenticate(session=session, username=str(credentials.get("username", "")),
                            password=str(credentials.get("password", "")))


_provider: IdentityProvider = LocalPasswordProvider()


def get_identity_provider() -> IdentityProvider:
    return _provider


def set_identity_provider(provider: IdentityProvider) -> IdentityProvider:
    global _provider
    previous, _provider = _provider, provider
    return previous


# --------------------------------------------------------------------------- API tokens

def issue_token(*, session: Session, user: User, name: str, ttl: timedelta | None = None,
                second_factor_at: datetime | None = None) -> tuple[str, ApiToken]:
    """A new bearer token for ``user``. The plaintext is returned here once and never stored.
    ``second_factor_at``: when the issuing browser session verified its second factor (the token inherits it)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidData([FieldError("name", "Naam van het token is verplicht (hoogstens 100 tekens).")])
    ttl = DEFAULT_TOKEN_TTL if ttl is None else ttl
    if ttl <= timedelta(0) or ttl > MAX_TOKEN_TTL:
        raise InvalidData([FieldError("ttl", f"Geldigheid moet tussen 1 seconde en {MAX_TOKEN_TTL.days} dagen liggen.")])
    if not user.active:
        raise InvalidData([FieldError("user", "Gebruiker is niet actief.")])
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    moment = now()
    token = ApiToken(user_id=user.id, name=name, token_hash=sha256_hex(plaintext), created_at=moment,
                     expires_at=moment + ttl, second_factor_at=second_factor_at)
    session.add(token)
    session.flush()
    return plaintext, token


def resolve_token_row(*, session: Session, token: str) -> ApiToken:
    """The valid, active token row of a bearer token (read only); :class:`NotAuthenticated` otherwise."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise NotAuthenticated(TOKEN_INVALID)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256_hex(token)))
    moment = now()
    if (row is None or row.revoked_at is not None or row.expires_at <= moment
            or not hmac.compare_digest(row.token_hash, sha256_hex(token)) or not row.user.active):
        raise NotAuthenticated(TOKEN_INVALID)
    row.user.second_factor_verified = row.second_factor_at is not None  # issued from a session with two factors
    return row


def resolve_token(*, session: Session, token: str) -> User:
    """The active user of a valid bearer token; :class:`NotAuthenticated` otherwise.

    Records the last use in ``session`` (at most once per :data:`LAST_USED_GRANULARITY`). The API does
    not: it reads with :func:`resolve_token_row` and records the use after its commit
    (:func:`record_token_use`), so a read request never writes in its own transaction.
    """
    row = resolve_token_row(session=session, token=token)
    if use_is_stale(row.last_used_at):
        row.last_used_at = now()
        session.flush()
    return row.user


def use_is_stale(last: datetime | None) -> bool:
    """Whether a last-use time is older than :data:`LAST_USED_GRANULARITY` (then it is recorded again)."""
    return last is None or now() - last >= LAST_USED_GRANULARITY


def _record_use(database, model, column, row_id: int) -> None:
    # A short transaction of its own, and a conditional update: concurrent requests of one token write
    # at most once per interval. On PostgreSQL a row another transaction holds is skipped, not waited for.
    moment = now()
    stale = or_(column.is_(None), column <= moment - LAST_USED_GRANULARITY)
    free = select(model.id).where(model.id == row_id, stale).with_for_update(skip_locked=True)
    with database.session() as s:
        s.execute(update(model).where(model.id.in_(free)).values({column.key: moment})
                  .execution_options(synchronize_session=False))


def record_token_use(*, database, token_id: int) -> None:
    """Set a token's ``last_used_at`` (see :func:`_record_use`)."""
    _record_use(database, ApiToken, ApiToken.last_used_at, token_id)


def record_web_session_use(*, database, web_id: int) -> None:
    """Slide a browser session's ``last_seen_at`` (see :func:`_record_use`)."""
    _record_use(database, WebSession, WebSession.last_seen_at, web_id)


def list_tokens(*, session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(*, session: Session, token_id: int, by: User) -> ApiToken:
    """Revoke a token of ``by`` itself (or any token, for a user administrator).

    A token of someone else is reported as not found, so ids do not leak.
    """
    from engine.identity.roles import USER_ADMIN_ROLES

    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != by.id and not (by.role_codes & USER_ADMIN_ROLES)):
        raise NotFound("Token niet gevonden.")
    if row.revoked_at is None:
        row.revoked_at = now()
        session.flush()
    return row


# --------------------------------------------------------------------------- browser sessions

def start_web_session(*, session: Session, user: User, ttl: timedelta = SESSION_TTL, pending: bool = False,
                      second_factor_at: datetime | None = None) -> tuple[str, WebSession]:
    """A new browser session; returns the session id (for the cookie, once) and the row.

    ``pending``: the password was right but the login awaits a second factor (``engine.identity.second_factor``);
    such a session opens only the code and enrolment pages. ``second_factor_at``: when this login's second
    factor was verified."""
    session_id = secrets.token_urlsafe(32)
    moment = now()
    web = WebSession(user_id=user.id, session_hash=sha256_hex(session_id), csrf_token=secrets.token_urlsafe(32),
                     created_at=moment, last_seen_at=moment, expires_at=moment + ttl, pending=pending,
                     second_factor_at=second_factor_at)
    session.add(web)
    session.flush()
    return session_id, web


def resolve_web_session(*, session: Session, session_id: str, touch: bool = True,
                        allow_pending: bool = False) -> WebSession:
    """A valid browser session. ``touch``: slide ``last_seen_at`` in ``session`` (the API passes False
    and records it after its commit, :func:`record_web_session_use`). A session that awaits its second factor
    (``pending``) is valid only with ``allow_pending`` (the code and enrolment pages); everywhere else it is
    no session at all. The user's ``second_factor_verified`` is set from the session."""
    if not session_id or len(session_id) > 200:
        raise NotAuthenticated(SESSION_INVALID)
    from engine.config import get_settings
    from engine.identity import session_cache

    digest, moment = sha256_hex(session_id), now()
    remembered = session_cache.cache.get(session_cache.key(session, digest), moment)
    if remembered is not None:  # user and roles kept for a few seconds (engine.identity.session_cache)
        web = session_cache.restore(session, remembered)
    else:
        generation = session_cache.cache.generation
        web = session.scalar(select(WebSession).where(WebSession.session_hash == digest))
        if web is not None:
            session_cache.remember(session, digest, generation, web, moment, get_settings().session_cache_seconds)
    if (web is None or web.revoked_at is not None or web.expires_at <= moment
            or moment - web.last_seen_at > SESSION_IDLE or not web.user.active
            or (web.pending and not allow_pending)):
        raise NotAuthenticated(SESSION_INVALID)
    web.user.second_factor_verified = web.second_factor_at is not None and not web.pending
    if touch and moment - web.last_seen_at >= LAST_USED_GRANULARITY:
        web.last_seen_at = moment
        session.flush()
    return web


def end_web_session(*, session: Session, session_id: str) -> None:
    web = session.scalar(select(WebSession).where(WebSession.session_hash == sha256_hex(session_id or "")))
    if web is not None and web.revoked_at is None:
        web.revoked_at = now()
        session.flush()


def check_csrf(web: WebSession, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(web.csrf_token.encode(), presented.encode("utf-8", "replace"))
