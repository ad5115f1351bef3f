"""Arrival and triage (issue 17): tab counts, new work since the previous visit, the row columns, and the case
outline on a task not yet claimed - as this user may see it (engine.cases.triage, engine.cases.field_classes).

The demo organisation and the real app (TestClient); the engine clock moves between visits.
"""
from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.web import flow
from tests.web.test_field_classes_web import (NOTICE, ORIGINAL, REDACTED, _case, _redact_on_the_web)
from tests.web.test_one_door import EMAIL, NAME, _app, _leaks, _login

pytestmark = pytest.mark.db

CATEGORY = "Ongewenste omgangsvormen"


def _report(db, category: str = CATEGORY) -> tuple[int, str]:
    """A new report taken by the desk: 'Melding registreren' waits in the desk's pool."""
    from engine.identity.service import get_user
    from engine.intake import service as intake

    data = {**flow.ANSWERS["melding_registreren"], "categorie": category}
    with db.session() as s:
        case = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"),
                                    data=flow._clean(data)).case
        return case.id, case.reference


def _counts(page: str) -> dict[str, int]:
    found = dict(re.findall(r'(Mijn taken|Open in mijn rollen|Te laat) <span class="teller">\((\d+)\)', page))
    return {k: int(v) for k, v in found.items()}


def _row(page: str, reference: str) -> str:
    rows = [r for r in re.findall(r"<tr[ >].*?</tr>", page, flags=re.S) if reference in r]
    assert len(rows) == 1, f"{reference}: {len(rows)} rows"
    return rows[0]


def _item(db, case_id: int, element: str) -> int:
    return next(i[0] for i in flow.ready(db, case_id) if i[1] == element)


def _director_pool_task(db) -> tuple[int, int]:
    """A named report whose next step waits, unassigned, in the competent authority's pool:
    (case id, work item id of 'Onderzoeksopdracht verstrekken')."""
    case_id = _case(db, until="onderzoeksopdracht_beslissen")
    flow.complete(db, case_id, "onderzoeksopdracht_beslissen", username="directeur")
    (item_id, _, _, assignee), = [i for i in flow.ready(db, case_id) if i[1] == "onderzoeksopdracht_verstrekken"]
    assert assignee is None
    return case_id, item_id


def _claim(client, item_id: int):
    page = client.get(f"/taken/{item_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(f"/taken/{item_id}/oppakken", data={"csrf_token": token, "terug": "/werkvoorraad"})
    assert r.status_code == 303, r.text


def test_every_tab_shows_its_count_and_an_empty_own_list_opens_on_the_pool(demo):
    desk = _login(_app(), "meldpunt")
    before = _counts(desk.get("/werkvoorraad?tab=mijn").text)
    assert set(before) == {"Mijn taken", "Open in mijn rollen", "Te laat"}
    cases = [_report(demo) for _ in range(3)]
    page = desk.get("/werkvoorraad?tab=mijn").text
    assert _counts(page)["Open in mijn rollen"] == before["Open in mijn rollen"] + 3
    _claim(desk, _item(demo, cases[0][0], "melding_registreren"))
    after = _counts(desk.get("/werkvoorraad?tab=open").text)
    assert after["Mijn taken"] == before["Mijn taken"] + 1
    assert after["Open in mijn rollen"] == before["Open in mijn rollen"] + 2

    # the counts are the database's, not the length of one page
    from web.pages import worklist as page_module

    page_module.PAGE, saved = 1, page_module.PAGE
    try:
        page = desk.get("/werkvoorraad?tab=open").text
    finally:
        page_module.PAGE = saved
    assert _counts(page)["Open in mijn rollen"] == after["Open in mijn rollen"] > 1
    assert "Volgende pagina" in page

    # Someone with nothing of their own arrives on the pool of their role, not on 'Mijn taken (0)'
    case_id, _ = _director_pool_task(demo)
    director = _login(_app(), "directeur")
    page = director.get("/werkvoorraad").text
    counts = _counts(page)
    assert counts["Mijn taken"] == 0 and counts["Open in mijn rollen"] >= 1
    assert 'href="/werkvoorraad?tab=open&sorteer=termijn" aria-current="page"' in page
    assert "Onderzoeksopdracht verstrekken" in page


def test_new_work_since_the_previous_visit_is_highlighted(demo, clock):
    old_id, old_ref = _report(demo)
    desk = _login(_app(), "meldpunt")
    desk.get("/werkvoorraad?tab=open")  # a visit: what is there now has been seen

    clock.advance(timedelta(minutes=40))
    new_id, new_ref = _report(demo)
    clock.advance(timedelta(minutes=5))
    page = desk.get("/werkvoorraad?tab=open").text
    assert 'class="nieuw"' in _row(page, new_ref) and "Nieuw" in _row(page, new_ref)
    assert 'class="nieuw"' not in _row(page, old_ref)
    assert "1 taak sinds uw vorige bezoek" in page

    # the same visit: switching tabs and coming back does not make the new work old
    clock.advance(timedelta(minutes=5))
    desk.get("/werkvoorraad?tab=mijn")
    page = desk.get("/werkvoorraad?tab=open").text
    assert 'class="nieuw"' in _row(page, new_ref)

    # the next visit (after a break): it has been seen
    clock.advance(timedelta(minutes=40))
    desk = _login(_app(), "meldpunt")  # a new session; the visits are the user's
    page = desk.get("/werkvoorraad?tab=open").text
    assert 'class="nieuw"' not in _row(page, new_ref)
    assert "sinds uw vorige bezoek" not in page

    # per user: the coordinator's first look says nothing about the desk's visits
    from engine.identity.service import get_user
    from engine.worklist.models import WorklistVisit

    with demo.session() as s:
        visits = {v.user_id for v in s.scalars(select(WorklistVisit))}
        assert get_user(session=s, username="meldpunt").id in visits
        assert get_user(session=s, username="coordinator").id not in visits


def test_rows_show_received_date_category_due_date_and_link_the_case(demo, clock):
    case_id, reference = _report(demo, category="Misbruik van bevoegdheid")
    desk = _login(_app(), "meldpunt")
    row = _row(desk.get("/werkvoorraad?tab=open").text, reference)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
    header = re.findall(r'<th scope="col">([^<]+)</th>', desk.get("/werkvoorraad?tab=open").text)
    assert header[:6] == ["Zaaknummer", "Taak", "Ontvangen", "Categorie", "Rol", "Termijn"]
    # a new report the desk may not see before taking it: the number opens the task with the case outline
    item_id = _item(demo, case_id, "melding_registreren")
    assert re.search(rf'<a href="/taken/{item_id}"[^>]*>{reference}</a>', cells[0])
    assert cells[2].strip() == "2 november 2026"  # received on the suite's first day (tests/timebase.py)
    assert html_lib.unescape(cells[3]).strip() == "Misbruik van bevoegdheid"
    assert re.search(r"\d{1,2} [a-z]+ 2026", cells[5])  # the term to register

    # the director's pool task: its case number links to the case
    case_id, _ = _director_pool_task(demo)
    director = _login(_app(), "directeur")
    page = director.get("/werkvoorraad?tab=open").text
    row = next(r for r in re.findall(r"<tr[ >].*?</tr>", page, flags=re.S) if "Onderzoeksopdracht" in r)
    assert f'<a href="/zaken/{case_id}">' in row


def test_an_unclaimed_task_shows_the_case_as_this_user_may_see_it(demo):
    case_id, item_id = _director_pool_task(demo)
    director = _login(_app(), "directeur")  # the competent authority: never the reporter's identity
    page = director.get(f"/taken/{item_id}")
    assert page.status_code == 200, page.text
    assert "Taak oppakken" in page.text and "Samenvatting van zaak" in page.text
    from engine.cases.models import Case

    with demo.session() as s:
        case = s.get(Case, case_id)
        reference, category, unit = case.reference, case.category, case.unit
    assert reference in page.text and html_lib.escape(category) in page.text and unit in page.text
    assert NOTICE in page.text  # the desk has not redacted the description yet
    assert not _leaks(page.text) and ORIGINAL not in page.text and NAME not in page.text and EMAIL not in page.text

    desk = _login(_app(), "meldpunt")
    assert _redact_on_the_web(desk, case_id, REDACTED).status_code == 303
    page = director.get(f"/taken/{item_id}").text
    assert REDACTED in page and ORIGINAL not in page and NOTICE not in page and not _leaks(page)

    # the read is audited like every read of the substance (names of fields only)
    from engine.audit.models import AuditEvent

    with demo.session() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id,
                                                    AuditEvent.action == "confidential.read",
                                                    AuditEvent.actor == "directeur")).all()
        assert any((e.details or {}).get("pagina") == "taak-oppakken" for e in events)

    # the identity-authorised desk reads the original on a pool task of its own
    other_id, _ = _report(demo)
    page = desk.get(f"/taken/{_item(demo, other_id, 'melding_registreren')}").text
    assert "Samenvatting van zaak" in page

    # someone outside the role's pool and the case gets nothing
    hr = _login(_app(), "hr")
    assert hr.get(f"/taken/{item_id}").status_code == 404


def test_arrival_in_the_browser_is_accessible(site, db, clock):
    from playwright.sync_api import expect

    from tests.web.conftest import axe_violations, screenshot

    _report(db)
    desk = site.person("meldpunt")  # logging in lands on the worklist: the first visit
    clock.advance(timedelta(minutes=40))
    case_id, reference = _report(db, category="Misbruik van bevoegdheid")
    desk = site.person("meldpunt")
    desk.goto("/werkvoorraad?tab=open")
    row = desk.locator("tr", has_text=reference)
    expect(row.locator(".nieuw-label")).to_have_text("Nieuw")
    expect(row.locator("td.categorie")).to_have_text("Misbruik van bevoegdheid")
    assert axe_violations(desk) == []
    screenshot(desk, "werkvoorraad-nieuw")
    row.get_by_role("link", name=reference).click()
    expect(desk.get_by_role("heading", name=f"Samenvatting van zaak {reference}")).to_be_visible()
    assert axe_violations(desk) == []
    screenshot(desk, "taak-samenvatting-voor-oppakken")


def test_the_api_shows_an_unclaimed_task_the_case_as_the_web_page_does(demo):
    """One door (engine.cases.triage.task_outline): the API's task for a pool task not yet claimed carries the same
    outline as the web page 'Taak oppakken' - the redacted substance, the pseudonym, never the identity - and the
    read is audited; once claimed, the task shows the case file instead."""
    case_id, item_id = _director_pool_task(demo)
    desk = _login(_app(), "meldpunt")
    assert _redact_on_the_web(desk, case_id, REDACTED).status_code == 303
    director = _login(_app(), "directeur")
    r = director.get(f"/api/v1/taken/{item_id}")
    assert r.status_code == 200, r.text
    body = r.json()
    outline = body["zaakoverzicht"]
    from engine.cases.models import Case

    with demo.session() as s:
        case = s.get(Case, case_id)
        reference, category, unit = case.reference, case.category, case.unit
    assert (outline["zaak_id"], outline["kenmerk"], outline["categorie"], outline["dienstonderdeel"]) == (
        case_id, reference, category, unit)
    assert REDACTED in outline["inhoud"].values() and outline["nog_niet_geredigeerd"] == []
    assert outline["melder"] != "" and not _leaks(r.text) and ORIGINAL not in r.text
    assert outline["zaak_zichtbaar"] is True  # the director decided the previous step: involved
    page = director.get(f"/taken/{item_id}").text  # the web page shows the same substance and pseudonym
    assert REDACTED in page and html_lib.escape(outline["melder"]) in page and reference in page
    from engine.audit.models import AuditEvent

    with demo.session() as s:
        pages = [(e.details or {}).get("pagina") for e in s.scalars(select(AuditEvent).where(
            AuditEvent.case_id == case_id, AuditEvent.action == "confidential.read",
            AuditEvent.actor == "directeur"))]
    assert "api-taak-oppakken" in pages, pages
    hr = _login(_app(), "hr")  # outside the role's pool and the case: nothing
    assert hr.get(f"/api/v1/taken/{item_id}").status_code == 404
    token = director.cookies.get("meldpunt_csrf")
    claimed = director.post(f"/api/v1/taken/{item_id}/claimen-en-openen", headers={"X-CSRF-Token": token})
    assert claimed.status_code == 200, claimed.text
    assert claimed.json().get("zaakoverzicht") is None
