"""What people call the parts of a deployed process: the ``name`` of each BPMN element and of each process file.

Pages and the timeline show these names, never element ids or file names (issue 17, "Dutch without jargon").
The names are read from the process files themselves (the element's ``name`` attribute; for a file, its
process or participant name): no id-to-name table in Python. A version is immutable, so its names are cached
by content hash.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from engine.processes.models import ProcessVersion

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass(frozen=True)
class VersionNames:
    elements: dict[str, str]  # element id -> its name (only elements that have one)
    files: dict[str, str]  # .bpmn path -> the name of its process
    values: dict[str, dict[str, str]] = None  # form field -> {stored value: its Dutch label} (the forms' x-labels)

    def element(self, element_id: str | None) -> str | None:
        """The element's name; ``None`` when it has none (the caller says something general instead)."""
        return self.elements.get(element_id or "")

    def file(self, path: str) -> str:
        return self.files.get(path) or readable_file_name(path)

    def value(self, field: str, raw) -> str:
        """A stored choice as the forms label it ("feitenonderzoek" -> "Feitenonderzoek (intern)"); a list joined;
        a value without a label as words."""
        if raw is None or raw == "":
            return "—"
        if isinstance(raw, list):
            return "; ".join(self.value(field, v) for v in raw)
        if isinstance(raw, bool):
            return "Ja" if raw else "Nee"
        label = (self.values or {}).get(field, {}).get(str(raw))
        return label or str(raw).replace("_", " ")


def readable_file_name(path: str) -> str:
    """Fallback for a file whose process has no name: the stem as words ("aanvullende_informatie.bpmn" ->
    "Aanvullende informatie")."""
    stem = re.sub(r"\.[a-z]+$", "", path.rsplit("/", 1)[-1])
    words = re.sub(r"[_\-]+", " ", stem).strip()
    return words[:1].upper() + words[1:]


def _clean(name: str | None) -> str | None:
    return " ".join(name.split()) if name and name.strip() else None


def parse_names(files: dict[str, bytes]) -> VersionNames:
    elements: dict[str, str] = {}
    titles: dict[str, str] = {}
    for path, content in sorted(files.items()):
        if not path.endswith(".bpmn"):
            continue
        try:
            root = ET.fromstring(content)
        except ET.ParseError:
            continue
        participant = process = None
        for el in root.iter():
            ident, name = el.get("id"), _clean(el.get("name"))
            if ident and name and el.tag.startswith("{" + BPMN_NS):
                elements.setdefault(ident, name)
                if el.tag == f"{{{BPMN_NS}}}process" and process is None:
                    process = name
                if el.tag == f"{{{BPMN_NS}}}participant" and participant is None:
                    participant = name
        titles[path] = process or participant or readable_file_name(path)
    return VersionNames(elements=elements, files=titles, values=parse_value_labels(files))


def parse_value_labels(files: dict[str, bytes]) -> dict[str, dict[str, str]]:
    """field -> {value: label} from every form's ``x-labels`` (on the field, or on its items for a list); the
    first form that labels a value wins, so a process owner labels a shared field once."""
    import json

    out: dict[str, dict[str, str]] = {}
    for path, content in sorted(files.items()):
        if not (path.startswith("forms/") and path.endswith(".json")):
            continue
        try:
            schema = json.loads(content)
        except ValueError:
            continue
        for field, prop in ((schema or {}).get("properties") or {}).items():
            if not isinstance(prop, dict):
                continue
            labels = prop.get("x-labels") or (prop.get("items") or {}).get("x-labels") or {}
            for value, label in labels.items():
                out.setdefault(field, {}).setdefault(str(value), str(label))
    return out


_CACHE: dict[str, VersionNames] = {}


def version_names(version: ProcessVersion | None) -> VersionNames:
    """The names of ``version`` (empty for a case without a process: an imported case)."""
    if version is None:
        return VersionNames({}, {}, {})
    names = _CACHE.get(version.content_hash)
    if names is None:
        names = parse_names({f.path: f.content for f in version.files
                             if f.path.endswith(".bpmn") or (f.path.startswith("forms/") and f.path.endswith(".json"))})
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[version.content_hash] = names
    return names
