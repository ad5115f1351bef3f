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
    expect(result.locator("code.element")).to_contain_text("Flow_onderzoek_starten_to_hoorgesprek_voeren")
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
