"""PLACEHOLDER until the validation branch lands (same interface)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.specs.defaults import UserTask
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.processes.manifest import Manifest, load_manifest


@dataclass
class TaskMeta:
    element_id: str
    name: str
    kind: str
    process_id: str
    role: str | None
    slot: str | None
    form: str | None
    assignment: str | None = None
    priority: str | None = None
    letter: str | None = None
    letter_recipient: str | None = None
    properties: dict = field(default_factory=dict)


@dataclass
class ParsedProcessSet:
    manifest: Manifest
    spec: object
    subprocess_specs: dict
    forms: dict
    tasks: dict


def read_process_dir(path: Path) -> dict[str, bytes]:
    path = Path(path)
    files = {}
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path).as_posix()
        if p.is_file() and (rel == "manifest.json" or p.suffix in (".bpmn", ".dmn") or (rel.startswith("forms/") and p.suffix == ".json")):
            files[rel] = p.read_bytes()
    return files


def parse_process_set(files, *, functions=None, template_exists=None) -> ParsedProcessSet:
    manifest = load_manifest(files["manifest.json"])
    parser = SpiffBpmnParser(validator=BpmnValidator())
    for name, content in files.items():
        if name.endswith(".bpmn"):
            parser.add_bpmn_xml(etree.parse(BytesIO(content)).getroot(), filename=name)
        elif name.endswith(".dmn"):
            parser.add_dmn_xml(etree.parse(BytesIO(content)).getroot(), filename=name)
    spec = parser.get_spec(manifest.main_process)
    subs = parser.get_subprocess_specs(manifest.main_process)
    forms = {n: json.loads(c) for n, c in files.items() if n.startswith("forms/")}
    tasks = {}
    for s in [spec, *subs.values()]:
        for ts in s.task_specs.values():
            if type(ts).__name__ == "UserTask":
                props = dict(ts.extensions.get("properties", {}))
                role = manifest.role_for_lane(ts.lane)
                tasks[ts.name] = TaskMeta(ts.name, ts.bpmn_name or ts.name, "userTask", s.name, role,
                                          props.get("slot") or role, props.get("form"), props.get("assignment"),
                                          props.get("priority"), props.get("letter"), props.get("letter_recipient"), props)
    return ParsedProcessSet(manifest, spec, subs, forms, tasks)
