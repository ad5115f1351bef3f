"""Password login limits: spraying is slowed per account across addresses, per address across accounts,
and no flood of failures from others ever refuses a correct password from an address without failures."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.identity import login, ratelimit
from engine.identity import service as identity
from engine.identity.errors import TooManyAttempts

pytestmark = pytest.mark.db

PASSWORD = "Een-goed-wachtwoord-2026"


@pytest.fixture
def users(db):
    with db.session() as s:
        for name in ("alice", "bob"):
            identity.create_user(session=s, username=name, display_name=name.title(), roles=["meldpunt"],
                                 password=PASSWORD)


def attempt(db, username, password, address):
    with db.session() as s:
        user = login.login_with_password(session=s, username=username, password=password, client_key=address)
        return user.username if user is not None else None


def test_spraying_one_account_from_many_addresses_is_slowed(db, clock, users):
    free = login.POLICY.account_backoff.free_failures
    for i in range(free):
        assert attempt(db, "alice", f"gok-{i}", f"192.0.2.{i}") is None
    waits = []
    for i in range(4):
        with pytest.raises(TooManyAttempts) as exc:  # from yet another address, even the right password
            attempt(db, "Alice ", PASSWORD, f"198.51.100.{i}")
        assert exc.value.detail.startswith(login.ACCOUNT_LOCKED + " Probeer het opnieuw over ")
        assert "(vanaf " in exc.value.detail and exc.value.detail.endswith(" uur).")
        waits.append(exc.value.retry_after)
        clock.advance(timedelta(seconds=exc.value.retry_after))
        assert attempt(db, "alice", f"nog-een-gok-{i}", f"203.0.113.{i}") is None
    assert waits == [30, 60, 120, 240]
    # Other accounts are not affected; and the targeted one is free again once the failures age out.
    assert attempt(db, "bob", PASSWORD, "198.51.100.200") == "bob"
    clock.advance(login.POLICY.account_backoff.period + timedelta(seconds=1))
    assert attempt(db, "alice", PASSWORD, "198.51.100.201") == "alice"


def test_the_owner_keeps_logging_in_from_a_known_address(db, clock, users):
    assert attempt(db, "alice", PASSWORD, "10.1.2.3") == "alice"  # her workplace
    clock.advance(timedelta(days=3))
    for i in range(login.POLICY.account_backoff.free_failures + 3):
        try:
            attempt(db, "alice", f"gok-{i}", f"192.0.2.{i}")
        except TooManyAttempts:
            pass
    with pytest.raises(TooManyAttempts):
        attempt(db, "alice", PASSWORD, "198.51.100.9")
    assert attempt(db, "alice", PASSWORD, "10.1.2.3") == "alice"


def test_spraying_many_accounts_from_one_address_is_slowed(db, clock, users):
    free = login.POLICY.address_backoff.free_failures
    for i in range(free):
        assert attempt(db, f"gebruiker{i}", "Zomer2026!", "192.0.2.66") is None
    with pytest.raises(TooManyAttempts) as exc:
        attempt(db, "bob", PASSWORD, "192.0.2.66")
    assert exc.value.detail.startswith(login.LOCKED) and exc.value.retry_after == 30
    assert attempt(db, "bob", PASSWORD, "192.0.2.67") == "bob"  # the next address is not


def test_a_flood_of_failed_logins_does_not_lock_out_a_correct_password(db, clock, users):
    """1 200 failures with made-up usernames from 1 200 addresses (recorded as the limiter records them,
    without 1 200 Argon2 verifications), then real logins with the production policy."""
    with db.session() as s:
        for i in range(1200):
            ratelimit.record_attempt(session=s, scope=login.SCOPE, client_key=f"198.18.{i // 256}.{i % 256}",
                                     account=f"bestaat-niet-{i}", success=False, policy=login.POLICY)
    assert attempt(db, "alice", PASSWORD, "203.0.113.5") == "alice"
    # A user who mistypes during the flood may try again (free failures shrink, never to none).
    assert attempt(db, "bob", "tikfout", "203.0.113.6") is None
    assert attempt(db, "bob", PASSWORD, "203.0.113.6") == "bob"


def test_web_and_api_length_caps(db, clock, users):
    from engine.errors import InvalidData

    with pytest.raises(InvalidData) as exc:
        attempt(db, "a" * 101, "x", "192.0.2.1")
    assert exc.value.errors[0].field == "gebruikersnaam" and "100 tekens" in exc.value.detail
    with pytest.raises(InvalidData) as exc:
        attempt(db, "alice", "x" * 1025, "192.0.2.1")
    assert exc.value.errors[0].field == "wachtwoord"


def test_stored_fingerprints_are_keyed_so_an_address_cannot_be_recovered(db, clock, users, key):
    """A plain SHA-256 of an IPv4 address is reversed by trying all 2**32 addresses; the rows hold an HMAC
    under a key derived from the encryption key, so neither the address nor the username can be found
    from the database alone, and another key gives other fingerprints."""
    import hashlib

    from sqlalchemy import select

    from engine import crypto
    from engine.identity.models import RateLimitEvent

    address = "203.0.113.7"
    assert attempt(db, "alice", "fout", address) is None
    with db.session() as s:
        stored = set(s.scalars(select(RateLimitEvent.client)))
    assert stored
    for candidate in (address, f"{address}|alice", "account:alice", f"known:{address}|alice"):
        plain = hashlib.sha256(f"meldpunt-rl:{candidate}".encode()).hexdigest()
        assert plain not in stored and hashlib.sha256(candidate.encode()).hexdigest() not in stored
    assert ratelimit.client_fingerprint(address) in stored
    previous = crypto.set_keyring(crypto.KeyRing.from_string(crypto.generate_key()))
    try:
        assert ratelimit.client_fingerprint(address) not in stored
    finally:
        crypto.set_keyring(previous)
