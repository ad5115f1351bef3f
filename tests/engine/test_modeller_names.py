"""Issue 18: files from other modellers, and task ids that are the process owner's to choose.

* spiff-arena's properties panel writes the form of a user task as ``formJsonSchemaFilename`` (a bare file name);
  Meldpunt reads it as its own ``form`` (under forms/). Its pre- and post-scripts are SpiffWorkflow's own
  ``spiffworkflow:preScript``/``postScript``, the elements Meldpunt uses. A copy written with spiff-arena's names
  passes the check and runs a whole case.
* What a task means to the product is declared in the process files, never by its element id: renaming every task
  that declares a meaning (intake, precedents, legal milestones, fulfilled milestones, letters) in a copy keeps a
  whole case running, and the product finds the tasks by their declaration under the new ids.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from engine.processes import service
from engine.processes.validation import read_process_dir
from tests.engine.test_legal_proof import copy, refusals  # noqa: F401  (copy: fixture)
from tests.process.driver import run_scenario
from tests.process.engine_driver import EngineDriver
from tests.process.scenarios import DEFAULTS, FEITENONDERZOEK, with_

pytestmark = pytest.mark.db

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
MEANINGS = ("intake", "shows_precedents", "legal_milestone", "fulfils", "letter")
REFERENCES = ("sourceRef", "targetRef", "attachedToRef", "bpmnElement")
CASE = with_(FEITENONDERZOEK, {"rapport_opstellen": {
    "uitkomst": "aangetoond", "bevindingen": [{"bewering": "Onterecht reiskosten gedeclareerd", "uitkomst": "aangetoond"}]}})


def _spiff_arena_names(directory: Path) -> int:
    count = 0
    for path in directory.glob("*.bpmn"):
        text, n = re.subn(r'<spiffworkflow:property name="form" value="forms/([^"]+)" />',
                          r'<spiffworkflow:property name="formJsonSchemaFilename" value="\1" />',
                          path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")
        count += n
    return count


def test_a_process_written_with_spiff_arenas_property_names_runs_a_whole_case(copy, db, clock):
    assert _spiff_arena_names(copy) > 40
    assert 'name="form"' not in "".join(p.read_text(encoding="utf-8") for p in copy.glob("*.bpmn"))
    assert refusals(copy) == []
    parsed = service.parse(read_process_dir(copy))
    assert parsed.tasks["melding_registreren"].form == "forms/melding_registreren.json"
    driver = EngineDriver(db, clock, directory=copy)
    trail = run_scenario(driver, CASE, DEFAULTS, {})
    assert driver.finished() and "sanctieadvies_opstellen" in trail and trail[-1] == "zaak_registreren"


def _rename_declared_tasks(directory: Path) -> dict[str, str]:
    """Give every task that declares a meaning a new id (its references and diagram shape follow, as a modeller
    renames an element); scripts and property values are left as they are."""
    renamed: dict[str, str] = {}
    trees = {path: etree.parse(str(path)) for path in directory.glob("*.bpmn")}
    for tree in trees.values():
        for prop in tree.iterfind(".//spiffworkflow:property", NS):
            if prop.get("name") in MEANINGS:
                task = prop.getparent().getparent().getparent()
                renamed[task.get("id")] = f"{task.get('id')}_nieuw"
    for path, tree in trees.items():
        for element in tree.iter():
            if not isinstance(element.tag, str):
                continue
            if element.get("id") in renamed:
                element.set("id", renamed[element.get("id")])
            for attribute in REFERENCES:
                if element.get(attribute) in renamed:
                    element.set(attribute, renamed[element.get(attribute)])
            if etree.QName(element).localname == "flowNodeRef" and (element.text or "").strip() in renamed:
                element.text = renamed[element.text.strip()]
        tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    return renamed


def test_renaming_every_task_with_a_declared_meaning_keeps_a_whole_case_running(copy, db, clock):
    renamed = _rename_declared_tasks(copy)
    assert {"melding_registreren", "sanctieadvies_opstellen", "ontvangst_bevestigen", "terugkoppeling_melder",
            "melder_informeren_gegrondheid"} <= set(renamed)
    assert refusals(copy) == []
    parsed = service.parse(read_process_dir(copy))
    assert service.intake_elements(parsed) == {"melding_registreren_nieuw"}
    assert service.shows_precedents(parsed, "sanctieadvies_opstellen_nieuw")
    assert not service.shows_precedents(parsed, "sanctieadvies_opstellen")
    assert service.intake_form(parsed)["properties"]["categorie"]
    answers = {renamed.get(k, k): v for k, v in CASE.items()}
    defaults = {renamed.get(k, k): v for k, v in DEFAULTS.items()}
    driver = EngineDriver(db, clock, directory=copy)
    trail = run_scenario(driver, answers, defaults, {})
    assert driver.finished()
    assert {"melding_registreren_nieuw", "ontvangst_bevestigen_nieuw", "sanctieadvies_opstellen_nieuw"} <= set(trail)
    assert not set(trail) & set(renamed)  # no old id was ever a task of this case
