"""Read, parse and validate a process set (manifest, BPMN, DMN, form schemas).

``parse_process_set`` collects every problem it can find and raises one
``ProcessValidationError`` listing them all, each naming the file, the element id
and the line, with a Dutch reason. On success it returns the parsed SpiffWorkflow
specs plus the metadata the engine needs about each user task.

Checks run in phases:

0. reading: the manifest, every XML file with a parser that expands no entities
   and loads no DTD (a DOCTYPE is refused), every form as JSON Schema draft 2020-12;
1. our own checks on the XML (process ids, lanes and roles, task properties, routing (``check_routing``),
   references within and between files, scripts, conditions, timers, DMN cells),
   which know the element and its line; at check and deploy also the soundness of each process's shape
   (``check_soundness``: no parallel join that waits for a route never taken, nothing run twice);
1b. at check and deploy (``prove_legal``): what would fail only at run time (``engine.processes.runtime_checks``):
   diagram shapes, loop-backs and DMN structure; then, when nothing else was found, data flow, unknown functions,
   durations and check-time evaluation of timers and conditions with example data from the forms;
2. SpiffWorkflow's parser with schema validation (``SpiffBpmnParser`` with the
   Spiff-extension XSD) over the files that could be read;
3. building the main process spec and its called/embedded process specs with
   ``get_subprocess_specs``, only when nothing was found so far.

Role fallback: a user task outside any lane is refused in the main process and in
any process that has lanes. In a called process without lanes its role is None:
at run time it takes the role of the lane of the call activity that called it
(CONVENTIONS.md, "Lanes → roles").
"""
from __future__ import annotations

import functools

import ast
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from engine.errors import ProcessValidationError, ValidationIssue
from engine.parse_errors import json_problem, schema_problem, template_problem, xml_problem
from engine.processes import consumers, legal_rules, register_checks, runtime_checks, soundness, spiff_messages
from engine.processes.manifest import MANIFEST_FILE, Manifest, parse_manifest
from engine.processes.sandbox import check_expression, check_script

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

ASSIGNMENTS = frozenset({"random", "random-workload"})
# Containers whose id SpiffWorkflow uses as the name of a (sub)process spec.
PROCESS_TAGS = frozenset({"process", "subProcess", "transaction", "adHocSubProcess"})
# Wrappers that are not the element a process owner thinks of as "the" element.
WRAPPER_TAGS = frozenset({
    "extensionElements", "timerEventDefinition", "conditionalEventDefinition",
    "multiInstanceLoopCharacteristics", "standardLoopCharacteristics",
})
# Expression elements other than sequence-flow conditions and timers.
EXPRESSION_XPATHS = (
    ".//bpmn:conditionExpression",
    ".//bpmn:conditionalEventDefinition/bpmn:condition",
    ".//bpmn:loopCardinality",
    ".//bpmn:completionCondition",
    ".//bpmn:loopCondition",
    ".//bpmn:correlationPropertyRetrievalExpression/bpmn:formalExpression",
    ".//spiffworkflow:messagePayload",
    ".//spiffworkflow:processVariableCorrelation/spiffworkflow:expression",
)
# Attributes that must name an element of the same file.
REFERENCES = (("sequenceFlow", "sourceRef"), ("sequenceFlow", "targetRef"), ("boundaryEvent", "attachedToRef"))
# The only elements at which SpiffWorkflow reads a flow's condition and a default flow (``check_routing``).
CHOOSING_GATEWAYS = frozenset({"exclusiveGateway", "inclusiveGateway"})
TIMER_KINDS = {"timeDate": "datum", "timeDuration": "duur", "timeCycle": "herhaling"}
# Namespaces a process file may use for elements and attributes. Anything else (XHTML, SVG, XSLT, an unknown
# vendor extension) is refused: process files are served to browsers, and a foreign element such as an XHTML
# <script> inside extensionElements would run in the application's origin if a browser rendered the file.
ALLOWED_NAMESPACES = frozenset({
    BPMN_NS, SPIFF_NS,
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
    "http://www.omg.org/spec/DD/20100524/DI",
    "http://www.w3.org/2001/XMLSchema-instance",
    "http://www.w3.org/XML/1998/namespace",
    # bpmn.io colours and the Camunda Modeler's own bookkeeping: plain data, attributes only in practice
    "http://bpmn.io/schema/bpmn/biocolor/1.0",
    "http://www.omg.org/spec/BPMN/non-normative/color/1.0",
    "http://camunda.org/schema/modeler/1.0",
})
ALLOWED_NAMESPACE_PREFIXES = ("http://www.omg.org/spec/DMN/", "https://www.omg.org/spec/DMN/")


def _xml_parser() -> etree.XMLParser:
    # No entity expansion, no DTD loading, no network, no huge trees: an XML bomb is refused.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False, remove_comments=True)


@dataclass(frozen=True)
class TaskMeta:
    """What the engine needs to know about a user task (or a task that sends a letter)."""

    element_id: str
    name: str | None
    kind: str  # BPMN tag, e.g. "userTask"
    process_id: str  # the SpiffWorkflow spec the task belongs to (process or embedded subprocess)
    role: str | None  # None in a called process without lanes (use the calling lane) and for non-user tasks
    slot: str | None
    form: str | None
    assignment: str | None
    priority: int | str | None  # a number, or an expression over task data
    letter: str | None
    letter_recipient: str | None
    properties: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedProcessSet:
    """A valid process set: specs for SpiffWorkflow, form schemas by path, task metadata by element id.

    Not frozen: the runtime caches its script engine on the instance.
    """

    manifest: Manifest
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    forms: dict[str, dict[str, Any]]
    tasks: dict[str, TaskMeta]
    # The letter templates deployed with this version (``letters/NAME.docx``: name → bytes), pinned with it:
    # a running case renders with these. Empty for a version without letters (the templates folder applies).
    templates: dict[str, bytes] = field(default_factory=dict)
    # The letter catalogue the set declares (letters.json: letters, recipients, per-recipient allow-lists;
    # documents.catalog.Catalogue), or None: the shipped catalogue applies.
    letter_catalogue: Any = None
    # The other processes the manifest declares (``processes``): process id -> (spec, its subprocess specs).
    other_specs: dict[str, tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]] = field(default_factory=dict)
    # Which user tasks investigate, advise on the sanction or decide (``legal_rules.separated_duties``), read from the
    # files of this version whether or not it was proven at deployment; None without legal rules.
    separation: Any = None

    def specs_for(self, process: str | None) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
        """The spec an instance runs on: the main process (``None``) or a declared other process."""
        if process is None or process == self.manifest.main_process:
            return self.spec, self.subprocess_specs
        return self.other_specs[process]

    def derived(self, key: str, build: Callable[["ParsedProcessSet"], Any]) -> Any:
        """A value computed from this set once per instance (a parsed version is immutable and cached per
        process): ``build(self)`` on the first call for ``key``, the same object after. Callers treat it as
        read-only. Issue 25: a step asked for the confidential fields and field classes of every form, which
        serialised all forms (~80 KB of JSON) twice per step to find its cache entry."""
        memo = self.__dict__.get("_derived")
        if memo is None:
            memo = self.__dict__.setdefault("_derived", {})
        try:
            return memo[key]
        except KeyError:
            value = memo[key] = build(self)
            return value


LETTERS_DIR = "letters"  # the letter templates of a process set: letters/NAME.docx
CATALOGUE_FILE = "letters.json"  # the set's letter catalogue and per-recipient allow-lists (documents.catalog)


def set_templates(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The letter templates among a process set's files, by name."""
    prefix = LETTERS_DIR + "/"
    return {path[len(prefix):-len(".docx")]: content for path, content in files.items()
            if path.startswith(prefix) and path.endswith(".docx") and "/" not in path[len(prefix):]}


def read_process_dir(path: Path | str) -> dict[str, bytes]:
    """The files of a process set, keyed by relative posix path; other files are ignored."""
    root = Path(path)
    found = [root / MANIFEST_FILE, root / CATALOGUE_FILE, *root.glob("*.bpmn"), *root.glob("*.dmn"),
             *root.glob("forms/*.json"),
             *(p for p in root.glob(f"{LETTERS_DIR}/*.docx") if not p.name.startswith("~$"))]
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(found) if p.is_file()}


def parse_process_set(
    files: Mapping[str, bytes],
    *,
    functions: Mapping[str, Callable[..., Any]] = MappingProxyType({}),
    template_exists: Callable[[str], bool] | None = None,
    prove_legal: bool = True,
    template_fields: Callable[[Any], set[str]] | None = None,
    engine_reads: frozenset[str] = frozenset(),
) -> ParsedProcessSet:
    """Validate and parse a process set; raises ProcessValidationError listing all problems.

    ``prove_legal``: also prove the manifest's legal rules over the process graph (check and deploy). A version
    already stored is loaded without it: it was proven when deployed, and a stricter proof in a later release
    must not make running cases unloadable (the engine still checks the rules at every step). Under the same flag:
    every form field has a consumer (``engine.processes.consumers``; ``template_fields`` gives the placeholders of
    the letters, ``engine_reads`` the fields the engine's own reports read)."""
    validation = _ProcessSetValidation(files, functions, template_exists, prove_legal)
    validation.template_fields, validation.engine_reads = template_fields, engine_reads
    return validation.run()


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _owner(element: etree._Element) -> etree._Element:
    """The nearest enclosing element with an id that is not a mere wrapper."""
    current = element.getparent()
    while current is not None and (current.get("id") is None or _local(current) in WRAPPER_TAGS):
        current = current.getparent()
    return current if current is not None else element


# Property names other modellers write for what Meldpunt calls otherwise: spiff-arena's properties panel stores the
# form of a user task as ``formJsonSchemaFilename`` (a file name; Meldpunt keeps forms under forms/).
PROPERTY_ALIASES = {"formJsonSchemaFilename": "form"}


def modeller_properties(props: dict[str, str]) -> dict[str, str]:
    """The task properties with modellers' own names read as Meldpunt's (``PROPERTY_ALIASES``); Meldpunt's own
    name wins when both are set. A bare form file name means the file of that name under forms/."""
    out = dict(props)
    for alias, own in PROPERTY_ALIASES.items():
        value = (props.get(alias) or "").strip()
        if value and not (props.get(own) or "").strip():
            out[own] = value if own != "form" or value.startswith("forms/") else "forms/" + value.split("/")[-1]
    return out


def _properties(element: etree._Element) -> dict[str, str]:
    nodes = element.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
                          namespaces=NS)
    return modeller_properties({node.get("name"): node.get("value", "") for node in nodes if node.get("name")})


class _ProcessSetValidation:
    def __init__(self, files: Mapping[str, bytes], functions: Mapping[str, Callable[..., Any]],
                 template_exists: Callable[[str], bool] | None, prove_legal: bool = True):
        self.files = files
        self.prove_legal = prove_legal
        self.functions = functions
        self.template_exists = template_exists
        self.issues: list[ValidationIssue] = []
        self.trees: dict[str, etree._ElementTree] = {}
        self.forms: dict[str, dict[str, Any]] = {}
        self.tasks: dict[str, TaskMeta] = {}
        self.intake_tasks: list[str] = []
        self.process_files: dict[str, str] = {}  # process id -> file
        self.duplicate_files: set[str] = set()
        self.calls_without_lane: list[tuple[str, etree._Element]] = []
        self.template_fields: Callable[[Any], set[str]] | None = None
        self.engine_reads: frozenset[str] = frozenset()
        # A set that carries its letters is checked against them only (they are deployed and pinned with it).
        self.templates = set_templates(files)
        if self.templates and template_exists is not None:
            self.template_exists = lambda name: name in self.templates
        self.catalogue = None

    def issue(self, file: str, message: str, element: etree._Element | None = None,
              *, element_id: str | None = None, line: int | None = None) -> None:
        if element is not None:
            element_id = element_id or element.get("id")
            line = line or element.sourceline
        self.issues.append(ValidationIssue(file, message, element_id, line))

    # -- phase 0: reading ----------------------------------------------------------------

    def run(self) -> ParsedProcessSet:
        manifest = self.load_manifest()
        self.load_catalogue()
        for path in sorted(self.files):
            if path.endswith((".bpmn", ".dmn")):
                self.load_xml(path)
            elif path.startswith("forms/") and path.endswith(".json"):
                self.load_form(path)
        if manifest is None:
            raise ProcessValidationError(self.issues)

        bpmn_files = [p for p in self.trees if p.endswith(".bpmn")]
        dmn_files = [p for p in self.trees if p.endswith(".dmn")]
        for path in bpmn_files:
            self.collect_process_ids(path)
        all_bpmn_read = len(bpmn_files) == sum(1 for p in self.files if p.endswith(".bpmn"))
        if manifest.main_process not in self.process_files and all_bpmn_read:
            self.issue(MANIFEST_FILE, f"Het hoofdproces '{manifest.main_process}' komt in geen "
                                      f"BPMN-bestand voor", element_id=manifest.main_process)
        for other in manifest.processes:
            if other not in self.process_files and all_bpmn_read:
                self.issue(MANIFEST_FILE, f"Het proces '{other}' (onder 'processes') komt in geen BPMN-bestand voor",
                           element_id=other)

        # phase 1: our own checks
        decisions = {d.get("id") for p in dmn_files for d in self.trees[p].iter() if _local(d) == "decision"}
        for path in bpmn_files:
            self.check_bpmn(path, manifest, decisions)
        self.check_calls_without_lane()
        starts = [manifest.main_process, *manifest.processes]
        if self.prove_legal and all_bpmn_read and all(p in self.process_files for p in starts):
            self.check_uncalled_processes(manifest)  # at check and deploy (a stored version stays loadable)
        for path in dmn_files:
            self.check_dmn(path)
        if self.prove_legal:  # the statutory floor: a set that can impose a penalty declares the hearing over it
            self.issues.extend(legal_rules.statutory_issues(manifest.legal_rules, self.trees, self.forms))
            self.issues.extend(legal_rules.statutory_term_issues(manifest.legal_rules, self.trees, self.forms))
            # the floor under the others: a set that handles integrity cases declares legal_rules at all
            self.issues.extend(legal_rules.integrity_case_issues(manifest.legal_rules, self.trees, self.forms,
                                                                 self.tasks, manifest.main_process, manifest.roles))
            if manifest.legal_rules is not None:  # art. 162 Sv: every integrity-case set assesses it
                self.issues.extend(legal_rules.aangifte_issues(self.trees, self.forms, manifest.main_process))
                self.issues.extend(legal_rules.consent_issues(self.trees, self.forms))
        if manifest.legal_rules is not None and self.prove_legal:
            self.issues.extend(legal_rules.prove(manifest.legal_rules, self.trees, self.forms, manifest.main_process,
                                                 manifest.settings, tuple(manifest.processes)))
            self.issues.extend(legal_rules.separation_issues(manifest.legal_rules, self.trees, self.forms, self.tasks,
                                                             frozenset(manifest.exclusive_slots), manifest.roles))
            self.issues.extend(legal_rules.written_notice_issues(manifest.legal_rules, self.trees, self.catalogue))
            self.issues.extend(legal_rules.reporter_path_issues(manifest.legal_rules, self.trees,
                                                                manifest.main_process))
            self.issues.extend(legal_rules.intention_issues(manifest.legal_rules, self.trees, self.forms, self.tasks))
            self.issues.extend(legal_rules.subject_hearing_issues(manifest.legal_rules, self.trees,
                                                                  manifest.main_process))
            self.issues.extend(legal_rules.investigation_issues(manifest.legal_rules, self.trees, self.forms,
                                                                self.tasks, manifest.main_process))
            if self.template_exists is not None:  # a caller that knows the letters (the service does)
                from documents.checks import template_shown_fields

                templates = self.templates or None  # the set's own letters, else the installed ones
                self.issues.extend(legal_rules.intention_letter_issues(
                    manifest.legal_rules, self.trees, lambda name: template_shown_fields(name, templates),
                    self.catalogue))
        # a process that declares legal rules, checked by a caller that knows the letters (the service does)
        if manifest.legal_rules is not None and self.prove_legal and self.template_fields is not None:
            read = self.template_fields
            if self.templates:
                read = lambda names: self.template_fields(names, self.templates)  # noqa: E731
            self.issues.extend(consumers.unread_fields(
                trees=self.trees, forms=self.forms, manifest=json.loads(self.files[MANIFEST_FILE]), files=self.files,
                template_fields=read, engine_reads=self.engine_reads))
        if self.prove_legal and self.templates and self.template_exists is not None:
            self.check_templates()
            if not self.issues:  # every letter rendered with data generated from the forms (issue 25)
                from engine.processes.letter_render_check import letter_render_issues

                self.issues.extend(letter_render_issues(self.files, self.templates, self.catalogue, self.trees))
        self.check_leak_guard(manifest)
        self.check_declared_behaviour()
        self.check_privacy(manifest)
        if self.prove_legal:  # the register's declared tasks (issue 24); at check and deploy only, like below
            register_checks.check(trees=self.trees, forms=self.forms, files=self.files, manifest=manifest,
                                  issue=self.issue)
        # what would fail only at run time: diagram and DMN structure always; data flow, unknown functions,
        # durations and check-time evaluation once everything else is in order (they build on the forms)
        # (at check and deploy only: a version already stored must stay loadable for its running cases)
        structure = runtime_checks.structure_issues(trees=self.trees) if self.prove_legal else []
        self.issues.extend(structure)
        if not self.issues and self.prove_legal:
            self.issues.extend(runtime_checks.runtime_issues(trees=self.trees, forms=self.forms,
                                                             functions=self.functions, settings=manifest.settings))
        unreadable = {i.file for i in structure if i.file.endswith(".dmn")}

        # phase 2: SpiffWorkflow's parser with schema validation
        parser = SpiffBpmnParser(validator=VALIDATOR)
        for path in dmn_files:
            if path not in unreadable:  # its structure was reported in Dutch, naming the element
                self.spiff_add_dmn(parser, path)
        for path in bpmn_files:
            if path not in self.duplicate_files:
                self.spiff_add_bpmn(parser, path)

        # phase 3: build the specs
        specs = self.build_specs(parser, manifest.main_process) if not self.issues else None
        if specs is None:
            raise ProcessValidationError(self.issues)
        spec, subprocess_specs = specs
        others = {}
        for other in manifest.processes:
            built = self.build_specs(parser, other)
            if built is None:
                raise ProcessValidationError(self.issues)
            others[other] = built
        return ParsedProcessSet(manifest=manifest, spec=spec, subprocess_specs=subprocess_specs,
                                forms=self.forms, tasks=self.tasks, templates=self.templates,
                                letter_catalogue=self.catalogue, other_specs=others,
                                separation=legal_rules.separated_duties(
                                    legal_rules.separation_rules(manifest.legal_rules, self.trees, self.forms,
                                                                 self.tasks, manifest.main_process, manifest.roles),
                                    self.trees, self.forms, self.tasks))

    def load_catalogue(self) -> None:
        """letters.json: which letters exist, to whom, and which fields each recipient may see; refused when it
        gives a recipient a field that is confidential for them (documents.catalog.confidential_for)."""
        if CATALOGUE_FILE not in self.files:
            return
        from documents.catalog import CatalogueError, parse_catalogue  # the letters' own declaration

        try:
            self.catalogue = parse_catalogue(self.files[CATALOGUE_FILE], source=CATALOGUE_FILE,
                                             strict=self.prove_legal)
        except CatalogueError as exc:
            for problem in exc.problems:
                self.issue(CATALOGUE_FILE, problem.removeprefix(f"{CATALOGUE_FILE}: "))

    def check_templates(self) -> None:
        """The set's letter templates carry none of Word's internals (documents/sanitize.py): tracked changes,
        comments, hidden text, fields that are not placeholders, custom XML."""
        from jinja2 import TemplateSyntaxError

        from documents.checks import template_internals  # the templates' own reading
        from documents.render import placeholders, template_source

        if self.catalogue is not None:
            for name in sorted(set(self.templates) - set(self.catalogue.letters)):
                self.issue(f"{LETTERS_DIR}/{name}.docx", f"Sjabloon '{name}' staat niet in {CATALOGUE_FILE} "
                                                         f"(voeg de brief toe onder 'letters': titel en ontvanger)")
            for name in sorted(set(self.catalogue.letters) - set(self.templates)):
                self.issue(CATALOGUE_FILE, f"Brief '{name}' heeft geen sjabloon ({LETTERS_DIR}/{name}.docx)")
        for name, content in sorted(self.templates.items()):
            path = f"{LETTERS_DIR}/{name}.docx"
            try:
                found = template_internals(content)
            except Exception:  # not a Word document at all
                self.issue(path, f"Sjabloon '{name}' is geen leesbaar Word-document (.docx)")
                continue
            for what in found:
                self.issue(path, f"Sjabloon '{name}' bevat {what}")
            try:  # its placeholders (a broken one would otherwise only surface when a letter is made)
                placeholders(template_source(content))
            except TemplateSyntaxError as exc:
                self.issue(path, f"Sjabloon '{name}': syntaxfout in een placeholder: {template_problem(exc).reason}")
            except Exception:  # a Word file Word cannot have written (e.g. a damaged document.xml)
                self.issue(path, f"Sjabloon '{name}' is geen leesbaar Word-document (.docx)")

    def check_declared_behaviour(self) -> None:
        """A prefill (``x-vooringevuld-uit``) names fields of the process's forms; a field that applies only to some
        choices (``x-alleen-bij``) names a choice field of its own form and values that field offers; a field whose
        choices come from an earlier list (``x-keuzes-uit``) names a list of another form, one of its rows'
        properties, and no confidential or personal list (its values would be offered as choices)."""
        from engine.forms import PREFILL, SHOWN_WHEN

        known = {name for schema in self.forms.values() for name in (schema.get("properties") or {})}
        for path, schema in sorted(self.forms.items()):
            props = schema.get("properties") or {}
            for name, prop in props.items():
                if not isinstance(prop, dict):
                    continue
                self._check_data_choices(path, name, prop)
                rows = prop.get("items") if isinstance(prop.get("items"), dict) else {}
                for column, cell in (rows.get("properties") or {}).items():
                    if isinstance(cell, dict):
                        self._check_data_choices(path, f"{name}.{column}", cell)
                if PREFILL in prop:
                    sources = prop[PREFILL] if isinstance(prop[PREFILL], list) else [prop[PREFILL]]
                    for source in sources:
                        if not isinstance(source, str) or source not in known or source == name:
                            self.issue(path, f"'{PREFILL}' van veld '{name}' noemt '{source}', geen ander veld "
                                             f"van de formulieren van dit proces", element_id=name)
                when = prop.get(SHOWN_WHEN)
                if when is None:
                    continue
                if not isinstance(when, dict) or not when:
                    self.issue(path, f"'{SHOWN_WHEN}' van veld '{name}' moet keuzeveld -> waarden zijn",
                               element_id=name)
                    continue
                for choice, values in when.items():
                    offered = (props.get(choice) or {}).get("enum") if isinstance(props.get(choice), dict) else None
                    wanted = values if isinstance(values, list) else [values]
                    if offered is None or any(v not in offered for v in wanted):
                        self.issue(path, f"'{SHOWN_WHEN}' van veld '{name}' noemt '{choice}' met waarden die dat "
                                         f"keuzeveld van dit formulier niet biedt", element_id=name)
    def _check_data_choices(self, path: str, name: str, prop: dict) -> None:
        from engine.forms import CHOICES_FROM

        if CHOICES_FROM not in prop:
            return
        spec = prop[CHOICES_FROM]
        # the line of the declaration: the first after the field's own name (for the refusal's file:line)
        lines = self.files[path].decode("utf-8", "replace").splitlines() if path in self.files else []
        start = next((i for i, text in enumerate(lines) if f'"{name.rsplit(".", 1)[-1]}"' in text), 0)
        line = next((i + 1 for i, text in enumerate(lines) if i >= start and f'"{CHOICES_FROM}"' in text), None)
        issue = functools.partial(self.issue, line=line)
        if not isinstance(spec, dict) or set(spec) != {"lijst", "waarde"} \
                or not all(isinstance(spec[k], str) and spec[k] for k in spec):
            issue(path, f"'{CHOICES_FROM}' van veld '{name}' moet {{\"lijst\": <lijstveld>, \"waarde\": "
                             f"<eigenschap van de regels>}} zijn", element_id=name)
            return
        if prop.get("type") != "string" or "enum" in prop:
            issue(path, f"'{CHOICES_FROM}' van veld '{name}' kan alleen bij een tekstveld zonder eigen keuzes "
                             f"(enum)", element_id=name)
        lists = [(other, (schema.get("properties") or {}).get(spec["lijst"]))
                 for other, schema in sorted(self.forms.items()) if other != path]
        lists = [(other, p) for other, p in lists if isinstance(p, dict)]
        columns = [((p.get("items") or {}).get("properties") or {}) for _, p in lists
                   if p.get("type") == "array" and isinstance(p.get("items"), dict)]
        if not lists or not any(isinstance(c.get(spec["waarde"]), dict) for c in columns):
            issue(path, f"'{CHOICES_FROM}' van veld '{name}' noemt lijst '{spec['lijst']}' met eigenschap "
                             f"'{spec['waarde']}', die geen ander formulier van dit proces heeft", element_id=name)
            return
        private = [p for _, p in lists if p.get("x-vertrouwelijk") or p.get("x-persoon")] + \
            [c[spec["waarde"]] for c in columns if isinstance(c.get(spec["waarde"]), dict)
             and (c[spec["waarde"]].get("x-vertrouwelijk") or c[spec["waarde"]].get("x-persoon"))]
        if private:
            issue(path, f"'{CHOICES_FROM}' van veld '{name}' noemt '{spec['lijst']}', een vertrouwelijk of "
                             f"persoonsgegeven: dat wordt niet als keuze aangeboden", element_id=name)

    def check_privacy(self, manifest: Manifest) -> None:
        """Every field ``privacy.personen`` names (the fields that name a person, for access requests) is a field
        of some form: a misspelt name would leave that person's data out of their export and unredacted in others'."""
        if self.prove_legal and manifest.retention is not None:  # DOMAIN §4's ceiling; a stored version destroys at it
            for message in manifest.retention.ceiling_issues():
                self.issue(MANIFEST_FILE, message)
        if manifest.privacy is None:
            return
        known = {name for schema in self.forms.values() for name in ((schema or {}).get("properties") or {})}
        if self.prove_legal:  # at check and deploy; a stored version stays loadable (the engine holds it to the law)
            for message in manifest.privacy.term_issues():
                self.issue(MANIFEST_FILE, message)
        for role, fields in manifest.privacy.persons.items():
            for name in fields:
                if name not in known:
                    self.issue(MANIFEST_FILE, f"privacy.personen.{role}: het veld '{name}' staat in geen enkel "
                                              f"formulier")

    def check_leak_guard(self, manifest: Manifest) -> None:
        """With a ``leak_guard`` in the manifest, every measure the forms offer needs its words there, or the
        reporter's leak guard would know it only by its label."""
        if not manifest.leak_guard:
            return
        from documents.leakguard import missing_synonyms  # the guard's own reading of the vocabulary

        for label in missing_synonyms(manifest.leak_guard, self.forms):
            self.issue(MANIFEST_FILE, f"leak_guard.maatregelen: de maatregel '{label}' uit de formulieren heeft "
                                      f"geen woorden; de lekbewaking voor de melder kan hem niet herkennen")
        from documents.leakguard import fold

        no_measure = {fold(x) for x in manifest.leak_guard.get("geen_maatregel") or []}
        for penalty in legal_rules.STATUTORY_PENALTIES:
            if fold(penalty) in no_measure:
                self.issue(MANIFEST_FILE, f"leak_guard.geen_maatregel: noemt de straf '{penalty}' "
                                          f"({legal_rules.STATUTORY_SOURCE}); een straf is altijd een maatregel die de "
                                          f"melder alleen in algemene termen hoort (de lekbewaking telt haar toch mee)")
        from documents.leakguard import floor_general_conflicts

        for term, what in floor_general_conflicts(manifest.leak_guard, self.forms):
            self.issue(MANIFEST_FILE, f"leak_guard.algemene_termen: de term '{term}' is (of bevat) een woord van "
                                      f"{what}; een maatregel hoort de melder alleen in algemene termen, dus dit woord "
                                      f"kan geen algemene term zijn (de lekbewaking telt het toch als maatregel)")

    def load_manifest(self) -> Manifest | None:
        if MANIFEST_FILE not in self.files:
            self.issue(MANIFEST_FILE, "Het bestand manifest.json ontbreekt")
            return None
        try:
            return parse_manifest(self.files[MANIFEST_FILE])
        except ProcessValidationError as err:
            self.issues.extend(err.issues)
            return None

    def load_xml(self, path: str) -> None:
        try:
            tree = etree.ElementTree(etree.fromstring(self.files[path], _xml_parser()))
        except etree.XMLSyntaxError as err:
            problem = xml_problem(err)
            self.issue(path, f"Geen geldige XML: {problem.text(line=False)}", line=problem.line)
            return
        if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
            self.issue(path, "Een DOCTYPE of entiteitsdeclaratie is niet toegestaan", line=1)
            return
        if self.check_foreign_markup(path, tree):
            self.trees[path] = tree

    def check_foreign_markup(self, path: str, tree: etree._ElementTree) -> bool:
        """Refuse markup a browser could execute: elements and attributes outside the BPMN/DMN namespaces
        (an XHTML ``<script>``, SVG, XSLT), event-handler attributes (``on...``), ``javascript:`` values and
        processing instructions (``<?xml-stylesheet?>`` would make a browser run XSLT). True when clean."""
        found = False
        root = tree.getroot()
        for pi in [*root.itersiblings(preceding=True), *root.itersiblings(), *root.iter()]:
            if isinstance(pi, etree._ProcessingInstruction):
                self.issue(path, f"Verwerkingsinstructie <?{pi.target}?> is niet toegestaan", line=pi.sourceline)
                found = True
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            qname = etree.QName(element)
            if not _allowed_namespace(qname.namespace):
                kind = "Scriptelement" if qname.localname.lower() == "script" else "Element"
                self.issue(path, f"{kind} <{qname.localname}> uit vreemde naamruimte "
                                 f"'{qname.namespace or 'geen'}' is niet toegestaan (alleen BPMN/DMN en "
                                 f"SpiffWorkflow)", _owner(element), line=element.sourceline)
                found = True
                continue
            for name, value in element.attrib.items():
                attribute = etree.QName(name)
                if attribute.namespace is not None and not _allowed_namespace(attribute.namespace):
                    problem = f"Attribuut '{attribute.localname}' uit vreemde naamruimte '{attribute.namespace}'"
                elif attribute.localname.lower().startswith("on"):
                    problem = f"Gebeurtenisattribuut '{attribute.localname}'"
                elif "javascript:" in "".join(value.split()).lower():
                    problem = f"Attribuut '{attribute.localname}' met een javascript:-waarde"
                else:
                    continue
                owner = element if element.get("id") else _owner(element)
                self.issue(path, f"{problem} is niet toegestaan", owner, line=element.sourceline)
                found = True
        return not found

    def load_form(self, path: str) -> None:
        try:
            schema = json.loads(self.files[path])
        except UnicodeDecodeError:
            self.issue(path, "Het formulier is geen UTF-8-tekst")
            return
        except (json.JSONDecodeError, RecursionError) as err:
            problem = json_problem(err)
            self.issue(path, f"Geen geldige JSON: {problem.text(line=False)}", line=problem.line)
            return
        if not isinstance(schema, dict):
            self.issue(path, "Een formulier moet een JSON Schema-object zijn", element_id="$")
            return
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as err:
            self.issue(path, f"Geen geldig JSON Schema (draft 2020-12): {schema_problem(err)}",
                       element_id=err.json_path)
            return
        from engine.cases.field_classes import POLICY  # the confidentiality classes a field may declare
        from engine.forms import RESERVED_KEY

        def declares_reserved(node) -> bool:
            if isinstance(node, dict):
                props = node.get("properties")
                return (isinstance(props, dict) and RESERVED_KEY in props) or any(
                    declares_reserved(v) for v in node.values())
            return isinstance(node, list) and any(declares_reserved(v) for v in node)

        if declares_reserved(schema):
            self.issue(path, f"Het formulier heeft een veld '{RESERVED_KEY}': die naam is gereserveerd (de opslag "
                             f"van de zaak gebruikt haar); kies een andere naam", element_id=RESERVED_KEY)
        for name, prop in (schema.get("properties") or {}).items():
            value = prop.get("x-vertrouwelijk") if isinstance(prop, dict) else None
            if value and value not in POLICY:
                self.issue(path, f"Onbekende vertrouwelijkheidsklasse '{value}' (toegestaan: "
                                 f"{', '.join(sorted(POLICY))})", element_id=name)
            elif self.prove_legal:  # at check and deploy; a stored version is held to it at run time
                self.check_confidential_floor(path, name, prop, value)
        self.forms[path] = schema

    def check_confidential_floor(self, path: str, name: str, prop: Any, value: Any) -> None:
        """The fields the engine knows as the reporter's identity or contact stay marked "melder", the report's own
        words stay marked (DOMAIN §4): without the marking a value enters the workflow state unencrypted and everyone
        who sees the case reads it (``engine.cases.confidential``, ``engine.cases.field_classes``)."""
        from engine.cases import confidential
        from engine.cases.field_classes import IDENTITY

        title = prop.get("title") if isinstance(prop, dict) and isinstance(prop.get("title"), str) else name
        if name in confidential.REPORTER_IDENTITY and value != IDENTITY:
            self.issue(path, f"Het veld '{title}' ({name}) moet \"x-vertrouwelijk\": \"melder\" houden: het is "
                             f"{confidential.REPORTER_IDENTITY[name]}. Alleen wie de identiteit van de melder mag zien "
                             f"(het meldpunt, de integriteitscoördinator, een goedgekeurde onthulling) leest het; "
                             + (f"met '{value}' lezen alle behandelaars van de zaak het" if value else
                                "zonder deze markering komt het onversleuteld in de zaak en leest iedereen die de zaak "
                                "ziet het") + " (DOMAIN §4)", element_id=name)
        elif name in confidential.REPORT_TEXT and not value:
            self.issue(path, f"Het veld '{title}' ({name}) moet vertrouwelijk blijven (\"x-vertrouwelijk\": "
                             f"\"melding\", of strenger \"melder\"): het is {confidential.REPORT_TEXT[name]}. Zonder "
                             f"markering leest iedereen die de zaak ziet de tekst zoals de melder hem schreef, "
                             f"voordat het meldpunt passages heeft afgeschermd waaruit de melder herkenbaar is "
                             f"(DOMAIN §4)", element_id=name)

    def collect_process_ids(self, path: str) -> None:
        for process in self.trees[path].iterfind(".//bpmn:process", NS):
            process_id = process.get("id")
            if not process_id:
                self.issue(path, "Een proces heeft geen id", process)
            elif process_id in self.process_files:
                other = self.process_files[process_id]
                self.issue(path, f"Proces-id '{process_id}' komt meer dan eens voor (ook in {other})", process)
                self.duplicate_files.add(path)
            else:
                self.process_files[process_id] = path

    # -- phase 1: BPMN ---------------------------------------------------------------------

    def check_bpmn(self, path: str, manifest: Manifest, decisions: set[str]) -> None:
        root = self.trees[path].getroot()
        lane_of = {_text(ref): ref.getparent() for ref in root.iterfind(".//bpmn:flowNodeRef", NS)}
        self.check_lanes_and_tasks(path, root, manifest, lane_of)
        self.check_references(path, root, decisions, lane_of)
        self.check_scripts(path, root)
        self.check_expressions(path, root)
        self.check_timers(path, root)
        self.check_routing(path, root)
        if self.prove_legal:  # at check and deploy: a version already stored stays loadable for its running cases
            self.check_soundness(path, root)

    def check_routing(self, path: str, root: etree._Element) -> None:
        """A route is chosen only at an exclusive or inclusive gateway. SpiffWorkflow 3.2 ignores a flow's condition
        and a default flow anywhere else: out of a task or event it follows its one flow whatever the condition
        says, out of a parallel gateway or a start event it follows every flow. More than one flow out of a task or
        intermediate event fails its parser; out of a start event they run side by side. What the process owner
        drew as a choice would not be one (a duty skipped, or not skipped, against the diagram): refused, naming
        the element by its name."""
        named = {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")}

        def called(element: etree._Element | None) -> str:
            return "" if element is None else element.get("name") or element.get("id") or ""

        outgoing: dict[str, list[etree._Element]] = {}
        for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
            outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
        advice = ("zet er een exclusieve gateway achter (één route, met een voorwaarde per verbinding en eventueel "
                  "een standaardroute) of een parallelle gateway (alle routes tegelijk) en laat de verbindingen uit "
                  "die gateway vertrekken")
        for source_id, flows in outgoing.items():
            source = named.get(source_id)
            if source is None or _local(source) in CHOOSING_GATEWAYS:
                continue
            what = "De parallelle gateway" if _local(source) == "parallelGateway" else \
                "De gebeurtenisgateway" if _local(source) == "eventBasedGateway" else "Het element"
            if len(flows) > 1 and not _local(source).endswith("Gateway"):
                targets = ", ".join(f"'{called(named.get(f.get('targetRef')))}'" for f in flows)
                self.issue(path, f"Uit '{called(source)}' vertrekken {len(flows)} verbindingen ({targets}): alleen "
                                 f"een gateway kiest of splitst een route; de engine weigert dit uit een taak of "
                                 f"gebeurtenis, of volgt (uit een startgebeurtenis) alle verbindingen tegelijk en "
                                 f"negeert hun voorwaarden. Om een route te kiezen: {advice}", source)
                continue
            for flow in flows:
                if flow.find("bpmn:conditionExpression", NS) is not None:
                    self.issue(path, f"{what} '{called(source)}' heeft een voorwaarde op de verbinding naar "
                                     f"'{called(named.get(flow.get('targetRef')))}', maar alleen een exclusieve of "
                                     f"inclusieve gateway kiest een route: de engine zou de voorwaarde negeren en de "
                                     f"verbinding altijd volgen. Om een route te kiezen: {advice}", source)
        for element in named.values():
            if element.get("default") is not None and _local(element) not in CHOOSING_GATEWAYS \
                    and etree.QName(element).namespace == BPMN_NS and _local(element) != "sequenceFlow":
                self.issue(path, f"'{called(element)}' heeft een standaardroute (default), maar alleen een "
                                 f"exclusieve of inclusieve gateway kiest een route: de engine zou de standaardroute "
                                 f"negeren. Om een route te kiezen: {advice}", element)

    def check_soundness(self, path: str, root: etree._Element) -> None:
        """No case can stall at a parallel join that waits for a route that was not taken (an exclusive or inclusive
        choice, or a boundary event, sent the case elsewhere), and nothing runs twice because routes that run side by
        side meet without a parallel join (``engine.processes.soundness``: a token game over each process and
        embedded subprocess, every condition taken as a free choice). SpiffWorkflow 3.2 would leave the join
        waiting (the case stalls: incident 'zaak-vastgelopen' at the step that gets there) or run what follows the
        meeting point once per route (a letter sent twice, two decisions). Refused naming the join, the choice or
        split, and the step that would run twice, by their names."""
        self.issues.extend(soundness.issues(path, root))

    def check_lanes_and_tasks(self, path: str, root: etree._Element, manifest: Manifest,
                              lane_of: dict[str, etree._Element]) -> None:
        for lane in root.iterfind(".//bpmn:lane", NS):
            if manifest.role_for_lane(lane.get("name")) is None:
                self.issue(path, f"Baan '{lane.get('name') or ''}' noemt geen rol uit het manifest "
                                 f"(bekend: {', '.join(manifest.roles.values())})", lane)
        for process in root.iterfind(".//bpmn:process", NS):
            lanes_required = (process.get("id") == manifest.main_process or process.get("id") in manifest.processes
                              or process.find(".//bpmn:laneSet", NS) is not None)
            for task in process.iterfind(".//bpmn:userTask", NS):
                self.check_user_task(path, task, manifest, lane_of, lanes_required)
        for element in root.iter():
            if isinstance(element.tag, str) and element.get("id") and _local(element) != "userTask" \
                    and _properties(element).get("letter"):
                self.register_task(path, element, role=None)

    def check_references(self, path: str, root: etree._Element, decisions: set[str],
                         lane_of: dict[str, etree._Element]) -> None:
        ids = set(root.xpath("//@id"))
        for element, attribute in REFERENCES:
            for node in root.iterfind(f".//bpmn:{element}", NS):
                if node.get(attribute) not in ids:
                    self.issue(path, f"{attribute} verwijst naar onbekend element '{node.get(attribute) or ''}'",
                               node)
        for call in root.iterfind(".//bpmn:callActivity", NS):
            target = call.get("calledElement")
            if target not in self.process_files:
                self.issue(path, f"Aangeroepen proces '{target or ''}' bestaat niet", call)
            elif self.lane_for(call, lane_of) is None:
                self.calls_without_lane.append((path, call))
        for task in root.iterfind(".//bpmn:businessRuleTask", NS):
            decision = _text(task.find("./bpmn:extensionElements/spiffworkflow:calledDecisionId", NS))
            if decision not in decisions:
                self.issue(path, f"Beslistabel '{decision}' bestaat in geen DMN-bestand", task)

    def check_calls_without_lane(self) -> None:
        """A called process's tasks without a lane take the calling lane, so the call needs one."""
        for path, call in self.calls_without_lane:
            target = call.get("calledElement")
            if any(t.process_id == target and t.kind == "userTask" and t.role is None for t in self.tasks.values()):
                self.issue(path, f"Aanroep ligt in geen baan, maar proces '{target}' heeft gebruikerstaken "
                                 f"zonder baan (die krijgen de rol van de aanroepende baan)", call)

    def check_uncalled_processes(self, manifest: Manifest) -> None:
        """A process no case can reach: not the main process, not one that starts on its own (the manifest's
        'processes'), and called by no call activity of a process that is reached. Its tasks would never run."""
        calls: dict[str, set[str]] = {}
        for process_id, path in self.process_files.items():
            process = next((p for p in self.trees[path].iterfind(".//bpmn:process", NS)
                            if p.get("id") == process_id), None)
            if process is not None:
                calls[process_id] = {c.get("calledElement") for c in process.iterfind(".//bpmn:callActivity", NS)}
        reached: set[str] = set()
        todo = [manifest.main_process, *manifest.processes]
        while todo:
            process_id = todo.pop()
            if process_id in reached or process_id not in calls:
                continue
            reached.add(process_id)
            todo.extend(calls[process_id])
        for process_id, path in sorted(self.process_files.items(), key=lambda item: (item[1], item[0])):
            if process_id in reached or process_id not in calls:
                continue
            process = next(p for p in self.trees[path].iterfind(".//bpmn:process", NS) if p.get("id") == process_id)
            self.issue(path, f"Proces '{process.get('name') or process_id}' wordt nergens aangeroepen: het is niet "
                             f"het hoofdproces '{manifest.main_process}', staat niet onder 'processes' in het "
                             f"manifest en geen aanroepactiviteit van een proces dat wel loopt roept het aan, dus "
                             f"geen zaak komt er ooit langs. Roep het aan vanuit een proces, zet het onder 'processes' "
                             f"als het op zichzelf start, of verwijder het bestand", process)

    def lane_for(self, element: etree._Element, lane_of: dict[str, etree._Element]) -> etree._Element | None:
        """The lane of an element, or of the nearest embedded subprocess around it."""
        current: etree._Element | None = element
        while current is not None and _local(current) != "process":
            if current.get("id") in lane_of:
                return lane_of[current.get("id")]
            current = current.getparent()
        return None

    def check_user_task(self, path: str, task: etree._Element, manifest: Manifest,
                        lane_of: dict[str, etree._Element], lanes_required: bool) -> None:
        lane = self.lane_for(task, lane_of)
        if lane is None and lanes_required:
            self.issue(path, "Gebruikerstaak ligt in geen baan (rol)", task)
            return
        role = manifest.role_for_lane(lane.get("name")) if lane is not None else None
        if lane is not None and role is None:
            return  # the lane itself is reported
        form = _properties(task).get("form")
        if not form:
            self.issue(path, "Gebruikerstaak heeft geen eigenschap 'form'", task)
        elif form not in self.files or not form.startswith("forms/"):
            self.issue(path, f"Formulier '{form}' bestaat niet (verwacht onder forms/)", task)
        self.register_task(path, task, role)

    def register_task(self, path: str, task: etree._Element, role: str | None) -> None:
        props = _properties(task)
        task_id = task.get("id")
        if task_id in self.tasks:
            self.issue(path, f"Element-id '{task_id}' komt meer dan eens voor", task)
            return
        assignment = props.get("assignment")
        if assignment and assignment not in ASSIGNMENTS:
            self.issue(path, f"Onbekende toewijzing '{assignment}' (toegestaan: {', '.join(sorted(ASSIGNMENTS))})",
                       task)
        priority = self.priority(path, task, props.get("priority"))
        condition = props.get("fulfils_when")
        if condition is not None:
            problem = check_expression(condition) if condition.strip() else "lege expressie"
            if problem:
                self.issue(path, f"Eigenschap 'fulfils_when': {problem}", task)
            elif not props.get("fulfils"):
                self.issue(path, "Eigenschap 'fulfils_when' zonder 'fulfils'", task)
        for flag in ("shows_precedents", "intake"):
            if props.get(flag, "true").strip().lower() not in {"true", "false"}:
                self.issue(path, f"Eigenschap '{flag}' moet 'true' of 'false' zijn", task)
        if props.get("intake", "").strip().lower() == "true":
            self.intake_tasks.append(task_id)
            if len(self.intake_tasks) > 1:
                self.issue(path, "Eigenschap 'intake' staat op meer dan één taak "
                                 f"({', '.join(self.intake_tasks)}); de registratie van een melding is één taak", task)
        letter = props.get("letter")
        if letter and self.template_exists is not None and not self.template_exists(letter):
            self.issue(path, f"Briefsjabloon '{letter}' bestaat niet", task)
        elif letter and self.template_exists is not None and self.prove_legal:
            # the reporter's leak guard is declared, not left to care: a letter to the reporter must say so
            from documents.checks import letter_declaration_problems  # the templates' own reading

            for problem in letter_declaration_problems(letter, props.get("letter_recipient"),
                                                       self.templates or None, self.catalogue):
                self.issue(path, problem, task)
        process = next(a for a in task.iterancestors() if _local(a) in PROCESS_TAGS)
        self.tasks[task_id] = TaskMeta(
            element_id=task_id, name=task.get("name"), kind=_local(task), process_id=process.get("id"),
            role=role, slot=props.get("slot", role), form=props.get("form"), assignment=assignment,
            priority=priority, letter=letter, letter_recipient=props.get("letter_recipient"),
            properties=props,
        )

    def priority(self, path: str, task: etree._Element, value: str | None) -> int | str | None:
        if value is None or not value.strip():
            return None
        try:
            return int(value)
        except ValueError:
            pass
        problem = check_expression(value)
        if problem:
            self.issue(path, f"Prioriteit is geen getal of geldige expressie: {problem}", task)
        return value

    def check_scripts(self, path: str, root: etree._Element) -> None:
        for task in root.iterfind(".//bpmn:scriptTask", NS):
            script = _text(task.find("./bpmn:script", NS))
            problem = check_script(script) if script else "Scripttaak heeft geen script"
            if problem:
                self.issue(path, f"Script: {problem}", task)
        for kind, label in (("preScript", "Voorscript"), ("postScript", "Nascript")):
            for node in root.iterfind(f".//bpmn:extensionElements/spiffworkflow:{kind}", NS):
                problem = check_script(node.text or "")
                if problem:
                    self.issue(path, f"{label}: {problem}", _owner(node), line=node.sourceline)

    def check_expressions(self, path: str, root: etree._Element) -> None:
        for xpath in EXPRESSION_XPATHS:
            for node in root.iterfind(xpath, NS):
                problem = check_expression(_text(node)) if _text(node) else "Lege expressie"
                if problem:
                    self.issue(path, f"Conditie of expressie: {problem}", _owner(node), line=node.sourceline)

    def check_timers(self, path: str, root: etree._Element) -> None:
        for definition in root.iterfind(".//bpmn:timerEventDefinition", NS):
            event = _owner(definition)
            specs = [child for child in definition if isinstance(child.tag, str) and _local(child) in TIMER_KINDS]
            if len(specs) != 1:
                self.issue(path, "Timer moet precies één van timeDate, timeDuration of timeCycle hebben", event)
                continue
            problem = self.timer_problem(_local(specs[0]), _text(specs[0]))
            if problem:
                self.issue(path, f"Timer: {problem}", event, line=specs[0].sourceline)

    def timer_problem(self, kind: str, expression: str) -> str | None:
        problem = check_expression(expression) if expression else "lege timerexpressie"
        if problem:
            return problem
        node = ast.parse(expression, mode="eval").body
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return _iso_problem(kind, node.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.functions:
            arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
            if all(isinstance(arg, (ast.Constant, ast.Name)) for arg in arguments):
                return None
            return (f"de argumenten van {node.func.id}() moeten vaste waarden of namen van "
                    f"zaakgegevens zijn")
        known = ", ".join(sorted(self.functions)) or "geen"
        return (f"'{expression}' is geen ISO 8601-{TIMER_KINDS[kind]} tussen aanhalingstekens "
                f"(bijvoorbeeld \"P14D\") en geen aanroep van een engine-functie ({known})")

    # -- phase 1: DMN ----------------------------------------------------------------------

    def check_dmn(self, path: str) -> None:
        for node in self.trees[path].iter():
            if not isinstance(node.tag, str) or _local(node) not in {"inputExpression", "inputEntry", "outputEntry"}:
                continue
            text = _text(next((c for c in node if isinstance(c.tag, str) and _local(c) == "text"), None))
            if not text:
                continue
            problem = (runtime_checks.feel_problem(text) or _dmn_input_problem(text)) if _local(node) == "inputEntry" \
                else check_expression(text)
            if problem:
                self.issue(path, f"DMN-cel: {problem}", node)

    # -- phase 2: SpiffWorkflow ------------------------------------------------------------

    def spiff_add_dmn(self, parser: SpiffBpmnParser, path: str) -> None:
        try:
            parser.add_dmn_xml(self.trees[path].getroot(), filename=path)
            for dmn_parser in parser.dmn_parsers.values():
                if dmn_parser.filename == path:
                    dmn_parser.parse()
        except ValidationException as err:
            self.spiff_issue(err, path)
        except Exception:  # the DMN parser raises plain (English) errors on malformed tables
            root = self.trees[path].getroot()
            self.issue(path, "DMN-bestand kan niet worden gelezen: de opbouw wijkt af van één beslissing met één "
                             "beslistabel (DMN 1.3) met invoer- en uitvoerkolommen en regels", root)

    def spiff_add_bpmn(self, parser: SpiffBpmnParser, path: str) -> None:
        try:
            parser.add_bpmn_xml(self.trees[path], filename=path)
        except ValidationException as err:
            self.spiff_issue(err, path)

    def build_specs(self, parser: SpiffBpmnParser,
                    main_process: str) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]] | None:
        try:
            return parser.get_spec(main_process), parser.get_subprocess_specs(main_process)
        except ValidationException as err:
            self.spiff_issue(err, MANIFEST_FILE)
            return None

    def spiff_issue(self, err: ValidationException, default_file: str) -> None:
        line = err.line_number if isinstance(err.line_number, int) else None
        file, element = self.find_element(err.file_name or default_file, getattr(err, "id", "") or None, line)
        message = str(err).split(". Expected is")[0]
        for prefix, namespace in NS.items():
            message = message.replace("{%s}" % namespace, prefix + ":")
        self.issues.append(ValidationIssue(
            file=file, message=f"Voldoet niet aan BPMN/DMN: {spiff_messages.dutch(message, _prefixed(element))}",
            element_id=element.get("id") if element is not None else None,
            line=line or (element.sourceline if element is not None else None)))

    def find_element(self, file: str, element_id: str | None,
                     line: int | None) -> tuple[str, etree._Element | None]:
        """The element with this id (in any file), else the nearest element with an id around the line."""
        if element_id:
            for path, tree in self.trees.items():
                found = tree.getroot().xpath("//*[@id=$id]", id=element_id)
                if found:
                    return path, found[0]
        elif line and file in self.trees:
            for element in self.trees[file].iter():
                if isinstance(element.tag, str) and element.sourceline == line:
                    return file, next((e for e in (element, *element.iterancestors()) if e.get("id")), None)
        return file, None


def _prefixed(element: etree._Element | None) -> str | None:
    """``bpmn:userTask`` for an element of a known namespace."""
    if element is None or not isinstance(element.tag, str):
        return None
    namespace = etree.QName(element).namespace
    prefix = next((p for p, ns in NS.items() if ns == namespace), None)
    return f"{prefix}:{etree.QName(element).localname}" if prefix else None


def _allowed_namespace(namespace: str | None) -> bool:
    return namespace is not None and (namespace in ALLOWED_NAMESPACES
                                      or namespace.startswith(ALLOWED_NAMESPACE_PREFIXES))


def _iso_problem(kind: str, value: str) -> str | None:
    """Why ``value`` is not a valid ISO 8601 date, duration or cycle for this timer kind."""
    try:
        if kind == "timeDuration":
            if not value.upper().startswith("P") or not TimerEventDefinition.parse_iso_duration(value):
                raise ValueError(value)
        elif kind == "timeDate":
            if not isinstance(TimerEventDefinition.parse_time_or_duration(value), datetime):
                raise ValueError(value)
        else:
            if not value.upper().startswith("R"):
                raise ValueError(value)
            TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception:  # SpiffWorkflow's ISO parsers raise bare Exception, ValueError, AttributeError
        examples = {"timeDate": '"2026-01-31T09:00:00+01:00"', "timeDuration": '"P14D"',
                    "timeCycle": '"R3/P1D"'}
        return f"'{value}' is geen geldige ISO 8601-{TIMER_KINDS[kind]} (bijvoorbeeld {examples[kind]})"
    return None


def _dmn_input_problem(text: str) -> str | None:
    """Check an input cell the way SpiffWorkflow's DMN engine turns it into an expression."""
    if "?" in text:
        return check_expression(text.replace("?", "dmninputexpr"))
    try:
        ast.parse(text, mode="eval")
        return check_expression(text)
    except SyntaxError:
        return check_expression(f"dmninputexpr {text}")

