"""The management-information endpoints: roles, import, annex formats, VP registration, dashboard, monthly."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from engine.identity import service as identity
from engine.reports import monthly, word
from engine.reports.service import set_unit

from .helpers import csv_bytes

ROWS = [
    ("Douane", "Financiële schendingen", "fraude", "Medewerker declareerde reizen die niet zijn gemaakt.",
     "Beëindiging dienstverband", "feitenonderzoek_intern", "aangetoond", "2026-01-10", "2026-03-01", ""),
    ("Belastingdienst", "Ongewenste omgangsvormen", "", "Leidinggevende zou medewerkers hebben gekleineerd.",
     "Geen afdoening/actie", "", "", "", "2026-05-05", ""),
]


@pytest.fixture
def api(db, clock):
    tokens = {}
    with db.session() as s:
        for name, roles, unit in (("coord", ["integriteitscoordinator"], None), ("vp", ["vertrouwenspersoon"], None),
                                  ("onderzoeker", ["onderzoeker"], None), ("dir", ["bevoegd_gezag"], "Douane"),
                                  ("beheer", ["procesbeheerder"], None)):
            user = identity.create_user(session=s, username=name, display_name=name.title(), roles=roles, unit=unit,
                                        password="een-lang-wachtwoord")
            tokens[name], _ = identity.issue_token(session=s, user=user, name="test")
            tokens[name + "_id"] = user.id
    client = TestClient(create_app(ApiSettings(cookie_secure=True)))

    def call(method, path, who, **kw):
        return client.request(method, "/api/v1" + path, headers={"Authorization": f"Bearer {tokens[who]}",
                                                                 **kw.pop("headers", {})}, **kw)
    call.tokens = tokens
    return call


def test_import_and_annex_over_http(api):
    r = api("POST", "/rapportages/import?bestandsnaam=h.csv", "coord", content=csv_bytes(ROWS),
            headers={"Content-Type": "text/csv"})
    assert r.status_code == 201, r.text
    assert r.json()["aantal"] == 2 and r.json()["nieuwe_dienstonderdelen"] == ["Douane", "Belastingdienst"]
    r = api("POST", "/rapportages/import", "coord", content=csv_bytes(ROWS), headers={"Content-Type": "text/csv"})
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    bad = csv_bytes([ROWS[0][:4] + ("Foutje",) + ROWS[0][5:]])
    r = api("POST", "/rapportages/import", "coord", content=bad, headers={"Content-Type": "text/csv"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rij 2, kolom afdoening"
    assert api("POST", "/rapportages/import", "onderzoeker", content=bad).status_code == 403

    r = api("GET", "/rapportages/annex?jaar=2026", "coord")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"year", "rows", "totals"}
    assert body["totals"]["einde_dienstverband"]["beeindiging_dienstverband"] == 1
    assert body["totals"]["zonder_afdoening"] == 1
    r = api("GET", "/rapportages/annex?jaar=2026&formaat=docx", "coord")
    assert r.status_code == 200
    assert word.read_tables(r.content)[0][1] == ["Belastingdienst", "Ongewenste omgangsvormen",
                                                 "Leidinggevende zou medewerkers hebben gekleineerd.", "Geen afdoening/actie"]
    r = api("GET", "/rapportages/annex?jaar=2026&formaat=csv", "coord")
    assert r.text.splitlines()[0] == "Dienstonderdeel,Schending,Inhoud (vermoedelijke) schending,Afdoening"
    assert api("GET", "/rapportages/annex?jaar=2026", "onderzoeker").status_code == 403
    r = api("GET", "/rapportages/woo?van=2026-01-01&tot=2026-12-31", "coord")
    assert r.status_code == 200 and r.json()["totaal"] == 2


def test_vp_registration_only_by_vertrouwenspersoon(api):
    body = {"datum": "2026-10-12", "dienstonderdeel": "Douane", "categorie": "8 Problematiek personeel en organisatie",
            "subcategorie": "arbeidsconflict", "betreft": "leidinggevende", "afhandeling": "klankbordgesprek",
            "situatie_na": "loopt_nog"}
    r = api("POST", "/rapportages/vp-registraties", "vp", json=body)
    assert r.status_code == 201, r.text
    assert api("POST", "/rapportages/vp-registraties", "coord", json=body).status_code == 403
    assert api("POST", "/rapportages/vp-registraties", "vp", json={**body, "naam": "X"}).status_code == 422
    r = api("GET", "/rapportages/vp?jaar=2026", "vp")
    [row] = [x for x in r.json()["categorieen"] if x["label"] == "8 Problematiek personeel en organisatie"]
    assert row["aantallen"] == {"2024": 0, "2025": 0, "2026": 1}


def test_dashboard_and_monthly(api, db):
    assert api("GET", "/rapportages/dashboard?van=2026-01-01&tot=2026-12-31", "onderzoeker").status_code == 403
    r = api("GET", "/rapportages/dashboard?van=2026-01-01&tot=2026-12-31", "coord")
    assert r.status_code == 200 and "ontvangst_binnen_7_dagen" in r.json()["cijfers"]
    with db.session() as s:
        set_unit(session=s, name="Douane", employees=10, director_id=api.tokens["dir_id"])
        monthly.generate(session=s, month="2026-10")
    [item] = api("GET", "/rapportages/maandoverzichten", "dir").json()
    assert item["maand"] == "2026-10"
    assert api("GET", f"/rapportages/maandoverzichten/{item['id']}", "dir").status_code == 200
    assert api("GET", f"/rapportages/maandoverzichten/{item['id']}", "coord").status_code == 404
    r = api("PUT", "/rapportages/dienstonderdelen/Toeslagen", "beheer", json={"medewerkers": 250})
    assert r.status_code == 200 and r.json() == {"naam": "Toeslagen", "medewerkers": 250, "directeur_id": None}


def test_annex_csv_refuses_a_summary_that_names_a_person(api, db, clock):
    """Issue 16: the annual annex's free text passes the Woo export's anonymisation check."""
    from .helpers import close_through_workflow

    close_through_workflow(db, clock, unit="Douane", category="Financiële schendingen", resolutions=["Schriftelijke berisping"],
                           kind="feitenonderzoek_intern", outcome="aangetoond", subject="Jan de Vries",
                           description="Medewerker De Vries zou reiskosten hebben gedeclareerd.")
    for formaat in ("csv", "json", "docx"):
        r = api("GET", f"/rapportages/annex?jaar=2026&formaat={formaat}", "coord")
        assert r.status_code == 422, (formaat, r.status_code)
        assert r.json()["type"].endswith("report-refused") and "De jaarbijlage is niet gemaakt" in r.json()["detail"]
        assert "Vries" not in r.text
