"""Pages for what was API-only (issue 17): the audit trail and its verification (auditor), user management
(functional administrator), confidential-adviser registrations and their tables, and the history import.

Through the real app (TestClient, real engine, both databases): each page opens for exactly the roles the API
allows and is a Dutch refusal page for the others; the menu links them only for those roles; the import refuses a
file with an error by row and column and writes nothing; a user added here logs in, and once blocked cannot; the
auditor's trail pseudonymises the reporter and a tampered row is named after verification. One browser test runs
axe-core on the pages and saves screenshots."""
from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from tests.reports.helpers import csv_bytes
from tests.web.conftest import PASSWORD, ROOT, axe_violations, screenshot

pytestmark = pytest.mark.db

DEMO = ("directeur", "teamleider", "medewerker", "meldpunt", "coordinator", "onderzoeker1", "hr", "jurist1",
        "vertrouwenspersoon", "bvi", "procesbeheerder", "auditor", "beheerder")
# page -> the demo users the API lets in (api/routers/audit.py, users.py, reports.py)
PAGES = {
    "/audit": {"auditor"},
    "/audit/zaken/1": {"auditor"},
    "/gebruikers": {"beheerder"},
    "/vertrouwenspersoon": {"vertrouwenspersoon"},
    "/rapportages/vertrouwenspersonen": {"vertrouwenspersoon", "coordinator"},
    "/import": {"coordinator", "procesbeheerder"},
    "/dienstonderdelen": {"procesbeheerder", "beheerder"},
}
MENU = {"/audit": {"auditor"}, "/gebruikers": {"beheerder"}, "/vertrouwenspersoon": {"vertrouwenspersoon"},
        "/import": {"coordinator", "procesbeheerder"}, "/dienstonderdelen": {"procesbeheerder", "beheerder"}}
FIN = "Financiële schendingen"
BER = "Schriftelijke berisping"
GOOD_ROW = ("Douane", FIN, "fraude", "Medewerker declareerde reiskosten die niet zijn gemaakt.", BER,
            "feitenonderzoek_intern", "aangetoond", "2026-01-05", "2026-02-10", "")


@pytest.fixture
def seeded(db, clock):
    from engine.identity.seed import ensure_demo_users
    from engine.processes import service as processes

    with db.session() as s:
        processes.deploy(session=s, directory=ROOT / "processes")
        ensure_demo_users(session=s, password=PASSWORD)
    return db


def _app():
    from api.app import create_app
    from api.settings import ApiSettings

    return create_app(ApiSettings(cookie_secure=False))


def _login(app, username: str, password: str = PASSWORD) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    page = client.get("/inloggen")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/inloggen", data={"gebruikersnaam": username, "wachtwoord": password, "login_token": token})
    client.login_status = r.status_code
    return client


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_each_page_for_exactly_the_roles_of_the_api(seeded):
    app = _app()
    for username in DEMO:
        client = _login(app, username)
        assert client.login_status == 303, username
        worklist = client.get("/werkvoorraad").text
        for path, allowed in PAGES.items():
            r = client.get(path)
            if username in allowed:
                assert r.status_code == 200, (username, path, r.text[:300])
            else:
                assert r.status_code == 403, (username, path, r.status_code)
                assert "Geen toegang" in r.text and "<html" in r.text  # a Dutch page, not JSON
        for path, allowed in MENU.items():
            assert (f'href="{path}"' in worklist) == (username in allowed), (username, path)
    anonymous = TestClient(app, follow_redirects=False)
    for path in PAGES:
        r = anonymous.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/inloggen"), path


def test_the_posts_refuse_other_roles_and_a_missing_csrf_token(seeded):
    app = _app()
    meldpunt = _login(app, "meldpunt")
    token = _csrf(meldpunt.get("/werkvoorraad").text)
    for path in ("/audit/controleren", "/gebruikers", "/gebruikers/1/blokkeren", "/vertrouwenspersoon", "/import",
                 "/dienstonderdelen"):
        r = meldpunt.post(path, data={"csrf_token": token})
        assert r.status_code == 403 and "Geen toegang" in r.text, path
    admin = _login(app, "beheerder")
    r = admin.post("/gebruikers", data={"gebruikersnaam": "zonder-token", "naam": "Zonder Token"})
    assert r.status_code == 403 and "beveiligingscontrole" in r.text


# --------------------------------------------------------------------------- history import

def _counts(db) -> tuple[int, int, int]:
    from engine.cases.models import Case
    from engine.reports.models import CaseImport, OrgUnit

    with db.session() as s:
        return (s.scalar(select(func.count()).select_from(Case)), s.scalar(select(func.count()).select_from(CaseImport)),
                s.scalar(select(func.count()).select_from(OrgUnit)))


def _upload(client: TestClient, content: bytes, name: str = "historie.csv"):
    token = _csrf(client.get("/import").text)
    return client.post("/import", data={"csrf_token": token}, files={"bestand": (name, content, "text/csv")})


def test_import_names_row_and_column_and_writes_nothing(seeded):
    app = _app()
    client = _login(app, "procesbeheerder")
    before = _counts(seeded)
    bad = [GOOD_ROW,
           ("Nieuw Onderdeel", "Geen bestaande schending", "", "Iets.", BER, "", "", "", "2026-03-01", ""),
           ("Douane", FIN, "", "Nog iets.", BER, "", "", "2026-04-01", "1-4-2026", "twee")]
    r = _upload(client, csv_bytes(bad))
    assert r.status_code == 422
    table = re.search(r'<table[^>]*id="importfouten".*?</table>', r.text, re.S).group(0)
    rows = [[_text(c) for c in re.findall(r"<td>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)]
    assert ["3", "schending"] == rows[0][:2] and "Onbekende schending 'Geen bestaande schending'" in rows[0][2]
    assert ["4", "datum_afdoening"] in [r[:2] for r in rows]
    assert ["4", "aantal_betrokkenen"] in [r[:2] for r in rows]
    assert "Niets geladen: 3 fouten in historie.csv" in _text(r.text)
    assert _counts(seeded) == before  # not the good row, not the new unit, no import record

    wrong_header = _upload(client, b"a,b\n1,2\n", "fout.csv")
    assert wrong_header.status_code == 422 and "De kopregel moet precies zijn" in _text(wrong_header.text)
    empty = client.post("/import", data={"csrf_token": _csrf(client.get("/import").text)})
    assert empty.status_code == 422 and "Bestand: kies een CSV-bestand" in _text(empty.text)
    assert _counts(seeded) == before

    good = _upload(client, csv_bytes([GOOD_ROW]))
    assert good.status_code == 200, good.text[:500]
    assert "Import gelukt" in good.text and "1 zaak uit historie.csv is geladen" in _text(good.text)
    assert _counts(seeded)[:2] == (before[0] + 1, before[1] + 1)
    again = _upload(client, csv_bytes([GOOD_ROW]))
    assert again.status_code == 409 and "al geïmporteerd" in _text(again.text)
    assert _counts(seeded)[:2] == (before[0] + 1, before[1] + 1)


# --------------------------------------------------------------------------- users

def test_a_user_added_here_logs_in_and_once_blocked_cannot(seeded):
    from engine.audit.models import AuditEvent
    from engine.identity.models import User

    app = _app()
    admin = _login(app, "beheerder")
    page = admin.get("/gebruikers")
    secret = "Nieuw-wachtwoord-2026!"
    form = {"csrf_token": _csrf(page.text), "gebruikersnaam": "nina", "naam": "Nina Nieuw", "email": "",
            "dienstonderdeel": "Douane", "leidinggevende": "", "rollen": ["onderzoeker", "jurist"],
            "wachtwoord": secret, "wachtwoord_herhaald": secret}
    # refused first: too short, then not the same twice - nothing created, the password never shown again
    short = admin.post("/gebruikers", data={**form, "wachtwoord": "kort", "wachtwoord_herhaald": "kort"})
    assert short.status_code == 422
    assert "Wachtwoord: Het wachtwoord moet minstens 12 tekens hebben." in _text(short.text)
    assert 'value="nina"' in short.text and 'value="kort"' not in short.text  # kept: the name; never: the password
    differ = admin.post("/gebruikers", data={**form, "wachtwoord_herhaald": secret + "x"})
    assert differ.status_code == 422 and "De twee wachtwoorden zijn niet gelijk." in _text(differ.text)
    assert secret not in differ.text
    unknown = admin.post("/gebruikers", data={**form, "rollen": ["baas"]})
    assert unknown.status_code == 422 and "Rollen: Onbekende rol: baas" in _text(unknown.text)
    with seeded.session() as s:
        assert s.scalar(select(User).where(User.username == "nina")) is None

    added = admin.post("/gebruikers", data=form)
    assert added.status_code == 303 and secret not in added.headers["location"]
    listing = admin.get(added.headers["location"])
    assert "Gebruiker nina is toegevoegd." in listing.text and secret not in listing.text
    with seeded.session() as s:
        nina = s.scalar(select(User).where(User.username == "nina"))
        assert nina.role_codes == {"onderzoeker", "jurist"} and nina.unit == "Douane" and nina.active
        nina_id = nina.id
        details = [json for json in s.scalars(select(AuditEvent.details)
                                              .where(AuditEvent.action == "gebruiker_toegevoegd"))]
    assert details == [{"gebruiker_id": nina_id, "rollen": ["jurist", "onderzoeker"]}]

    nina_client = _login(app, "nina", secret)
    assert nina_client.login_status == 303
    assert nina_client.get("/werkvoorraad").status_code == 200

    blocked = admin.post(f"/gebruikers/{nina_id}/blokkeren", data={"csrf_token": _csrf(listing.text)})
    assert blocked.status_code == 303
    after = admin.get(blocked.headers["location"])
    assert "Gebruiker nina is geblokkeerd" in after.text
    row = re.search(rf'<tr id="gebruiker-{nina_id}">.*?</tr>', after.text, re.S).group(0)
    assert "geblokkeerd" in row and "Blokkeren" not in row
    # her open session ends at once, and she cannot log in again
    assert nina_client.get("/werkvoorraad").headers["location"].startswith("/inloggen")
    assert _login(app, "nina", secret).login_status == 401


def test_units_are_set_here_and_a_refusal_changes_nothing(seeded):
    from engine.identity.models import User
    from engine.reports.models import OrgUnit

    app = _app()
    owner = _login(app, "beheerder")
    page = owner.get("/dienstonderdelen")
    with seeded.session() as s:
        director = s.scalar(select(User.id).where(User.username == "directeur"))
    form = {"csrf_token": _csrf(page.text), "naam": "Toeslagen", "medewerkers": "", "directeur": "99999"}
    refused = owner.post("/dienstonderdelen", data=form)  # a director who does not exist: nothing is created
    assert refused.status_code == 422 and "Directeur (gebruiker) niet gevonden." in _text(refused.text)
    bad = owner.post("/dienstonderdelen", data={**form, "medewerkers": "veel", "directeur": ""})
    assert bad.status_code == 422 and "Aantal medewerkers: geef een geheel getal" in _text(bad.text)
    with seeded.session() as s:
        assert s.scalar(select(OrgUnit).where(OrgUnit.name == "Toeslagen")) is None
    ok = owner.post("/dienstonderdelen", data={**form, "medewerkers": "850", "directeur": str(director)})
    assert ok.status_code == 303
    listing = _text(owner.get(ok.headers["location"]).text)
    assert "Dienstonderdeel Toeslagen is ingesteld." in listing and "Toeslagen 850 Dirk Directeur" in listing
    with seeded.session() as s:
        unit = s.scalar(select(OrgUnit).where(OrgUnit.name == "Toeslagen"))
        assert (unit.employees, unit.director_id) == (850, director)


# --------------------------------------------------------------------------- confidential adviser

def test_adviser_registers_sees_own_list_and_the_tables_count_it(seeded):
    from engine.reports.models import VpRegistration

    app = _app()
    adviser = _login(app, "vertrouwenspersoon")
    page = adviser.get("/vertrouwenspersoon")
    assert "U heeft nog niets geregistreerd." in page.text
    form = {"csrf_token": _csrf(page.text), "datum": "2026-03-02", "dienstonderdeel": "Douane",
            "categorie": "5 Ongewenste omgangsvormen", "subcategorie": "fraude", "betreft": "leidinggevende",
            "afhandeling": "klankbordgesprek", "situatie_na": ""}
    refused = adviser.post("/vertrouwenspersoon", data=form)
    assert refused.status_code == 422
    text = _text(refused.text)
    assert "Subcategorie: Onbekende subcategorie bij '5 Ongewenste omgangsvormen'." in text
    assert "Situatie na afloop: Onbekende waarde; kies uit de lijst." in text
    with seeded.session() as s:
        assert s.scalar(select(func.count()).select_from(VpRegistration)) == 0
    ok = adviser.post("/vertrouwenspersoon", data={**form, "subcategorie": "intimidatie", "situatie_na": "loopt_nog"})
    assert ok.status_code == 303
    mine = adviser.get(ok.headers["location"])
    row = _text(re.search(r'<table[^>]*id="mijn-registraties".*?</table>', mine.text, re.S).group(0))
    assert "2 maart 2026 Douane 5 Ongewenste omgangsvormen intimidatie Leidinggevende Klankbordgesprek Loopt nog" in row
    with seeded.session() as s:  # another adviser's registration is not in this list
        from engine.reports import vp
        from tests.factories import make_user

        other = make_user(s, "vp2", "vertrouwenspersoon")
        vp.register_as(session=s, user=other, contact_date=__import__("datetime").date(2026, 4, 1), unit="Elders",
                       category="1 Financiële schendingen", subcategory=None, concerns="onbekend",
                       handling="anders", situation_after="anders")
    assert "Elders" not in adviser.get("/vertrouwenspersoon").text
    tables = adviser.get("/rapportages/vertrouwenspersonen?jaar=2026")
    assert tables.status_code == 200
    units = _text(re.search(r'<table[^>]*id="vp-dienstonderdelen".*?</table>', tables.text, re.S).group(0))
    assert "Douane 0 0,0% 0 0,0% 1 50,0%" in units and "Elders 0 0,0% 0 0,0% 1 50,0%" in units
    assert 'href="/api/v1/rapportages/vp?jaar=2026&amp;formaat=docx"' in tables.text
    coordinator = _login(app, "coordinator")
    assert coordinator.get("/rapportages/vertrouwenspersonen?jaar=2026").status_code == 200
    assert 'href="/rapportages/vertrouwenspersonen"' in coordinator.get("/rapportages/jaarbijlage").text
    assert coordinator.get("/rapportages/vertrouwenspersonen?jaar=abc").status_code == 422


# --------------------------------------------------------------------------- audit trail

@pytest.fixture
def named_case(seeded):
    """A report registered by the desk for a named colleague, who later acted in the case under her account."""
    from engine.audit import service as audit
    from engine.identity import service as identity
    from engine.intake import service as intake
    from tests.web import flow

    with seeded.session() as s:
        reporter = identity.create_user(session=s, username="rvermeulen", display_name="Rosalind Vermeulen",
                                        roles=[], unit="Douane", password=PASSWORD)
        data = {**flow.ANSWERS["melding_registreren"], "melder_anoniem": False, "melder_naam": "Rosalind Vermeulen",
                "kanaal": "meldpunt_integriteit", "betrokkene_naam": "Bert Betrokkene",
                "omschrijving": "Declaraties voor reizen die niet zijn gemaakt."}
        case_id = intake.submit_report(session=s, actor=identity.get_user(session=s, username="meldpunt"),
                                       data=data, reporter_user_id=reporter.id).case.id
    with seeded.session() as s:
        audit.append(session=s, actor="rvermeulen", action="message.from_reporter", case_id=case_id,
                     details={"van": "rvermeulen"})
    return case_id


def test_auditor_reads_a_case_trail_pseudonymised(seeded, named_case):
    from engine.identity import access

    auditor = _login(_app(), "auditor")
    page = auditor.get(f"/audit/zaken/{named_case}")
    assert page.status_code == 200
    text = _text(page.text)
    assert "Audittrail van zaak" in text and "Bericht van melder" in text
    for needle in ("rvermeulen", "Vermeulen"):
        assert needle not in page.text
    alias = access.reporter_pseudonym(named_case)
    row = _text(re.search(r'<tr id="gebeurtenis-\d+" >\s*<td>\d+</td>.{0,200}' + re.escape(alias) + r'.*?</tr>',
                          page.text, re.S).group(0))
    assert "Bericht van melder" in row and "achtergehouden" in row  # the hash of a masked event is withheld
    overview = auditor.get(f"/audit?zaak={named_case}")
    assert overview.status_code == 200 and "rvermeulen" not in overview.text and alias in overview.text
    assert auditor.get("/audit?zaak=abc").status_code == 422


def test_verify_names_a_tampered_row_on_the_case_trail(seeded, named_case):
    from engine.audit.models import AuditEvent

    auditor = _login(_app(), "auditor")
    page = auditor.get(f"/audit/zaken/{named_case}")
    intact = auditor.post("/audit/controleren", data={"csrf_token": _csrf(page.text), "zaak": str(named_case)})
    assert intact.status_code == 200 and "De audittrail is in orde" in intact.text
    assert 'class="afwijking"' not in intact.text
    with seeded.session() as s:
        victim = s.scalar(select(AuditEvent.id).where(AuditEvent.case_id == named_case, AuditEvent.seq == 1))
    with seeded.engine.begin() as conn:  # a database writer edits a row without the key
        conn.execute(text("UPDATE audit_events SET actor = 'iemand anders' WHERE id = :i"), {"i": victim})
    broken = auditor.post("/audit/controleren", data={"csrf_token": _csrf(page.text), "zaak": str(named_case)})
    assert broken.status_code == 200
    summary = _text(re.search(r'<div class="bericht fout" role="alert" id="controle">.*?</div>', broken.text,
                              re.S).group(0))
    assert "De audittrail is niet in orde" in summary
    assert f"In de keten van zaak {named_case}, gebeurtenis {victim}: inhoud van de gebeurtenis is gewijzigd" in summary
    row = re.search(rf'<tr id="gebeurtenis-{victim}" class="afwijking">.*?</tr>', broken.text, re.S)
    assert row is not None and "Afwijking: inhoud van de gebeurtenis is gewijzigd" in _text(row.group(0))
    assert len(re.findall(r'class="afwijking"', broken.text)) == 1
    overview = auditor.post("/audit/controleren", data={"csrf_token": _csrf(page.text)})
    assert f'href="/audit/zaken/{named_case}#gebeurtenis-{victim}"' in overview.text
    with seeded.session() as s:  # each verification is recorded in the trail
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "audit.verified")) == 3


# --------------------------------------------------------------------------- in the browser

def test_role_pages_in_the_browser_are_accessible(site, seeded, named_case):
    auditor = site.person("auditor")
    auditor.get_by_role("link", name="Audittrail").first.click()
    auditor.wait_for_url("**/audit")
    auditor.get_by_label("Zaaknummer").fill(str(named_case))
    auditor.get_by_role("button", name="Tonen").click()
    auditor.wait_for_url(f"**zaak={named_case}**")
    auditor.get_by_role("link", name=f"Zaak {named_case}").first.click()
    auditor.get_by_role("button", name="Audittrail controleren").click()
    auditor.get_by_text("De audittrail is in orde").wait_for()
    assert axe_violations(auditor) == []
    screenshot(auditor, "audittrail-zaak")

    admin = site.person("beheerder")
    admin.goto("/gebruikers")
    admin.get_by_role("button", name="Gebruiker toevoegen").click()
    admin.get_by_text("De gebruiker is niet toegevoegd").wait_for()
    assert axe_violations(admin) == []
    screenshot(admin, "gebruikers")

    adviser = site.person("vertrouwenspersoon")
    adviser.get_by_role("link", name="Registraties vertrouwenspersoon").first.click()
    adviser.wait_for_url("**/vertrouwenspersoon")
    adviser.locator("#categorie").select_option("5 Ongewenste omgangsvormen")
    adviser.locator("#subcategorie").select_option("intimidatie")
    adviser.get_by_label("Dienstonderdeel").fill("Douane")
    adviser.get_by_label("Op wie heeft het betrekking").select_option("leidinggevende")
    adviser.get_by_label("Wijze van afhandeling").select_option("klankbordgesprek")
    adviser.get_by_label("Situatie na afloop").select_option("loopt_nog")
    adviser.get_by_role("button", name="Registreren").click()
    adviser.get_by_text("De registratie is vastgelegd.").wait_for()
    assert axe_violations(adviser) == []
    screenshot(adviser, "vertrouwenspersoon")
    adviser.get_by_role("link", name="tabellen vertrouwenspersonen").click()
    adviser.wait_for_url("**/rapportages/vertrouwenspersonen")
    assert axe_violations(adviser) == []

    owner = site.person("procesbeheerder")
    owner.get_by_role("link", name="Historische zaken importeren").first.click()
    owner.wait_for_url("**/import")
    owner.get_by_label("CSV-bestand").set_input_files(files=[{
        "name": "historie.csv", "mimeType": "text/csv",
        "buffer": csv_bytes([("Douane", "Onbekend", "", "Iets.", BER, "", "", "", "2026-03-01", "")])}])
    owner.get_by_role("button", name="Controleren en importeren").click()
    owner.get_by_role("heading", name="Niets geladen: 1 fout in historie.csv").wait_for()
    assert owner.locator("#importfouten tbody tr").count() == 1
    assert axe_violations(owner) == []
    screenshot(owner, "import-fouten")
