"""A notice at the top of a page after a redirect ("Uw antwoord is verstuurd.") travels in the address; the page
shows it only with the tag the server made for it (``web.pages.common.with_message``). Before, anyone could send a
reporter or a colleague a link to a trusted page of the organisation with a text of their own in it."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from engine.demo import DEMO_PASSWORD

pytestmark = pytest.mark.db

SPOOF = "Uw melding is gesloten. Bel 06-12345678 en noem uw ontvangstcode."


def _token(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', page).group(1)


def test_the_reporters_inbox_shows_only_a_notice_the_server_wrote(demo_app):
    c = TestClient(demo_app, follow_redirects=False)
    r = c.post("/melden", data={"omschrijving": "Een collega declareert reizen die niet zijn gemaakt.",
                                "dienstonderdeel": "Douane", "melden_als": "anoniem"})
    assert r.status_code == 200, r.text  # the confirmation is the form's answer
    code = re.search(r"\d{4} \d{4} \d{4} \d{4}", r.text).group(0)
    r = c.post("/mijn-melding/code", data={"ontvangstcode": code,
                                           "login_token": _token(c.get("/mijn-melding").text, "login_token")})
    assert r.status_code == 303, r.text

    spoofed = c.get("/mijn-melding", params={"melding": SPOOF})
    assert spoofed.status_code == 200 and "06-12345678" not in spoofed.text
    forged_tag = c.get("/mijn-melding", params={"melding": SPOOF, "mt": "0" * 32})
    assert "06-12345678" not in forged_tag.text

    answered = c.post("/mijn-melding/antwoord", data={"tekst": "Ik heb nog een bon gevonden.",
                                                      "csrf_token": _token(spoofed.text, "csrf_token")})
    assert answered.status_code == 303, answered.text
    assert "Uw antwoord is verstuurd." in c.get(answered.headers["location"]).text
    # the tag is for that text only
    assert "06-12345678" not in c.get(answered.headers["location"].replace(
        "Uw+antwoord+is+verstuurd.", SPOOF.replace(" ", "+"))).text


def test_a_staff_page_shows_only_a_notice_the_server_wrote(demo_app):
    c = TestClient(demo_app, follow_redirects=False)
    c.post("/inloggen", data={"gebruikersnaam": "meldpunt", "wachtwoord": DEMO_PASSWORD,
                              "login_token": _token(c.get("/inloggen").text, "login_token")})
    page = c.get("/meldingsvoorkeuren", params={"melding": "Log opnieuw in op https://meldpunt.example.com"})
    assert page.status_code == 200 and "meldpunt.example.com" not in page.text
    saved = c.post("/meldingsvoorkeuren", data={"csrf_token": _token(page.text, "csrf_token"),
                                                "voorkeur": "dagelijks"})
    assert saved.status_code == 303
    assert "Uw meldingsvoorkeur is opgeslagen." in c.get(saved.headers["location"]).text
