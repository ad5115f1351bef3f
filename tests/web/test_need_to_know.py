"""Need to know in the browser: identity only for desk and coordinator; parties get 'niet gevonden'."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.web import flow
from tests.web.conftest import screenshot

NAME, EMAIL = "Renée Ritsema", "renee.ritsema@example.org"


def _named_case(db) -> tuple[int, str]:
    """A report with a named reporter about the demo user 'medewerker', up to the investigation."""
    from engine.identity.service import get_user
    from engine.intake import service as intake

    registration = {**flow.ANSWERS["melding_registreren"], "melder_anoniem": False, "melder_naam": NAME,
                    "melder_email": EMAIL, "kanaal": "meldpunt_integriteit", "betrokkene_naam": "M. Medewerker"}
    with db.session() as s:
        subject = get_user(session=s, username="medewerker")
        case = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"),
                                    data=registration, subject_user_id=subject.id).case
        case_id, reference = case.id, case.reference
    flow.complete(db, case_id, "melding_registreren", registration)
    flow.advance_until(db, case_id, "onderzoek_starten")
    _give_to(db, case_id, "onderzoek_starten", None)
    return case_id, reference


def _give_to(db, case_id: int, element: str, username: str | None) -> None:
    """Put the task back in the pool (or assign it) regardless of any automatic draw."""
    from engine.identity.service import get_user
    from engine.worklist import service as worklist

    with db.session() as s:
        item = next(i for i in worklist.items_of_case(session=s, case_id=case_id) if i.element_id == element)
        if username is None:
            if item.assignee_id is not None:
                worklist.unclaim(session=s, work_item_id=item.id, user=get_user(session=s, username="coordinator"))
        else:
            worklist.assign(session=s, work_item_id=item.id, by=get_user(session=s, username="coordinator"),
                            assignee=get_user(session=s, username=username), reason="test")


def test_investigator_never_sees_the_reporter_and_parties_get_not_found(site, db):
    case_id, reference = _named_case(db)

    # the coordinator (identity role, oversight of the unit) sees the reporter's name
    coord = site.person("coordinator")
    coord.goto(f"/zaken/{case_id}")
    expect(coord.locator("section", has=coord.get_by_role("heading", name="Partijen"))).to_contain_text(NAME)

    # the investigator: worklist, task, case page, diagram source and completion page never show it
    inv = site.person("onderzoeker1")
    pages = []
    inv.goto("/werkvoorraad?tab=open")
    pages.append(inv.content())
    row = inv.locator("tr", has_text="Onderzoek starten").filter(has_text=reference)
    row.get_by_role("button", name=re.compile("^Oppakken")).click()
    pages.append(inv.content())
    inv.goto("/werkvoorraad?tab=mijn")
    inv.locator("tr", has_text=reference).get_by_role("link", name=re.compile("Onderzoek starten")).click()
    expect(inv.get_by_role("heading", level=1)).to_contain_text("Onderzoek starten")
    pages.append(inv.content())
    inv.goto(f"/zaken/{case_id}")
    expect(inv.get_by_role("heading", level=1)).to_contain_text(reference)
    expect(inv.locator("section", has=inv.get_by_role("heading", name="Partijen"))).to_contain_text("pseudoniem")
    pages.append(inv.content())
    screenshot(inv, "zaak-onderzoeker-pseudoniem")
    for html in pages:
        assert NAME not in html and "Ritsema" not in html and EMAIL not in html

    # the subject, the subject's manager and an uninvolved colleague: "niet gevonden" (404)
    for username in ("medewerker", "teamleider", "hr"):
        page = site.person(username)
        response = page.goto(f"/zaken/{case_id}")
        assert response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Niet gevonden")
        assert reference not in page.content()
        if username == "medewerker":
            screenshot(page, "niet-gevonden")
    # a case number that does not exist looks the same
    response = page.goto("/zaken/999999")
    assert response.status == 404
