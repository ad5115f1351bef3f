"""The real client address: X-Forwarded-For only from configured trusted proxies, and per-client limits on it."""
from __future__ import annotations

import ipaddress

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.client_address import resolve
from api.settings import ApiSettings
from engine.identity import ratelimit, receipts

PROXIES = [ipaddress.ip_network("10.0.0.0/24"), ipaddress.ip_network("fd00::/64")]


@pytest.mark.parametrize(("peer", "forwarded", "proxies", "expected"), [
    ("192.0.2.7", ["203.0.113.1"], [], "192.0.2.7"),  # default: no proxy trusted, header ignored
    ("192.0.2.7", ["203.0.113.1"], PROXIES, "192.0.2.7"),  # peer is not a trusted proxy
    ("10.0.0.5", ["203.0.113.1"], PROXIES, "203.0.113.1"),
    ("10.0.0.5", ["1.1.1.1, 203.0.113.1"], PROXIES, "203.0.113.1"),  # left entries are the client's own words
    ("10.0.0.5", ["1.1.1.1, 203.0.113.1, 10.0.0.9"], PROXIES, "203.0.113.1"),  # chain of trusted proxies
    ("10.0.0.5", ["1.1.1.1", "203.0.113.1"], PROXIES, "203.0.113.1"),  # several header lines
    ("10.0.0.5", ["unknown"], PROXIES, "10.0.0.5"),  # garbage ends the walk at the last trusted hop
    ("10.0.0.5", [], PROXIES, "10.0.0.5"),
    ("10.0.0.5", ["[2001:db8:1:2:3::4]:443"], PROXIES, "2001:db8:1:2::/64"),  # IPv6 by /64
    ("2001:db8:1:2::99", [], [], "2001:db8:1:2::/64"),
    ("::ffff:192.0.2.9", [], [], "192.0.2.9"),
    ("testclient", ["203.0.113.1"], PROXIES, "testclient"),
])
def test_resolve(peer, forwarded, proxies, expected):
    assert resolve(peer, forwarded, proxies) == expected


def test_setting_from_the_environment(monkeypatch):
    monkeypatch.setenv("MELDPUNT_TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/24,fd00::/64")
    assert [str(n) for n in ApiSettings().trusted_proxies] == ["10.0.0.5/32", "10.1.0.0/24", "fd00::/64"]
    monkeypatch.delenv("MELDPUNT_TRUSTED_PROXIES")
    assert ApiSettings().trusted_proxies == []
    with pytest.raises(ValueError):
        ApiSettings(trusted_proxies=["geen-adres"])


def _receipt(db) -> str:
    with db.session() as s:
        code, _ = receipts.issue_receipt(session=s, case_id=None)
    return code


def _client(peer: str, proxies: list[str]) -> TestClient:
    app = create_app(ApiSettings(cookie_secure=True, trusted_proxies=proxies))
    return TestClient(app, base_url="https://testserver", client=(peer, 40000), raise_server_exceptions=False)


def test_flood_of_wrong_codes_from_many_addresses_does_not_lock_out_a_correct_code(db, clock):
    code = _receipt(db)
    wrong = "0000 0000 0000 0000"
    with _client("10.0.0.5", ["10.0.0.0/24"]) as c:  # behind our trusted proxy
        for i in range(receipts.DEFAULT_POLICY.client_backoff.free_failures * 3):
            r = c.post("/api/v1/melder/sessie", json={"ontvangstcode": wrong},
                       headers={"X-Forwarded-For": f"198.51.100.{i}"})
            assert r.status_code == 401
        # ... and the rest of a production-sized flood (600 failures from 600 addresses in the window),
        # recorded as the limiter records them (without 600 Argon2 verifications).
        with db.session() as s:
            for i in range(600):
                ratelimit.record_attempt(session=s, scope=receipts.SCOPE, client_key=f"198.18.{i // 256}.{i % 256}",
                                         success=False, policy=receipts.DEFAULT_POLICY)
        r = c.post("/api/v1/melder/sessie", json={"ontvangstcode": code}, headers={"X-Forwarded-For": "203.0.113.50"})
        assert r.status_code == 200, r.text


def test_spoofed_forwarded_for_from_an_untrusted_peer_does_not_reset_the_limit(db, clock):
    code = _receipt(db)
    statuses = []
    with _client("192.0.2.10", []) as c:  # no trusted proxies: the header is the attacker's own words
        for i in range(receipts.DEFAULT_POLICY.client_backoff.free_failures + 1):
            statuses.append(c.post("/api/v1/melder/sessie", json={"ontvangstcode": "0000 0000 0000 0000"},
                                   headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code)
        right = c.post("/api/v1/melder/sessie", json={"ontvangstcode": code}, headers={"X-Forwarded-For": "203.0.113.9"})
    assert statuses[:-1] == [401] * (len(statuses) - 1) and statuses[-1] == 429
    assert right.status_code == 429 and int(right.headers["retry-after"]) == 60
    assert "Probeer het opnieuw over 1 minuut" in right.json()["detail"]
    with _client("192.0.2.11", []) as other:  # another real address is not affected
        assert other.post("/api/v1/melder/sessie", json={"ontvangstcode": code}).status_code == 200
