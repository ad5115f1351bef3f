"""Staff intake in the web interface (issue 17): a report received by any channel, entered by the desk, a
vertrouwenspersoon (with consent) or a line manager through ``/meldingen/nieuw`` - the same engine door as
``POST /api/v1/meldingen`` (``engine.intake.staff``). Every refusal shows Dutch field errors with all input kept
and writes nothing. The real app, engine, process files and database (SQLite and PostgreSQL).
"""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

pytestmark = pytest.mark.db

PASSWORD = "meldpunt-demo"
TEXT = "Een collega boekt reizen die niet zijn gemaakt; gemeld aan de telefoon."


@pytest.fixture
def app():
    from api.app import create_app
    from api.settings import ApiSettings

    return create_app(ApiSettings(cookie_secure=False))


def login(app, username: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    r = client.post("/api/v1/auth/inloggen", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def post(client: TestClient, form: dict):
    return client.post("/meldingen/nieuw", data={**form, "csrf_token": client.cookies.get("meldpunt_csrf")})


def counts(db) -> tuple[int, ...]:
    from engine.audit.models import AuditEvent
    from engine.cases.models import Case, CaseParty
    from engine.identity.models import ReceiptCode
    from engine.worklist.models import WorkItem

    with db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (Case, CaseParty, WorkItem, AuditEvent, ReceiptCode))


def case_data(db, case_id: int) -> tuple[dict, set]:
    from engine.cases import service as cases
    from engine.cases.models import Case, CaseParty
    from engine.identity.models import User

    with db.session() as s:
        case = s.get(Case, case_id)
        data = cases.confidential_merge(s, case, cases.case_data(session=s, case_id=case_id))
        parties = set(s.execute(select(CaseParty.party, User.username).join(User, User.id == CaseParty.user_id)
                                .where(CaseParty.case_id == case_id)).all())
        return data, parties


def created_case(r) -> int:
    assert r.status_code == 303, r.text[:2000]
    assert r.headers["location"].startswith("/meldingen/ingevoerd?zaak=")
    return int(r.headers["location"].rsplit("=", 1)[1])


BASE = {"ontvangstwijze": "telefoon", "datum_melding": "2026-01-05", "categorie": "Financiële schendingen",
        "omschrijving": TEXT, "dienstonderdeel": "Douane", "melder": "extern", "melder_naam": "Karel Klant",
        "melder_telefoon": "0201234567", "betrokkene_persoon": "medewerker", "betrokkene_functie": "Inspecteur",
        "risicofunctie": "geen"}
CHANNELS = ["leidinggevende", "hogere_leidinggevende", "vertrouwenspersoon", "meldpunt_integriteit",
            "onderzoeksbureau", "externe_commissie", "anoniem"]


@pytest.mark.parametrize("channel,way", list(zip(CHANNELS, ["telefoon", "brief", "gesprek", "e-mail", "brief",
                                                             "e-mail", "brief"])))
def test_desk_enters_a_report_of_every_channel_with_its_receipt_date(demo, app, channel, way):
    desk = login(app, "meldpunt")
    form = {**BASE, "kanaal": channel, "ontvangstwijze": way}
    if channel == "vertrouwenspersoon":
        form.update(via_vertrouwenspersoon="ja", toestemming_doorgeven="ja")
    case_id = created_case(post(desk, form))
    data, parties = case_data(demo, case_id)
    assert data["kanaal"] == channel and data["ontvangstwijze"] == way
    assert data["datum_melding"] == "2026-01-05"  # in the past: the legal clocks run from receipt
    assert data["melder_naam"] == "Karel Klant" and data["melder_anoniem"] is False
    assert parties == {("betrokkene", "medewerker"), ("leidinggevende", "teamleider")}
    page = desk.get(f"/meldingen/ingevoerd?zaak={case_id}")
    assert page.status_code == 200 and "De melding is ingevoerd" in page.text
    # the case arrives in the desk's worklist: the registration task, open in their role
    work = desk.get("/werkvoorraad?tab=open").text
    with demo.session() as s:
        from engine.cases.models import Case
        assert s.get(Case, case_id).reference in work


def test_reporter_as_employee_is_linked_and_anonymous_gets_a_code_once(demo, app):
    desk = login(app, "meldpunt")
    case_id = created_case(post(desk, {**BASE, "kanaal": "meldpunt_integriteit", "melder": "medewerker",
                                       "melder_persoon": "hr", "melder_naam": ""}))
    data, parties = case_data(demo, case_id)
    assert ("melder", "hr") in parties and data["melder_naam"] == "Hanna HR-adviseur"
    r = post(desk, {**BASE, "kanaal": "anoniem", "melder": "anoniem", "melder_naam": "Wordt weggelaten",
                    "betrokkene_persoon": "extern/onbekend"})
    case_id = created_case(r)
    data, parties = case_data(demo, case_id)
    assert data["melder_anoniem"] is True and "melder_naam" not in data and "melder_telefoon" not in data
    assert data["betrokkene_persoon"] == "extern/onbekend" and parties == set()
    page = desk.get(r.headers["location"])
    code = page.text.split('data-testid="ontvangstcode">')[1].split("<")[0]
    assert len(code.replace(" ", "")) == 16 and code not in r.headers["location"]
    assert 'data-testid="ontvangstcode"' not in desk.get(r.headers["location"]).text  # shown once


@pytest.mark.parametrize("change,field,message", [
    ({"omschrijving": "kort", "categorie": "", "dienstonderdeel": ""}, "omschrijving", "minstens 10 tekens"),
    ({"datum_melding": "2099-01-01"}, "datum_melding", "ligt in de toekomst"),
    ({"datum_melding": "5 januari"}, "datum_melding", "geldige datum"),
    ({"betrokkene_persoon": "niemand-bekend"}, "betrokkene_persoon", "Onbekende medewerker"),
    ({"melder": "medewerker", "melder_persoon": ""}, "melder_persoon", "kies de melder"),
    ({"melder": "extern", "melder_naam": ""}, "melder_naam", "Naam melder"),
    ({"melder": ""}, "melder", "Wie meldt"),
    ({"melder": "anoniem", "melder_persoon": "hr"}, "melder_persoon", "anonieme melder"),
    ({"kanaal": "postduif"}, "kanaal", "kies het kanaal"),
    ({"categorie": "Iets anders"}, "categorie", "categorie uit de lijst"),
    ({"melder_telefoon": "bel mij maar"}, "melder_telefoon", "‘Telefoonnummer melder’ moet een telefoonnummer zijn"),
])
def test_refusals_keep_every_value_and_write_nothing(demo, app, change, field, message):
    desk = login(app, "meldpunt")
    before = counts(demo)
    form = {**BASE, "kanaal": "meldpunt_integriteit", **change}
    r = post(desk, form)
    assert r.status_code == 422, r.text[:500]
    assert f'id="fout-{field}"' in r.text and message.lower() in r.text.lower()
    assert "Er is niets opgeslagen" in r.text
    for value in ("Karel Klant", "0201234567", "Inspecteur", form["omschrijving"]):
        if value in form.values() and not (field == "melder_persoon" and value == "Karel Klant"):
            assert value in r.text
    assert counts(demo) == before


def test_confidential_adviser_passes_on_only_with_consent(demo, app):
    vp = login(app, "vertrouwenspersoon")
    page = vp.get("/meldingen/nieuw")
    assert page.status_code == 200 and "toestemming" in page.text
    assert 'value="vertrouwenspersoon" selected' in page.text  # the channel is the adviser
    before = counts(demo)
    form = {**BASE, "kanaal": "vertrouwenspersoon", "ontvangstwijze": "gesprek"}
    r = post(vp, form)
    assert r.status_code == 422 and 'id="fout-toestemming_doorgeven"' in r.text and TEXT in r.text
    assert counts(demo) == before
    case_id = created_case(post(vp, {**form, "toestemming_doorgeven": "ja"}))
    data, _ = case_data(demo, case_id)
    assert data["via_vertrouwenspersoon"] is True and data["toestemming_doorgeven"] is True
    done = vp.get(f"/meldingen/ingevoerd?zaak={case_id}")
    assert done.status_code == 200 and "doorgegeven aan het meldpunt" in done.text  # not their case to see


def test_line_manager_registers_and_others_get_the_way_to_pass_it_on(demo, app):
    boss = login(app, "teamleider")
    assert "Melding invoeren" in boss.get("/werkvoorraad").text
    page = boss.get("/meldingen/nieuw")
    assert 'value="leidinggevende" selected' in page.text
    case_id = created_case(post(boss, {**BASE, "kanaal": "leidinggevende", "ontvangstwijze": "gesprek",
                                       "betrokkene_persoon": "extern/onbekend"}))
    assert case_data(demo, case_id)[0]["kanaal"] == "leidinggevende"
    investigator = login(app, "onderzoeker1")
    assert "Een melding doorgeven" in investigator.get("/werkvoorraad").text
    page = investigator.get("/meldingen/nieuw")
    assert page.status_code == 200 and "Een melding doorgeven" in page.text
    assert 'action="/meldingen/nieuw"' not in page.text
    before = counts(demo)
    r = post(investigator, {**BASE, "kanaal": "meldpunt_integriteit"})
    assert r.status_code == 403 and counts(demo) == before


def test_the_api_takes_the_same_door(demo, app):
    """The API refuses what the form refuses, with the same Dutch message (one validation in the engine)."""
    desk = login(app, "meldpunt")
    r = desk.post("/api/v1/meldingen", headers={"X-CSRF-Token": desk.cookies.get("meldpunt_csrf")}, json={
        "kanaal": "meldpunt_integriteit", "categorie": "Financiële schendingen", "omschrijving": TEXT,
        "dienstonderdeel": "Douane", "datum_melding": "2099-01-01", "ontvangstwijze": "telefoon"})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "datum_melding", "message":
                                   "‘Datum ontvangst’ ligt in de toekomst: vul de dag in waarop de melding binnenkwam."}]


def test_an_oral_report_taken_at_the_desk_goes_to_the_anonymous_reporter_to_sign(demo, app):
    """Staff intake of a phone call (way of receipt ``telefoon``, declared as an oral channel in the manifest): the
    done page points to the case page, where the transcript is registered for the reporter to sign (art. 18)."""
    from engine.contact import service as contact
    from engine.worklist import service as worklist

    desk = login(app, "meldpunt")
    r = post(desk, {**BASE, "kanaal": "anoniem", "melder": "anoniem", "melder_naam": "",
                    "betrokkene_persoon": "extern/onbekend", "ontvangstwijze": "telefoon"})
    case_id = created_case(r)
    with demo.session() as s:  # an anonymous case is the desk's to see once it holds the registration task
        from engine.identity.service import get_user

        worklist.claim(session=s, work_item_id=worklist.items_of_case(session=s, case_id=case_id)[0].id,
                       user=get_user(session=s, username="meldpunt"))
    page = desk.get(r.headers["location"]).text
    assert "Deze melding is mondeling gedaan" in page and f"/zaken/{case_id}#mondeling-sectie" in page
    done = desk.post(f"/zaken/{case_id}/mondeling", data={
        "kanaal": "telefoon", "datum": "2026-11-02", "verslag": "De melder vertelt over de reizen.",
        "csrf_token": desk.cookies.get("meldpunt_csrf")})
    assert done.status_code == 303, done.text[:2000]
    refused = desk.post(f"/zaken/{case_id}/mondeling", data={
        "kanaal": "telefoon", "datum": "2099-01-01", "verslag": "Later.", "csrf_token": desk.cookies.get("meldpunt_csrf")})
    assert refused.status_code == 422 and "Datum van het gesprek" in refused.text
    with demo.session() as s:
        [view] = contact.oral_reports(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id)
        assert view.report.status == "ter_controle" and view.latest.body == "De melder vertelt over de reizen."
