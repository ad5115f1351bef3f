"""A DB-backed rate limiter with per-client and per-account backoff (shared by all processes).

Each attempt at a guarded action is recorded as ``RateLimitEvent`` rows (scope, keyed fingerprint
of a key, time, success), one row per *dimension* the attempt counts in. The fingerprint is an
HMAC-SHA256 under a key derived from the primary encryption key: a plain SHA-256 of an IPv4 address
can be reversed by trying all 2**32 addresses, and a client address near the moment an anonymous
report came in could point at the reporter. After a key rotation old rows no longer match, which at
worst resets the counters (and the known-client exemption) once.

* **client** (the real client address, see ``api.client_address``): at most
  ``max_attempts`` attempts per ``window`` (sliding), and a growing delay after
  failures (:class:`Backoff`);
* **account** (e.g. the username typed at a login, whether it exists or not): a growing
  delay after failures *from any address*, which slows password spraying and guessing
  from rotating addresses. A client address that logged in to that account successfully
  within ``known_client_period`` is exempt, so an attacker elsewhere cannot keep the
  owner out of their usual workplace.

There is deliberately **no global hard cap**: a global cap lets anyone lock out every user
by failing often enough. Under a distributed attack (``pressure_failures`` failures in the
scope within ``window``) clients *with* failures get their free failures cut to
``pressure_free_failures``; a client without failures is never refused because of others.

A refusal is a :class:`TooManyAttempts` whose Dutch message says when to retry (and whose
``retry_after`` is the same moment in seconds). Refused attempts are not recorded, so
waiting always helps. Delays are computed from ``engine.clock.now()``; nothing sleeps.

Across processes two concurrent attempts may both pass a check that allowed only one
more; the overshoot is bounded by the number of concurrent requests.
"""
from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.clock import now
from engine.identity.errors import TooManyAttempts
from engine.identity.models import RateLimitEvent

LOCKED = "Te veel pogingen."
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MAX_KEY_LENGTH = 500  # longer keys (a pasted essay as username) are cut before hashing


@dataclass(frozen=True)
class Backoff:
    """After ``free_failures`` failures within ``period``, each further attempt waits
    ``base_delay * 2**(failures - free_failures)`` (at most ``max_delay``) after the last failure."""

    free_failures: int = 5
    period: timedelta = timedelta(minutes=30)
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(minutes=15)

    def delay(self, failures: int, free_failures: int | None = None) -> timedelta | None:
        free = self.free_failures if free_failures is None else free_failures
        if failures < free:
            return None
        exponent = min(failures - free, 32)
        return min(self.base_delay * (2 ** exponent), self.max_delay)


@dataclass(frozen=True)
class RateLimitPolicy:
    """Limits of one scope. The *client key* is the client address, or address + account when an
    account is given (as at a login); ``address_backoff`` and ``account_backoff`` only apply then."""

    window: timedelta = timedelta(minutes=15)
    max_attempts: int | None = 20  # per client key and window
    client_backoff: Backoff | None = field(default_factory=Backoff)  # per client key
    address_backoff: Backoff | None = None  # per address, across accounts (spraying from one address)
    account_backoff: Backoff | None = None  # per account, across addresses (spraying, rotating addresses)
    # Scope-wide failures within ``window`` that mean a distributed attack: the free failures of the
    # client-key and address backoffs shrink to ``pressure_free_failures``. A client without failures
    # of its own is never refused because of others.
    pressure_failures: int = 500
    pressure_free_failures: int = 1
    known_client_period: timedelta = timedelta(days=30)

    def horizon(self) -> timedelta:
        """How long events matter to any check (the known-client rows excepted)."""
        spans = [self.window] + [b.period for b in (self.client_backoff, self.address_backoff, self.account_backoff)
                                 if b is not None]
        return max(spans)


def _fingerprint_key() -> bytes | None:
    from engine.crypto import get_keyring

    keys = get_keyring().keys
    return hashlib.sha256(b"meldpunt-rl-key:" + keys[0]).digest() if keys else None


def client_fingerprint(client_key: str) -> str:
    """Keyed (HMAC-SHA256) fingerprint of a client key; unkeyed only where no encryption key is configured
    (a development set-up without confidential data)."""
    message = f"meldpunt-rl:{client_key[:MAX_KEY_LENGTH]}".encode("utf-8")
    key = _fingerprint_key()
    return hmac.new(key, message, hashlib.sha256).hexdigest() if key else hashlib.sha256(message).hexdigest()


def _norm(account: str) -> str:
    return account.strip().lower()[:MAX_KEY_LENGTH]


def _keys(scope: str, client_key: str, account: str | None) -> dict[str, tuple[str, str]]:
    """Dimension -> (scope, fingerprint) of the rows an attempt counts in."""
    if not account:
        return {"client": (scope, client_fingerprint(client_key))}
    name = _norm(account)
    return {"client": (scope, client_fingerprint(f"{client_key}|{name}")),
            "address": (f"{scope}:address", client_fingerprint(client_key)),
            "account": (f"{scope}:account", client_fingerprint(f"account:{name}")),
            "known": (f"{scope}:known", client_fingerprint(f"known:{client_key}|{name}"))}


# --------------------------------------------------------------------------- messages

def _dutch_wait(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} seconde{'n' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"{minutes} minu{'ten' if minutes != 1 else 'ut'}"
    hours = math.ceil(minutes / 60)
    return f"{hours} uur"


def retry_message(message: str, until: datetime, moment: datetime) -> tuple[str, int]:
    """``message`` plus when to retry (Dutch), and the wait in whole seconds (at least 1)."""
    seconds = max(1, math.ceil((until - moment).total_seconds()))
    local = (moment + timedelta(seconds=seconds)).astimezone(AMSTERDAM)
    if local.second or local.microsecond:  # round up to a whole minute: "vanaf" must be true
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return (f"{message} Probeer het opnieuw over {_dutch_wait(seconds)} (vanaf {local:%H:%M} uur).", seconds)


# --------------------------------------------------------------------------- checks

def _count(session: Session, scope: str, client: str | None = None, *, since: datetime,
           failures_only: bool = False) -> int:
    ev = RateLimitEvent
    query = select(func.count()).select_from(ev).where(ev.scope == scope, ev.at > since)
    if client is not None:
        query = query.where(ev.client == client)
    if failures_only:
        query = query.where(ev.success.is_(False))
    return session.scalar(query) or 0


def _backoff_until(session: Session, scope: str, client: str, backoff: Backoff, moment: datetime,
                   free_failures: int | None = None) -> datetime | None:
    ev = RateLimitEvent
    since = moment - backoff.period
    failures, last = session.execute(
        select(func.count(), func.max(ev.at)).where(ev.scope == scope, ev.client == client,
                                                    ev.success.is_(False), ev.at > since)).one()
    delay = backoff.delay(failures or 0, free_failures)
    if delay is None or last is None:
        return None
    until = last + delay
    return until if until > moment else None


def _window_until(session: Session, scope: str, client: str, policy: RateLimitPolicy,
                  moment: datetime) -> datetime | None:
    if policy.max_attempts is None:
        return None
    since = moment - policy.window
    attempts = _count(session, scope, client, since=since)
    if attempts < policy.max_attempts:
        return None
    ev = RateLimitEvent
    # The attempt whose ageing out brings the count below the limit.
    oldest = session.scalar(select(ev.at).where(ev.scope == scope, ev.client == client, ev.at > since)
                            .order_by(ev.at, ev.id).offset(attempts - policy.max_attempts).limit(1))
    return (oldest or moment) + policy.window


def check_allowed(*, session: Session, scope: str, client_key: str, policy: RateLimitPolicy,
                  account: str | None = None, message: str = LOCKED, account_message: str | None = None) -> None:
    """Raise :class:`TooManyAttempts` (saying when to retry) when this client or account must wait."""
    moment = now()
    keys = _keys(scope, client_key, account)
    waits: list[tuple[datetime, str]] = []
    until = _window_until(session, *keys["client"], policy, moment)
    if until is not None:
        waits.append((until, message))
    under_pressure = _count(session, scope, since=moment - policy.window, failures_only=True) >= policy.pressure_failures
    for dimension, backoff in (("client", policy.client_backoff), ("address", policy.address_backoff)):
        if backoff is not None and dimension in keys:
            free = min(policy.pressure_free_failures, backoff.free_failures) if under_pressure else None
            until = _backoff_until(session, *keys[dimension], backoff, moment, free)
            if until is not None:
                waits.append((until, message))
    if policy.account_backoff is not None and "account" in keys:
        until = _backoff_until(session, *keys["account"], policy.account_backoff, moment)
        if until is not None and not _count(session, *keys["known"], since=moment - policy.known_client_period):
            waits.append((until, account_message or message))
    if waits:
        until, text = max(waits, key=lambda w: w[0])
        detail, seconds = retry_message(text, until, moment)
        raise TooManyAttempts(detail, retry_after=seconds)


def record_attempt(*, session: Session, scope: str, client_key: str, success: bool,
                   policy: RateLimitPolicy, account: str | None = None) -> None:
    moment = now()
    keys = _keys(scope, client_key, account)
    for dimension, (row_scope, fingerprint) in keys.items():
        if dimension != "known" or success:
            session.add(RateLimitEvent(scope=row_scope, client=fingerprint, at=moment, success=success))
    # Opportunistic clean-up of events no check looks at any more.
    margin = timedelta(minutes=1)
    scopes = [row_scope for dimension, (row_scope, _) in keys.items() if dimension != "known"]
    session.execute(delete(RateLimitEvent).where(RateLimitEvent.scope.in_(scopes),
                                                 RateLimitEvent.at < moment - policy.horizon() - margin))
    if "known" in keys:
        session.execute(delete(RateLimitEvent).where(RateLimitEvent.scope == keys["known"][0],
                                                     RateLimitEvent.at < moment - policy.known_client_period - margin))
    session.flush()
