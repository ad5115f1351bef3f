"""The anonymous reporter's inbox (issue 15, finding 12): for an anonymous reporter /mijn-melding is the only
channel, so it shows the status in plain Dutch, the letters addressed to them (downloadable) and the deadlines
that concern them; and it shows the same as the API (one engine function, ``engine.cases.reporter_view``).

The reporter works in a real browser; the desk's steps go through the engine (tests/web/flow.py)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.cases.models import Case
from tests.web import flow
from tests.web.conftest import axe_violations, screenshot

pytestmark = pytest.mark.db

REPORT_TEXT = "Een collega boekt al maanden taxiritten als dienstreis die privé waren."


def _inbox(page) -> dict:
    """What the page shows: status, deadlines, letter links."""
    return {"status": page.locator("#stand .status-tekst").inner_text().strip(),
            "termijnen": [t.strip() for t in page.locator("#termijnen .termijn").all_inner_texts()],
            "brieven": [int(h.rsplit("/", 1)[1]) for h in
                        page.locator("#brieven a[download]").evaluate_all(
                            "els => els.map(e => e.getAttribute('href'))")]}


def _api(page) -> dict:
    r = page.request.get("/api/v1/melder/melding")
    assert r.ok, r.text()
    body = r.json()
    return {"status": body["status_tekst"], "termijnen": [t["tekst"] for t in body["termijnen"]],
            "brieven": [b["id"] for b in body["brieven"]]}


def test_anonymous_reporter_gets_status_letters_and_deadlines_in_the_inbox(site, db):
    reporter = site.person()
    reporter.goto("/melden")
    reporter.get_by_label("Wat is er gebeurd?").fill(REPORT_TEXT)
    reporter.get_by_label("Om wat voor schending gaat het?").select_option("Financiële schendingen")
    reporter.get_by_label("Bij welk dienstonderdeel speelt het?").fill("Douane")
    reporter.get_by_role("button", name="Melding versturen").click()
    code = reporter.get_by_test_id("ontvangstcode").inner_text()
    with db.session() as s:
        case_id = s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))

    reporter.goto("/mijn-melding")
    reporter.get_by_label("Ontvangstcode").fill(code)
    reporter.get_by_role("button", name="Openen").click()
    expect(reporter.locator("#stand")).to_contain_text("Uw melding is ontvangen")
    assert _inbox(reporter) == _api(reporter)

    # registered: the 7-day acknowledgement term concerns the reporter (2 November + 7 days)
    flow.complete(db, case_id, "melding_registreren")
    reporter.reload()
    expect(reporter.locator("#termijnen")).to_contain_text(
        "U krijgt uiterlijk 9 november 2026 een bevestiging dat uw melding is ontvangen.")
    expect(reporter.locator("#brieven")).to_contain_text("Er zijn nog geen brieven aan u.")
    assert _inbox(reporter) == _api(reporter)

    # acknowledged: the letter is in the inbox and the 3-month feedback term is announced
    flow.complete(db, case_id, "ontvangst_bevestigen")
    reporter.reload()
    expect(reporter.locator("#stand .status-tekst")).to_have_text("Uw melding is in behandeling.")
    expect(reporter.locator("#stand")).to_contain_text("Ontvangst bevestigd op 2 november 2026")
    expect(reporter.locator("#termijnen")).to_contain_text(
        "U krijgt uiterlijk 2 februari 2027 terugkoppeling over wat er met uw melding is gedaan.")
    link = reporter.locator("#brieven a", has_text="Ontvangstbevestiging")
    expect(link).to_have_count(1)
    with reporter.expect_download() as download:  # the download stays an option, labelled as such
        reporter.locator("#brieven li", has_text="Ontvangstbevestiging").get_by_role(
            "link", name="Ontvangstbevestiging melding: downloaden als Word-bestand (.docx)").click()
    with open(download.value.path(), "rb") as f:
        assert f.read(2) == b"PK"  # a .docx
    link.click()  # read in the page: no file on her device
    expect(reporter.locator("article.brief-tekst")).to_contain_text("bevestig ik de ontvangst van uw melding")
    assert axe_violations(reporter) == []
    reporter.get_by_role("link", name="Terug naar Mijn melding").click()
    assert _inbox(reporter) == _api(reporter)
    assert axe_violations(reporter) == []

    # feedback: its letter too, the text in general terms, and the status says so
    flow.advance_until(db, case_id, "terugkoppeling_melder")
    flow.complete(db, case_id, "terugkoppeling_melder")
    reporter.reload()
    expect(reporter.locator("#stand .status-tekst")).to_contain_text("U heeft terugkoppeling gekregen")
    expect(reporter.locator("#stand")).to_contain_text("Uw melding is beoordeeld en wordt opgevolgd.")
    expect(reporter.locator("#brieven a", has_text=re.compile("^Terugkoppeling aan melder"))).to_have_count(1)
    assert len(_inbox(reporter)["brieven"]) == 2
    assert _inbox(reporter) == _api(reporter)
    screenshot(reporter, "mijn-melding-inbox")

    # another case's letter is not reachable from this receipt session
    other = reporter.request.get("/mijn-melding/brieven/999999")
    assert other.status == 404
    assert code.replace(" ", "") not in reporter.content().replace(" ", "")
