"""Argon2id at production strength, computed once per secret in a test process (a pytest plugin: ``-p tests.argon2_memo``
in pyproject's addopts).

The product hashes passwords and receipt codes with argon2-cffi's defaults (t=3, m=64 MiB, p=4): about 0.2 s a hash
and as much per verification on CI's machine. The suites create the fifteen demo users with one password before
most browser tests and scenarios and log in again and again, which cost minutes per run. This plugin memoises
``argon2.PasswordHasher.hash`` per (parameters, secret) and ``PasswordHasher.verify`` per (hash, secret) in the test
process: every stored value is still a real Argon2id hash of the secret with the real parameters, and every check
still verifies it (a wrong secret still fails). The one difference: users given the same password within one test
process share the salt. Servers and CLI processes the tests start as subprocesses hash for real.

Receipt codes are random, so memoising by secret alone never helped them: every report with a receipt (the demo's
sample cases, the API tests' world, every intake) cost a real Argon2id hash, about a sixteenth of the suite's CPU.
In a test process the k-th receipt code of every test is therefore the same 16-digit code (a fixed pseudo-random
sequence that starts again with each test, ``_receipt_code``): codes within a test are distinct as before, the
stored hash is still a real Argon2id hash of the code, and a wrong code still fails, but each code is hashed once per
process. A test module that tests the generator itself sets ``REAL_RECEIPT_CODES = True``
(tests/engine/test_receipts.py).

``-p no:tests.argon2_memo`` runs the suite with every hash computed anew and every receipt code random.
"""
from __future__ import annotations

import hashlib
import itertools

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError

_real_hash = PasswordHasher.hash
_real_verify = PasswordHasher.verify
_hashes: dict[tuple, str] = {}
_verified: dict[tuple, bool] = {}


def _params(hasher: PasswordHasher) -> tuple:
    return (hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len, hasher.salt_len,
            hasher.type, hasher.encoding)


def _hash(self, password, *, salt=None):
    if salt is not None:  # an explicit salt: the caller wants exactly that hash
        return _real_hash(self, password, salt=salt)
    key = (_params(self), password)
    if key not in _hashes:
        _hashes[key] = _real_hash(self, password)
    return _hashes[key]


def _verify(self, hash, password):  # noqa: A002  (argon2-cffi's parameter name)
    key = (hash, password)
    if key not in _verified:
        try:
            _verified[key] = _real_verify(self, hash, password)
        except VerifyMismatchError:
            _verified[key] = False
    if not _verified[key]:
        raise VerifyMismatchError("The password does not match the supplied hash")
    return True


def pytest_configure(config):
    PasswordHasher.hash = _hash
    PasswordHasher.verify = _verify


def pytest_unconfigure(config):
    PasswordHasher.hash = _real_hash
    PasswordHasher.verify = _real_verify


def _receipt_code(k: int) -> str:
    """The k-th receipt code of a test: 16 decimal digits, distinct for distinct k below 10**8 in practice (a
    SHA-256 over k; checked for the first 10,000 in tests/engine/test_receipts.py)."""
    digest = hashlib.sha256(f"meldpunt-test-receipt:{k}".encode("ascii")).digest()
    return str(int.from_bytes(digest[:8], "big") % 10 ** 16).zfill(16)


@pytest.fixture(autouse=True)
def _memoisable_receipt_codes(request, monkeypatch):
    if getattr(request.module, "REAL_RECEIPT_CODES", False):
        yield
        return
    from engine.identity import receipts

    sequence = itertools.count()
    monkeypatch.setattr(receipts, "generate_code", lambda: _receipt_code(next(sequence)))
    yield
