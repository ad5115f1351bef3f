"""Process owners: versions and diagrams; a broken upload shows the element-level error."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.web.conftest import ROOT, screenshot


def test_process_owner_sees_the_element_error_of_a_broken_bpmn_file(site, db):
    page = site.person("procesbeheerder")
    page.goto("/processen")
    expect(page.get_by_role("heading", name="Uitgerolde versies")).to_be_visible()
    expect(page.locator("table.lijst")).to_contain_text("Versie 1")
    page.wait_for_selector("#diagram[data-rendered]", timeout=20000)
    assert page.locator("#diagram").get_attribute("data-rendered") == "true"

    source = (ROOT / "processes" / "onderzoek.bpmn").read_text(encoding="utf-8")
    broken = source.replace('targetRef="hoorgesprek_voeren"', 'targetRef="hoorgesprek_bestaat_niet"', 1)
    assert broken != source
    page.get_by_label("Bestanden", exact=True).set_input_files(
        [{"name": "onderzoek.bpmn", "mimeType": "application/xml", "buffer": broken.encode("utf-8")}])
    page.get_by_role("button", name="Controleren en uitrollen").click()
    result = page.locator("#controle")
    expect(result).to_contain_text("onderzoek.bpmn")
    expect(result.locator("code.element").first).to_contain_text("Flow_onderzoek_starten_to_hoorgesprek_voeren")
    # the tasks the broken flow cut off are named too (engine.processes.runtime_checks.unreachable_issues)
    expect(result.locator("code.element", has_text="getuigen_horen")).to_have_count(1)
    expect(result).to_contain_text("hoorgesprek_bestaat_niet")
    expect(result).to_contain_text("regel")
    screenshot(page, "processen-fout")
    # nothing was deployed
    expect(page.locator("table.lijst tbody tr")).to_have_count(1)

    # the unchanged set deploys (a no-op: same content, same version); a changed valid file makes version 2
    fixed = source.replace("Hoorgesprek betrokkene voeren", "Hoorgesprek met betrokkene voeren", 1)
    page.get_by_label("Bestanden", exact=True).set_input_files(
        [{"name": "onderzoek.bpmn", "mimeType": "application/xml", "buffer": fixed.encode("utf-8")}])
    page.get_by_role("button", name="Controleren en uitrollen").click()
    expect(page.get_by_role("status").filter(has_text="uitgerold")).to_contain_text("Versie 2")
    screenshot(page, "processen")


def test_processes_page_is_for_process_owners_only(site, db):
    page = site.person("onderzoeker1")
    response = page.goto("/processen")
    assert response.status == 403


def test_process_owner_checks_and_previews_a_letter_template(site, db):
    """Upload an edited template for a letter of the newest process set: checked as at deployment, then the
    letter rendered with the sample case (PDF with LibreOffice, else HTML)."""
    import io

    from docx import Document

    from documents.build_templates import build
    from documents.pdf import pdf_available
    from documents.render import normalise_docx

    def template(extra: str) -> bytes:
        doc = Document(io.BytesIO(build("ontvangstbevestiging")))
        doc.add_paragraph(extra)
        buf = io.BytesIO()
        doc.save(buf)
        return normalise_docx(buf.getvalue())

    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    page = site.person("procesbeheerder")
    page.goto("/processen")
    page.get_by_label("Brief", exact=True).select_option(label="Ontvangstbevestiging melding")
    page.get_by_label("Sjabloon (Word)").set_input_files(
        [{"name": "ontvangstbevestiging.docx", "mimeType": docx, "buffer": template("Uw kenmerk: {{ kenmerk_onbekend }}")}])
    page.get_by_role("button", name="Sjabloon controleren", exact=True).click()
    result = page.locator("#sjablooncontrole")
    expect(result).to_contain_text("1 probleem gevonden")
    expect(result).to_contain_text("placeholder 'kenmerk_onbekend' bestaat niet in de zaakgegevens")
    screenshot(page, "processen-sjabloon-fout")

    good = template("Wij wijzen u op de vertrouwenspersoon van {{ organisatie.naam }}.")
    page.get_by_label("Brief", exact=True).select_option(label="Ontvangstbevestiging melding")
    page.get_by_label("Sjabloon (Word)").set_input_files(
        [{"name": "ontvangstbevestiging.docx", "mimeType": docx, "buffer": good}])
    page.get_by_role("button", name="Sjabloon controleren", exact=True).click()
    expect(page.locator("#sjablooncontrole")).to_contain_text("Sjabloon voor 'Ontvangstbevestiging melding' is in orde")

    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = page.request.post("/processen/brieven", multipart={
        "csrf_token": token, "brief": "ontvangstbevestiging", "actie": "voorbeeld",
        "sjabloon": {"name": "ontvangstbevestiging.docx", "mimeType": docx, "buffer": good}})
    assert response.status == 200
    if pdf_available():
        assert response.headers["content-type"] == "application/pdf" and response.body()[:4] == b"%PDF"
    else:
        assert "Wij wijzen u op de vertrouwenspersoon van" in response.text()


def test_process_owner_compares_versions_and_activates_an_earlier_one(site, db):
    """Issue 18: the versions table says which version new cases use and how many cases run on each; the
    differences are a table of names (no ids on screen) and marks on the diagram; an earlier version is activated."""
    import re

    from tests.web.test_every_page import ID_PATTERN, READABLE

    page = site.person("procesbeheerder")
    page.goto("/processen")
    source = (ROOT / "processes" / "melding.bpmn").read_text(encoding="utf-8")
    renamed = source.replace('name="Melding registreren"', 'name="Melding vastleggen"', 1)
    page.get_by_label("Bestanden", exact=True).set_input_files(
        [{"name": "melding.bpmn", "mimeType": "application/xml", "buffer": renamed.encode("utf-8")}])
    page.get_by_role("button", name="Controleren en uitrollen").click()
    expect(page.get_by_role("status").filter(has_text="uitgerold")).to_contain_text("Versie 2")
    rows = page.locator("table.lijst tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Actief")  # newest first
    expect(rows.nth(1).get_by_role("button", name="Versie 1 activeren")).to_be_visible()

    page.get_by_label("Versie", exact=True).select_option(label="Versie 2")
    page.get_by_label("vergeleken met").select_option(label="Versie 1")
    page.get_by_role("button", name="Vergelijken").click()
    table = page.locator("#verschillen")
    expect(table).to_contain_text("1 verschil")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Melding vastleggen")
    expect(table).to_contain_text("naam: 'Melding registreren' → 'Melding vastleggen'")
    assert not ID_PATTERN.search(page.evaluate(READABLE))  # names only; the id is for the diagram's marks
    page.wait_for_selector("#diagram[data-rendered]", timeout=20000)
    assert page.locator("#diagram").get_attribute("data-changed") == "melding_registreren"
    assert page.locator(".djs-element.gewijzigd").count() == 1
    screenshot(page, "processen-verschillen")

    page.get_by_role("button", name="Versie 1 activeren").click()
    expect(page.get_by_role("status")).to_contain_text("weer actief")
    rows = page.locator("table.lijst tbody tr")
    expect(rows.nth(1)).to_contain_text("Actief")
    expect(rows.nth(0).get_by_role("button", name="Versie 2 activeren")).to_be_visible()
    assert re.search(r"versie=1", page.url)


def test_process_owner_rehearses_a_draft_and_sees_the_failing_scenario_and_step(site, db):
    """Issue 18: the draft (receipt acknowledgement due in 4 days instead of 7) is rehearsed against one scenario."""
    page = site.person("procesbeheerder")
    page.goto("/processen")
    section = page.locator("section", has=page.get_by_role("heading", name="Conceptversie repeteren"))
    files = []
    for name in ("melding.bpmn", "integriteitsmelding.bpmn"):
        text = (ROOT / "processes" / name).read_text(encoding="utf-8")
        text = text.replace('legal_date("P7D", start=datum_melding)', 'legal_date("P4D", start=datum_melding)')
        text = text.replace('legal_term("P7D", start=datum_melding)', 'legal_term("P4D", start=datum_melding)')
        files.append({"name": name, "mimeType": "application/xml", "buffer": text.encode("utf-8")})
    section.get_by_label("Bestanden van de conceptversie").set_input_files(files)
    section.get_by_label("Scenario's (leeg: alle)").fill("Het meldpunt bevestigt de ontvangst op tijd")
    with page.expect_navigation(timeout=300000):  # the scenario runs while the request waits
        section.get_by_role("button", name="Repeteren").click(no_wait_after=True)
    expect(page.get_by_role("heading", name="Repetitie van de conceptversie")).to_be_visible()
    expect(page.locator("#repetitie-uitkomst")).to_contain_text("0 van 1 scenario's geslaagd, 1 mislukt")
    row = page.locator("tr.mislukt")
    expect(row).to_contain_text("Het meldpunt bevestigt de ontvangst op tijd")
    expect(row).to_contain_text('is de termijn van de taak "Ontvangst bevestigen" 9 november 2026')
    from tests.web.conftest import axe_violations

    assert axe_violations(page, impacts=("minor", "moderate", "serious", "critical")) == []
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "processen-repetitie")
