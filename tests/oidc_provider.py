"""A real OpenID Connect provider for the tests: ``oidc-provider`` (npm) on loopback, configured by
``tests/fixtures/oidc/provider.mjs``.

Each test gets its own provider process with a signing key generated here (never committed) and an accounts
file the test may change between logins (roles, disabled). :func:`login_at_provider` drives the provider's
login form over HTTP without a browser and returns where it sends the browser back (code and state, or error).
"""
from __future__ import annotations

import json
import os
import secrets
import select
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from joserfc.jwk import RSAKey

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "fixtures" / "oidc" / "provider.mjs"
CLIENT_ID = "meldpunt"
CLIENT_SECRET = "test-only-client-secret-" + "x" * 16


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TestProvider:
    __test__ = False  # not a test class

    def __init__(self, directory: Path, *, redirect_uris: list[str], post_logout_redirect_uris: list[str]):
        self.directory = directory
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-sleutel", "use": "sig", "alg": "RS256"},
                                       private=True)
        self.accounts: dict[str, dict] = {}
        self.clients = [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris,
                         "post_logout_redirect_uris": post_logout_redirect_uris,
                         "grant_types": ["authorization_code"], "response_types": ["code"],
                         "token_endpoint_auth_method": "client_secret_basic"}]
        self.process: subprocess.Popen | None = None

    def account(self, sub: str, username: str, *, password: str = "idp-wachtwoord", disabled: bool = False,
                **claims) -> None:
        """Add or change an account (read by the provider at every login)."""
        self.accounts[sub] = {"username": username, "password": password, "disabled": disabled,
                              "claims": {"preferred_username": username, **claims}}
        (self.directory / "accounts.json").write_text(json.dumps(self.accounts), encoding="utf-8")

    def start(self) -> "TestProvider":
        (self.directory / "jwks.json").write_text(json.dumps({"keys": [self.key.as_dict(private=True)]}),
                                                  encoding="utf-8")
        if not (self.directory / "accounts.json").exists():
            (self.directory / "accounts.json").write_text("{}", encoding="utf-8")
        env = {**os.environ, "OIDC_PORT": str(self.port), "OIDC_JWKS": str(self.directory / "jwks.json"),
               "OIDC_ACCOUNTS": str(self.directory / "accounts.json"), "OIDC_CLIENTS": json.dumps(self.clients),
               "OIDC_COOKIE_KEY": secrets.token_urlsafe(32)}
        self.process = subprocess.Popen(["node", str(SCRIPT)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.5)
            if ready:
                line = self.process.stdout.readline()
                if line.startswith("ready"):
                    return self
                if not line:
                    break
        self.stop()
        raise RuntimeError("oidc-provider did not start: " + (self.process.stderr.read() if self.process else ""))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def require_provider() -> None:
    if shutil.which("node") is None:
        pytest.skip("node ontbreekt: `apt-get install -y nodejs` (make test doet dit)")
    if not (ROOT / "node_modules" / "oidc-provider").exists():
        pytest.skip("node_modules/oidc-provider ontbreekt: `npm ci` (make test doet dit)")


def login_at_provider(authorization_url: str, username: str, password: str = "idp-wachtwoord",
                      *, client: httpx.Client | None = None) -> dict[str, str]:
    """Follow the provider's redirects, fill in its login form, and return the query it sends back to the
    relying party (``code`` and ``state``, or ``error``). ``client`` keeps the provider's session cookies."""
    own = client is None
    client = client or httpx.Client(timeout=15)
    try:
        url = authorization_url
        issuer = "{0.scheme}://{0.netloc}".format(urlsplit(authorization_url))
        for _ in range(10):
            if not url.startswith(issuer):
                return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
            r = client.get(url)
            if r.status_code == 200 and "/interaction/" in url:
                r = client.post(url + "/login", data={"username": username, "password": password})
            if r.status_code not in (302, 303):
                raise AssertionError(f"provider answered {r.status_code}: {r.text[:200]}")
            url = urljoin(url, r.headers["location"])
        raise AssertionError("too many redirects at the provider")
    finally:
        if own:
            client.close()
