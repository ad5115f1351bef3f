"""Management-information pages (issue 9): the annual annex and the deadline/flow dashboard.

Without a browser (TestClient) for the cell texts and the role checks; one Playwright test
opens both pages as the coordinator, runs axe and saves screenshots."""
from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from tests.reports.helpers import csv_bytes
from tests.web.conftest import PASSWORD, axe_violations, screenshot

BER = "Schriftelijke berisping"
GS = "Afdoening d.m.v. corrigerend gesprek, waarschuwingsbrief, training, coaching, e.d."
BD = "Beëindiging dienstverband"
G = "Geen afdoening/actie"
FIN_S = "Financiële schendingen"
OMG = "Ongewenste omgangsvormen"
LEK = "Lekken en misbruik en/of achterhouden van en/of ongeoorloofd omgaan met informatie"
COM = "Ongepaste communicatie"

# unit, schending, sub, inhoud, afdoening, soort, uitkomst, datum_melding, datum_afdoening, aantal
ROWS = [
    ("Belastingdienst", FIN_S, "fraude", "Medewerker declareerde reiskosten die niet zijn gemaakt.", BER,
     "feitenonderzoek_intern", "aangetoond", "2026-01-05", "2026-02-10", ""),
    ("Douane", OMG, "", "Leidinggevende zou medewerkers hebben gekleineerd.", GS, "vooronderzoek", "deels_aangetoond",
     "2026-02-01", "2026-03-15", ""),
    ("Douane", LEK, "", "Medewerker zou vertrouwelijke gegevens hebben verstrekt.", BD, "feitenonderzoek_extern",
     "aangetoond", "2026-02-01", "2026-04-20", ""),
    ("Douane", COM, "", "Medewerker plaatste denigrerende berichten.", G, "geen_onderzoek", "niet_van_toepassing",
     "2026-04-01", "2026-05-20", ""),
    ("Belastingdienst", FIN_S, "", "Medewerker declareerde dubbel.", BER, "feitenonderzoek_intern", "aangetoond",
     "2025-03-01", "2025-06-01", ""),  # other year
]


@pytest.fixture
def imported(db, clock):
    from engine.identity.seed import ensure_demo_users
    from engine.processes import service as processes
    from engine.reports import importer
    from tests.web.conftest import ROOT

    with db.session() as s:
        processes.deploy(session=s, directory=ROOT / "processes")  # the case page reads the process version
        ensure_demo_users(session=s, password=PASSWORD)
        ids = importer.import_cases(session=s, content=csv_bytes(ROWS), filename="mi.csv", actor="test").case_ids
    return ids


def _client(username: str) -> TestClient:
    from api.app import create_app
    from api.settings import ApiSettings

    client = TestClient(create_app(ApiSettings(cookie_secure=False)), follow_redirects=False)
    page = client.get("/inloggen")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)
    ok = client.post("/inloggen", data={"gebruikersnaam": username, "wachtwoord": PASSWORD, "login_token": token})
    assert ok.status_code == 303
    return client


def _cells(page: str, table_id: str) -> list[list[str]]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', page, re.S).group(0)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        rows.append([" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells])
    return rows


def test_annex_page_shows_rows_and_totals(imported):
    client = _client("coordinator")
    page = client.get("/rapportages/jaarbijlage?jaar=2026")
    assert page.status_code == 200
    text = page.text
    assert '<th scope="col">Dienstonderdeel</th>' in text and '<th scope="col">Afdoening</th>' in text
    assert _cells(text, "bijlage-zaken") == [
        ["Belastingdienst", FIN_S, "Medewerker declareerde reiskosten die niet zijn gemaakt.", BER],
        ["Douane", OMG, "Leidinggevende zou medewerkers hebben gekleineerd.", GS],
        ["Douane", LEK, "Medewerker zou vertrouwelijke gegevens hebben verstrekt.", BD],
        ["Douane", COM, "Medewerker plaatste denigrerende berichten.", G],
    ]
    assert _cells(text, "bijlage-totalen") == [
        ["Afgedaan met maatregel: Belastingdienst", "1", ""],
        ["Afgedaan met maatregel: Douane", "2", ""],
        ["Totaal afgedaan met maatregel", "3", ""],
        ["Zonder afdoening/actie", "1", ""],
        ["Gesprek (corrigerend gesprek, waarschuwingsbrief, training, coaching e.d.)", "1", "33,3%"],
        ["Disciplinaire of andere maatregel", "1", "33,3%"],
        ["Einde dienstverband", "1", "33,3%"],
        ["waarvan beëindiging dienstverband", "1", ""],
        ["waarvan beëindiging tijdelijke arbeidsovereenkomst, contract, stage", "0", ""],
        ["waarvan ontslag op initiatief van de medewerker", "0", ""],
    ]
    # the download links are the existing API formats, and they work with the same browser session
    for fmt in ("docx", "csv", "json"):
        url = f"/api/v1/rapportages/annex?jaar=2026&amp;formaat={fmt}"
        assert f'href="{url}"' in text
    csv_download = client.get("/api/v1/rapportages/annex?jaar=2026&formaat=csv")
    assert csv_download.status_code == 200 and "Medewerker declareerde dubbel" not in csv_download.text
    assert '<a href="/rapportages"' in text  # navigation

    other_year = client.get("/rapportages/jaarbijlage?jaar=2025")
    assert _cells(other_year.text, "bijlage-zaken") == [
        ["Belastingdienst", FIN_S, "Medewerker declareerde dubbel.", BER]]
    assert client.get("/rapportages/jaarbijlage?jaar=abc").status_code == 422


@pytest.mark.parametrize("username", ["meldpunt", "onderzoeker1", "directeur"])
def test_annex_page_refused_for_other_roles(imported, username):
    client = _client(username)
    refused = client.get("/rapportages/jaarbijlage?jaar=2026")
    assert refused.status_code == 403
    assert "Medewerker declareerde" not in refused.text
    assert "Geen toegang" in refused.text


def test_navigation_and_dashboard_by_role(imported):
    meldpunt = _client("meldpunt")
    assert 'href="/rapportages"' not in meldpunt.get("/werkvoorraad").text
    assert meldpunt.get("/rapportages/dashboard").status_code == 403
    assert meldpunt.get("/rapportages").status_code == 403
    director = _client("directeur")  # bevoegd gezag: dashboard yes, annex no
    assert 'href="/rapportages"' in director.get("/werkvoorraad").text
    assert director.get("/rapportages").headers["location"] == "/rapportages/dashboard"
    page = director.get("/rapportages/dashboard?van=2026-01-01&tot=2026-12-31")
    assert page.status_code == 200 and "Bijlage jaarverslag" not in page.text
    assert _client("coordinator").get("/rapportages").headers["location"] == "/rapportages/jaarbijlage"


def test_dashboard_links_only_visible_cases(db, imported):
    from engine.cases.models import Case

    with db.session() as s:
        cases = {c.id: (c.unit, c.reference) for c in s.query(Case).filter(Case.id.in_(imported))}
    douane = sorted(i for i, (u, _) in cases.items() if u == "Douane")
    belasting = sorted(i for i, (u, _) in cases.items() if u == "Belastingdienst")
    assert len(douane) == 3 and len(belasting) == 2

    client = _client("coordinator")  # integriteitscoördinator of Douane: sees Douane cases only
    page = client.get("/rapportages/dashboard?van=2026-01-01&tot=2026-12-31&dienstonderdeel=")
    assert page.status_code == 200
    text = page.text
    rows = {r[0]: r for r in _cells(text, "dashboard-aandelen")}
    lead = rows["Doorlooptijd tot afsluiting (dagen)"]
    assert lead[1] == "4 afgesloten zaken" and lead[5] == "1 niet zichtbaar"
    per100 = rows["Meldingen per 100 medewerkers"]
    assert per100[1].startswith("4 meldingen") and per100[5] == "1 niet zichtbaar"
    assert "Ontvangst bevestigd binnen 7 dagen" in rows
    for cid in douane:
        assert f'href="/zaken/{cid}"' in text
        assert cases[cid][1] in lead[3]
    for cid in belasting:
        assert f'href="/zaken/{cid}"' not in text
        assert cases[cid][1] not in text
    # each linked case really opens for this user
    opened = client.get(f"/zaken/{douane[0]}")  # an imported case: no process diagram, no error
    assert opened.status_code == 200 and "Geïmporteerde zaak" in opened.text

    only = client.get("/rapportages/dashboard?van=2026-01-01&tot=2026-12-31&dienstonderdeel=Belastingdienst").text
    lead = {r[0]: r for r in _cells(only, "dashboard-aandelen")}["Doorlooptijd tot afsluiting (dagen)"]
    assert lead[1] == "1 afgesloten zaken" and lead[3] == "—" and lead[5] == "1 niet zichtbaar"
    assert "/zaken/" not in only

    bad = client.get("/rapportages/dashboard?van=2026-12-31&tot=2026-01-01")
    assert bad.status_code == 422 and "einddatum" in bad.text


def test_report_pages_in_the_browser_are_accessible(site, db, imported):
    page = site.person("coordinator")
    page.get_by_role("link", name="Rapportages").click()
    page.wait_for_url("**/rapportages/jaarbijlage**")
    page.get_by_label("Jaar").fill("2026")
    page.get_by_role("button", name="Tonen").click()
    page.wait_for_url("**jaar=2026**")
    assert page.get_by_role("heading", level=1).inner_text() == "Bijlage jaarverslag integriteit 2026"
    assert page.locator("#bijlage-zaken tbody tr").count() == 4
    assert axe_violations(page) == []
    screenshot(page, "rapportage-jaarbijlage")

    page.get_by_role("link", name="Termijnen en doorstroom").click()
    page.wait_for_url("**/rapportages/dashboard**")
    page.get_by_label("Van (datum melding)").fill("2026-01-01")
    page.get_by_label("Tot en met").fill("2026-12-31")
    page.get_by_role("button", name="Tonen").click()
    page.wait_for_url("**van=2026-01-01**")
    assert page.locator("#cijfer-doorlooptijd a").count() == 3
    assert axe_violations(page) == []
    screenshot(page, "rapportage-dashboard")
