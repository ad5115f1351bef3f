"""A form is sent once (web/static/layout.js): a double click on "Melding versturen" while the first submission is
on its way filed two reports before (two cases, the reporter shown the receipt code of only one)."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from engine.cases.models import Case

pytestmark = pytest.mark.db


def _cases(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Case))


def test_a_double_click_on_the_report_form_files_one_report(site, db, monkeypatch):
    from engine.intake import public

    real = public.submit_public_report

    def slow(**kwargs):  # the answer takes a moment, as on a busy day: time for a second click
        time.sleep(1.5)
        return real(**kwargs)

    monkeypatch.setattr(public, "submit_public_report", slow)  # the server runs in this process (app_server)
    reporter = site.person()
    reporter.goto("/melden")
    reporter.get_by_label("Wat is er gebeurd?").fill("Een collega declareert reizen die niet zijn gemaakt.")
    reporter.get_by_label("Om wat voor schending gaat het?").select_option("Financiële schendingen")
    reporter.get_by_label("Bij welk dienstonderdeel speelt het?").fill("Douane")
    before = _cases(db)
    # a double click: the second 0.3 s after the first, while the first answer is still on its way
    reporter.evaluate("""() => {
        const button = [...document.querySelectorAll('button')].find(b => b.textContent.includes('Melding versturen'));
        button.click();
        setTimeout(() => button.click(), 300);
    }""")
    expect(reporter.get_by_test_id("ontvangstcode")).to_be_visible()
    reporter.wait_for_timeout(2000)  # a second submission, if one went out, has been handled by now
    assert _cases(db) == before + 1
