"""In a real browser (issue 17): the desk enters a report received by phone, with a receipt date in the past, the
reporter and the subject chosen from the organisation; a first attempt with mistakes is refused with every value
kept; the case then waits in the desk's worklist. Screenshots in ``test-artifacts/screenshots/``.
"""
from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

from tests.web.conftest import axe_violations, screenshot

REPORT_TEXT = "Beller meldt dat een collega reizen declareert die niet zijn gemaakt."


def _latest_case(db) -> tuple[int, str, dict]:
    from sqlalchemy import select

    from engine.cases import service as cases
    from engine.cases.models import Case

    with db.session() as s:
        case = s.scalars(select(Case).order_by(Case.id.desc())).first()
        return case.id, case.reference, cases.case_data(session=s, case_id=case.id)


def test_desk_enters_a_phone_report_and_finds_it_in_the_worklist(site, db):
    from engine.functions import today

    received = (date.fromisoformat(today()) - timedelta(days=3)).isoformat()
    desk = site.person("meldpunt")
    desk.get_by_role("link", name="Melding invoeren").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Melding invoeren")
    desk.locator("#kanaal").select_option("meldpunt_integriteit")
    desk.get_by_label("Wijze van ontvangst").select_option("telefoon")
    desk.locator("#datum_melding").fill(received)
    desk.get_by_label("Een medewerker van de organisatie").check()
    desk.get_by_label("Melder (als medewerker)").select_option("hr")
    desk.get_by_label("Telefoonnummer melder").fill("0201234567")
    desk.locator("#categorie").select_option("Financiële schendingen")
    desk.locator("#omschrijving").fill("Te kort")
    desk.get_by_label("Betrokkene als medewerker").select_option("medewerker")
    desk.get_by_role("button", name="Melding invoeren").click()

    # refused: both mistakes named at their field, everything typed still there, nothing written
    expect(desk.get_by_role("alert")).to_contain_text("Er is niets opgeslagen")
    expect(desk.locator("#fout-omschrijving")).to_be_visible()
    expect(desk.locator("#fout-dienstonderdeel")).to_be_visible()
    expect(desk.get_by_label("Telefoonnummer melder")).to_have_value("0201234567")
    expect(desk.locator("#datum_melding")).to_have_value(received)
    expect(desk.get_by_label("Betrokkene als medewerker")).to_have_value("medewerker")
    screenshot(desk, "melding-invoeren-fouten")
    assert not axe_violations(desk)

    desk.locator("#omschrijving").fill(REPORT_TEXT)
    desk.locator("#dienstonderdeel").fill("Douane")
    desk.get_by_role("button", name="Melding invoeren").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("De melding is ingevoerd")
    screenshot(desk, "melding-ingevoerd")
    case_id, reference, data = _latest_case(db)
    assert data["kanaal"] == "meldpunt_integriteit" and data["ontvangstwijze"] == "telefoon"
    assert data["datum_melding"] == received

    desk.get_by_role("link", name="Naar de werkvoorraad").click()
    desk.get_by_role("link", name="Open in mijn rollen").click()
    row = desk.locator("tr", has_text=reference)
    expect(row).to_contain_text("Melding registreren")
    screenshot(desk, "werkvoorraad-na-invoeren")
