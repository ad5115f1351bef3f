"""Issue 23 in a real browser: an internal note never reaches the reporter or the subject (their pages, letters,
exports, the reporter API); a JPEG with GPS EXIF and a .docx with an author, uploaded by the reporter (public form
and "Mijn melding") and by a handler (case page), are stored (decrypted) without either; a named report through
the public form keeps the identity for who may see it. Real app, engine, SQLite and PostgreSQL."""
from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.cases.models import Case
from engine.cases.reveal_models import ReporterAttachment
from tests.api.test_notes_files import assert_clean, authored_docx, gps_jpeg
from tests.web import flow
from tests.web.conftest import PASSWORD, axe_violations

pytestmark = pytest.mark.db

NOTE = "Vermoeden dat de teamchef de getuige onder druk zet; eerst dossier compleet maken."
REPORTER = "Rosa Vertrouwelijk"


def _party_users(db):
    from engine.identity import service as identity

    with db.session() as s:
        chef = identity.create_user(session=s, username="chef", display_name="Chris Chef", roles=[], unit="Douane",
                                    password=PASSWORD)
        subject = identity.create_user(session=s, username="betrokkene", display_name="Bert Betrokkene", roles=[],
                                       unit="Douane", manager_id=chef.id, password=PASSWORD)
        reporter = identity.create_user(session=s, username="rosa", display_name=REPORTER, roles=[], unit="Douane",
                                        password=PASSWORD)
        return reporter.id, subject.id


def _staff_case(db, reporter_id, subject_id) -> int:
    from engine.identity.service import get_user
    from engine.intake import service as intake

    data = {**flow.ANSWERS["melding_registreren"], "melder_anoniem": False, "melder_naam": REPORTER,
            "melder_email": "rosa@example.org", "melder_adres": "Lindelaan 1, 9999 ZZ Ergenshuizen",
            "kanaal": "meldpunt_integriteit", "betrokkene_naam": "Bert Betrokkene",
            "omschrijving": "Declaraties voor reizen die niet zijn gemaakt."}
    with db.session() as s:
        case_id = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"), data=data,
                                       reporter_user_id=reporter_id, subject_user_id=subject_id).case.id
    flow.complete(db, case_id, "melding_registreren", data)
    return case_id


def _fill_report(page, text: str):
    page.get_by_label("Wat is er gebeurd?").fill(text)
    page.get_by_label("Om wat voor schending gaat het?").select_option("Financiële schendingen")
    page.get_by_label("Bij welk dienstonderdeel speelt het?").fill("Douane")


def _docx_text(content: bytes) -> str:
    from documents.render import docx_text

    return docx_text(content)


def test_internal_note_is_invisible_to_reporter_and_subject(site, db):
    reporter_id, subject_id = _party_users(db)
    case_id = _staff_case(db, reporter_id, subject_id)

    coordinator = site.person("coordinator")
    coordinator.goto(f"/zaken/{case_id}")
    notes = coordinator.locator("#notities").locator("xpath=..")
    coordinator.get_by_label("Nieuwe interne notitie").fill(NOTE)
    coordinator.get_by_role("button", name="Notitie opslaan").click()
    expect(coordinator.get_by_role("status")).to_contain_text("De interne notitie is opgeslagen.")
    expect(notes).to_contain_text(NOTE)
    expect(notes).to_contain_text("Cor Coördinator")
    # the author corrects it within the edit window
    notes.locator("summary", has_text="Wijzigen").click()
    notes.get_by_label("Notitie", exact=True).fill(NOTE + " (bijgewerkt)")
    notes.get_by_role("button", name="Wijziging opslaan").click()
    expect(coordinator.get_by_role("status")).to_contain_text("De notitie is gewijzigd.")
    expect(notes).to_contain_text("gewijzigd")
    assert axe_violations(coordinator) == []
    # another handler of the case reads it but may not edit it
    flow.complete(db, case_id, "ontvangst_bevestigen")  # letters after the note: a letter to the reporter
    desk = site.person("meldpunt")
    desk.goto(f"/zaken/{case_id}")
    expect(desk.locator("#notities").locator("xpath=..")).to_contain_text(NOTE)
    expect(desk.locator("#notities").locator("xpath=..").locator("summary", has_text="Wijzigen")).to_have_count(0)

    # the reporter (a known reporter, logged in): the case page does not exist for her, her channel has no note
    reporter = site.person("rosa")
    reporter.goto(f"/zaken/{case_id}")
    expect(reporter.get_by_role("heading", level=1)).to_have_text("Niet gevonden")
    assert NOTE[:30] not in reporter.content()
    for path in ("", "/berichten", "/bijlagen", "/brieven"):
        r = reporter.request.get(f"/api/v1/mijn-meldingen/{case_id}{path}")
        assert r.ok and NOTE[:30] not in r.text(), path
    assert reporter.request.get(f"/api/v1/zaken/{case_id}/notities").status == 404
    letters = reporter.request.get(f"/api/v1/mijn-meldingen/{case_id}/brieven").json()
    assert letters, "the acknowledgement is a letter to the reporter"
    for letter in letters:
        r = reporter.request.get(f"/api/v1/mijn-meldingen/{case_id}/brieven/{letter['id']}")
        assert r.ok and NOTE[:30] not in _docx_text(r.body())
    # the subject: no case page, no notes
    subject = site.person("betrokkene")
    subject.goto(f"/zaken/{case_id}")
    expect(subject.get_by_role("heading", level=1)).to_have_text("Niet gevonden")
    assert subject.request.get(f"/api/v1/zaken/{case_id}/notities").status == 404
    # every letter of the case and the case-list export (as the coordinator) carry no note either
    r = coordinator.request.get(f"/api/v1/zaken/{case_id}/documenten")
    for doc in r.json():
        body = coordinator.request.get(f"/api/v1/zaken/{case_id}/documenten/{doc['id']}").body()
        assert NOTE[:30] not in _docx_text(body)
    for fmt in ("csv", "xlsx"):
        r = coordinator.request.get(f"/zaken/export?formaat={fmt}")
        assert NOTE[:30].encode() not in r.body()


def test_files_from_reporter_and_handler_are_stored_without_metadata(site, db, tmp_path):
    jpeg, docx_file = tmp_path / "foto.jpg", tmp_path / "verslag.docx"
    jpeg.write_bytes(gps_jpeg())
    docx_file.write_bytes(authored_docx())

    # the reporter sends both with the public form ...
    reporter = site.person()
    reporter.goto("/melden")
    _fill_report(reporter, "Een collega neemt dienstmateriaal mee naar huis; foto en verslag bijgevoegd.")
    reporter.get_by_label("Bestanden (foto's, documenten)").set_input_files([str(jpeg), str(docx_file)])
    reporter.get_by_role("button", name="Melding versturen").click()
    code = reporter.get_by_test_id("ontvangstcode").inner_text()
    with db.session() as s:
        case_id = s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
    # ... and both again from "Mijn melding"
    reporter.goto("/mijn-melding")
    reporter.get_by_label("Ontvangstcode").fill(code)
    reporter.get_by_role("button", name="Openen").click()
    for f in (jpeg, docx_file):
        reporter.get_by_label("Foto of document toevoegen").set_input_files(str(f))
        reporter.get_by_role("button", name="Bestand toevoegen").click()
        expect(reporter.get_by_role("status")).to_contain_text("Uw bestand is toegevoegd")
    expect(reporter.locator("#bestanden")).to_contain_text("bijlage-4.docx")  # her file names are not kept
    assert axe_violations(reporter) == []
    # a file the form refuses: a Dutch message, nothing stored
    bad = tmp_path / "programma.exe"
    bad.write_bytes(b"MZ\x90\x00")
    reporter.get_by_label("Foto of document toevoegen").set_input_files(str(bad))
    reporter.get_by_role("button", name="Bestand toevoegen").click()
    expect(reporter.get_by_role("alert")).to_contain_text("Dit bestandstype is niet toegestaan")

    # the handler (coordinator of the unit) adds both as evidence on the case page
    coordinator = site.person("coordinator")
    coordinator.goto(f"/zaken/{case_id}")
    for f in (jpeg, docx_file):
        coordinator.get_by_label("Soort bestand").select_option("bewijs")
        coordinator.get_by_label("Bestand", exact=True).set_input_files(str(f))
        coordinator.get_by_role("button", name="Bestand toevoegen").click()
        expect(coordinator.get_by_role("status")).to_contain_text("Verwijderd vóór opslag")
    files = coordinator.locator("#bestanden").locator("xpath=..")
    expect(files).to_contain_text("GPS-locatie")
    expect(files).to_contain_text("auteur")
    expect(files.locator("tbody tr")).to_have_count(6)
    assert axe_violations(coordinator) == []
    with coordinator.expect_download() as download:
        files.locator("tbody tr", has_text="Bewijsstuk").filter(has_text="foto.jpg").get_by_role("link").click()
    assert_clean(open(download.value.path(), "rb").read(), "foto.jpg")

    # what is stored, decrypted: neither GPS nor EXIF, nor the author
    with db.session() as s:
        rows = list(s.scalars(select(ReporterAttachment).where(ReporterAttachment.case_id == case_id)))
        assert sorted((r.source, r.filename) for r in rows) == sorted(
            [("melder", f"bijlage-{n}.{ext}") for n, ext in ((1, "jpg"), (2, "docx"), (3, "jpg"), (4, "docx"))]
            + [("behandelaar", "foto.jpg"), ("behandelaar", "verslag.docx")])
        for row in rows:
            assert_clean(base64.b64decode(row.content), row.filename)


def test_named_report_via_the_public_form_keeps_the_identity_protected(site, db):
    reporter = site.person()
    reporter.goto("/melden")
    expect(reporter.get_by_label("Uw naam")).to_be_hidden()  # anonymous by default: no identity fields
    _fill_report(reporter, "Mijn leidinggevende laat mij uren schrijven op een project waar ik niet aan werk.")
    reporter.get_by_label("Vertrouwelijk met naam").check()
    expect(reporter.get_by_label("Uw naam")).to_be_visible()
    reporter.get_by_role("button", name="Melding versturen").click()
    expect(reporter.get_by_role("alert")).to_contain_text("‘Uw naam’ is nodig")  # named needs a name
    reporter.get_by_label("Uw naam").fill(REPORTER)
    reporter.get_by_label("Uw e-mailadres").fill("rosa@example.org")
    reporter.get_by_role("button", name="Melding versturen").click()
    expect(reporter.get_by_test_id("ontvangstcode")).to_have_text(re.compile(r"\d{4} \d{4} \d{4} \d{4}"))
    assert REPORTER not in reporter.content()
    with db.session() as s:
        case = s.scalar(select(Case).order_by(Case.id.desc()).limit(1))
        case_id = case.id
        from engine.cases import confidential

        assert confidential.read(s, case_id=case_id).get("melder_naam") == REPORTER
    # the coordinator may see who reported; Bureau V&I (oversight, no identity) sees a pseudonym
    coordinator = site.person("coordinator")
    coordinator.goto(f"/zaken/{case_id}")
    expect(coordinator.locator("#partijen").locator("xpath=..")).to_contain_text(REPORTER)
    bureau = site.person("bvi")
    bureau.goto(f"/zaken/{case_id}")
    expect(bureau.get_by_role("heading", level=1)).to_contain_text("Zaak")
    page = bureau.content()
    assert REPORTER not in page and "rosa@example.org" not in page
    expect(bureau.locator("#partijen").locator("xpath=..")).to_contain_text("(pseudoniem)")
    r = bureau.request.get(f"/api/v1/zaken/{case_id}")
    assert r.ok and REPORTER not in r.text() and "rosa@example.org" not in r.text()
