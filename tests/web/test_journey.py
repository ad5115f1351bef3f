"""End to end in a real browser: a report from the public form to a decision.

Key steps go through the browser; the long middle of the investigation goes through
the engine service (``tests/web/flow.py``) to keep the test fast.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.web import flow
from tests.web.conftest import axe_violations, screenshot

REPORT_TEXT = "Een collega declareert reizen naar Rotterdam die niet zijn gemaakt, al sinds maart."


def _case_id(db) -> int:
    from sqlalchemy import select

    from engine.cases.models import Case

    with db.session() as s:
        return s.scalars(select(Case.id).order_by(Case.id.desc())).first()


def _reference(db, case_id: int) -> str:
    from engine.cases.models import Case

    with db.session() as s:
        return s.get(Case, case_id).reference


def _precedent_case(db) -> str:
    """A closed case in the same category with a sanction, through the engine."""
    from engine.identity.service import get_user
    from engine.intake import service as intake

    with db.session() as s:
        case = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"), data={
            **flow.ANSWERS["melding_registreren"], "kanaal": "meldpunt_integriteit", "melder_anoniem": False,
            "melder_naam": "P. Recedent", "melder_email": "p@example.org", "omschrijving": "Eerdere zaak over declaraties."}).case
        case_id, reference = case.id, case.reference
    flow.complete(db, case_id, "melding_registreren", {**flow.ANSWERS["melding_registreren"], "melder_anoniem": False,
                                                        "melder_naam": "P. Recedent", "melder_email": "p@example.org", "kanaal": "meldpunt_integriteit"})
    flow.advance_until(db, case_id, "zaak_registreren")
    flow.complete(db, case_id, "zaak_registreren", {**flow.ANSWERS["zaak_registreren"],
                                                     "afdoeningen": ["Schriftelijke berisping"],
                                                     "inhoud_geanonimiseerd": "Precedent: valse reisdeclaraties."})
    return reference


def _claim_and_open(page, task_name: str, reference: str, tab: str = "open") -> None:
    page.goto(f"/werkvoorraad?tab={tab}")
    row = page.locator("tr", has_text=task_name).filter(has_text=reference)
    if row.get_by_role("button", name=re.compile("^Oppakken")).count():
        row.get_by_role("button", name=re.compile("^Oppakken")).click()
        expect(page.get_by_role("status")).to_contain_text("opgepakt")
    page.goto("/werkvoorraad?tab=mijn")
    page.locator("tr", has_text=task_name).filter(has_text=reference).get_by_role("link", name=task_name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(task_name)


def test_report_to_decision_in_the_browser(site, db):
    precedent = _precedent_case(db)

    # -- a reporter files an anonymous report and gets the receipt code once
    reporter = site.person()
    reporter.goto("/melden")
    assert axe_violations(reporter) == []
    reporter.get_by_label("Wat is er gebeurd?").fill(REPORT_TEXT)
    reporter.get_by_label("Om wat voor schending gaat het?").select_option("Financiële schendingen")
    reporter.get_by_label("Bij welk dienstonderdeel speelt het?").fill("Douane")
    reporter.get_by_label("Functie van de betrokkene").fill("Douanier")
    reporter.get_by_role("button", name="Melding versturen").click()
    code = reporter.get_by_test_id("ontvangstcode").inner_text()
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", code)
    expect(reporter.get_by_text("Bewaar deze code goed")).to_be_visible()
    screenshot(reporter, "melden-ontvangstcode")
    case_id = _case_id(db)
    # The confirmation is the form's own answer (no-store; the code in no cookie or address). A reload sends the same
    # form again: nothing is filed twice, and within the replay window it shows the same code (a form sent twice
    # cannot be told from an answer that got lost; engine.intake.submissions), past it none (tests/web/test_form_key).
    reporter.reload()
    expect(reporter.get_by_test_id("ontvangstcode")).to_have_text(code)
    assert _case_id(db) == case_id
    ref = _reference(db, case_id)

    # -- the login page
    visitor = site.person()
    visitor.goto("/inloggen")
    assert axe_violations(visitor) == []
    screenshot(visitor, "inloggen")

    # -- the desk registers the report (claim in one click, form from the JSON Schema)
    desk = site.person("meldpunt")
    desk.goto("/werkvoorraad?tab=open")
    assert axe_violations(desk) == []
    screenshot(desk, "werkvoorraad")
    _claim_and_open(desk, "Melding registreren", ref)
    assert axe_violations(desk) == []
    expect(desk.get_by_label(re.compile("^Omschrijving"))).to_have_value(REPORT_TEXT)  # desk may read it
    desk.get_by_label(re.compile("^Kanaal")).select_option("anoniem")
    desk.locator("#via_vertrouwenspersoon-2").check()  # Nee
    desk.get_by_label("Naam betrokkene").fill("B. Betrokkene")
    desk.get_by_label(re.compile("^Betrokkene als medewerker")).fill("extern/onbekend")  # required: a person or this
    desk.locator("#risicofunctie-1").check()
    desk.locator("#melding_compleet-1").check()
    screenshot(desk, "taak-melding-registreren")
    desk.get_by_role("button", name="Taak afronden").click()
    expect(desk.get_by_role("status")).to_contain_text("is afgerond")
    expect(desk.locator("ul.volgende")).to_contain_text("Ontvangst bevestigen")

    # -- ... and acknowledges it: the letter appears with the next step
    _claim_and_open(desk, "Ontvangst bevestigen", ref)
    desk.locator("input[name=ontvangstbevestiging_via][value=email]").check()
    desk.get_by_role("button", name="Taak afronden").click()
    expect(desk.get_by_role("heading", name="Gemaakte brieven")).to_be_visible()
    # the letter by its catalogue title and recipient, never the template id
    expect(desk.locator("main")).to_contain_text("Brief ‘Ontvangstbevestiging melding’ aan de melder")
    screenshot(desk, "taak-afgerond-met-brief")

    # -- the desk asks the reporter a question; the reporter reads it with the code and answers
    desk.goto(f"/zaken/{case_id}")
    desk.get_by_label("Nieuw bericht of vraag aan de melder").fill("Om welke data gaat het precies?")
    desk.get_by_role("button", name="Bericht versturen").click()
    expect(desk.get_by_role("status")).to_contain_text("verstuurd")
    reporter.goto("/mijn-melding")
    reporter.get_by_label("Ontvangstcode").fill(code)
    reporter.get_by_role("button", name="Openen").click()
    expect(reporter.get_by_text("Om welke data gaat het precies?")).to_be_visible()
    reporter.get_by_label("Uw antwoord of aanvulling").fill("Het gaat om 4, 11 en 18 maart.")
    reporter.get_by_role("button", name="Versturen").click()
    expect(reporter.get_by_role("status")).to_contain_text("Uw antwoord is verstuurd")
    screenshot(reporter, "mijn-melding")
    assert code.replace(" ", "") not in reporter.content().replace(" ", "")
    desk.reload()
    expect(desk.get_by_text("Het gaat om 4, 11 en 18 maart.")).to_be_visible()

    # -- (engine) seriousness, feedback; then the coordinator routes it to investigation
    flow.advance_until(db, case_id, "melding_beoordelen")
    coord = site.person("coordinator")
    _claim_and_open(coord, "Melding beoordelen", ref)
    # an invalid submission: the field errors appear next to the fields and the input stays
    coord.locator("select#route").select_option("feitenonderzoek")
    coord.get_by_label(re.compile("^Motivering")).fill("Te kort")
    coord.get_by_role("button", name="Taak afronden").click()
    expect(coord.locator("#fout-beoordeling_motivering")).to_contain_text("minstens 10 tekens")
    expect(coord.locator("#fout-onderzoek_soort")).to_contain_text("verplicht")
    expect(coord.get_by_label(re.compile("^Motivering"))).to_have_value("Te kort")
    expect(coord.locator("select#route")).to_have_value("feitenonderzoek")
    screenshot(coord, "taak-validatiefout")
    coord.get_by_label(re.compile("^Motivering")).fill("Ernstige verdenking van valse declaraties: feitenonderzoek.")
    coord.locator("input[name=onderzoek_soort][value=intern]").check()
    coord.get_by_role("button", name="Taak afronden").click()
    expect(coord.get_by_role("status")).to_contain_text("is afgerond")

    # -- (engine) the competent authority gives the assignment; the coordinator assigns the investigator
    flow.advance_until(db, case_id, "onderzoek_starten")
    coord.goto(f"/zaken/{case_id}")
    row = coord.locator("tr", has_text="Onderzoek starten")
    row.locator("summary").click()
    row.get_by_label("Medewerker").select_option("onderzoeker1")
    row.get_by_label(re.compile("^Reden")).fill("Heeft ervaring met declaratiefraude.")
    row.get_by_role("button", name="Toewijzen").click()
    expect(coord.get_by_role("status")).to_contain_text("toegewezen aan Olga Onderzoeker")

    # -- investigator 1: the case page's diagram marks the active task
    inv1 = site.person("onderzoeker1")
    inv1.goto("/werkvoorraad?tab=mijn")
    expect(inv1.locator("tr", has_text="Onderzoek starten")).to_contain_text("Olga Onderzoeker")
    inv1.goto(f"/zaken/{case_id}")
    inv1.wait_for_selector("#diagram[data-rendered]", timeout=20000)
    assert inv1.locator("#diagram").get_attribute("data-rendered") == "true", (inv1.locator("#diagram").inner_text(), inv1.locator("#diagram").get_attribute("data-bpmn-url"), inv1.request.get(inv1.locator("#diagram").get_attribute("data-bpmn-url")).text()[:300])
    expect(inv1.locator('.djs-element.actief[data-element-id="onderzoek_starten"]')).to_have_count(1)
    assert inv1.locator(".djs-element.afgerond").count() >= 1
    expect(inv1.locator(".bjs-powered-by")).to_be_visible()  # the bpmn.io watermark stays
    screenshot(inv1, "zaak-diagram")
    inv1.locator("a.knop", has_text="Onderzoek starten").click()
    inv1.get_by_label(re.compile("^Beweringen")).fill("Declareert reizen die niet zijn gemaakt")
    inv1.get_by_label(re.compile("^Onderzoeksplan")).fill("Declaraties vergelijken met toegangsregistratie; hoorgesprek.")
    inv1.get_by_label(re.compile("^Datum kennisgeving")).fill("2026-11-03")
    inv1.get_by_label(re.compile("^Datum en tijd hoorgesprek")).fill("2026-11-10T10:00")
    inv1.get_by_label(re.compile("^Locatie hoorgesprek")).fill("Den Haag")
    inv1.locator("input[name=getuigen_horen_nodig][value=false]").check()
    inv1.get_by_role("button", name="Taak afronden").click()
    expect(inv1.get_by_role("status")).to_contain_text("is afgerond")

    # -- (engine) order measure, interview by investigator 2; investigator 1 writes the report
    trail = flow.advance_until(db, case_id, "rapport_opstellen")
    assert "hoorgesprek_voeren" in trail
    flow.complete(db, case_id, "rapport_opstellen")

    # -- the adviser advises, with the precedent list beside the form
    hr = site.person("hr")
    _claim_and_open(hr, "Sanctieadvies opstellen", ref)
    precedents = hr.locator("section.precedenten")
    expect(precedents).to_contain_text(precedent)
    expect(precedents).to_contain_text("Schriftelijke berisping")
    screenshot(hr, "taak-sanctieadvies")
    hr.locator('input[name=advies_afdoeningen][value="Schriftelijke berisping"]').check()
    hr.get_by_label(re.compile("^Motivering advies")).fill("In lijn met de eerdere zaak " + precedent + ".")
    hr.get_by_role("button", name="Taak afronden").click()
    expect(hr.get_by_role("status")).to_contain_text("is afgerond")

    # -- the competent authority decides
    boss = site.person("directeur")
    _claim_and_open(boss, "Afdoening bepalen", ref)
    boss.locator("input[name=afdoening_keuze][value=disciplinaire_maatregel]").check()
    boss.locator('input[name=voorgenomen_maatregel][value="Schriftelijke berisping"]').check()
    boss.locator("#besluit_motivering").fill("Conform het advies van de HR-adviseur.")
    boss.get_by_role("button", name="Taak afronden").click()
    expect(boss.get_by_role("status")).to_contain_text("is afgerond")

    # -- (engine) intention, view, decision, registration: the case closes
    flow.advance_until(db, case_id, "zaak_registreren")
    flow.complete(db, case_id, "zaak_registreren")

    # -- the letters are in the case file and download
    desk.goto(f"/zaken/{case_id}")
    expect(desk.locator("dl.gegevens").first).to_contain_text("afgesloten")
    letters = desk.locator("ul.brieven a")
    assert letters.count() >= 5
    screenshot(desk, "zaak")
    with desk.expect_download() as info:
        letters.first.click()
    download = info.value
    assert download.suggested_filename.endswith(".docx")
    with open(download.path(), "rb") as fh:
        assert fh.read(2) == b"PK"
