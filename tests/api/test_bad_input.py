"""Bad input on the case-work endpoints: a clear 4xx, never a 5xx, and nothing changed."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.cases.reporter_view import general_terms
from engine.audit.models import AuditEvent
from engine.cases.models import Case

pytestmark = pytest.mark.db

ID_PATHS = ["/zaken/{x}", "/zaken/{x}/tijdlijn", "/zaken/{x}/positie", "/zaken/{x}/bpmn", "/zaken/{x}/documenten",
            "/zaken/{x}/documenten/{x}", "/zaken/{x}/berichten", "/zaken/{x}/bijlagen", "/zaken/{x}/bijlagen/{x}",
            "/zaken/{x}/onthullingen", "/zaken/{x}/notities", "/zaken/{x}/bestanden", "/zaken/{x}/bestanden/{x}",
            "/taken/{x}", "/taken/{x}/formulier", "/processen/{x}/bpmn",
            "/audit/zaken/{x}", "/mijn-meldingen/{x}", "/mijn-meldingen/{x}/berichten"]
BAD_IDS = ["0", "-1", "abc", "99999999999", "1.5", "%00", "..%2F..%2Fetc"]
POSTS = ["/meldingen", "/zaken/1/berichten", "/zaken/1/notities", "/zaken/1/onthullingen", "/zaken/1/onthullingen/1/besluit",
         "/taken/1/afronden", "/taken/1/toewijzen", "/publiek/meldingen"]


def counts(db):
    with db.session() as s:
        return s.scalar(select(func.count(Case.id))), s.scalar(select(func.count(AuditEvent.id)))


def test_bad_ids_are_4xx(world):
    c = world.client
    for who in ("integriteitscoordinator", "auditor"):
        for template in ID_PATHS:
            for bad in BAD_IDS:
                r = c.get("/api/v1" + template.format(x=bad), headers=world.h(who))
                assert 400 <= r.status_code < 500, (template, bad, r.status_code, r.text[:200])
                assert r.headers["content-type"].startswith("application/problem+json")


def test_bad_bodies_are_4xx_and_change_nothing(world, db):
    c, h = world.client, world.h("integriteitscoordinator")
    before = counts(db)
    for path in POSTS:
        for kwargs in ({"content": b"{", "headers": {**h, "content-type": "application/json"}},
                       {"content": b'{"tekst": NaN}', "headers": {**h, "content-type": "application/json"}},
                       {"json": {"onbekend_veld": 1}, "headers": h},
                       {"json": [], "headers": h},
                       {"json": {"tekst": 5, "reden": None, "gegevens": "x"}, "headers": h}):
            r = c.post("/api/v1" + path, **kwargs)
            assert r.status_code in (400, 404, 422), (path, kwargs, r.status_code, r.text[:200])
    assert counts(db) == before


def test_staff_intake_rules(world, db):
    c = world.client
    base = {"categorie": "Financiële schendingen", "omschrijving": "Een melding van genoeg tekens.",
            "dienstonderdeel": "Directie Toezicht"}
    r = c.post("/api/v1/meldingen", headers=world.h("meldpunt"), json={**base, "datum_melding": "1850-01-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"].endswith("datum_melding")
    # the schema's own reason, not a bare "Ongeldige waarde."
    assert r.json()["errors"][0]["message"] == "Datum valt buiten het toegestane bereik (1990-2100).", r.text
    r = c.post("/api/v1/meldingen", headers=world.h("meldpunt"), json={**base, "melder_id": 999999})
    assert r.status_code == 422
    r = c.post("/api/v1/meldingen", headers=world.h("vertrouwenspersoon"), json={**base, "via_vertrouwenspersoon": True})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "toestemming_doorgeven"
    r = c.post("/api/v1/meldingen", headers=world.h("meldpunt"), json={**base, "melder_anoniem": True,
                                                                       "dienstonderdeel": "Directie Toezicht",
                                                                       "melder_naam": "Wordt weggelaten"})
    assert r.status_code == 201 and len(r.json()["ontvangstcode"].replace(" ", "")) == 16
    case_id = r.json()["zaak_id"]
    r = c.get(f"/api/v1/zaken/{case_id}", headers=world.h("integriteitscoordinator"))
    assert r.status_code == 200 and "Wordt weggelaten" not in r.text
    assert c.post("/api/v1/meldingen", headers=world.h("onderzoeker"), json=base).status_code == 403


def test_staff_intake_checks_what_the_registration_form_declares(world, db):
    """The registration form declares ``melder_email`` an e-mail address: a report registered by staff (whose case
    starts with the data, not through the form) is refused with the field's label, and nothing is written."""
    c = world.client
    base = {"categorie": "Financiële schendingen", "omschrijving": "Een melding van genoeg tekens.",
            "dienstonderdeel": "Directie Toezicht", "melder_naam": "P. Melder"}
    before = counts(db)
    r = c.post("/api/v1/meldingen", headers=world.h("meldpunt"), json={**base, "melder_email": "geen-email"})
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert [e["field"].split(".")[-1] for e in errors] == ["melder_email"]
    assert "‘E-mailadres melder’ moet een e-mailadres zijn" in errors[0]["message"]
    assert "geen-email" not in r.text  # the value itself (a reporter's contact) is not echoed
    assert counts(db) == before
    r = c.post("/api/v1/meldingen", headers=world.h("meldpunt"), json={**base, "melder_email": "p.melder@example.org"})
    assert r.status_code == 201, r.text


def test_staff_intake_refuses_what_is_no_telephone_number(world, db):
    """The registration form declares ``melder_telefoon`` a telephone number (``"format": "telefoonnummer"``): staff
    registering a report over the API get the field's label and why, the value is not echoed, nothing is written."""
    c = world.client
    base = {"categorie": "Financiële schendingen", "omschrijving": "Een melding van genoeg tekens.",
            "dienstonderdeel": "Directie Toezicht", "melder_naam": "P. Melder"}
    before = counts(db)
    r = c.post("/api/v1/meldingen", headers=world.h("meldpunt"), json={**base, "melder_telefoon": "bel mij maar"})
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert [e["field"] for e in errors] == ["melder_telefoon"]
    assert errors[0]["message"].startswith("‘Telefoonnummer melder’ moet een telefoonnummer zijn, zoals 06-12345678")
    assert "bel mij maar" not in r.text
    assert counts(db) == before
    for number in ("+31 6 12345678", "020 123 4567", "+32 2 123 45 67"):
        r = c.post("/api/v1/meldingen", headers=world.h("meldpunt"), json={**base, "melder_telefoon": number})
        assert r.status_code == 201, (number, r.text)


def test_feedback_in_general_terms():
    data = {"betrokkene_naam": "Piet Puk", "afdoeningen": ["Strafontslag"]}
    text = "Piet Puk heeft Strafontslag gekregen; de melding is gegrond."
    out = general_terms(text, data)
    assert "Piet Puk" not in out and "Strafontslag" not in out


def test_audit_api_for_auditor(world, db):
    c = world.client
    r = c.get("/api/v1/audit", headers=world.h("auditor"), params={"zaakId": world.case_a})
    assert r.status_code == 200 and r.json()["items"] and all(e["zaak_id"] == world.case_a for e in r.json()["items"])
    assert c.get(f"/api/v1/audit/zaken/{world.case_a}", headers=world.h("auditor")).json()[0]["actie"] == "case.started"
    assert c.post("/api/v1/audit/verificatie", headers=world.h("auditor")).json()["ok"] is True
    with db.session() as s:
        ev = s.scalar(select(AuditEvent).where(AuditEvent.case_id == world.case_a).limit(1))
        ev.actor = "iemand anders"
    r = c.post("/api/v1/audit/verificatie", headers=world.h("auditor")).json()
    assert r["ok"] is False and r["eerste_fout_id"] == ev.id and r["reden"]
    assert c.get("/api/v1/audit", headers=world.h("integriteitscoordinator")).status_code == 403


def test_imported_case_without_workflow_is_served(world, db):
    with db.session() as s:
        case = Case(reference="MP-2020-000001", status="closed", unit="Directie Toezicht", category="Financiële schendingen",
                    imported=True, summary={"afdoeningen": ["Waarschuwing"]})
        s.add(case)
        s.flush()
        case_id = case.id
    c, h = world.client, world.h("integriteitscoordinator")
    assert c.get(f"/api/v1/zaken/{case_id}", headers=h).status_code == 200
    assert c.get(f"/api/v1/zaken/{case_id}/positie", headers=h).json() == {"completed": [], "active": []}
    assert c.get(f"/api/v1/zaken/{case_id}/bpmn", headers=h).status_code == 404
