"""One report from staff intake to closure, every step done in the browser by the person whose job it is.

Nothing in this test goes through the engine or the API: each ready task is opened from the
worker's own worklist, picked up, filled in on the rendered form and completed with its button.
The database is read only as the oracle of what the process has ready next (the element, to
choose the answers of ``tests/web/flow.py``) — never to do any work. Every step leaves a
screenshot in ``test-artifacts/screenshots/walk-*.png``.
"""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.web import flow
from tests.web.conftest import screenshot

pytestmark = pytest.mark.db

REPORT_TEXT = "Een collega declareert reizen naar Rotterdam die niet zijn gemaakt, al sinds maart."
MAX_STEPS = 60
# What the desk entered at intake stays as it is on the registration form (the receipt date may only move earlier).
KEEP_FROM_INTAKE = {"melding_registreren": {"datum_melding"}}


def _control(page, name: str):
    return page.locator(f'[name="{name}"]')


def _kind(locator) -> str:
    return locator.first.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")


def _set(page, name: str, value) -> bool:
    """Put one JSON value into the form control(s) called ``name`` as a person would; False if absent."""
    controls = _control(page, name)
    if controls.count() == 0:
        return False
    kind = _kind(controls)
    if kind in ("input:radio", "input:checkbox"):
        values = value if isinstance(value, list) else [value]
        wanted = {("true" if v is True else "false" if v is False else str(v)) for v in values}
        for i in range(controls.count()):
            box = controls.nth(i)
            if box.get_attribute("value") in wanted:
                box.check()
            elif kind == "input:checkbox" and box.is_checked():
                box.uncheck()
        return True
    if isinstance(value, bool):
        value = "true" if value else "false"
    if kind.startswith("select"):
        controls.first.select_option(str(value))
        return True
    if isinstance(value, list):
        value = "\n".join(map(str, value))
    if kind == "input:datetime-local":
        value = str(value)[:16]
    if kind == "input:date":
        value = str(value)[:10]
    controls.first.fill(str(value))
    return True


def _fill(page, answers: dict) -> list[str]:
    """Fill the task form with ``answers``; returns the keys the form has no control for."""
    absent = []
    for key, value in answers.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):  # a repeated group of rows
            for i, row in enumerate(value):
                if not any(_control(page, f"{key}[{i}].{k}").count() for k in row):
                    add = page.get_by_role("button", name=re.compile("Rij toevoegen"))
                    assert add.count(), f"{key}: no row {i + 1} and no way to add one"
                    add.first.click()
                for k, v in row.items():
                    assert _set(page, f"{key}[{i}].{k}", v), f"{key}[{i}].{k} not on the form"
            continue
        if not _set(page, key, value):
            absent.append(key)
    return absent


class Walk:
    def __init__(self, site, db, case_id: int):
        self.site, self.db, self.case_id = site, db, case_id
        self.pages: dict[str, object] = {}
        self.trail: list[tuple[str, str]] = []

    def page(self, username: str):
        if username not in self.pages:
            self.pages[username] = self.site.person(username)
        return self.pages[username]

    def _open_from_worklist(self, page, item_id: int) -> bool:
        for tab in ("mijn", "open"):
            page.goto(f"/werkvoorraad?tab={tab}")
            link = page.locator(f'a[href="/taken/{item_id}"]')
            if link.count():
                with page.expect_navigation():
                    link.first.click()
                return True
        return False

    def do(self, item_id: int, element: str, role: str, assignee: int | None) -> str:
        from engine.identity.models import User

        if assignee:
            with self.db.session() as s:
                candidates = [s.get(User, assignee).username]
        else:
            candidates = flow.ROLE_USERS[role]
        answers = json.loads(json.dumps(flow._clean(flow.ANSWERS.get(element, {}))))
        answers = {k: v for k, v in answers.items() if k not in KEEP_FROM_INTAKE.get(element, set())}
        tried = []
        for username in candidates:
            page = self.page(username)
            if not self._open_from_worklist(page, item_id):
                tried.append(f"{username}: niet in de werkvoorraad")
                continue
            claim = page.get_by_role("button", name="Taak oppakken")
            if claim.count():
                with page.expect_navigation():  # a form post: read the next page, not this one
                    claim.click()
            done = page.get_by_role("button", name="Taak afronden")
            if not done.count():
                tried.append(f"{username}: {page.locator('main').inner_text()[:200]}")
                continue
            absent = _fill(page, answers)
            step = len(self.trail) + 1
            screenshot(page, f"walk-{step:02d}-{element}")
            with page.expect_navigation():
                done.click()
            status = page.get_by_role("status")
            if not status.count() or "is afgerond" not in status.first.inner_text():
                errors = page.locator(".veldfout, .fout, [role=alert]").all_inner_texts()
                raise AssertionError(f"{element} by {username} not completed; errors {errors}; "
                                     f"answers without a control: {absent}")
            self.trail.append((element, username))
            return username
        raise AssertionError(f"{element}: nobody of role {role} could open it: {tried}")

    def run(self) -> None:
        for _ in range(MAX_STEPS):
            ready = flow.ready(self.db, self.case_id)
            if not ready:
                return
            self.do(*ready[0])
        raise AssertionError(f"the case did not close within {MAX_STEPS} steps: {self.trail}")


def _case_id(db) -> int:
    from sqlalchemy import select

    from engine.cases.models import Case

    with db.session() as s:
        return s.scalars(select(Case.id).order_by(Case.id.desc())).first()


def test_one_report_from_intake_to_closure_only_in_the_browser(site, db):
    from datetime import date, timedelta

    from engine.functions import today

    # -- the desk takes an anonymous report by phone and enters it (staff intake), receipt two days ago
    received = (date.fromisoformat(today()) - timedelta(days=2)).isoformat()
    desk = site.person("meldpunt")
    desk.get_by_role("link", name="Melding invoeren").click()
    desk.locator("#kanaal").select_option("meldpunt_integriteit")
    desk.get_by_label("Wijze van ontvangst").select_option("telefoon")
    desk.locator("#datum_melding").fill(received)
    desk.locator("#melder-anoniem").check()
    desk.locator("#categorie").select_option("Financiële schendingen")
    desk.locator("#omschrijving").fill(REPORT_TEXT)
    desk.locator("#dienstonderdeel").fill("Douane")
    desk.get_by_label("Functie betrokkene").fill("Douanier")
    screenshot(desk, "walk-00-melding-invoeren")
    desk.get_by_role("button", name="Melding invoeren").click()
    code = desk.get_by_test_id("ontvangstcode").inner_text()  # read to the caller once, never shown again
    screenshot(desk, "walk-00-melding-ingevoerd")
    case_id = _case_id(db)

    walk = Walk(site, db, case_id)
    walk.pages["meldpunt"] = desk
    walk.run()

    roles_seen = {username for _, username in walk.trail}
    assert {"meldpunt", "coordinator", "directeur", "hr"} <= roles_seen, walk.trail
    assert any(u.startswith("onderzoeker") for u in roles_seen), walk.trail
    assert len(walk.trail) >= 15, walk.trail

    # -- the case is closed, as every handler sees it
    desk = walk.page("meldpunt")
    desk.goto(f"/zaken/{case_id}")
    expect(desk.locator("dl.gegevens").first).to_contain_text("afgesloten")
    screenshot(desk, "walk-zz-zaak-afgesloten")

    # -- and the reporter, who got the receipt code on the phone, reads the outcome with it
    reporter = site.person()
    reporter.goto("/mijn-melding")
    reporter.get_by_label("Ontvangstcode").fill(code)
    reporter.get_by_role("button", name="Openen").click()
    expect(reporter.get_by_role("heading", level=1)).to_be_visible()
    screenshot(reporter, "walk-zz-mijn-melding")
