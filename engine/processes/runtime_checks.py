"""Checks for what would otherwise fail only at run time (issue 18): the process check's own phase.

``runtime_issues`` looks at every timer, condition, script, task expression and DMN cell of a process set that
already passed the per-element checks (each compiles in the sandbox) and reports, in Dutch with file, line and
element:

* **data flow**: a name read by a gateway condition, timer, script, DMN input or output that no form field, no
  script, no DMN output, no loop item and no value the engine itself starts a case with can produce (a misspelt
  gateway variable, a renamed DMN input, an unquoted DMN output such as ``feitenonderzoek``);
* **unknown functions**: a call of a name that is no engine function, no sandbox builtin and no data;
* **durations**: an unquoted ISO 8601 duration (``P7D`` instead of ``"P7D"``) anywhere, and a duration given to
  ``legal_term``/``legal_date``/``add_duration`` that is not valid ISO 8601 (``"P7X"``, ``"14D"``);
* **evaluation**: each timer and each sequence-flow condition that is a pure expression over form fields and the
  manifest's settings is evaluated with example data generated from the form schemas (``documents.sample``);
  an error there is reported instead of a 422 for the case handler later;
* **diagram**: in a file with a diagram, every flow element and flow has a shape (BPMNShape/BPMNEdge), and no
  sequence flow leads back to an earlier element (a loop marker does that);
* **DMN structure**: each DMN file holds one decision with a decision table (not a literal expression, not
  empty), in DMN 1.2 or 1.3, with hit policy UNIQUE, FIRST, PRIORITY or ANY (COLLECT and RULE ORDER give a list,
  which no gateway can compare); input cells are Python, not FEEL (``in (…)`` without ``?``, a FEEL list
  ``"a","b"``, a range ``[1..5]`` or ``not(…)`` are refused with the Python to write instead).
"""
from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from lxml import etree

from engine.errors import ValidationIssue

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DMN11_NS = "http://www.omg.org/spec/DMN/20151101/dmn.xsd"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS, "bpmndi": DI_NS}

# Values the engine puts into every case's data before the first step (engine.cases.service.start_case).
ENGINE_SEEDS = frozenset({"zaaknummer", "instellingen", "datum_melding"})
# Engine functions whose first argument is an ISO 8601 duration.
DURATION_FUNCTIONS = frozenset({"legal_term", "legal_date", "add_duration"})
# Flow elements that must have a shape or an edge in the diagram.
DIAGRAM_TAGS = frozenset({
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "businessRuleTask",
    "callActivity", "subProcess", "transaction", "adHocSubProcess", "startEvent", "endEvent", "intermediateCatchEvent",
    "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway", "inclusiveGateway", "parallelGateway",
    "eventBasedGateway", "complexGateway", "sequenceFlow",
})
HIT_POLICIES = frozenset({"UNIQUE", "FIRST", "PRIORITY", "ANY"})
ISO_DURATION_NAME = re.compile(r"^P(\d+[YMWD]|T\d+[HMS])", re.IGNORECASE)
_SANDBOX_BUILTINS: frozenset[str] | None = None


def _sandbox_builtins() -> frozenset[str]:
    global _SANDBOX_BUILTINS
    if _SANDBOX_BUILTINS is None:
        from engine.processes.sandbox import _GUARDS  # the builtins every script and expression gets

        _SANDBOX_BUILTINS = frozenset(_GUARDS["__builtins__"]) | {"True", "False", "None"}
    return _SANDBOX_BUILTINS


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _owner(element: etree._Element) -> etree._Element:
    wrappers = {"extensionElements", "timerEventDefinition", "conditionalEventDefinition",
                "multiInstanceLoopCharacteristics", "standardLoopCharacteristics", "properties"}
    current = element.getparent()
    while current is not None and (current.get("id") is None or _local(current) in wrappers):
        current = current.getparent()
    return current if current is not None else element


def _parse(code: str, mode: str) -> ast.AST | None:
    try:
        return ast.parse(code.strip(), mode=mode)
    except SyntaxError:
        return None  # reported by the sandbox check


def _bound(tree: ast.AST) -> set[str]:
    """Names a piece of code binds itself (assignments, loop and comprehension variables, lambda arguments)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            found.add(node.id)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.add(node.name)
    return found


class _Code:
    """One piece of Python in a process file: where it is, what kind, its text."""

    def __init__(self, file: str, element: etree._Element, owner: etree._Element, kind: str, text: str, mode: str):
        self.file, self.element, self.owner, self.kind, self.text, self.mode = file, element, owner, kind, text, mode

    def issue(self, message: str) -> ValidationIssue:
        return ValidationIssue(self.file, f"{self.kind}: {message}", self.owner.get("id"), self.element.sourceline)


def _bpmn_code(path: str, root: etree._Element) -> Iterator[_Code]:
    def text(node: etree._Element) -> str:
        return (node.text or "").strip()

    for task in root.iterfind(".//bpmn:scriptTask", NS):
        for node in task.iterfind("./bpmn:script", NS):
            yield _Code(path, node, task, "Script", text(node), "exec")
    for kind, label in (("preScript", "Voorscript"), ("postScript", "Nascript")):
        for node in root.iterfind(f".//spiffworkflow:{kind}", NS):
            yield _Code(path, node, _owner(node), label, text(node), "exec")
    for node in root.iterfind(".//bpmn:conditionExpression", NS):
        yield _Code(path, node, _owner(node), "Conditie", text(node), "eval")
    for xpath in (".//bpmn:conditionalEventDefinition/bpmn:condition", ".//bpmn:loopCardinality",
                  ".//bpmn:completionCondition", ".//bpmn:loopCondition"):
        for node in root.iterfind(xpath, NS):
            yield _Code(path, node, _owner(node), "Expressie", text(node), "eval")
    for definition in root.iterfind(".//bpmn:timerEventDefinition", NS):
        for node in definition:
            if _local(node) in ("timeDate", "timeDuration", "timeCycle"):
                yield _Code(path, node, _owner(definition), "Timer", text(node), "eval")
    for node in root.iterfind(".//spiffworkflow:property", NS):
        if node.get("name") in ("priority", "fulfils_when") and (node.get("value") or "").strip():
            value = node.get("value").strip()
            try:
                int(value)
                continue
            except ValueError:
                pass
            yield _Code(path, node, _owner(node), f"Eigenschap '{node.get('name')}'", value, "eval")


def _dmn_code(path: str, root: etree._Element) -> Iterator[_Code]:
    for node in root.iter():
        tag = _local(node)
        if tag not in ("inputExpression", "outputEntry", "inputEntry"):
            continue
        child = next((c for c in node if _local(c) == "text"), None)
        value = (child.text or "").strip() if child is not None else ""
        if not value:
            continue
        if tag == "inputEntry":
            value = re.sub(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)', "dmninputexpr", value)
            if _parse(value, "eval") is None:
                value = f"dmninputexpr {value}"
        kind = {"inputExpression": "DMN-invoer", "outputEntry": "DMN-uitvoercel", "inputEntry": "DMN-cel"}[tag]
        yield _Code(path, child, node, kind, value, "eval")


def producers(trees: Mapping[str, etree._ElementTree], forms: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Every name a case's data can hold: form fields, names scripts assign, DMN outputs, loop items, the engine's
    own start values."""
    names = set(ENGINE_SEEDS)
    for schema in forms.values():
        names |= set((schema or {}).get("properties") or {})
    for path, tree in trees.items():
        root = tree.getroot()
        if path.endswith(".dmn"):
            names |= {n.get("name") for n in root.iter() if _local(n) == "output" and n.get("name")}
            continue
        for code in _bpmn_code(path, root):
            if code.mode == "exec":
                tree_ = _parse(code.text, "exec")
                if tree_ is not None:
                    names |= {n.id for n in ast.walk(tree_) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        for node in root.iter():
            if _local(node) in ("inputDataItem", "outputDataItem", "dataObject") and node.get("name"):
                names.add(node.get("name"))
            elif _local(node) in ("loopDataInputRef", "loopDataOutputRef") and (node.text or "").strip():
                names.add(node.text.strip())
    return names


def runtime_issues(*, trees: Mapping[str, etree._ElementTree], forms: Mapping[str, Mapping[str, Any]],
                   functions: Mapping[str, Callable[..., Any]],
                   settings: Mapping[str, Any] | None = None) -> list[ValidationIssue]:
    """The run-time failures a process set would have, found at check time (see the module docstring)."""
    issues: list[ValidationIssue] = []
    known = producers(trees, forms)
    allowed = known | set(functions) | _sandbox_builtins()
    sample = _sample(forms, settings)
    for path, tree in sorted(trees.items()):
        root = tree.getroot()
        pieces = _dmn_code(path, root) if path.endswith(".dmn") else _bpmn_code(path, root)
        for code in pieces:
            issues += _code_issues(code, allowed, functions, sample)
    seen: set[tuple] = set()  # one message per element and line
    return [i for i in issues if (i.file, i.element_id, i.line) not in seen
            and not seen.add((i.file, i.element_id, i.line))]


def structure_issues(*, trees: Mapping[str, etree._ElementTree]) -> list[ValidationIssue]:
    """Diagram shapes, loop-backs and DMN structure (one decision table, a supported version and hit policy)."""
    issues: list[ValidationIssue] = []
    for path, tree in sorted(trees.items()):
        root = tree.getroot()
        if path.endswith(".dmn"):
            issues += _dmn_structure(path, root)
        else:
            issues += _diagram(path, root)
            issues += _loop_backs(path, root)
    return issues + unreachable_issues(trees=trees)


TASK_TAGS = frozenset({"task", "userTask", "scriptTask", "serviceTask", "manualTask", "businessRuleTask", "sendTask",
                       "receiveTask"})
SUBPROCESS_TAGS = frozenset({"subProcess", "transaction", "adHocSubProcess"})
NOT_FLOW_NODES = frozenset({"sequenceFlow", "laneSet", "documentation", "extensionElements", "textAnnotation",
                            "association", "dataObject", "dataObjectReference", "dataStoreReference",
                            "ioSpecification", "property", "dataInputAssociation", "dataOutputAssociation",
                            "multiInstanceLoopCharacteristics", "standardLoopCharacteristics", "completionCondition"})


def unreachable_issues(*, trees: Mapping[str, etree._ElementTree]) -> list[ValidationIssue]:
    """A task, call activity or subprocess that no path from its process's start event reaches (nothing leads to it,
    or only from other unreachable elements): no case ever passes it. In a legal process that is almost surely a
    mistake (a redirected flow leaves a duty or its term behind), so the check refuses it."""
    out: list[ValidationIssue] = []
    for path, tree in sorted(trees.items()):
        if path.endswith(".bpmn"):
            for process in tree.getroot().iterfind(".//bpmn:process", NS):
                out += _unreachable_in(path, process)
    return out


def _unreachable_in(path: str, container: etree._Element) -> list[ValidationIssue]:
    children = {c.get("id"): c for c in container if isinstance(c.tag, str) and c.get("id")
                and etree.QName(c).namespace == BPMN_NS and _local(c) not in NOT_FLOW_NODES}
    following: dict[str, list[str]] = {}
    for flow in container.iterfind("./bpmn:sequenceFlow", NS):
        following.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    for boundary in container.iterfind("./bpmn:boundaryEvent", NS):  # reached with the task it is attached to
        following.setdefault(boundary.get("attachedToRef"), []).append(boundary.get("id"))
    if _local(container) == "adHocSubProcess":  # its tasks start on their own
        led_to = {target for targets in following.values() for target in targets}
        starts = [i for i, c in children.items() if i not in led_to]
    else:
        starts = [i for i, c in children.items() if _local(c) == "startEvent"
                  or (_local(c) in SUBPROCESS_TAGS and c.get("triggeredByEvent") == "true")
                  or (_local(c) == "intermediateCatchEvent" and c.find("./bpmn:linkEventDefinition", NS) is not None)]
    if not starts:
        return []  # no start event at all: SpiffWorkflow's parser reports that
    reached: set[str] = set()
    todo = list(starts)
    while todo:
        node_id = todo.pop()
        if node_id in reached:
            continue
        reached.add(node_id)
        todo.extend(following.get(node_id, []))
    out: list[ValidationIssue] = []
    where = container.get("name") or container.get("id")
    for node_id, node in children.items():
        kind = _local(node)
        if kind not in TASK_TAGS | SUBPROCESS_TAGS | {"callActivity"}:
            continue
        if node_id in reached:
            if kind in SUBPROCESS_TAGS:
                out += _unreachable_in(path, node)
            continue
        what = "Deelproces" if kind in SUBPROCESS_TAGS else "Aanroepactiviteit" if kind == "callActivity" else "Taak"
        out.append(ValidationIssue(
            path, f"{what} '{node.get('name') or node_id}' is onbereikbaar: geen pad vanaf de startgebeurtenis van "
                  f"'{where}' leidt ernaartoe (geen inkomende verbinding vanaf een bereikbaar element), dus geen zaak "
                  f"komt er ooit langs. In een wettelijk proces is dat vrijwel altijd een vergissing (een plicht of "
                  f"termijn die nooit wordt uitgevoerd): verbind haar weer met het proces of verwijder haar",
            node_id, node.sourceline))
    return out


def _code_issues(code: _Code, allowed: set[str], functions: Mapping[str, Callable[..., Any]],
                 sample: dict[str, Any]) -> list[ValidationIssue]:
    if code.kind == "DMN-cel" and (problem := feel_problem(code.element.text or "")):
        return [code.issue(problem)]
    from engine.processes.sandbox import check_expression, check_script

    tree = _parse(code.text, code.mode)
    if tree is None or (check_script if code.mode == "exec" else check_expression)(code.text):
        return []  # refused by the sandbox check already
    out: list[ValidationIssue] = []
    local = _bound(tree) | ({"dmninputexpr"} if code.kind.startswith("DMN") else set())
    reported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and ISO_DURATION_NAME.match(node.id):
            out.append(code.issue(f"duur zonder aanhalingstekens: schrijf \"{node.id}\" in plaats van {node.id}"))
            reported.add(node.id)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in allowed \
                and node.func.id not in local and node.func.id not in reported:
            out.append(code.issue(f"onbekende functie '{node.func.id}' (bekende functies: "
                                  f"{', '.join(sorted(functions))})"))
            reported.add(node.func.id)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in DURATION_FUNCTIONS \
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            if problem := _duration_problem(node.args[0].value):
                out.append(code.issue(f"{node.func.id}(\"{node.args[0].value}\"): {problem}"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in allowed \
                and node.id not in local and node.id not in reported:
            reported.add(node.id)
            if code.kind == "DMN-uitvoercel" and isinstance(tree, ast.Expression) and isinstance(tree.body, ast.Name):
                out.append(code.issue(f"'{node.id}' is geen tekst: zet de uitkomst tussen aanhalingstekens, "
                                      f"\"{node.id}\""))
            else:
                out.append(code.issue(f"leest '{node.id}', maar geen formulier, script of beslistabel van dit "
                                      f"proces levert die waarde (een tikfout, of een hernoemd veld?)"))
    if not out and code.kind in ("Timer", "Conditie") and sample is not None:
        if problem := _evaluate(code.text, tree, functions, sample):
            out.append(code.issue(problem))
    return out


def _duration_problem(value: str) -> str | None:
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

    try:
        if value.upper().startswith("P") and TimerEventDefinition.parse_iso_duration(value):
            return None
    except Exception:  # SpiffWorkflow's ISO parser raises bare exceptions
        pass
    return f"'{value}' is geen geldige ISO 8601-duur (bijvoorbeeld \"P14D\" voor 14 dagen, \"P6W\", \"P3M\")"


def feel_problem(text: str) -> str | None:
    """A DMN input cell written in FEEL (Camunda's cell language) instead of Python."""
    cell = text.strip()
    if cell == "-":
        return ("laat een cel die er niet toe doet leeg (de editor toont dan '-'); een getypt '-' is geen "
                "Python-expressie")
    if re.match(r"^(not\s+)?in\s*\(", cell):
        return (f"schrijf '? {cell}' (met vraagteken: ? staat voor de invoerwaarde); zonder ? plakt de beslistabel "
                f"de invoer en 'in' aan elkaar")
    if re.match(r"^[\[\]\(]\s*[^,]*\.\.", cell):
        return (f"'{cell}' is een FEEL-bereik; cellen zijn Python: schrijf bijvoorbeeld '1 <= ? <= 5'")
    if re.match(r"^not\s*\(", cell):
        return f"'{cell}' is FEEL; cellen zijn Python: schrijf bijvoorbeeld '? not in (\"a\", \"b\")' of '!= \"a\"'"
    try:
        body = ast.parse(cell, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(body, ast.Tuple):
        return f"'{cell}' is een FEEL-lijst en past nooit: cellen zijn Python, schrijf '? in ({cell})'"
    return None


def _sample(forms: Mapping[str, Mapping[str, Any]], settings: Mapping[str, Any] | None) -> dict[str, Any] | None:
    try:
        from documents.sample import sample_from_forms
    except ModuleNotFoundError:  # pragma: no cover
        return None
    data = sample_from_forms(forms, base={"data": {}})["data"]
    data.setdefault("instellingen", dict(settings or {}))
    data.setdefault("zaaknummer", "MI-2026-0001")
    data.setdefault("datum_melding", "2026-03-02")
    return data


def _evaluate(text: str, tree: ast.AST, functions: Mapping[str, Callable[..., Any]],
              sample: Mapping[str, Any]) -> str | None:
    """Evaluate a pure expression over form fields with example data; a Dutch reason when it fails."""
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    if any(n not in sample and n not in functions and n not in _sandbox_builtins() for n in names):
        return None  # depends on a value a script computes: the data-flow check covers it
    from engine.processes.bounds import ScriptBudgetExceeded, ScriptLimits
    from engine.processes.sandbox import SandboxEnvironment

    try:
        SandboxEnvironment(functions, ScriptLimits(cpu_ms=100, wall_ms=500)).evaluate(text, dict(sample))
    except ScriptBudgetExceeded:
        return None  # a runaway expression is stopped at run time by the bounds (an incident), not judged here
    except Exception as exc:  # any failure here would be a failing step for the case handler
        return (f"'{text}' kan met voorbeeldgegevens uit de formulieren niet worden berekend "
                f"({_dutch_error(exc)}); bij een echte zaak faalt deze stap dan ook")
    return None


def _dutch_error(exc: Exception) -> str:
    kinds = {TypeError: "verkeerd soort waarde of argument", ValueError: "ongeldige waarde",
             KeyError: "onbekende sleutel", ZeroDivisionError: "deling door nul", NameError: "onbekende naam",
             AttributeError: "onbekende eigenschap", IndexError: "index buiten de lijst"}
    for kind, label in kinds.items():
        if isinstance(exc, kind):
            return label
    return "fout bij het berekenen"


def _diagram(path: str, root: etree._Element) -> list[ValidationIssue]:
    """Every flow element and flow has a shape or edge: without one, the modeler and the web page cannot show it.
    A file without any diagram (a hand-written set) is left alone: it has no drawing to be incomplete."""
    if root.find(f"{{{DI_NS}}}BPMNDiagram") is None:
        return []
    drawn = {n.get("bpmnElement") for n in root.iter(f"{{{DI_NS}}}BPMNShape", f"{{{DI_NS}}}BPMNEdge")}
    out = []
    for node in root.iter():
        if _local(node) in DIAGRAM_TAGS and etree.QName(node).namespace == BPMN_NS and node.get("id") \
                and node.get("id") not in drawn:
            what = "verbinding (BPMNEdge)" if _local(node) == "sequenceFlow" else "vorm (BPMNShape)"
            out.append(ValidationIssue(path, f"Element staat niet in het diagram: de {what} ontbreekt; teken het "
                                             f"in de modeler (of Camunda Modeler) opnieuw", node.get("id"),
                                       node.sourceline))
    return out


def _loop_backs(path: str, root: etree._Element) -> list[ValidationIssue]:
    """A cycle of sequence flows: the engine cannot migrate or prove deadlines over it; a loop marker can."""
    graph: dict[str, list[etree._Element]] = {}
    for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
        graph.setdefault(flow.get("sourceRef"), []).append(flow)
    state: dict[str, int] = {}
    out: list[ValidationIssue] = []
    for start in list(graph):
        if start in state:
            continue
        stack = [(start, iter(graph.get(start, [])))]
        state[start] = 1
        while stack:
            node, flows = stack[-1]
            flow = next(flows, None)
            if flow is None:
                state[node] = 2
                stack.pop()
                continue
            target = flow.get("targetRef")
            if state.get(target) == 1:
                out.append(ValidationIssue(path, "Lus terug via een verbinding: gebruik een lusmarkering "
                                                 "(standardLoopCharacteristics) op de taak of het deelproces in "
                                                 "plaats van een terugkoppeling", flow.get("id"), flow.sourceline))
            elif target not in state:
                state[target] = 1
                stack.append((target, iter(graph.get(target, []))))
    return out


def _dmn_structure(path: str, root: etree._Element) -> list[ValidationIssue]:
    out: list[ValidationIssue] = []
    namespace = etree.QName(root).namespace
    if namespace == DMN11_NS:
        return [ValidationIssue(path, "DMN 1.1 wordt niet ondersteund: sla de beslistabel op als DMN 1.3 (in Camunda "
                                      "Modeler: een nieuw DMN-diagram, of 'DMN 1.3' bij het exporteren)",
                                root.get("id"), root.sourceline)]
    decisions = [n for n in root if _local(n) == "decision"]
    if len(decisions) != 1:
        return [ValidationIssue(path, f"Een DMN-bestand moet precies één beslissing bevatten (gevonden: "
                                      f"{len(decisions)})", root.get("id"), root.sourceline)]
    decision = decisions[0]
    tables = [n for n in decision if _local(n) == "decisionTable"]
    other = [_local(n) for n in decision if _local(n) in ("literalExpression", "invocation", "context", "list",
                                                           "relation", "functionDefinition")]
    if other:
        return [ValidationIssue(path, f"Beslissing '{decision.get('name') or decision.get('id')}' is een "
                                      f"{'letterlijke expressie' if other[0] == 'literalExpression' else other[0]}; "
                                      f"alleen beslistabellen worden ondersteund", decision.get("id"),
                                decision.sourceline)]
    if len(tables) != 1:
        return [ValidationIssue(path, f"Beslissing '{decision.get('name') or decision.get('id')}' heeft "
                                      f"{'geen' if not tables else 'meer dan één'} beslistabel", decision.get("id"),
                                decision.sourceline)]
    table = tables[0]
    policy = (table.get("hitPolicy") or "UNIQUE").upper()
    if policy not in HIT_POLICIES:
        out.append(ValidationIssue(path, f"Hit policy {policy} geeft een lijst van uitkomsten, die geen gateway kan "
                                         f"vergelijken; gebruik FIRST (eerste passende regel) of UNIQUE",
                                   table.get("id"), table.sourceline))
    if not [n for n in table if _local(n) == "output"]:
        out.append(ValidationIssue(path, "Beslistabel heeft geen uitvoerkolom", table.get("id"), table.sourceline))
    for output in (n for n in table if _local(n) == "output"):
        if not output.get("name"):
            out.append(ValidationIssue(path, "Uitvoerkolom heeft geen naam (het gegeven waarin de uitkomst komt)",
                                       output.get("id"), output.sourceline))
    return out
