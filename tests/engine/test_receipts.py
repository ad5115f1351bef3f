"""Receipt codes: Argon2id at rest, verification, rate limit and lock-out that reveal nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from engine.identity import ratelimit, receipts
from engine.identity.errors import NotAuthenticated, TooManyAttempts

pytestmark = pytest.mark.db
# The real generator (secrets), not the argon2 memo's per-test sequence (tests/argon2_memo.py).
REAL_RECEIPT_CODES = True

BACKOFF = ratelimit.Backoff(free_failures=3, period=timedelta(hours=2), base_delay=timedelta(minutes=1),
                            max_delay=timedelta(minutes=30))
POLICY = ratelimit.RateLimitPolicy(window=timedelta(minutes=15), max_attempts=8, client_backoff=BACKOFF,
                                   pressure_failures=10, pressure_free_failures=1)


def _issue(db, n=1):
    codes = []
    with db.session() as s:
        for _ in range(n):
            code, _row = receipts.issue_receipt(session=s, case_id=None)
            codes.append(code)
    return codes


def _other_code(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


def test_code_shape_and_storage(db, clock):
    code, = _issue(db)
    assert len(code) == 16 and code.isdigit()
    assert receipts.format_code(code).replace(" ", "") == code
    with db.engine.connect() as conn:
        rows = [tuple(map(str, r)) for r in conn.execute(text("SELECT * FROM receipt_codes"))]
    flat = " ".join(" ".join(r) for r in rows)
    assert code not in flat and code[:8] not in flat and code[8:] not in flat
    assert any(v.startswith("$argon2id$") for v in rows[0])
    assert int(rows[0][1]) == receipts.bucket_of(code) < 2 ** receipts.BUCKET_BITS


def test_codes_are_random():
    assert len({receipts.generate_code() for _ in range(200)}) == 200


def test_the_memo_sequence_of_the_other_tests_gives_distinct_sixteen_digit_codes():
    """The argon2 memo's receipt codes (every other test module): 16 digits, none repeated within a test."""
    from tests.argon2_memo import _receipt_code

    codes = [_receipt_code(k) for k in range(10_000)]
    assert len(set(codes)) == len(codes) and all(len(c) == 16 and c.isdigit() for c in codes)


def test_right_code_verifies_wrong_code_refused(db, clock):
    code, other = _issue(db, 2)
    match = receipts.verify_receipt(database=db, code=receipts.format_code(code), client_key="1.2.3.4", policy=POLICY)
    assert match.receipt_id and match.case_id is None
    assert receipts.verify_receipt(database=db, code=other, client_key="1.2.3.4", policy=POLICY).receipt_id != match.receipt_id
    for bad in (_other_code(code), "0000000000000000", "123", "abcdabcdabcdabcd", "", None, "1" * 200):
        with pytest.raises(NotAuthenticated) as exc:
            receipts.verify_receipt(database=db, code=bad, client_key=f"client-{bad!r}", policy=POLICY)
        assert exc.value.detail == receipts.RECEIPT_INVALID


def test_revoked_code_refused(db, clock):
    code, = _issue(db)
    with db.session() as s:
        row = receipts.match(session=s, code=code)
        receipts.revoke_receipt(session=s, receipt_id=row.id)
    with pytest.raises(NotAuthenticated):
        receipts.verify_receipt(database=db, code=code, client_key="c", policy=POLICY)


def test_lockout_per_client_does_not_reveal_existence(db, clock):
    code, = _issue(db)
    unknown = _other_code(code)
    for _ in range(BACKOFF.free_failures):
        with pytest.raises(NotAuthenticated):
            receipts.verify_receipt(database=db, code=unknown, client_key="attacker", policy=POLICY)
    # Waiting: the right code and a wrong code get the same answer, which says when to retry.
    answers = []
    for attempt in (code, unknown):
        with pytest.raises(TooManyAttempts) as exc:
            receipts.verify_receipt(database=db, code=attempt, client_key="attacker", policy=POLICY)
        answers.append((exc.value.status, exc.value.code, exc.value.detail, exc.value.retry_after))
    assert answers[0] == answers[1]
    assert answers[0][3] == 60 and "Probeer het opnieuw over 1 minuut (vanaf " in answers[0][2]
    # Another client is not affected.
    assert receipts.verify_receipt(database=db, code=code, client_key="reporter", policy=POLICY)


def test_delays_grow_per_failure_and_end(db, clock):
    code, = _issue(db)
    for _ in range(BACKOFF.free_failures):
        with pytest.raises(NotAuthenticated):
            receipts.verify_receipt(database=db, code=_other_code(code), client_key="guesser", policy=POLICY)
    waits = []
    for _ in range(7):
        with pytest.raises(TooManyAttempts) as exc:
            receipts.verify_receipt(database=db, code=code, client_key="guesser", policy=POLICY)
        waits.append(exc.value.retry_after)
        clock.advance(timedelta(seconds=exc.value.retry_after))
        with pytest.raises(NotAuthenticated):  # after the wait one more guess is taken (and fails)
            receipts.verify_receipt(database=db, code=_other_code(code), client_key="guesser", policy=POLICY)
    assert waits == [60, 120, 240, 480, 960, 1800, 1800]  # doubling, capped at max_delay
    # Never permanent: once the failures age out the client starts afresh.
    clock.advance(BACKOFF.period + timedelta(seconds=1))
    assert receipts.verify_receipt(database=db, code=code, client_key="guesser", policy=POLICY)


def test_successes_do_not_reset_failures(db, clock):
    code, = _issue(db)
    for _ in range(BACKOFF.free_failures - 1):
        with pytest.raises(NotAuthenticated):
            receipts.verify_receipt(database=db, code=_other_code(code), client_key="a", policy=POLICY)
        receipts.verify_receipt(database=db, code=code, client_key="a", policy=POLICY)
    with pytest.raises(NotAuthenticated):
        receipts.verify_receipt(database=db, code=_other_code(code), client_key="a", policy=POLICY)
    with pytest.raises(TooManyAttempts):
        receipts.verify_receipt(database=db, code=code, client_key="a", policy=POLICY)


def test_sliding_window_attempt_limit(db, clock):
    code, = _issue(db)
    for _ in range(POLICY.max_attempts):
        receipts.verify_receipt(database=db, code=code, client_key="busy", policy=POLICY)
        clock.advance(timedelta(seconds=10))
    with pytest.raises(TooManyAttempts):
        receipts.verify_receipt(database=db, code=code, client_key="busy", policy=POLICY)
    clock.advance(POLICY.window - timedelta(seconds=10 * POLICY.max_attempts) + timedelta(seconds=11))
    assert receipts.verify_receipt(database=db, code=code, client_key="busy", policy=POLICY)


def test_flood_from_many_addresses_does_not_lock_out_a_fresh_client(db, clock):
    code, = _issue(db)
    with pytest.raises(NotAuthenticated):
        receipts.verify_receipt(database=db, code=_other_code(code), client_key="bot-0", policy=POLICY)
    assert receipts.verify_receipt(database=db, code=code, client_key="bot-0", policy=POLICY)  # one failure is free
    for i in range(1, POLICY.pressure_failures + 5):
        with pytest.raises(NotAuthenticated):
            receipts.verify_receipt(database=db, code=_other_code(code), client_key=f"bot-{i}", policy=POLICY)
    # A reporter from a new address with the right code gets in, during the flood.
    assert receipts.verify_receipt(database=db, code=code, client_key="fresh-client", policy=POLICY)
    # Under the flood a client that failed itself waits after its first failure; not permanently.
    with pytest.raises(TooManyAttempts) as exc:
        receipts.verify_receipt(database=db, code=code, client_key="bot-3", policy=POLICY)
    clock.advance(timedelta(seconds=exc.value.retry_after))
    assert receipts.verify_receipt(database=db, code=code, client_key="bot-3", policy=POLICY)


def test_flood_at_production_scale_does_not_lock_out_a_correct_code(db, clock):
    """600 failures from 600 addresses within the window (recorded as the limiter records them, without
    600 Argon2 verifications), then the right code from a new address with the production policy."""
    code, = _issue(db)
    with db.session() as s:
        for i in range(600):
            ratelimit.record_attempt(session=s, scope=receipts.SCOPE, client_key=f"198.51.{i // 256}.{i % 256}",
                                     success=False, policy=receipts.DEFAULT_POLICY)
    match = receipts.verify_receipt(database=db, code=code, client_key="203.0.113.77")
    assert match.receipt_id


def test_client_keys_are_not_stored(db, clock):
    with pytest.raises(NotAuthenticated):
        receipts.verify_receipt(database=db, code="1234123412341234", client_key="203.0.113.9", policy=POLICY)
    with db.engine.connect() as conn:
        clients = [r[0] for r in conn.execute(text("SELECT client FROM rate_limit_events"))]
    assert clients and all("203.0.113.9" not in c for c in clients)


def test_old_events_are_purged(db, clock):
    with pytest.raises(NotAuthenticated):
        receipts.verify_receipt(database=db, code="1234123412341234", client_key="x", policy=POLICY)
    clock.advance(BACKOFF.period + timedelta(minutes=2))
    with pytest.raises(NotAuthenticated):
        receipts.verify_receipt(database=db, code="1234123412341234", client_key="y", policy=POLICY)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM rate_limit_events")).scalar_one() == 1
