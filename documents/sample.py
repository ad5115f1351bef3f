"""Sample case data for ``meldpunt processes check`` / ``templates check``, generated from the form schemas.

A process owner who adds a field to a form and prints it in a letter needs no Python and no edit of the sample
case: the check fills every form field the sample lacks with an example value derived from its JSON schema
(``const``/``default``/the first ``enum`` value, a fixed date for ``format: date``, "Voorbeeld <titel>" for
text, one generated item for a list, …). ``documents/sample_case.json`` still supplies what no form asks for:
the deadlines the engine computes, the reporter's data from the report itself, and per-letter variants that
take the branches the letters have. Values are fixed (no wall clock), so the check is repeatable.
"""
from __future__ import annotations

import copy
import json
from typing import Any, Mapping

from documents.checks import load_sample_case

EXAMPLE_DATE = "2026-11-16"
EXAMPLE_DATETIME = "2026-11-16T10:00:00+01:00"


def example(schema: Mapping[str, Any], name: str = "", depth: int = 0) -> Any:
    """An example value for one JSON-schema property (``None`` when the schema gives no clue)."""
    if not isinstance(schema, Mapping) or depth > 5:
        return None
    for key in ("const", "default"):
        if key in schema and schema[key] not in (None, ""):
            return schema[key]
    if schema.get("enum"):
        return next((v for v in schema["enum"] if v not in (None, "")), None)
    for key in ("oneOf", "anyOf"):
        for option in schema.get(key) or ():
            value = example(option, name, depth + 1)
            if value is not None:
                return value
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return EXAMPLE_DATE
        if fmt == "date-time":
            return EXAMPLE_DATETIME
        if fmt == "email":
            return "voorbeeld@example.nl"
        return f"Voorbeeld {schema.get('title') or name}".strip()
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "array":
        item = example(schema.get("items") or {"type": "string"}, name, depth + 1)
        return [item] if item is not None else []
    if kind == "object":
        return {k: v for k, v in ((k, example(p, k, depth + 1)) for k, p in (schema.get("properties") or {}).items())
                if v is not None}
    return None


def sample_from_forms(forms: Mapping[str, Mapping[str, Any]], base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The sample case (``base``, default ``sample_case.json``) with an example value for every form field it
    lacks. ``forms``: form schemas by path (a process set's ``forms/*.json``)."""
    sample = copy.deepcopy(dict(base if base is not None else load_sample_case()))
    data = sample.setdefault("data", {})
    for path in sorted(forms):
        for name, prop in ((forms[path] or {}).get("properties") or {}).items():
            if name in data or not isinstance(prop, Mapping) or prop.get("readOnly"):
                continue
            value = example(prop, name)
            if value is not None:
                data[name] = value
    return sample


def forms_of(files: Mapping[str, bytes]) -> dict[str, dict[str, Any]]:
    """The readable form schemas among a process set's files (broken ones are reported by the process check)."""
    forms: dict[str, dict[str, Any]] = {}
    for path, raw in files.items():
        if path.startswith("forms/") and path.endswith(".json"):
            try:
                schema = json.loads(raw)
            except ValueError:
                continue
            if isinstance(schema, dict):
                forms[path] = schema
    return forms
