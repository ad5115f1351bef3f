"""The Zaken page in the browser (issue 17): search with htmx, save that search as a view, open it again, export
it; axe-core clean at 1280 px and 390 px. Real app (uvicorn), OS Chromium."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import insert

from engine.cases.models import Case
from tests.timebase import TEST_START
from tests.web.conftest import axe_violations, screenshot

pytestmark = pytest.mark.db


@pytest.fixture
def cases(db, app_server):
    with db.session() as s:
        s.execute(insert(Case), [dict(reference=f"2026-B{i:03d}", status="open", unit="Douane",
                                      category="Fraude" if i % 3 == 0 else "Ongewenste omgangsvormen", priority=i % 2,
                                      version=1, summary={}, imported=True, created_by="test",
                                      created_at=TEST_START - timedelta(hours=i), updated_at=TEST_START)
                                 for i in range(1, 31)])


def test_search_with_htmx_save_it_as_a_view_open_it_and_export_it(site, cases):
    page = site.person("coordinator")
    page.goto("/zaken")
    page.get_by_text("30 zaken gevonden").wait_for()
    page.get_by_label("Categorie").select_option("Fraude")  # htmx: only the results are refreshed
    page.get_by_text("10 zaken gevonden").wait_for()
    assert page.get_by_label("Categorie").input_value() == "Fraude"
    page.get_by_label("Huidige zoekopdracht opslaan als").fill("Fraude Douane")
    page.get_by_role("button", name="Weergave opslaan").click()
    page.get_by_text("Uw weergave is opgeslagen.").wait_for()
    assert axe_violations(page) == []
    screenshot(page, "zaken-weergave-opgeslagen")

    page.goto("/zaken")
    page.get_by_role("link", name="Fraude Douane").click()
    page.get_by_text("10 zaken gevonden").wait_for()  # the search saved after the htmx refresh, not the first one
    assert page.get_by_label("Categorie").input_value() == "Fraude"

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read()), delimiter=";"))
    assert len(rows) == 11 and {r[2] for r in rows[1:]} == {"Fraude"}

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/zaken")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Verwijderen weergave Fraude Douane").click()
    page.get_by_text("De weergave is verwijderd.").wait_for()
    assert page.get_by_text("U heeft nog geen weergaven.").is_visible()
    screenshot(page, "zaken-390")
