"""Receipt codes for anonymous reporters, and the rate limiter that guards them.

Code: 16 random decimal digits from ``secrets`` (about 53 bits), shown once
(grouped ``1234 5678 9012 3456``), stored only as an Argon2id hash.

Lookup without hashing against every row: each row carries a *bucket*, the first
16 bits of SHA-256("meldpunt-receipt-bucket:" + code). Verification selects the few
rows in the code's bucket and Argon2-verifies only those (with 10 000 open receipts
about 0.15 rows per bucket). Why this and not the alternatives:

* a separate public handle would give the reporter two things to keep, while DOMAIN
  §4 speaks of one 16-digit receipt;
* an HMAC lookup key with a server secret is a full-length fast hash: whoever holds
  both the database and that secret can brute-force 10^16 codes with a fast hash,
  bypassing Argon2 entirely; and losing or rotating the secret breaks every receipt.

A 16-bit bucket leaks at most 16 bits of a 53-bit code to a database thief, leaving
~2^37 Argon2id guesses (64 MiB each) per receipt; it needs no secret and never changes.
Online guessing is bounded by the rate limiter below.

Rate limiting (``engine.identity.ratelimit``), DB-backed so all processes share it, per
client address (a SHA-256 of it is stored, never the address itself):

* at most ``max_attempts`` attempts per ``window`` (sliding);
* after ``free_failures`` failures within 30 minutes a delay that doubles from one minute
  up to 30 minutes (:class:`~engine.identity.ratelimit.Backoff`);
* no global cap: a flood of wrong codes from many addresses would otherwise refuse every
  reporter. Under such a flood (``pressure_failures`` failures within the window) a client
  that has failed itself gets the delay after its first failure; a client without failures
  is never refused. Guessing from rotating addresses is bounded by the code space
  (10^16 codes: a million guesses a day finds one of 10 000 open receipts in ~3 000 years)
  and by the Argon2 cost of every attempt.

The limiter is consulted *before* the code is checked, and a refused attempt is
answered the same (429) whether the code exists or not, even for a correct code. A
wrong and a non-existent code get the same 401 and cost the same Argon2 work.
Successes never reset a client's failures (else one valid receipt would let an
attacker launder guesses).
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import now
from engine.db import Database
from engine.identity.errors import NotAuthenticated
from engine.identity.models import ReceiptCode, ReporterSession
from engine.identity.ratelimit import Backoff, RateLimitPolicy, check_allowed, record_attempt
from engine.identity.service import hash_secret, password_hasher, sha256_hex, verify_secret

CODE_DIGITS = 16
BUCKET_BITS = 16
SCOPE = "receipt"

RECEIPT_INVALID = "De ontvangstcode is onjuist."
RECEIPT_LOCKED = "Te veel pogingen met een ontvangstcode vanaf dit adres."

DEFAULT_POLICY = RateLimitPolicy(
    window=timedelta(minutes=15), max_attempts=20,
    client_backoff=Backoff(free_failures=5, period=timedelta(minutes=30), base_delay=timedelta(minutes=1),
                           max_delay=timedelta(minutes=30)),
    pressure_failures=500, pressure_free_failures=1)


def generate_code() -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(CODE_DIGITS))


def format_code(code: str) -> str:
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_code(text: str | None) -> str | None:
    """Digits only (spaces, dots and dashes allowed between); ``None`` if not 16 digits."""
    if text is None or len(text) > 64:
        return None
    digits = re.sub(r"[\s.\-]", "", text)
    if len(digits) != CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def bucket_of(code: str) -> int:
    digest = hashlib.sha256(f"meldpunt-receipt-bucket:{code}".encode("ascii")).digest()
    return int.from_bytes(digest[:4], "big") >> (32 - BUCKET_BITS)


# --------------------------------------------------------------------------- receipts

def issue_receipt(*, session: Session, case_id: int | None) -> tuple[str, ReceiptCode]:
    """A new receipt for ``case_id``; the 16-digit code is returned once and never stored."""
    code = generate_code()
    row = ReceiptCode(bucket=bucket_of(code), code_hash=hash_secret(code), case_id=case_id, created_at=now())
    session.add(row)
    session.flush()
    return code, row


def match(*, session: Session, code: str | None) -> ReceiptCode | None:
    """The receipt matching ``code`` or ``None``; always at least one Argon2 verification."""
    digits = normalise_code(code)
    candidates: list[ReceiptCode] = []
    if digits is not None:
        candidates = list(session.scalars(
            select(ReceiptCode).where(ReceiptCode.bucket == bucket_of(digits), ReceiptCode.revoked_at.is_(None))
        ))
    if not candidates:
        verify_secret(None, digits or "0" * CODE_DIGITS)  # same cost as a miss
        return None
    found = None
    for row in candidates:  # check all, so time does not depend on position
        if verify_secret(row.code_hash, digits) and found is None:
            found = row
    if found is not None and password_hasher().check_needs_rehash(found.code_hash):
        found.code_hash = hash_secret(digits)
    return found


def revoke_receipt(*, session: Session, receipt_id: int) -> None:
    row = session.get(ReceiptCode, receipt_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = now()
        session.flush()


def verify(*, session: Session, code: str | None, client_key: str,
           policy: RateLimitPolicy = DEFAULT_POLICY) -> ReceiptCode | None:
    """Rate-limited check within the caller's transaction; ``None`` on a wrong code.

    The failure is recorded in ``session``: the caller must commit it even though it
    answers with an error (see :func:`verify_receipt`, which does exactly that).
    """
    check_allowed(session=session, scope=SCOPE, client_key=client_key, policy=policy, message=RECEIPT_LOCKED)
    row = match(session=session, code=code)
    record_attempt(session=session, scope=SCOPE, client_key=client_key, success=row is not None, policy=policy)
    if row is not None:
        row.last_used_at = now()
        session.flush()
    return row


@dataclass(frozen=True)
class ReceiptMatch:
    receipt_id: int
    case_id: int | None


def verify_receipt(*, database: Database, code: str | None, client_key: str,
                   policy: RateLimitPolicy = DEFAULT_POLICY) -> ReceiptMatch:
    """Check a receipt in its own transaction (so failures count even when the request fails).

    Returns the receipt and its case. Raises :class:`NotAuthenticated` for a wrong or unknown code
    and :class:`TooManyAttempts` when rate limited, with the same texts either way.
    """
    with database.session() as session:
        row = verify(session=session, code=code, client_key=client_key, policy=policy)
        result = ReceiptMatch(row.id, row.case_id) if row is not None else None
    if result is None:
        raise NotAuthenticated(RECEIPT_INVALID)
    return result


# --------------------------------------------------------------------------- reporter sessions

REPORTER_SESSION_TTL = timedelta(minutes=30)
REPORTER_SESSION_INVALID = "Uw sessie is verlopen. Voer uw ontvangstcode opnieuw in."


def start_reporter_session(*, session: Session, receipt_id: int,
                           ttl: timedelta = REPORTER_SESSION_TTL) -> tuple[str, ReporterSession]:
    """After :func:`verify_receipt`: a session id (returned once) for the reporter's visit."""
    session_id = secrets.token_urlsafe(32)
    moment = now()
    row = ReporterSession(receipt_id=receipt_id, session_hash=sha256_hex(session_id),
                          csrf_token=secrets.token_urlsafe(32), created_at=moment, expires_at=moment + ttl)
    session.add(row)
    session.flush()
    return session_id, row


def resolve_reporter_session(*, session: Session, session_id: str | None) -> ReporterSession:
    """The live reporter session (its ``receipt.case_id`` is the only case it opens)."""
    if not session_id or len(session_id) > 200:
        raise NotAuthenticated(REPORTER_SESSION_INVALID)
    row = session.scalar(select(ReporterSession).where(ReporterSession.session_hash == sha256_hex(session_id)))
    if row is None or row.revoked_at is not None or row.expires_at <= now() or row.receipt.revoked_at is not None:
        raise NotAuthenticated(REPORTER_SESSION_INVALID)
    return row


def end_reporter_session(*, session: Session, session_id: str) -> None:
    row = session.scalar(select(ReporterSession).where(ReporterSession.session_hash == sha256_hex(session_id or "")))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now()
        session.flush()
