"""Parties are persons (issue 15, finding 14): registering a report through the web links the subject to a
person of the organisation (the form field the process declares with ``x-persoon: betrokkene``), the subject's
manager follows from the organisation data, and both are excluded from the case; or "extern/onbekend" is
recorded explicitly. Also the API's registration (``betrokkene_persoon``)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.cases.models import Case, CaseParty
from engine.identity.models import User
from engine.identity.service import get_user
from tests.web import flow
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.db

REPORT_TEXT = "Een inspecteur laat zich door een bedrijf op etentjes trakteren voor een gunstige controle."


def _subject_under_coordinator(db) -> None:
    """An inspector whose line manager is the integrity coordinator: the coordinator must then be excluded."""
    from engine.identity import service as identity

    with db.session() as s:
        boss = get_user(session=s, username="coordinator")
        identity.create_user(session=s, username="inspecteur", display_name="Ingrid Inspecteur", roles=[],
                             unit=boss.unit, manager_id=boss.id, password=PASSWORD)


def _report(site, db) -> tuple[int, str]:
    reporter = site.person()
    reporter.goto("/melden")
    reporter.get_by_label("Wat is er gebeurd?").fill(REPORT_TEXT)
    reporter.get_by_label("Om wat voor schending gaat het?").select_option("Financiële schendingen")
    reporter.get_by_label("Bij welk dienstonderdeel speelt het?").fill("Douane")
    reporter.get_by_role("button", name="Melding versturen").click()
    expect(reporter.get_by_test_id("ontvangstcode")).to_be_visible()
    with db.session() as s:
        case = s.scalars(select(Case).order_by(Case.id.desc()).limit(1)).one()
        return case.id, case.reference


def _register_in_browser(site, reference: str, subject: str, *, expect_done: bool = True):
    desk = site.person("meldpunt")
    desk.goto("/werkvoorraad?tab=open")
    row = desk.locator("tr", has_text="Melding registreren").filter(has_text=reference)
    row.get_by_role("button", name=re.compile("^Oppakken")).click()
    desk.goto("/werkvoorraad?tab=mijn")
    desk.locator("tr", has_text="Melding registreren").filter(has_text=reference) \
        .get_by_role("link", name="Melding registreren").click()
    desk.get_by_label(re.compile("^Kanaal")).select_option("anoniem")
    desk.locator("#via_vertrouwenspersoon-2").check()
    desk.get_by_label("Naam betrokkene").fill("I. Inspecteur")
    field = desk.get_by_label(re.compile("^Betrokkene als medewerker"))
    # the organisation's users are offered as suggestions, and "extern/onbekend"
    options = desk.locator("#betrokkene_persoon-personen option").evaluate_all("os => os.map(o => o.value)")
    assert "medewerker" in options and "extern/onbekend" in options
    field.fill(subject)
    desk.locator("#risicofunctie-1").check()
    desk.locator("#melding_compleet-1").check()
    desk.get_by_role("button", name="Taak afronden").click()
    if expect_done:
        expect(desk.get_by_role("status")).to_contain_text("is afgerond")
    return desk


def _parties(db, case_id: int) -> set[tuple[str, str]]:
    with db.session() as s:
        return set(s.execute(select(CaseParty.party, User.username).join(User, User.id == CaseParty.user_id)
                             .where(CaseParty.case_id == case_id)).all())


def test_subject_registered_in_the_web_excludes_subject_and_manager(site, db):
    _subject_under_coordinator(db)
    case_id, reference = _report(site, db)
    coordinator = site.person("coordinator")
    coordinator.goto(f"/zaken/{case_id}")
    expect(coordinator.get_by_role("heading", level=1)).to_contain_text(reference)  # before: the coordinator sees it

    desk = _register_in_browser(site, reference, "Inspecteur")  # any case: a username
    assert _parties(db, case_id) == {("betrokkene", "inspecteur"), ("leidinggevende", "coordinator")}

    # excluded: the case does not exist for them (web and API), nor in their worklists
    assert coordinator.request.get(f"/zaken/{case_id}").status == 404
    assert coordinator.request.get(f"/api/v1/zaken/{case_id}").status == 404
    for tab in ("open", "mijn", "te-laat"):
        coordinator.goto(f"/werkvoorraad?tab={tab}")
        assert reference not in coordinator.content()
    subject = site.person("inspecteur")
    assert subject.request.get(f"/zaken/{case_id}").status == 404
    # the desk still works the case; the process stores the username
    desk.goto(f"/zaken/{case_id}")
    expect(desk.get_by_role("heading", level=1)).to_contain_text(reference)
    from engine.cases import service as cases

    with db.session() as s:
        assert cases.case_data(session=s, case_id=case_id)["betrokkene_persoon"] == "inspecteur"


def test_extern_onbekend_is_recorded_and_an_unknown_name_refused(site, db):
    case_id, reference = _report(site, db)
    desk = _register_in_browser(site, reference, "Niet Bestaand", expect_done=False)
    expect(desk.get_by_role("alert")).to_contain_text("Onbekende medewerker")
    desk.get_by_label(re.compile("^Betrokkene als medewerker")).fill("extern/onbekend")
    desk.get_by_role("button", name="Taak afronden").click()
    expect(desk.get_by_role("status")).to_contain_text("is afgerond")
    assert _parties(db, case_id) == set()
    from engine.cases import service as cases

    with db.session() as s:
        assert cases.case_data(session=s, case_id=case_id)["betrokkene_persoon"] == "extern/onbekend"
        linked = s.scalars(select(AuditEvent.details).where(AuditEvent.case_id == case_id,
                                                            AuditEvent.action == "case.party_linked")).all()
    assert linked == [{"partij": "betrokkene", "extern_of_onbekend": True}]


def test_api_registration_links_the_subject_person(site, db):
    """POST /api/v1/meldingen with ``betrokkene_persoon`` (the declared field) links subject and manager."""
    import httpx

    with httpx.Client(base_url=site.base) as c:
        r = c.post("/api/v1/auth/inloggen", json={"username": "meldpunt", "password": PASSWORD})
        assert r.status_code == 200, r.text
        r = c.post("/api/v1/meldingen", headers={"X-CSRF-Token": c.cookies.get("meldpunt_csrf") or ""}, json={
            "kanaal": "meldpunt_integriteit", "categorie": "Financiële schendingen", "dienstonderdeel": "Douane",
            "omschrijving": REPORT_TEXT, "melder_naam": "Mila Melder", "betrokkene_persoon": "medewerker"})
        assert r.status_code == 201, r.text
        case_id = r.json()["zaak_id"]
    assert _parties(db, case_id) == {("betrokkene", "medewerker"), ("leidinggevende", "teamleider")}
    flow.complete(db, case_id, "melding_registreren",
                  {**flow.ANSWERS["melding_registreren"], "melder_anoniem": False, "kanaal": "meldpunt_integriteit",
                   "melder_naam": "Mila Melder", "betrokkene_persoon": "medewerker"})
    assert _parties(db, case_id) == {("betrokkene", "medewerker"), ("leidinggevende", "teamleider")}
