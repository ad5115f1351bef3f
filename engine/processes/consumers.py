"""Every field a step asks for has a consumer (issue 15): the deployment check that lists unread form fields.

A field a process owner puts in a form (``processes/forms/*.json``, a top-level property that is not
``readOnly``) is *read* when at least one of these uses it:

* a letter the process sends (task property ``letter``): a placeholder of that template;
* a page: another form shows it as a ``readOnly`` field (the task context of a later step) or arrives prefilled
  with it (``x-vooringevuld-uit``), or a form's condition (``if``) depends on it;
* a later step: a script, condition, timer, loop or priority expression in the BPMN, or a DMN expression;
* the manifest: a field it names (legal rules, leak guard);
* the engine itself: a report or the case summary (``engine_reads``), a confidential field stored encrypted for
  the identity page (``x-vertrouwelijk``), a field that links a person (``x-persoon``).

A field kept only for the case file (an escalation's account, a date for the record) says so with
``"x-archief": "<reden>"`` in the form. Everything else is refused at ``processes check`` and deploy, naming the
form, the line and the field: a legal step that asks for something nobody reads is how minutes announced as an
attachment, questions for the investigators and the decision date got lost.
"""
from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lxml import etree

from engine.errors import ValidationIssue

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
ARCHIVE = "x-archief"
ENGINE_KEYWORDS = ("x-vertrouwelijk", "x-persoon")
PREFILL = "x-vooringevuld-uit"  # engine.forms.PREFILL
# Elements whose text is Python the engine evaluates (scripts, conditions, timers, loops, DMN cells).
CODE_TAGS = frozenset({
    "script", "preScript", "postScript", "conditionExpression", "condition", "timeDate", "timeDuration",
    "timeCycle", "loopCardinality", "completionCondition", "loopCondition", "formalExpression", "messagePayload",
    "expression", "text", "inputExpression",
})
# Task properties whose value is an expression over case data.
EXPRESSION_PROPERTIES = frozenset({"priority"})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def names_read(code: str) -> set[str]:
    """The names a piece of Python reads (loads and call keywords); falls back to every identifier."""
    try:
        tree = ast.parse(code.strip(), mode="exec")
    except SyntaxError:
        return set(_IDENTIFIER.findall(code))
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _process_reads(trees: Mapping[str, etree._ElementTree]) -> tuple[set[str], set[str]]:
    """(names read by the code of the BPMN/DMN files, letters the BPMN files send)."""
    read: set[str] = set()
    letters: set[str] = set()
    for tree in trees.values():
        for element in tree.iter():
            tag = _local(element)
            if tag in CODE_TAGS and element.text and element.text.strip():
                read |= names_read(element.text)
            elif tag == "property" and etree.QName(element).namespace == SPIFF_NS:
                name, value = element.get("name"), element.get("value") or ""
                if name in EXPRESSION_PROPERTIES:
                    read |= names_read(value)
                elif name == "letter" and value.strip():
                    letters.add(value.strip())
    return read, letters


def _manifest_names(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, Mapping):
        return {n for v in value.values() for n in _manifest_names(v)}
    if isinstance(value, list):
        return {n for v in value for n in _manifest_names(v)}
    return set()


def _condition_names(value: Any) -> set[str]:
    """Field names a form's ``if`` clauses depend on."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        condition = value.get("if")
        if isinstance(condition, Mapping):
            found |= set((condition.get("properties") or {}).keys()) | set(condition.get("required") or [])
        for v in value.values():
            found |= _condition_names(v)
    elif isinstance(value, list):
        for v in value:
            found |= _condition_names(v)
    return found


def _line_of(raw: bytes | None, field: str) -> int | None:
    if raw is None:
        return None
    text = raw.decode("utf-8", errors="replace")
    index = text.find(json.dumps(field) + ":")
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def unread_fields(*, trees: Mapping[str, etree._ElementTree], forms: Mapping[str, Mapping[str, Any]],
                  manifest: Mapping[str, Any], files: Mapping[str, bytes],
                  template_fields: Callable[[Iterable[str]], set[str]] | None,
                  engine_reads: Iterable[str] = ()) -> list[ValidationIssue]:
    """The refusals: each form field that nothing reads and that is not declared ``x-archief`` with a reason."""
    code_reads, letters = _process_reads(trees)
    consumed = code_reads | _manifest_names(manifest) | set(engine_reads)
    if template_fields is not None:
        consumed |= template_fields(sorted(letters))
    for schema in forms.values():
        consumed |= _condition_names(schema)
        for name, prop in (schema.get("properties") or {}).items():
            if isinstance(prop, Mapping) and (prop.get("readOnly") or any(prop.get(k) for k in ENGINE_KEYWORDS)):
                consumed.add(name)
            if isinstance(prop, Mapping):  # a later form arrives prefilled with it (x-vooringevuld-uit)
                source = prop.get(PREFILL)
                consumed |= {source} if isinstance(source, str) else {s for s in (source or []) if isinstance(s, str)}
    issues: list[ValidationIssue] = []
    for path in sorted(forms):
        for name, prop in (forms[path].get("properties") or {}).items():
            if not isinstance(prop, Mapping) or prop.get("readOnly"):
                continue
            line = _line_of(files.get(path), name)
            if ARCHIVE in prop:
                reason = prop[ARCHIVE]
                if not isinstance(reason, str) or len(reason.strip()) < 10:
                    issues.append(ValidationIssue(path, f"'{ARCHIVE}' van veld '{name}' moet de reden noemen "
                                                        f"waarom het alleen in het dossier wordt bewaard", name, line))
                continue
            if name not in consumed:
                issues.append(ValidationIssue(path, (
                    f"Veld '{name}' wordt door niets gelezen: geen brief van het proces, geen pagina (een "
                    f"alleen-lezenveld in een formulier), geen rapport en geen latere stap (script, conditie, "
                    f"timer, DMN, manifest) gebruikt het. Laat een brief of stap het gebruiken, of verklaar het met "
                    f"\"{ARCHIVE}\": \"<reden>\" als gegeven dat alleen in het zaakdossier wordt bewaard"), name, line))
    return issues
