"""The web report form and the web login have the API's limits and length caps (one engine function each)."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from engine.identity import login
from engine.identity import service as identity
from engine.intake import public
from engine.processes import service as processes
from tests.process.driver import PROCESSES

FORM = {"omschrijving": "Een collega declareert reizen die niet zijn gemaakt.", "dienstonderdeel": "Douane",
        "categorie": "", "betrokkene_functie": "", "wanneer": "maart 2026"}
API_REPORT = {"categorie": "Overig", "omschrijving": "Een collega declareert reizen die niet zijn gemaakt.",
              "dienstonderdeel": "Douane"}
PASSWORD = "Een-goed-wachtwoord-2026"


@pytest.fixture
def client(db, clock):
    from api.app import create_app
    from api.settings import ApiSettings

    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
        identity.create_user(session=s, username="alice", display_name="Alice", roles=["meldpunt"], password=PASSWORD)
    app = create_app(ApiSettings(cookie_secure=False))
    with TestClient(app, follow_redirects=False, client=("192.0.2.20", 40000), raise_server_exceptions=False) as c:
        yield c


def test_web_report_form_is_rate_limited_per_address_together_with_the_api(client, clock):
    statuses = []
    for i in range(public.POLICY.max_attempts):
        if i % 2:
            statuses.append(client.post("/api/v1/publiek/meldingen", json=API_REPORT).status_code)
        else:
            statuses.append(client.post("/melden", data=FORM).status_code)
    assert statuses == [200, 201] * (public.POLICY.max_attempts // 2)
    r = client.post("/melden", data=FORM)
    assert r.status_code == 429 and r.headers["retry-after"] == "3600"
    assert public.LOCKED in r.text and "Probeer het opnieuw over 60 minuten (vanaf " in r.text
    assert "De melding is niet verstuurd" in r.text and FORM["omschrijving"] in r.text  # nothing typed is lost
    assert client.post("/api/v1/publiek/meldingen", json=API_REPORT).status_code == 429
    clock.advance(public.POLICY.window)
    assert client.post("/melden", data=FORM).status_code == 200


def test_web_report_form_caps_lengths_like_the_api_and_names_the_field(client):
    huge = "x" * 1_000_000
    r = client.post("/melden", data={**FORM, "omschrijving": huge})
    assert r.status_code == 422
    assert "‘Wat is er gebeurd?’ mag hoogstens 10.000 tekens bevatten; u gebruikte er 1.000.000." in r.text
    assert len(r.content) < 100_000  # the megabyte is not echoed back
    r = client.post("/melden", data={**FORM, "wanneer": "y" * 201, "betrokkene_functie": "z" * 300})
    assert r.status_code == 422
    assert "‘Wanneer gebeurde het?’ mag hoogstens 200 tekens bevatten" in r.text
    assert "‘Functie van de betrokkene’ mag hoogstens 200 tekens bevatten" in r.text
    # Exactly at the cap is accepted, as by the API.
    assert client.post("/melden", data={**FORM, "omschrijving": "x" * 10_000}).status_code == 200
    assert client.post("/api/v1/publiek/meldingen", json={**API_REPORT, "omschrijving": "x" * 10_001}).status_code == 422


def _login(client, username, password):
    page = client.get("/inloggen")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)
    return client.post("/inloggen", data={"gebruikersnaam": username, "wachtwoord": password, "login_token": token})


def test_web_login_shares_the_account_backoff_with_the_api(client):
    for i in range(login.POLICY.account_backoff.free_failures):
        if i % 2:
            assert client.post("/api/v1/auth/inloggen", json={"username": "alice", "password": f"gok-{i}"}).status_code == 401
        else:
            assert _login(client, "alice", f"gok-{i}").status_code == 401
    r = _login(client, "alice", PASSWORD)
    assert r.status_code == 429 and r.headers["retry-after"] == "30"
    assert login.ACCOUNT_LOCKED in r.text and "Probeer het opnieuw over 30 seconden" in r.text


def test_web_login_caps_lengths(client):
    r = _login(client, "alice", "x" * 5000)
    assert r.status_code == 422 and "Het wachtwoord mag hoogstens 1024 tekens bevatten." in r.text


def test_api_and_web_report_form_refuse_the_same_input_with_the_same_dutch_message(client, db):
    """One set of rules for the public form (engine.intake.public.validation_errors): a category the process
    owners do not offer, no unit, a too short description - refused alike by the API and the web page,
    naming the field, and no case is filed."""
    from sqlalchemy import func, select

    from engine.cases.models import Case

    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(Case))
    cases = [({"categorie": "Verzonnen categorie"}, "categorie",
              "‘Om wat voor schending gaat het?’: kies een categorie uit de lijst."),
             ({"dienstonderdeel": "  "}, "dienstonderdeel",
              "‘Bij welk dienstonderdeel speelt het?’ is verplicht: vul het dienstonderdeel in waar het speelt."),
             ({"omschrijving": "Te kort   "}, "omschrijving",
              "‘Wat is er gebeurd?’ is te kort: beschrijf wat er is gebeurd (minstens 10 tekens).")]
    for change, field, message in cases:
        r = client.post("/api/v1/publiek/meldingen", json={**API_REPORT, **change})
        assert r.status_code == 422, (field, r.text)
        assert {"field": field, "message": message} in r.json()["errors"], r.text
        page = client.post("/melden", data={**FORM, **change})
        assert page.status_code == 422 and message in page.text, field
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == before


def test_the_report_form_refuses_what_is_no_telephone_number_by_its_label(client, db):
    """The reporter's telephone number is checked as the intake form declares it (``"format": "telefoonnummer"``,
    engine.forms, the same check as the desk's registration): refused by the page's own label ("Uw
    telefoonnummer") next to the field, the other input kept, and no case filed. (The public API takes no identity
    fields: a report over it is anonymous.)"""
    from sqlalchemy import func, select

    from engine.cases.models import Case

    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(Case))
    named = {"melden_als": "vertrouwelijk", "melder_naam": "Rita Melder", "melder_telefoon": "bel mij maar"}
    message = "‘Uw telefoonnummer’ moet een telefoonnummer zijn, zoals 06-12345678, 020 123 4567 of +31 6 12345678"
    page = client.post("/melden", data={**FORM, **named})
    assert page.status_code == 422, page.text[:500]
    field = page.text.split('id="fout-melder_telefoon">')[1].split("</p>")[0]
    assert field.startswith(message), field
    assert 'value="Rita Melder"' in page.text and FORM["omschrijving"] in page.text  # the other input kept
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == before
    for number in ("+31 6 12345678", "020 123 4567", "+32 2 123 45 67"):
        r = client.post("/melden", data={**FORM, **named, "melder_telefoon": number})
        assert r.status_code == 200 and "fout-melder_telefoon" not in r.text, (number, r.text[:500])
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == before + 3


def test_the_public_categories_are_the_intake_forms_list(client, db):
    page = client.get("/melden")
    with db.session() as s:
        offered = public.categories(s)
    assert len(offered) >= 5 and all(label in page.text for _, label in offered)
    ok = client.post("/api/v1/publiek/meldingen", json={**API_REPORT, "categorie": offered[0][0]})
    assert ok.status_code == 201, ok.text
