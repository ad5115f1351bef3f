"""Two-factor login through the API (issue 22): the login endpoint asks for the code, refuses a wrong one,
accepts a TOTP code computed from the engine clock or a recovery code once; an identity role whose session
or token has no verified second factor is refused the reporter's identity (case detail and the reporter's
attachments), a token issued from a verified session is not."""
from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from api.deps import CSRF_HEADER
from engine.clock import now
from engine.identity import second_factor
from engine.identity import service as identity
from engine.identity.models import User
from tests.api.conftest import REPORTER_NAME

pytestmark = pytest.mark.db

PASSWORD = "correct-horse-battery-staple"
PROBLEM_BASE = "https://meldpunt.example/problems/"


def _enrol(db, user_id: int) -> tuple[str, list[str]]:
    with db.session() as s:
        user = s.get(User, user_id)
        identity.set_password(session=s, user_id=user_id, password=PASSWORD)
        secret = second_factor.begin_enrolment(session=s, user=user)
        codes = second_factor.confirm_enrolment(session=s, user=user, code=pyotp.TOTP(secret).at(now()),
                                                client_key="192.0.2.1")
    return secret, codes


def _login(client, username: str, code: str | None = None):
    body = {"username": username, "password": PASSWORD, **({"code": code} if code is not None else {})}
    return client.post("/api/v1/auth/inloggen", json=body)


def test_login_asks_the_code_and_refuses_a_wrong_one(world, db, clock, tweede_factor_verplicht):
    client = world.client
    secret, codes = _enrol(db, world.users["integriteitscoordinator"])
    clock.advance(timedelta(seconds=30))

    r = _login(client, "integriteitscoordinator")
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == PROBLEM_BASE + "second-factor-needed" and "code" in r.json()["detail"]
    assert "set-cookie" not in r.headers

    wrong = next(c for c in ("111111", "222222", "333333") if c != pyotp.TOTP(secret).at(now())
                 and c != pyotp.TOTP(secret).at(now() - timedelta(seconds=30))
                 and c != pyotp.TOTP(secret).at(now() + timedelta(seconds=30)))
    r = _login(client, "integriteitscoordinator", wrong)
    assert r.status_code == 401 and r.json()["type"] == PROBLEM_BASE + "second-factor-wrong"
    assert "set-cookie" not in r.headers

    r = _login(client, "integriteitscoordinator", pyotp.TOTP(secret).at(now()))
    assert r.status_code == 200, r.text
    assert r.json()["second_factor"] is True
    csrf = r.json()["csrf_token"]
    detail = client.get(f"/api/v1/zaken/{world.case_a}").json()
    assert detail["melder"]["identiteit"] and REPORTER_NAME in str(detail["melder"]["identiteit"])
    assert client.get(f"/api/v1/zaken/{world.case_a}/bijlagen").status_code == 200

    # A token issued from this session inherits its second factor.
    t = client.post("/api/v1/auth/tokens", json={"name": "koppeling"}, headers={CSRF_HEADER: csrf})
    assert t.status_code == 201, t.text
    token = t.json()["token"]
    client.cookies.clear()
    detail = client.get(f"/api/v1/zaken/{world.case_a}", headers={"Authorization": f"Bearer {token}"}).json()
    assert REPORTER_NAME in str(detail["melder"]["identiteit"])

    # A recovery code works once.
    assert _login(client, "integriteitscoordinator", codes[0]).status_code == 200
    client.cookies.clear()
    r = _login(client, "integriteitscoordinator", codes[0])
    assert r.status_code == 401 and r.json()["type"] == PROBLEM_BASE + "second-factor-wrong"


def test_an_identity_role_not_enrolled_is_sent_to_enrol(world, db, clock, tweede_factor_verplicht):
    with db.session() as s:
        identity.set_password(session=s, user_id=world.users["meldpunt"], password=PASSWORD)
        identity.set_password(session=s, user_id=world.users["onderzoeker"], password=PASSWORD)
    r = _login(world.client, "meldpunt", "123456")
    assert r.status_code == 403 and r.json()["type"] == PROBLEM_BASE + "second-factor-not-enrolled"
    assert "/account/tweestapsverificatie" in r.json()["detail"] and "set-cookie" not in r.headers
    # A role that never sees the identity logs in with the password alone.
    r = _login(world.client, "onderzoeker")
    assert r.status_code == 200 and r.json()["second_factor"] is False


def test_identity_refused_to_a_token_without_second_factor(world, clock, tweede_factor_verplicht):
    client = world.client
    # The world's tokens were issued without a browser session, hence without a second factor.
    detail = client.get(f"/api/v1/zaken/{world.case_a}", headers=world.h("integriteitscoordinator"))
    assert detail.status_code == 200
    assert detail.json()["melder"]["identiteit"] is None and REPORTER_NAME not in detail.text
    r = client.get(f"/api/v1/zaken/{world.case_a}/bijlagen", headers=world.h("meldpunt"))
    assert r.status_code == 403 and "tweestapsverificatie" in r.json()["detail"]


def test_identity_shown_to_tokens_when_the_setting_is_off(world, clock):
    detail = world.client.get(f"/api/v1/zaken/{world.case_a}", headers=world.h("integriteitscoordinator"))
    assert REPORTER_NAME in str(detail.json()["melder"]["identiteit"])
