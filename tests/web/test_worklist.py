"""Worklist: Dutch due dates, amber within 2 working days, red and in 'Te laat' when overdue,
claim/unclaim with one click, filter and sort."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from playwright.sync_api import expect

from tests.timebase import TEST_START
from tests.web import flow
from tests.web.conftest import screenshot


def _case_waiting_for_acknowledgement(db) -> str:
    from engine.identity.service import get_user
    from engine.intake import service as intake

    data = {**flow.ANSWERS["melding_registreren"], "melder_anoniem": False, "melder_naam": "W. Erkvoorraad",
            "melder_email": "w@example.org", "kanaal": "meldpunt_integriteit"}
    with db.session() as s:
        case = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"), data=data).case
        case_id, reference = case.id, case.reference
    flow.complete(db, case_id, "melding_registreren", data)
    assert "ontvangst_bevestigen" in [i[1] for i in flow.ready(db, case_id)]
    return reference


def test_due_dates_colour_and_the_overdue_tab(site, db, clock):
    # received on the suite's first day, Monday 2 November 2026 (tests/timebase.py):
    # acknowledgement term 7 days → Monday 9 November 2026
    assert clock.now() == TEST_START
    reference = _case_waiting_for_acknowledgement(db)
    desk = site.person("meldpunt")
    desk.goto("/werkvoorraad?tab=open")
    cell = desk.locator("tr", has_text=reference).locator("td.termijn")
    expect(cell).to_contain_text("9 november 2026")
    expect(cell).to_have_class(re.compile(r"\bop-tijd\b"))

    clock.set(datetime(2026, 11, 6, 9, tzinfo=timezone.utc))  # Friday: 1 working day left
    desk = site.person("meldpunt")
    desk.goto("/werkvoorraad?tab=open")
    # keyboard: the first Tab reaches the skip link, which moves focus to the content
    desk.keyboard.press("Tab")
    expect(desk.locator(":focus")).to_have_text("Naar de inhoud")
    desk.keyboard.press("Enter")
    expect(desk.locator(":focus")).to_have_id("inhoud")
    cell = desk.locator("tr", has_text=reference).locator("td.termijn")
    expect(cell).to_contain_text("9 november 2026")
    expect(cell).to_have_class(re.compile(r"\bbijna\b"))
    expect(cell).to_contain_text("binnen 2 werkdagen")

    # claim in one click → Mijn taken; give back in one click → open again
    desk.locator("tr", has_text=reference).get_by_role("button", name=re.compile("^Oppakken")).click()
    desk.goto("/werkvoorraad?tab=mijn")
    row = desk.locator("tr", has_text=reference)
    expect(row).to_contain_text("Mila Meldpunt")
    row.get_by_role("button", name=re.compile("^Teruggeven")).click()
    expect(desk.get_by_role("status")).to_contain_text("weer open")
    desk.goto("/werkvoorraad?tab=mijn")
    expect(desk.locator("tr", has_text=reference)).to_have_count(0)

    # filtering (htmx updates the table while typing; the form works without JavaScript too)
    desk.goto("/werkvoorraad?tab=open")
    desk.get_by_label("Zoeken in deze lijst").fill("bestaat-niet")
    expect(desk.get_by_text("Geen taken in deze lijst")).to_be_visible()
    desk.get_by_label("Zoeken in deze lijst").fill(reference)
    expect(desk.locator("tr", has_text=reference)).to_have_count(1)
    desk.get_by_label("Sorteren op").select_option("prioriteit")
    expect(desk.locator("tr", has_text=reference)).to_have_count(1)

    clock.set(datetime(2026, 11, 10, 9, tzinfo=timezone.utc))  # Tuesday: the term has passed
    desk = site.person("meldpunt")  # the earlier session has gone idle in the meantime
    desk.goto("/werkvoorraad?tab=te-laat")
    cell = desk.locator("tr", has_text=reference).locator("td.termijn")
    expect(cell).to_have_class(re.compile(r"\bte-laat\b"))
    expect(cell).to_contain_text("te laat")
    screenshot(desk, "werkvoorraad-te-laat")
