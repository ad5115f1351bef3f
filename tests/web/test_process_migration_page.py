"""Process owners move running cases to a new version from the processes page (issue 18): dry run, then migrate."""
from __future__ import annotations

import shutil

from playwright.sync_api import expect

from tests.web.conftest import ROOT, screenshot


def test_process_owner_dry_runs_and_migrates_running_cases(site, db, tmp_path):
    from engine.cases import service as cases
    from engine.cases.models import Case
    from engine.processes import service as processes

    target = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", target)
    bpmn = target / "melding.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace('name="Melding registreren"',
                                                             'name="Melding registreren en vastleggen"'),
                    encoding="utf-8")
    with db.session() as s:
        old = processes.latest_version(session=s).id
        case = cases.start_case(session=s, actor=None, data={}, version_id=old)
        case_id, reference = case.id, case.reference
        new = processes.deploy(session=s, directory=target, actor="procesbeheerder").id

    page = site.person("procesbeheerder")
    page.goto("/processen")
    page.get_by_label("Van versie", exact=True).select_option(str(old))
    page.get_by_label("Naar versie", exact=True).select_option(str(new))
    page.get_by_role("button", name="Proefdraai").click()
    result = page.locator("#migratie")
    expect(result).to_contain_text(f"{reference}: migreerbaar (‘Melding registreren’ heet nu "
                                   "‘Melding registreren en vastleggen’)")
    with db.session() as s:
        assert s.get(Case, case_id).process_version_id == old
    page.get_by_role("button", name="Migreren").click()
    expect(page.locator("#migratie")).to_contain_text(f"{reference}: gemigreerd")
    screenshot(page, "processen-migratie")
    with db.session() as s:
        assert s.get(Case, case_id).process_version_id == new
