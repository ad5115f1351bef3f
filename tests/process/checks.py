"""A small checker for a process set, used by the process-owner examples.

The engine's `processes.check` / `meldpunt processes check` is the real one; this mirrors its
ValidationIssue shape (file, message, element_id, line) so the examples in
docs/PROCESS_OWNERS.md show what a process owner sees, and runs with bare SpiffWorkflow.
Its refusals that only this helper had (unquoted durations, ``in`` without ``?``, FEEL lists, a typed ``-``, shapes
missing from the diagram, loop-backs) are in the product now (engine/processes/runtime_checks.py, tested in
tests/engine/test_runtime_checks.py).
"""
from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

from jsonschema import Draft202012Validator, SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, VALIDATOR

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
DMN = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"


@dataclass
class Issue:
    file: str
    message: str
    element_id: str | None = None
    line: int | None = None

    def __str__(self):
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where} [{self.element_id or '-'}] {self.message}"


def check(directory: Path) -> list[Issue]:
    issues: list[Issue] = []
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    lanes_ok = set(manifest["roles"]) | set(manifest["roles"].values())
    docs = {}
    for f in sorted(directory.glob("*.bpmn")) + sorted(directory.glob("*.dmn")):
        try:
            docs[f] = etree.parse(str(f))
        except etree.XMLSyntaxError as e:
            issues.append(Issue(f.name, f"Ongeldige XML: {e.msg}", None, e.lineno))
    if issues:
        return issues
    for f, doc in docs.items():
        if f.suffix == ".bpmn":
            issues += _check_bpmn(f, doc, directory, lanes_ok)
        else:
            issues += _check_dmn(f, doc)
    if not issues:
        parser = SpiffBpmnParser(validator=VALIDATOR)
        try:
            parser.add_bpmn_files([str(f) for f in docs if f.suffix == ".bpmn"])
            parser.add_dmn_files([str(f) for f in docs if f.suffix == ".dmn"])
            parser.get_spec(manifest["main_process"])
            parser.get_subprocess_specs(manifest["main_process"])
        except ValidationException as e:
            issues.append(Issue(Path(e.file_name).name if e.file_name else "manifest.json",
                                f"SpiffWorkflow meldt: {str(e).strip()}", getattr(e, "id", None), None))
    return issues


def _check_bpmn(f: Path, doc, directory: Path, lanes_ok: set[str]) -> list[Issue]:
    out = []
    in_lane = {}
    for lane in doc.iter(f"{BPMN}lane"):
        if lane.get("name") not in lanes_ok:
            out.append(Issue(f.name, f"Lane '{lane.get('name')}' is geen rol uit manifest.json", lane.get("id"),
                             lane.sourceline))
        for ref in lane.iter(f"{BPMN}flowNodeRef"):
            in_lane[ref.text] = lane.get("name")
    di = {e.get("bpmnElement") for e in doc.iter(f"{DI}BPMNShape", f"{DI}BPMNEdge")}
    for proc in doc.iter(f"{BPMN}process"):
        for el in proc:
            if isinstance(el.tag, str) and el.get("id") and etree.QName(el).localname not in ("laneSet",) \
                    and el.get("id") not in di:
                out.append(Issue(f.name, "Element heeft geen plaats in het diagram (BPMNShape/BPMNEdge ontbreekt)",
                                 el.get("id"), el.sourceline))
    for ut in doc.iter(f"{BPMN}userTask"):
        props = {p.get("name"): p.get("value") for p in ut.iter(f"{SPIFF}property")}
        if ut.get("id") not in in_lane:
            out.append(Issue(f.name, "Gebruikerstaak ligt in geen lane", ut.get("id"), ut.sourceline))
        form = props.get("form")
        if not form:
            out.append(Issue(f.name, "Gebruikerstaak heeft geen eigenschap 'form'", ut.get("id"), ut.sourceline))
        elif not (directory / form).is_file():
            out.append(Issue(f.name, f"Formulier '{form}' bestaat niet", ut.get("id"), ut.sourceline))
        else:
            try:
                Draft202012Validator.check_schema(json.loads((directory / form).read_text(encoding="utf-8")))
            except (SchemaError, json.JSONDecodeError) as e:
                out.append(Issue(form, f"Ongeldig formulier (JSON Schema): {getattr(e, 'message', e)}",
                                 ut.get("id"), None))
    for tag in ("timeDate", "timeDuration", "timeCycle", "conditionExpression", "script", "postScript"):
        for el in doc.iter(f"{SPIFF if tag == 'postScript' else BPMN}{tag}"):
            text = (el.text or "").strip()
            mode = "exec" if tag in ("script", "postScript") else "eval"
            owner = el.getparent().getparent() if tag.startswith("time") else el.getparent()
            owner_id = owner.get("id")
            try:
                tree = ast.parse(text, mode=mode)
            except SyntaxError as e:
                out.append(Issue(f.name, f"Geen geldige Python-expressie: {e.msg}", owner_id, el.sourceline))
                continue
            if tag.startswith("time"):
                for node in ast.walk(tree):
                    if isinstance(node, ast.Name) and node.id.startswith("P") and node.id[1:2].isdigit():
                        out.append(Issue(f.name, f"Duur zonder aanhalingstekens: schrijf \"{node.id}\"",
                                         owner_id, el.sourceline))
    # loop-backs: a cycle in the sequence flows
    graph = {}
    for fl in doc.iter(f"{BPMN}sequenceFlow"):
        graph.setdefault(fl.get("sourceRef"), []).append((fl.get("targetRef"), fl))
    state = {}

    def visit(n):
        state[n] = 1
        for t, fl in graph.get(n, []):
            if state.get(t) == 1:
                out.append(Issue(f.name, "Lus terug via een sequence flow: gebruik een lus-markering "
                                         "(standardLoopCharacteristics) in plaats van een terugkoppeling",
                                 fl.get("id"), fl.sourceline))
            elif t not in state:
                visit(t)
        state[n] = 2
    for n in list(graph):
        if n not in state:
            visit(n)
    return out


def _check_dmn(f: Path, doc) -> list[Issue]:
    out = []
    for cell in doc.iter(f"{DMN}inputEntry"):
        text = (cell.findtext(f"{DMN}text") or "").strip()
        if text == "":
            continue
        if text == "-":
            out.append(Issue(f.name, "Laat een cel die er niet toe doet leeg (de editor toont dan '-'); "
                                     "een getypt '-' wordt door de validatie geweigerd", cell.get("id"),
                             cell.sourceline))
            continue
        if text.startswith(("in ", "not in ")):
            out.append(Issue(f.name, f"Schrijf '? {text}' (met vraagteken); zonder ? plakt SpiffWorkflow de "
                                     "invoer en 'in' aan elkaar", cell.get("id"), cell.sourceline))
            continue
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError:
            continue
        if isinstance(tree.body, ast.Tuple):
            out.append(Issue(f.name, f"FEEL-lijst '{text}' matcht nooit: cellen zijn Python, schrijf "
                                     f"'? in ({text})'", cell.get("id"), cell.sourceline))
    return out
