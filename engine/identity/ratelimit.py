"""A DB-backed sliding-window rate limiter with lock-out (shared by all processes).

Each attempt at a guarded action is one ``RateLimitEvent`` row (scope, SHA-256 of the
client key, time, success). Limits per :class:`RateLimitPolicy`:

* per client: at most ``max_attempts`` attempts in the last ``window``;
* lock-out: a client with ``lockout_failures`` or more failures in the last
  ``lockout_period`` is refused until enough of them age out;
* global: at most ``global_max_failures`` failures in the last ``window`` over all clients.

Across processes two concurrent attempts may both pass a check that allowed only one
more; the overshoot is bounded by the number of concurrent requests, which is
acceptable for guessing a 16-digit code or a password.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.clock import now
from engine.identity.errors import TooManyAttempts
from engine.identity.models import RateLimitEvent

LOCKED = "Te veel pogingen. Probeer het later opnieuw."


@dataclass(frozen=True)
class RateLimitPolicy:
    window: timedelta = timedelta(minutes=15)
    max_attempts: int = 20
    lockout_failures: int = 5
    lockout_period: timedelta = timedelta(minutes=30)
    global_max_failures: int = 500


def client_fingerprint(client_key: str) -> str:
    return hashlib.sha256(f"meldpunt-rl:{client_key}".encode("utf-8")).hexdigest()


def check_allowed(*, session: Session, scope: str, client_key: str, policy: RateLimitPolicy,
                  message: str = LOCKED) -> None:
    """Raise :class:`TooManyAttempts` when this client (or everyone) must wait."""
    moment = now()
    client = client_fingerprint(client_key)
    ev = RateLimitEvent
    attempts = session.scalar(select(func.count()).select_from(ev).where(
        ev.scope == scope, ev.client == client, ev.at > moment - policy.window))
    failures = session.scalar(select(func.count()).select_from(ev).where(
        ev.scope == scope, ev.client == client, ev.success.is_(False), ev.at > moment - policy.lockout_period))
    global_failures = session.scalar(select(func.count()).select_from(ev).where(
        ev.scope == scope, ev.success.is_(False), ev.at > moment - policy.window))
    if failures >= policy.lockout_failures:
        raise TooManyAttempts(message, retry_after=int(policy.lockout_period.total_seconds()))
    if attempts >= policy.max_attempts or global_failures >= policy.global_max_failures:
        raise TooManyAttempts(message, retry_after=int(policy.window.total_seconds()))


def record_attempt(*, session: Session, scope: str, client_key: str, success: bool,
                   policy: RateLimitPolicy) -> None:
    moment = now()
    session.add(RateLimitEvent(scope=scope, client=client_fingerprint(client_key), at=moment, success=success))
    # Opportunistic clean-up of events no window looks at any more.
    horizon = moment - max(policy.window, policy.lockout_period) - timedelta(minutes=1)
    session.execute(delete(RateLimitEvent).where(RateLimitEvent.scope == scope, RateLimitEvent.at < horizon))
    session.flush()


