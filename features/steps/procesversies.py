"""Steps for process owners' versions (issue 15): a version that breaks a legal guarantee is not deployed, and the
refusal names file, element and rule. The scenario edits a copy of the real processes/ the way a process owner
could in the editor, and deploys it on the scenario's database.

Shared machinery (World, fail) lives in features.steps.common.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from lxml import etree
from pytest_bdd import parsers, then, when

from engine.errors import ProcessValidationError
from engine.processes import service as processes
from features.steps.common import World, fail, step_ids, task_ids
from tests.process.driver import PROCESSES

SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def _copy_with(task: str, prop: str, value: str | None) -> Path:
    """A copy of processes/ in which the task ``task`` (its name in the worklist, or its element id) has ``prop`` set
    to ``value`` (removed for None)."""
    ids = task_ids(task)
    target = Path(tempfile.mkdtemp(prefix="procesversie-")) / "processes"
    shutil.copytree(PROCESSES, target)
    for path in target.glob("*.bpmn"):
        tree = etree.parse(str(path))
        found = [el for el in tree.getroot().iter() if el.get("id") in ids]
        if not found:
            continue
        props = found[0].find(f".//{{{SPIFF}}}properties")
        if props is None:
            fail(f"de taak '{task}' heeft eigenschappen", "geen")
        existing = [p for p in props if p.get("name") == prop]
        for p in existing:
            props.remove(p)
        if value is not None:
            etree.SubElement(props, f"{{{SPIFF}}}property", name=prop, value=value)
        tree.write(str(path), xml_declaration=True, encoding="UTF-8")
        return target
    fail(f"een taak '{task}' in de procesbestanden", "niet gevonden")


def _deploy(wereld: World, directory: Path) -> None:
    with wereld.db.session() as s:
        before = processes.latest_version(session=s).id
    try:
        with wereld.db.session() as s:
            processes.deploy(session=s, directory=directory, actor="procesbeheerder")
        wereld.last_error = ""
    except ProcessValidationError as exc:
        wereld.last_error = "\n".join(str(i) for i in exc.issues)
    finally:
        shutil.rmtree(directory.parent, ignore_errors=True)
    with wereld.db.session() as s:
        wereld.report["_versie_uitgerold"] = processes.latest_version(session=s).id != before


@when(parsers.parse('de procesbeheerder een versie uitrolt waarin de taak "{taak}" de brief verklaart voor "{ontvanger}"'))
def step_deploy_recipient(wereld: World, taak: str, ontvanger: str):
    """Voorbeeld: Als de procesbeheerder een versie uitrolt waarin de taak "Terugkoppeling aan melder" de brief verklaart voor "betrokkene"
    (een kopie van processes/ met alleen die wijziging: eigenschap letter_recipient van die taak)"""
    _deploy(wereld, _copy_with(taak, "letter_recipient", ontvanger))


@when(parsers.parse('de procesbeheerder een versie uitrolt waarin de taak "{taak}" geen ontvanger van de brief verklaart'))
def step_deploy_no_recipient(wereld: World, taak: str):
    """Voorbeeld: Als de procesbeheerder een versie uitrolt waarin de taak "Ontvangst bevestigen" geen ontvanger van de brief verklaart
    (een kopie van processes/ zonder de eigenschap letter_recipient op die taak)"""
    _deploy(wereld, _copy_with(taak, "letter_recipient", None))


@when(parsers.parse('de procesbeheerder een versie uitrolt waarin de taak "{taak}" aan de plaats "{plaats}" is gebonden'))
def step_deploy_slot(wereld: World, taak: str, plaats: str):
    """Voorbeeld: Als de procesbeheerder een versie uitrolt waarin de taak "Onderzoeksopdracht verstrekken" aan de plaats "jurist_bezwaar" is gebonden
    (een kopie van processes/ met alleen die wijziging: eigenschap slot van die taak)"""
    _deploy(wereld, _copy_with(taak, "slot", plaats))


@when("de procesbeheerder een versie uitrolt zonder wettelijke regels en met de straf als vrije tekst")
def step_deploy_without_legal_rules(wereld: World):
    """Voorbeeld: Als de procesbeheerder een versie uitrolt zonder wettelijke regels en met de straf als vrije tekst
    (een kopie van processes/ zonder 'legal_rules' in manifest.json; het veld 'afdoeningen' hernoemd en geen
    formulier dat een wettelijke straf als keuze aanbiedt)"""
    from tests.engine.test_integrity_case_floor import strip_legal_rules

    target = Path(tempfile.mkdtemp(prefix="procesversie-")) / "processes"
    shutil.copytree(PROCESSES, target)
    _deploy(wereld, strip_legal_rules(target))


@then(parsers.parse('wordt de versie niet uitgerold omdat "{reden}" in het manifest'))
def step_not_deployed_manifest(wereld: World, reden: str):
    """Voorbeeld: Dan wordt de versie niet uitgerold omdat "behandelt integriteitszaken" in het manifest
    (na 'de procesbeheerder een versie uitrolt ...'; de weigering noemt manifest.json en de reden)"""
    if wereld.report.get("_versie_uitgerold"):
        fail(f"de versie wordt geweigerd ({reden})", "de versie is uitgerold")
    lines = [line for line in wereld.last_error.splitlines()
             if line.startswith("manifest.json") and reden.lower() in line.lower()]
    if not lines:
        fail(f"een weigering '{reden}' in manifest.json", wereld.last_error or "geen weigering")


@then(parsers.parse('wordt de versie niet uitgerold omdat "{reden}" bij "{bestand}" en "{element}"'))
def step_not_deployed(wereld: World, reden: str, bestand: str, element: str):
    """Voorbeeld: Dan wordt de versie niet uitgerold omdat "buiten de lekbewaking om" bij "integriteitsmelding.bpmn" en "Terugkoppeling aan melder"
    (na 'de procesbeheerder een versie uitrolt ...'; de weigering noemt bestand, element (de naam van de taak of het
    id van het element) en de reden)"""
    if wereld.report.get("_versie_uitgerold"):
        fail(f"de versie wordt geweigerd ({reden})", "de versie is uitgerold")
    ids = step_ids(element)
    lines = [line for line in wereld.last_error.splitlines()
             if line.startswith(bestand) and any(f"[{i}]" in line for i in ids) and reden.lower() in line.lower()]
    if not lines:
        fail(f"een weigering '{reden}' bij {bestand} [{element}]", wereld.last_error or "geen weigering")
