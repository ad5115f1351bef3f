"""Oral reports and the follow-up after closure in a real browser (issue 23; EU 2019/1937 art. 9(2), art. 18).

An anonymous reporter asks for a phone call on the public form; the desk sees the request, registers the oral
report with its transcript; the reporter corrects it in "Mijn melding", the desk offers a new version, the
reporter signs it. After closure the check-in arrives on the engine clock; "ja" opens the coordinator's task and
shows the reporter the Huis voor Klokkenluiders."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.cases.models import Case
from engine.contact import service as contact
from tests.web import flow
from tests.web.conftest import axe_violations

pytestmark = pytest.mark.db

REPORT_TEXT = "Een collega boekt al maanden taxiritten als dienstreis die privé waren."
TRANSCRIPT = "De melder vertelt dat de ritten sinds maart als dienstreis zijn geboekt."


def _report_with_meeting(site, db):
    reporter = site.person()
    reporter.goto("/melden")
    reporter.get_by_label("Wat is er gebeurd?").fill(REPORT_TEXT)
    reporter.get_by_label("Om wat voor schending gaat het?").select_option("Financiële schendingen")
    reporter.get_by_label("Bij welk dienstonderdeel speelt het?").fill("Douane")
    reporter.get_by_label("Ja, een telefoongesprek").check()
    reporter.get_by_label("Wanneer en hoe kunnen wij u bereiken? (niet verplicht)").fill("Liefst op dinsdag.")
    reporter.get_by_role("button", name="Melding versturen").click()
    code = reporter.get_by_test_id("ontvangstcode").inner_text()
    with db.session() as s:
        case_id = s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
    reporter.goto("/mijn-melding")
    reporter.get_by_label("Ontvangstcode").fill(code)
    reporter.get_by_role("button", name="Openen").click()
    expect(reporter.locator("#mondeling")).to_contain_text("U vroeg op 2 november 2026 om een telefoongesprek")
    return reporter, case_id, code


def _open_inbox(reporter, code: str) -> None:
    reporter.goto("/mijn-melding")
    if reporter.get_by_label("Ontvangstcode").count():  # the session ran out while time passed
        reporter.get_by_label("Ontvangstcode").fill(code)
        reporter.get_by_role("button", name="Openen").click()


def test_meeting_request_oral_report_and_transcript_signed_by_an_anonymous_reporter(site, db):
    reporter, case_id, _ = _report_with_meeting(site, db)
    flow.complete(db, case_id, "melding_registreren", username="meldpunt")

    desk = site.person("meldpunt")
    expect(desk.locator("#gesprekken-kop")).to_have_text("Melders die om een gesprek vragen")
    desk.locator("section", has=desk.locator("#gesprekken-kop")).get_by_role("link").click()
    section = desk.locator("#mondeling-sectie")
    expect(section).to_contain_text("telefoongesprek — “Liefst op dinsdag.”")
    section.get_by_label("Kanaal").select_option("telefoon")
    section.get_by_label("Datum van het gesprek").fill("2026-11-02")
    section.get_by_label("Op verzoek van de melder").select_option(index=1)
    section.get_by_label("Verslag (gaat naar de melder ter controle en ondertekening)").fill(TRANSCRIPT)
    section.get_by_role("button", name="Vastleggen en aan de melder voorleggen").click()
    expect(desk.locator(".bericht").first).to_contain_text("De mondelinge melding is vastgelegd")
    expect(desk.locator("#mondeling-sectie")).to_contain_text("Wacht op controle en ondertekening door de melder")
    expect(desk.locator("section", has=desk.locator("h2#termijnen"))).to_contain_text("Verslag mondelinge melding")

    # the reporter corrects version 1
    reporter.reload()
    box = reporter.locator("#mondeling")
    expect(box).to_contain_text("uiterlijk op 16 november 2026")
    expect(box).to_contain_text(TRANSCRIPT)
    box.get_by_label("Uw correcties op het verslag").fill("Het was sinds februari, niet maart.")
    box.get_by_role("button", name="Correcties versturen").click()
    expect(reporter.locator("#mondeling")).to_contain_text("Wij verwerken uw correcties")
    expect(reporter.get_by_role("button", name="Verslag ondertekenen")).to_have_count(0)

    # the desk sees the correction as a version and offers version 3
    desk.reload()
    expect(desk.locator("#mondeling-sectie")).to_contain_text("Versie 2 · correcties van de melder")
    desk.locator("#mondeling-sectie").get_by_label("Nieuwe versie van het verslag").fill(
        TRANSCRIPT.replace("maart", "februari"))
    desk.get_by_role("button", name="Nieuwe versie aan de melder voorleggen").click()
    expect(desk.locator("#mondeling-sectie")).to_contain_text("Versie 3 · verslag van het meldpunt")

    # the anonymous reporter signs version 3
    reporter.reload()
    box = reporter.locator("#mondeling")
    expect(box).to_contain_text("versie 3")
    assert axe_violations(reporter) == []
    box.get_by_label("Ik verklaar dat dit verslag juist en volledig is").check()
    box.get_by_role("button", name="Verslag ondertekenen").click()
    expect(reporter.locator("#mondeling")).to_contain_text("U heeft dit verslag ondertekend op 2 november 2026")

    desk.reload()
    expect(desk.locator("#mondeling-sectie")).to_contain_text("Ondertekend door de melder op 2 november 2026")
    expect(desk.locator("#mondeling-sectie")).to_contain_text("(versie 3)")
    with db.session() as s:
        from engine.identity.service import get_user

        desk_user = get_user(session=s, username="meldpunt")
        report_id = contact.oral_reports(session=s, user=desk_user, case_id=case_id)[0].report.id
        assert "februari" in contact.signed_transcript(session=s, oral_report_id=report_id).body
    assert axe_violations(desk) == []


def _close(db, case_id: int) -> None:
    for _ in range(30):
        ids = [i[1] for i in flow.ready(db, case_id)]
        if not ids:
            return
        data = None
        if ids[0] == "melding_beoordelen":
            data = {**flow.ANSWERS.get(ids[0], {}), "route": "geen_onderzoek",
                    "beoordeling_motivering": "Geen nadere eisen."}
        flow.complete(db, case_id, ids[0], data)
    raise AssertionError("the case did not close")


def test_follow_up_answer_opens_a_coordinator_task(site, db, clock):
    reporter, case_id, code = _report_with_meeting(site, db)
    _close(db, case_id)
    reporter.reload()
    expect(reporter.locator("#nazorg")).to_have_count(0)
    clock.advance(timedelta(days=92))  # three months after closing, on the engine clock
    contact.sweep_in(db)  # the timer worker's round for reporter contact
    _open_inbox(reporter, code)
    expect(reporter.locator("#nazorg")).to_contain_text("Heeft u na uw melding nadelige gevolgen ervaren?")
    assert axe_violations(reporter) == []
    box = reporter.locator("#nazorg")
    box.get_by_label("Ja").check()
    box.get_by_label("Toelichting (niet verplicht)").fill("Ik word niet meer uitgenodigd voor overleg.")
    box.get_by_role("button", name="Antwoord versturen").click()
    expect(reporter.locator("#nazorg")).to_contain_text("Huis voor Klokkenluiders")
    expect(reporter.locator("#nazorg")).to_contain_text("U antwoordde op 2 februari 2027: ja")

    coordinator = site.person("coordinator")
    expect(coordinator.locator("#contacttaken-kop")).to_have_text("Taken bij het contact met de melder")
    coordinator.locator("section", has=coordinator.locator("#contacttaken-kop")).get_by_role("link").click()
    expect(coordinator.locator("h1")).to_have_text("Signaal van benadeling opvolgen")
    expect(coordinator.locator("main")).to_contain_text("Ik word niet meer uitgenodigd voor overleg.")
    expect(coordinator.locator("main")).to_contain_text("Huis voor Klokkenluiders")
    coordinator.get_by_role("button", name="Taak oppakken").click()
    coordinator.get_by_role("button", name="Taak afronden").click()  # nothing chosen: a Dutch error, no 500
    expect(coordinator.get_by_role("alert")).to_contain_text("De taak is niet afgerond")
    assert axe_violations(coordinator) == []
    coordinator.get_by_label("Doorverwezen (bijvoorbeeld naar het Huis voor Klokkenluiders of de "
                             "vertrouwenspersoon)").check()
    coordinator.get_by_label("Motivering").fill("Melder gewezen op het Huis voor Klokkenluiders.")
    coordinator.get_by_role("button", name="Taak afronden").click()
    expect(coordinator.locator("#nazorg-sectie")).to_contain_text("Signaal afgehandeld op 2 februari 2027")
    tasks = coordinator.locator("#contacttaken-sectie")
    expect(tasks).to_contain_text("Afgerond")
    expect(tasks).to_contain_text("Melder gewezen op het Huis voor Klokkenluiders.")
    assert axe_violations(coordinator) == []
    coordinator.goto("/werkvoorraad")
    expect(coordinator.locator("#contacttaken-kop")).to_have_count(0)


def test_unsigned_transcript_task_for_the_desk(site, db, clock):
    reporter, case_id, code = _report_with_meeting(site, db)
    flow.complete(db, case_id, "melding_registreren", username="meldpunt")
    with db.session() as s:
        from engine.identity.service import get_user

        contact.register_oral_report(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id,
                                     channel="telefoon", held_on="2026-11-02", transcript=TRANSCRIPT)
    clock.advance(timedelta(days=15))  # the term (to 16 November) passed, on the engine clock
    contact.sweep_in(db)
    desk = site.person("meldpunt")
    expect(desk.locator("#contacttaken-kop")).to_have_text("Taken bij het contact met de melder")
    desk.locator("section", has=desk.locator("#contacttaken-kop")).get_by_role("link").click()
    expect(desk.locator("h1")).to_have_text(
        "Verslag niet ondertekend: melder herinneren of vastleggen dat niet is getekend")
    desk.get_by_role("button", name="Taak oppakken").click()
    desk.get_by_label("Vastleggen dat de melder het verslag niet heeft ondertekend").check()
    desk.get_by_role("button", name="Taak afronden").click()  # no reason: refused in Dutch
    expect(desk.get_by_role("alert")).to_contain_text("‘Motivering’ is leeg")
    desk.get_by_label("Melder herinnerd via ‘Mijn melding’ (de termijn begint opnieuw)").check()
    desk.get_by_role("button", name="Taak afronden").click()
    expect(desk.locator("#mondeling-sectie")).to_contain_text("termijn tot en met 1 december 2026")
    assert axe_violations(desk) == []
    _open_inbox(reporter, code)
    expect(reporter.locator("main")).to_contain_text("Herinnering: het verslag van uw mondelinge melding")
