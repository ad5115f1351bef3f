"""In-browser modelling (issue 18): a process owner opens the live process in the bpmn-js modeller, changes a
deadline and a lane, sees the check's error at the element, fixes it, saves, sees the differences and deploys; the
new version is then the active one."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.web.conftest import screenshot

TIMER = "ontvangst_termijn"  # "7 dagen verstreken" on "Ontvangst bevestigen"
MOVED = "zaak_registreren"  # a user task in the coordinator's lane, moved to the lane "Meldpunt"


def _timer_value(page, value: str) -> None:
    page.locator(f'.djs-element[data-element-id="{TIMER}"]').click()
    panel = page.locator("#modeller-eigenschappen")
    header = panel.locator('[data-group-id="group-timer"] .bio-properties-panel-group-header')
    if "open" not in (header.get_attribute("class") or ""):
        header.click()
    field = panel.locator('[data-group-id="group-timer"] [name="timerEventDefinitionValue"], '
                          '[data-group-id="group-timer"] textarea, [data-group-id="group-timer"] input[type=text]').first
    field.fill(value)
    field.press("Tab")


def _save(page) -> str:
    canvas = page.locator("[data-modeller-url]")
    page.get_by_role("button", name="Opslaan en controleren").click()
    page.wait_for_function("() => ['geldig', 'ongeldig', 'fout'].includes("
                           "document.querySelector('[data-modeller-url]').dataset.opslaan)")
    return canvas.get_attribute("data-opslaan")


def test_process_owner_models_checks_and_deploys_in_the_browser(site, db):
    from engine.processes import service as processes

    with db.session() as s:
        before = processes.active_version(session=s).id
    page = site.person("procesbeheerder")
    page.goto("/processen/modelleren?bestand=integriteitsmelding.bpmn")
    page.wait_for_selector("[data-modeller-url][data-rendered]", timeout=30000)
    assert page.locator("[data-modeller-url]").get_attribute("data-rendered") == "true"
    expect(page.get_by_role("heading", name="Formulieren")).to_be_visible()
    expect(page.locator(".modeller-bijlagen")).to_contain_text("Ontvangstbevestiging")

    # Meldpunt's own properties of a task, in the panel
    page.locator('.djs-element[data-element-id="ontvangst_bevestigen"]').click()
    expect(page.locator("#meldpunt-eigenschap-form")).to_have_value("forms/ontvangst_bevestigen.json")
    expect(page.locator("#meldpunt-eigenschap-letter")).to_have_value("ontvangstbevestiging")
    page.locator("#meldpunt-eigenschap-priority").fill("2")
    page.locator("#meldpunt-eigenschap-priority").press("Tab")

    # a lane: the task moves to the coordinator's lane (the modeller updates the lane's members)
    page.evaluate("""([task]) => {
        const m = document.querySelector('[data-modeller-url]').modeler;
        const reg = m.get('elementRegistry');
        const shape = reg.get(task);
        const lane = reg.filter(e => e.type === 'bpmn:Lane' && e.businessObject.name === 'Meldpunt')[0];
        const dy = lane.y + 20 - shape.y;
        m.get('modeling').moveElements([shape], {x: 0, y: dy}, lane);
    }""", [MOVED])

    # a deadline with a mistake: the check marks the timer on the diagram, in Dutch; nothing is deployed
    _timer_value(page, "P7D")
    assert _save(page) == "ongeldig"
    problems = page.locator("#modeller-problemen")
    expect(problems).to_contain_text("7 dagen verstreken")
    expect(problems).to_contain_text("geen ISO 8601-datum")
    mark = page.locator(".modeller-fout")
    expect(mark).to_have_count(1)
    expect(mark).to_contain_text("geen ISO 8601-datum")
    assert page.locator(f'.djs-element.heeft-fout[data-element-id="{TIMER}"]').count() == 1
    screenshot(page, "modelleren-fout")
    with db.session() as s:
        assert processes.active_version(session=s).id == before

    # the draft survives a reload
    page.reload()
    page.wait_for_selector("[data-modeller-url][data-rendered]", timeout=30000)
    expect(page.locator(".modeller-fout")).to_have_count(1)

    # fixed: a shorter term
    _timer_value(page, 'legal_term("P5D", start=datum_melding)')
    assert _save(page) == "geldig"
    expect(page.locator(".modeller-fout")).to_have_count(0)

    # the differences, then deploy
    page.get_by_role("link", name="Verschillen bekijken").click()
    table = page.locator("#verschillen")
    expect(table).to_contain_text("P7D")
    expect(table).to_contain_text("P5D")
    expect(table).to_contain_text("rol (baan)")
    expect(table).to_contain_text("'Integriteitscoördinator' → 'Meldpunt'")
    expect(table).to_contain_text("prioriteit")
    page.wait_for_selector("[data-bpmn-url][data-rendered]", timeout=20000)
    assert page.locator(f'.djs-element.gewijzigd[data-element-id="{TIMER}"]').count() == 1
    assert page.locator(f'.djs-element.gewijzigd[data-element-id="{MOVED}"]').count() == 1
    screenshot(page, "modelleren-verschillen")
    page.get_by_role("button", name="Uitrollen").click()
    expect(page.locator("#uitgerold")).to_contain_text("is uitgerold")

    with db.session() as s:
        active = processes.active_version(session=s)
        assert active.id != before
        content = {f.path: f.content for f in active.files}["integriteitsmelding.bpmn"].decode()
        assert 'legal_term("P5D", start=datum_melding)' in content
        assert '<spiffworkflow:property name="priority" value="2" />' in content
        assert "<spiffworkflow:postScript>" in content  # the scripts the modeller does not edit are kept
        lanes = processes.parsed_version(session=s, version_id=active.id).tasks[MOVED]
        assert lanes.role == "meldpunt"


def test_modelling_is_for_process_owners_only(site, db):
    page = site.person("onderzoeker1")
    assert page.goto("/processen/modelleren").status == 403


def test_process_owner_edits_the_decision_table_in_the_browser(site, db):
    """dmn-js for the route table: what it saves is read as before (saved unchanged: in order); a cell with a
    mistake is refused at its rule, and nothing is deployed."""
    from engine.processes import service as processes

    with db.session() as s:
        before = processes.active_version(session=s).id
    page = site.person("procesbeheerder")
    page.goto("/processen/modelleren?bestand=route_voorstel.dmn")
    page.wait_for_selector("[data-modeller-url][data-rendered]", timeout=30000)
    assert page.locator("[data-modeller-url]").get_attribute("data-rendered") == "true"
    expect(page.locator(".tjs-table")).to_be_visible()
    assert _save(page) == "geldig"

    page.evaluate("""() => {
        const viewer = document.querySelector('[data-modeller-url]').modeler.getActiveViewer();
        const sheet = viewer.get('sheet').getRoot();
        const rule = sheet.rows[0];
        const cell = rule.cells[0];
        viewer.get('modeling').editCell(cell.businessObject, '== "niet afgesloten');
    }""")
    assert _save(page) == "ongeldig"
    expect(page.locator("#modeller-problemen")).to_contain_text("DMN-cel")
    assert page.locator(".tjs-table .heeft-fout").count() >= 1
    screenshot(page, "modelleren-beslistabel-fout")
    with db.session() as s:
        assert processes.active_version(session=s).id == before


def test_every_process_file_opens_and_saves_unchanged_in_order(site, db):
    """Each BPMN and DMN file of the live set opens in the modeller without a warning and, saved unchanged, passes
    the check: what bpmn-js/dmn-js write is read as before. onderzoek.bpmn names variables as a multi-instance
    task's loopDataInputRef/-OutputRef (SpiffWorkflow's way), which bpmn-js reads as unresolved references: the
    modeller keeps them."""
    from sqlalchemy import select

    from engine.identity.models import User
    from engine.processes import modelling

    page = site.person("procesbeheerder")
    with db.session() as s:
        owner = s.execute(select(User).where(User.username == "procesbeheerder")).scalar_one()
        paths = modelling.editable(modelling.active_files(session=s))
    assert "onderzoek.bpmn" in paths and "route_voorstel.dmn" in paths
    for path in paths:
        page.goto(f"/processen/modelleren?bestand={path}")
        page.wait_for_selector("[data-modeller-url][data-rendered]", timeout=30000)
        assert page.locator("[data-modeller-url]").get_attribute("data-rendered") == "true", path
        assert _save(page) == "geldig", (path, page.locator("#modeller-controle").inner_text())
    with db.session() as s:
        saved = modelling.file_content(session=s, user=owner, path="onderzoek.bpmn").decode()
    assert "<bpmn:loopDataInputRef>getuigenverhoren</bpmn:loopDataInputRef>" in saved
    assert "<bpmn:loopDataOutputRef>getuigenreacties</bpmn:loopDataOutputRef>" in saved
