"""The floor under every legal floor: a process set that handles integrity cases declares ``legal_rules``.

Every proof of the legal rules (separation of duties, the written notices to the subject, the reporter's path, hoor
en wederhoor, the notice and the assignment before a formal investigation, the aangifte, the reporter's consent)
starts from the manifest's ``legal_rules``; only the hearing floor (``statutory_issues``) holds a set without it, and
only while its forms offer a statutory penalty. A process owner who deletes the block and makes the sanction free
text would escape all the others, at check, at deploy and at every step. `processes check` (service, CLI) and
deploy refuse such a set, naming in Dutch why it is an integrity-case set (a task, lane or form field by its visible
name) and what is missing; a set that handles no integrity case (the minimal test set) still deploys.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from cli.main import app
from engine.errors import ProcessValidationError
from engine.processes import service
from engine.processes.legal_rules import STATUTORY_PENALTIES
from tests.engine.test_legal_proof import copy, refusals  # noqa: F401  (copy: fixture)

MISSING = "'legal_rules' ontbreekt, maar deze processet behandelt integriteitszaken"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
FIXTURE = Path(__file__).parent.parent / "fixtures" / "processes" / "minimal"


def strip_legal_rules(directory: Path, *, milestones: bool = False) -> Path:
    """What a process owner could do to a copy of processes/: delete ``legal_rules`` from the manifest and make the
    sanction free text (the resolution field renamed, no statutory penalty offered in any choice), so the hearing
    floor has nothing to hold on to; with ``milestones`` also delete every ``legal_milestone`` from the BPMN."""
    manifest = directory / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data.pop("legal_rules")
    manifest.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    for path in sorted((directory / "forms").glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        props = schema.get("properties") or {}
        for name in list(props):
            prop = props[name]
            items = prop.get("items") if isinstance(prop.get("items"), dict) else prop
            if any(value in STATUTORY_PENALTIES for value in items.get("enum") or []):
                items.pop("enum")  # free text: the penalty is whatever is typed
            if name == "afdoeningen":
                props["sanctie_vrij"] = props.pop(name)
        if isinstance(schema.get("required"), list):
            schema["required"] = ["sanctie_vrij" if r == "afdoeningen" else r for r in schema["required"]]
        path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    if milestones:
        for path in sorted(directory.glob("*.bpmn")):
            tree = etree.parse(str(path))
            for prop in tree.getroot().iter(f"{{{SPIFF}}}property"):
                if prop.get("name") == "legal_milestone":
                    prop.getparent().remove(prop)
            tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    return directory


def _element_ids(directory: Path) -> set[str]:
    return {el.get("id") for path in directory.glob("*.bpmn") for el in etree.parse(str(path)).iter()
            if isinstance(el.tag, str) and el.get("id")}


def _the_refusal(issues: list[str]) -> str:
    found = [i for i in issues if i.startswith("manifest.json [legal_rules]: ") and MISSING in i]
    assert len(found) == 1, "\n".join(issues)
    return found[0]


@pytest.mark.parametrize("milestones", [False, True], ids=["zonder-legal_rules", "ook-zonder-mijlpalen"])
def test_check_refuses_an_integrity_set_without_legal_rules(copy, milestones):
    strip_legal_rules(copy, milestones=milestones)
    issues = refusals(copy)
    assert not any("de wettelijke regels ontbreken, maar dit proces kan een straf opleggen" in i for i in issues), \
        "the hearing floor would already refuse it: the edit does not reach the gap"
    refusal = _the_refusal(issues)
    # why: a task, lane or form field by its visible name; what is missing: the floors legal_rules holds
    assert re.search(r"de taak '[^']+' ligt in de baan '[^']+'|draagt de mijlpaal|het formulier forms/", refusal)
    for words in ("functiescheiding", "kennisgeving aan de betrokkene", "hoor en wederhoor", "onderzoeksopdracht",
                  "art. 162 Sv", "toestemming van de melder"):
        assert words in refusal, refusal
    quoted = set(re.findall(r"'([^']+)'", refusal))
    assert not quoted & _element_ids(copy), quoted & _element_ids(copy)  # visible names, never an element id
    if milestones:  # the BPMN edit takes the milestones away, not the lane that decides on the subject
        assert "in de baan 'Bevoegd gezag' (het bevoegd gezag beslist over de betrokkene)" in refusal


def test_deploy_refuses_an_integrity_set_without_legal_rules(db, copy):
    strip_legal_rules(copy)
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    _the_refusal([str(i) for i in info.value.issues])
    with db.session() as s:
        assert service.list_versions(session=s) == []  # nothing deployed


def test_the_cli_check_refuses_it(copy):
    strip_legal_rules(copy)
    result = CliRunner().invoke(app, ["processes", "check", str(copy)])
    assert result.exit_code != 0
    assert MISSING in result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_a_set_that_handles_no_integrity_case_still_deploys(db):
    """The minimal test set (a desk and a coordinator, no milestone, lane or field of an integrity case) is not an
    integrity-case set: it needs no legal_rules and deploys."""
    assert "legal_rules" not in json.loads((FIXTURE / "manifest.json").read_text(encoding="utf-8"))
    assert service.check(directory=FIXTURE) == []
    with db.session() as s:
        version = service.deploy(session=s, directory=FIXTURE)
        assert version.main_process_id == "testproces"
