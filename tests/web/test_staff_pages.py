"""Staff changes on the pages, the API and the CLI (issue 22; the rules themselves: tests/engine/test_staff.py).

Blocking a user (page, API, CLI) puts their claimed tasks back in the pool and the coordinator's worklist says so
until marked seen; the coordinator hands all work of a person over in one action, in the browser, with one task
refused; absences are recorded, listed and withdrawn through the API."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from engine.audit.models import AuditEvent
from tests.web import flow
from tests.web.conftest import axe_violations, screenshot
from tests.web.test_one_door import _app, _login

pytestmark = pytest.mark.db


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _api_csrf(client) -> dict:
    return {"X-CSRF-Token": client.cookies.get("meldpunt_csrf")}


def _claimed_registration(db, *, by: str = "meldpunt", subject: str | None = None) -> tuple[int, str]:
    """A new report whose 'Melding registreren' ``by`` has claimed; ``subject``: the account it is about."""
    from engine.identity.service import get_user
    from engine.intake import service as intake
    from engine.worklist import service as worklist

    with db.session() as s:
        desk = get_user(session=s, username=by)
        subject_id = get_user(session=s, username=subject).id if subject else None
        case = intake.submit_report(session=s, actor=desk, data=flow._clean(flow.ANSWERS["melding_registreren"]),
                                    subject_user_id=subject_id).case
        item = next(i for i in worklist.items_of_case(session=s, case_id=case.id) if i.role == "meldpunt")
        worklist.claim(session=s, work_item_id=item.id, user=desk)
        return item.id, case.reference


def _second_desk(db) -> int:
    from engine.identity import service as identity

    with db.session() as s:
        return identity.create_user(session=s, username="meldpunt2", display_name="Max Meldpunt", roles=["meldpunt"],
                                    unit="Douane").id


def _uid(db, username: str) -> int:
    from engine.identity.service import get_user

    with db.session() as s:
        return get_user(session=s, username=username).id


def _assignee(db, item_id: int) -> int | None:
    from engine.worklist.models import WorkItem

    with db.session() as s:
        return s.get(WorkItem, item_id).assignee_id


def test_blocking_on_the_page_puts_the_work_back_and_the_coordinator_sees_it_until_marked_seen(demo):
    item_id, reference = _claimed_registration(demo)
    desk = _uid(demo, "meldpunt")
    admin = _login(_app(), "beheerder")
    page = admin.get(f"/gebruikers/{desk}")
    r = admin.post(f"/gebruikers/{desk}/blokkeren", data={"csrf_token": _token(page.text)})
    assert r.status_code == 303
    assert _assignee(demo, item_id) is None
    coordinator = _login(_app(), "coordinator")
    page = coordinator.get("/werkvoorraad").text
    assert "Taken teruggezet in de pool na het blokkeren van Mila Meldpunt: 1 taak." in page
    assert reference in page and "in de pool" in page
    notice = re.search(r'action="/werkvoorraad/personeelsmeldingen/(\d+)/gezien"', page).group(1)
    # nobody else sees it
    assert "Taken teruggezet" not in _login(_app(), "onderzoeker1").get("/werkvoorraad").text
    r = coordinator.post(f"/werkvoorraad/personeelsmeldingen/{notice}/gezien", data={"csrf_token": _token(page)})
    assert r.status_code == 303
    assert "Taken teruggezet" not in coordinator.get("/werkvoorraad").text


def test_blocking_through_the_api_and_the_cli_puts_the_work_back(demo):
    from typer.testing import CliRunner

    from cli.main import app as cli

    item_id, _ = _claimed_registration(demo)
    admin = _login(_app(), "beheerder")
    r = admin.post(f"/api/v1/gebruikers/{_uid(demo, 'meldpunt')}/blokkeren", headers=_api_csrf(admin))
    assert r.status_code == 200, r.text
    assert _assignee(demo, item_id) is None

    _second_desk(demo)
    other, _ = _claimed_registration(demo, by="meldpunt2")
    result = CliRunner().invoke(cli, ["users", "disable", "meldpunt2"])
    assert result.exit_code == 0, result.output
    assert "Gebruiker meldpunt2 geblokkeerd; 1 opgepakte taak terug in de pool." in result.output
    assert _assignee(demo, other) is None
    page = _login(_app(), "coordinator").get("/werkvoorraad").text
    assert "na het blokkeren van Max Meldpunt" in page and "na het blokkeren van Mila Meldpunt" in page


def test_hand_over_and_absences_through_the_api(demo):
    second = _second_desk(demo)
    plain, _ = _claimed_registration(demo)
    refused, _ = _claimed_registration(demo, subject="meldpunt2")  # Max is the subject of this one
    desk = _uid(demo, "meldpunt")
    coordinator = _login(_app(), "coordinator")
    work = coordinator.get(f"/api/v1/gebruikers/{desk}/werk")
    assert work.status_code == 200 and sorted(t["taak_id"] for t in work.json()["taken"]) == sorted([plain, refused])
    r = coordinator.post(f"/api/v1/gebruikers/{desk}/werk-overdragen", headers=_api_csrf(coordinator),
                         json={"naar_id": second, "reden": ""})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert _assignee(demo, plain) == desk  # nothing changed
    r = coordinator.post(f"/api/v1/gebruikers/{desk}/werk-overdragen", headers=_api_csrf(coordinator),
                         json={"naar_id": second, "reden": "Vertrekt"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [t["taak_id"] for t in body["overgedragen"]] == [plain]
    assert [t["taak_id"] for t in body["naar_pool"]] == [refused]
    assert body["naar_pool"][0]["reden"] == ("Max Meldpunt mag in deze zaak niet optreden (partij in de zaak of "
                                             "door de melder uitgesloten).")
    assert (_assignee(demo, plain), _assignee(demo, refused)) == (second, None)
    # not for anyone but the coordinator
    hr = _login(_app(), "hr")
    assert hr.post(f"/api/v1/gebruikers/{desk}/werk-overdragen", headers=_api_csrf(hr),
                   json={"naar_id": None, "reden": "x"}).status_code == 403

    # the desk records their own absence; a wrong period is refused naming the field
    me = _login(_app(), "meldpunt")
    r = me.post(f"/api/v1/gebruikers/{desk}/afwezigheden", headers=_api_csrf(me),
                json={"van": "2026-11-10", "tot": "2026-11-09", "vervanger_id": second})
    assert r.status_code == 422 and "tot" in r.text
    r = me.post(f"/api/v1/gebruikers/{desk}/afwezigheden", headers=_api_csrf(me),
                json={"van": "2026-11-02", "tot": "2026-11-06", "vervanger_id": second})
    assert r.status_code == 201, r.text
    absence = r.json()["afwezigheid"]
    assert absence["loopt"] is True and absence["vervanger_id"] == second
    assert [a["id"] for a in coordinator.get(f"/api/v1/gebruikers/{desk}/afwezigheden").json()] == [absence["id"]]
    assert hr.get(f"/api/v1/gebruikers/{desk}/afwezigheden").status_code == 403
    r = me.delete(f"/api/v1/gebruikers/{desk}/afwezigheden/{absence['id']}", headers=_api_csrf(me))
    assert r.status_code == 204
    assert me.get(f"/api/v1/gebruikers/{desk}/afwezigheden").json() == []


def test_the_coordinators_staff_list_links_each_person_to_their_work_page(demo):
    """``/medewerkers``: the people of the coordinator's unit, their claimed tasks and today's absence; the menu
    offers it to the coordinator only; a reload of a handover hands over nothing again (POST-redirect-GET)."""
    _claimed_registration(demo)
    second = _second_desk(demo)
    desk = _uid(demo, "meldpunt")
    coordinator = _login(_app(), "coordinator")
    today = __import__("engine.staff.service", fromlist=["today"]).today()
    r = coordinator.post(f"/api/v1/gebruikers/{desk}/afwezigheden", headers=_api_csrf(coordinator),
                         json={"van": today.isoformat(), "tot": today.isoformat(), "vervanger_id": second})
    assert r.status_code == 201, r.text
    page = coordinator.get("/werkvoorraad").text
    assert 'href="/medewerkers"' in page
    page = coordinator.get("/medewerkers").text
    row = re.search(rf'<tr>\s*<td><a href="/gebruikers/{desk}/werk">Mila Meldpunt</a>.*?</tr>', page, re.S).group(0)
    assert "<td>1</td>" in row and "vervanger: Max Meldpunt" in row
    assert f'href="/gebruikers/{second}/werk"' in page
    investigator = _login(_app(), "onderzoeker1")
    assert 'href="/medewerkers"' not in investigator.get("/werkvoorraad").text
    assert investigator.get("/medewerkers").status_code == 403

    # hand over to the pool: 303 to the work page with the outcome; the outcome page changes nothing
    form = coordinator.get(f"/gebruikers/{desk}/werk").text
    r = coordinator.post(f"/gebruikers/{desk}/werk-overdragen",
                         data={"csrf_token": _token(form), "naar": "pool", "reden": "Vertrek"})
    assert r.status_code == 303 and r.headers["location"].startswith(f"/gebruikers/{desk}/werk?melding=")
    outcome = coordinator.get(r.headers["location"]).text
    assert "Werk overgedragen: 1 taak zoals gevraagd." in outcome and "Geen opgepakte open taken" in outcome
    assert "<td>0</td>" in re.search(rf'<a href="/gebruikers/{desk}/werk">Mila Meldpunt</a>.*?</tr>',
                                     coordinator.get("/medewerkers").text, re.S).group(0)

    # the coordinator resets a colleague's second factor from the work page (the same engine function as the CLI)
    assert "heeft geen tweestapsverificatie ingesteld" in outcome
    assert "tweede-factor-herstellen" not in coordinator.get(f"/gebruikers/{_uid(demo, 'coordinator')}/werk").text
    r = coordinator.post(f"/gebruikers/{desk}/tweede-factor-herstellen", data={"csrf_token": _token(outcome)})
    assert r.status_code == 303 and r.headers["location"].startswith(f"/gebruikers/{desk}/werk?melding=")
    assert "De tweestapsverificatie van meldpunt is verwijderd" in coordinator.get(r.headers["location"]).text


def test_the_coordinator_hands_over_all_work_on_the_user_page_in_the_browser(db, site):
    """The browser: the coordinator opens the person's page, picks a colleague and sees one task refused."""
    demo = db  # the live server's database: processes deployed, demo users seeded
    _second_desk(demo)
    plain, plain_ref = _claimed_registration(demo)
    refused, refused_ref = _claimed_registration(demo, subject="meldpunt2")
    desk = _uid(demo, "meldpunt")
    page = site.person("coordinator")
    page.goto(f"/gebruikers/{desk}/werk")
    page.get_by_role("heading", name="Werk en afwezigheid van Mila Meldpunt").wait_for()
    assert page.get_by_role("link", name=plain_ref).is_visible() and page.get_by_role("link", name=refused_ref).is_visible()
    assert axe_violations(page) == []
    page.get_by_label("Overdragen aan").select_option(label="Max Meldpunt")
    page.get_by_label("Reden").fill("Mila vertrekt")
    page.get_by_role("button", name="Werk overdragen").click()
    # POST-redirect-GET: the answer is the person's page with the outcome; a reload hands over nothing again
    page.wait_for_url(re.compile(rf"/gebruikers/{desk}/werk\?melding="))
    outcome = page.get_by_role("status").filter(has_text="Werk overgedragen")
    assert outcome.inner_text().startswith("Werk overgedragen: 1 taak zoals gevraagd, 1 taak naar de pool omdat de "
                                           "collega ze niet mocht krijgen.")
    assert refused_ref not in page.url and plain_ref not in page.url
    assert axe_violations(page) == []
    screenshot(page, "werk-overdragen")
    assert "Geen opgepakte open taken" in page.content()
    assert (_assignee(demo, plain), _assignee(demo, refused)) == (_uid(demo, "meldpunt2"), None)
    with demo.session() as s:
        handed = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "werk_overgedragen"))
    page.reload()
    page.get_by_role("heading", name="Werk en afwezigheid van Mila Meldpunt").wait_for()
    with demo.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == "werk_overgedragen")) == handed == 1
    # why the refused task went to the pool: a notice on the coordinator's worklist
    page.goto("/werkvoorraad")
    notice = page.locator(".personeelsmelding").filter(has_text="Niet al het werk van Mila Meldpunt ging naar Max")
    assert refused_ref in notice.inner_text()
    assert ("Max Meldpunt mag in deze zaak niet optreden (partij in de zaak of door de melder uitgesloten)."
            in notice.inner_text())
    notice.get_by_role("button", name=re.compile("^Gezien")).click()
    page.wait_for_url("**/werkvoorraad")
    # Max is blocked: the task he just got goes back to the pool, and the worklist tells the coordinator
    from engine.staff import service as staff

    with demo.session() as s:
        staff.disable_account(session=s, user_id=_uid(demo, "meldpunt2"), actor="beheerder")
    page.goto("/werkvoorraad")
    notice = page.locator(".personeelsmelding")
    notice.get_by_text("Taken teruggezet in de pool na het blokkeren van Max Meldpunt: 1 taak.").wait_for()
    assert plain_ref in notice.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "werkvoorraad-personeelsmelding")
    notice.get_by_role("button", name=re.compile("^Gezien")).click()
    page.wait_for_url("**/werkvoorraad")
    assert page.locator(".personeelsmelding").count() == 0
    assert _assignee(demo, plain) is None
