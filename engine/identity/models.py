from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.clock import now
from engine.crypto import EncryptedText
from engine.db import Base, UTCDateTime


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(200), index=True)  # dienstonderdeel
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(300))
    # The stable subject of the organisation's OpenID Connect provider (engine.identity.oidc); None: local only.
    external_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    roles: Mapped[list["UserRole"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    # Not a column: whether the credential of the current request (browser session or API token) was backed by a
    # verified second factor. Set by the authentication of each request (api.deps, web.pages.common); read by the
    # reporter-identity decision (engine.identity.second_factor.identity_allowed). False unless proven.
    second_factor_verified = False

    @property
    def role_codes(self) -> set[str]:
        return {r.role for r in self.roles}


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class ApiToken(Base):
    """A bearer token for an API client. Only the SHA-256 of the token is stored.

    The token is 32 random bytes (256 bits): a fast hash is enough because guessing
    the preimage is infeasible, and a deterministic hash lets us look the token up by
    an index (a slow salted hash would need a per-row scan and buy nothing here).
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the browser session that issued this token had verified its second factor (None: it had not).
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class WebSession(Base):
    """A browser session behind an HttpOnly cookie. Only the SHA-256 of the session id is stored.

    ``csrf_token`` is the synchroniser token the browser must echo in ``X-CSRF-Token``
    on unsafe requests; it is useless without the (HttpOnly) session cookie.
    """

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor login (engine.identity.second_factor): a *pending* session has passed the password only and
    # opens nothing but the code and enrolment pages; ``second_factor_at`` records when this session's second
    # factor was verified (None: not in this session).
    pending: Mapped[bool] = mapped_column(Boolean, default=False)
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class SecondFactor(Base):
    """A user's TOTP authenticator (RFC 6238). The shared secret is encrypted at rest (AES-GCM, bound to
    its column). ``confirmed_at`` is None while enrolment awaits the first correct code; ``last_step``
    is the time step of the last accepted code, so a code is never accepted twice."""

    __tablename__ = "second_factors"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(EncryptedText("second_factors.secret"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_step: Mapped[int | None] = mapped_column(Integer)


class RecoveryCode(Base):
    """A one-time recovery code of a user's second factor, hashed with Argon2id like a password.
    ``bucket`` (8 bits of the code's SHA-256) narrows verification to about one row."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    bucket: Mapped[int] = mapped_column(Integer)
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReceiptCode(Base):
    """The receipt of an anonymous report: the 16-digit code hashed with Argon2id.

    ``bucket`` is a 16-bit value derived from the code (see ``engine.identity.receipts``)
    so that verification hashes against a handful of rows, not all of them.
    """

    __tablename__ = "receipt_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RateLimitEvent(Base):
    """One attempt at a rate-limited action (e.g. a receipt login), for sliding windows.

    ``client`` is a keyed fingerprint (HMAC-SHA256, see ``engine.identity.ratelimit``) of the client
    key (an IP address is personal data and is never stored as such).
    """

    __tablename__ = "rate_limit_events"
    __table_args__ = (
        Index("ix_rate_limit_events_scope_client_at", "scope", "client", "at"),
        Index("ix_rate_limit_events_scope_at", "scope", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(40))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    success: Mapped[bool] = mapped_column(Boolean, default=False)


class ReporterSession(Base):
    """A short-lived session of an anonymous reporter, opened with a receipt code.

    Exchanging the code once for a session means the slow hash and the rate limiter are
    paid once per visit, and the code itself is not sent with every request. Only the
    SHA-256 of the session id is stored; ``csrf_token`` works as for ``WebSession``.
    """

    __tablename__ = "reporter_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt_codes.id", ondelete="CASCADE"), index=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    receipt: Mapped[ReceiptCode] = relationship(lazy="joined")


# Whoever changes these rows must empty the session caches (this process's at the commit; the other server
# processes' through NOTIFY on PostgreSQL): the hooks live with the cache and are installed with the models, also in
# a process that never resolves a session (a command-line tool blocking an account).
from engine.identity import session_cache as _session_cache  # noqa: E402,F401
