"""Two-factor login in the browser (issue 22), with the setting on as in production: the coordinator logs in,
is led to enrol (QR code, key), gives the first code computed from the engine clock, gets ten recovery codes
once, and reaches the worklist; at the next login the code page refuses a wrong code, accepts the right one,
and a recovery code works once. axe-core checks the new pages."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest

from engine.clock import now
from tests.web.conftest import PASSWORD, axe_violations, screenshot

pytestmark = pytest.mark.db


def _password(page, username: str) -> None:
    page.goto("/inloggen")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def _code(page, code: str) -> None:
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Aanmelden").click()


def test_enrol_and_log_in_with_a_second_factor(site, clock, tweede_factor_verplicht):
    page = site.person()
    _password(page, "coordinator")
    page.wait_for_url("**/account/tweestapsverificatie**")
    assert page.locator("figure.qr svg").is_visible()
    assert "verplicht" in page.locator("main").inner_text()
    assert not page.get_by_role("link", name="Werkvoorraad").count()  # nothing else before the code
    assert axe_violations(page) == []
    screenshot(page, "tweestapsverificatie-instellen")
    secret = page.locator("#sleutel").inner_text().replace(" ", "")

    # Before the code, the password alone opens nothing.
    page.goto("/werkvoorraad")  # via the code page, which sends who has not enrolled to enrolment
    page.wait_for_url("**/account/tweestapsverificatie**")

    page.get_by_label("Code uit de app").fill(pyotp.TOTP(secret).at(now()))
    page.get_by_role("button", name="Tweestapsverificatie instellen").click()
    codes = page.locator(".herstelcodes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", c) for c in codes)
    assert axe_violations(page) == []
    page.get_by_role("link", name="Ik heb de codes bewaard, verder").click()
    page.wait_for_url("**/werkvoorraad**")
    page.get_by_role("link", name="Tweestapsverificatie").click()
    assert "Tweestapsverificatie is ingesteld" in page.locator("main").inner_text()
    assert "10" in page.locator("main").inner_text() and secret not in page.content()
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/inloggen")

    # The next login: the code page; a wrong code is refused, the right one (next time step) lets in.
    clock.advance(timedelta(seconds=30))
    _password(page, "coordinator")
    page.wait_for_url("**/inloggen/code**")
    assert axe_violations(page) == []
    accepted = {pyotp.TOTP(secret).at(now() + timedelta(seconds=d)) for d in (-30, 0, 30)}
    _code(page, next(c for c in ("111111", "222222", "333333") if c not in accepted))
    assert "De code is onjuist" in page.get_by_role("alert").inner_text()
    _code(page, pyotp.TOTP(secret).at(now()))
    page.wait_for_url("**/werkvoorraad**")
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/inloggen")

    # A recovery code, once.
    _password(page, "coordinator")
    page.wait_for_url("**/inloggen/code**")
    _code(page, codes[0])
    page.wait_for_url("**/werkvoorraad**")
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/inloggen")
    _password(page, "coordinator")
    page.wait_for_url("**/inloggen/code**")
    _code(page, codes[0])
    assert "De code is onjuist" in page.get_by_role("alert").inner_text()


def test_a_role_that_never_sees_the_identity_logs_in_with_the_password(site, tweede_factor_verplicht):
    page = site.person()
    _password(page, "onderzoeker1")
    page.wait_for_url("**/werkvoorraad**")


def test_a_session_without_second_factor_is_led_to_enrol(db, clock, tweede_factor_verplicht):
    """A coordinator's session from before the second factor was required (password only): every page sends it
    to the code page, which sends who has not enrolled to enrolment; without a browser."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import ApiSettings
    from engine.identity import service as identity
    from engine.identity.seed import ensure_demo_users

    with db.session() as s:
        ensure_demo_users(session=s, password=PASSWORD)
        user = identity.get_user(session=s, username="coordinator")
        session_id, _ = identity.start_web_session(session=s, user=user)
    client = TestClient(create_app(ApiSettings(cookie_secure=False)), follow_redirects=False)
    client.cookies.set("meldpunt_session", session_id)
    r = client.get("/werkvoorraad")
    assert r.status_code == 303 and r.headers["location"].startswith("/inloggen/code")
    r = client.get(r.headers["location"])
    assert r.status_code == 303 and r.headers["location"].startswith("/account/tweestapsverificatie")
    r = client.get(r.headers["location"])
    assert r.status_code == 200 and "<svg" in r.text and "Tweestapsverificatie instellen" in r.text
    assert r.headers["cache-control"] == "no-store"


def _wrong(secret: str) -> str:
    accepted = {pyotp.TOTP(secret).at(now() + timedelta(seconds=d)) for d in (-30, 0, 30)}
    return next(c for c in ("111111", "222222", "333333") if c not in accepted)


def _enrol_in_browser(page) -> tuple[str, list[str]]:
    page.goto("/account/tweestapsverificatie")
    secret = page.locator("#sleutel").inner_text().replace(" ", "")
    page.get_by_label("Code uit de app").fill(pyotp.TOTP(secret).at(now()))
    page.get_by_role("button", name="Tweestapsverificatie instellen").click()
    codes = page.locator(".herstelcodes code").all_inner_texts()
    assert len(codes) == 10
    return secret, codes


def test_new_recovery_codes_and_switching_off_on_ones_own_page(site, clock):
    """With the setting off: the desk enrols, makes new recovery codes after a current code (the old ones stop
    working, the new ones are shown once) and switches the second factor off with a code."""
    page = site.person("meldpunt")
    secret, old = _enrol_in_browser(page)
    page.goto("/account/tweestapsverificatie")
    assert axe_violations(page) == []
    screenshot(page, "tweestapsverificatie-beheren")
    form = page.locator("form", has=page.get_by_role("button", name="Nieuwe herstelcodes maken"))
    form.get_by_label("Huidige code").fill(_wrong(secret))
    form.get_by_role("button").click()
    assert "De code is onjuist" in page.get_by_role("alert").inner_text()
    assert axe_violations(page) == []
    clock.advance(timedelta(seconds=30))
    form = page.locator("form", has=page.get_by_role("button", name="Nieuwe herstelcodes maken"))
    form.get_by_label("Huidige code").fill(pyotp.TOTP(secret).at(now()))
    form.get_by_role("button").click()
    assert "nieuwe herstelcodes" in page.get_by_role("status").inner_text()
    new = page.locator(".herstelcodes code").all_inner_texts()
    assert len(new) == 10 and not set(new) & set(old)
    page.goto("/account/tweestapsverificatie")  # shown once: not on the page again
    assert not any(c in page.content() for c in new) and "<strong>10</strong>" in page.content()

    # an old recovery code no longer switches anything off; a new one does
    form = page.locator("form", has=page.get_by_role("button", name="Tweestapsverificatie uitschakelen"))
    form.get_by_label("Huidige code").fill(old[0])
    form.get_by_role("button").click()
    assert "De code is onjuist" in page.get_by_role("alert").inner_text()
    form = page.locator("form", has=page.get_by_role("button", name="Tweestapsverificatie uitschakelen"))
    form.get_by_label("Huidige code").fill(new[0])
    form.get_by_role("button").click()
    page.wait_for_url("**/account/tweestapsverificatie?melding=*")
    assert "Tweestapsverificatie is uitgeschakeld" in page.get_by_role("status").inner_text()
    assert page.get_by_role("button", name="Tweestapsverificatie instellen").is_visible()  # can enrol again
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/inloggen")
    _password(page, "meldpunt")
    page.wait_for_url("**/werkvoorraad**")  # the password alone again


def test_the_coordinator_resets_a_colleagues_second_factor_and_a_required_one_cannot_be_switched_off(
        site, clock, tweede_factor_verplicht):
    desk = site.person()
    _password(desk, "meldpunt")
    desk.wait_for_url("**/account/tweestapsverificatie**")
    secret = desk.locator("#sleutel").inner_text().replace(" ", "")
    desk.get_by_label("Code uit de app").fill(pyotp.TOTP(secret).at(now()))
    desk.get_by_role("button", name="Tweestapsverificatie instellen").click()
    desk.get_by_role("link", name="Ik heb de codes bewaard, verder").click()
    desk.wait_for_url("**/werkvoorraad**")
    desk.goto("/account/tweestapsverificatie")
    assert not desk.get_by_role("button", name="Tweestapsverificatie uitschakelen").count()
    assert "uitschakelen kan niet" in desk.locator("main").inner_text()

    # the functional administrator (no identity role: no second factor required) resets it on the user page
    admin = site.person("beheerder")
    admin.goto("/gebruikers")
    admin.get_by_role("link", name="meldpunt", exact=True).click()
    assert "heeft tweestapsverificatie ingesteld" in admin.locator("main").inner_text()
    assert axe_violations(admin) == []
    admin.get_by_role("button", name="Tweestapsverificatie opnieuw laten instellen").click()
    admin.wait_for_url(re.compile(r"/gebruikers/\d+\?melding="))
    assert "De tweestapsverificatie van meldpunt is verwijderd" in admin.get_by_role("status").inner_text()
    assert "heeft geen tweestapsverificatie ingesteld" in admin.locator("main").inner_text()

    # the desk's session has ended: the next page asks for the password, then enrolment again
    desk.goto("/werkvoorraad")
    desk.wait_for_url("**/inloggen?**")
    _password(desk, "meldpunt")
    desk.wait_for_url("**/account/tweestapsverificatie**")
    assert desk.locator("figure.qr svg").is_visible()
