"""What changed between two process sets, element by element (issue 18, "Versions and differences").

Compared per BPMN file, by element id: tasks, flows, timers, gateways and other events (added, removed, or changed
name, lane, properties, scripts, conditions, timer expression); per form (``forms/*.json``: fields added, removed or
changed); per letter template (``letters/*.docx``: its hash); and any other file (manifest, letter catalogue,
decision tables) as a whole. Every change is described in Dutch with the element's name from the BPMN; the element
id is secondary information (the API gives it, the web page uses it only to mark the diagram).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from lxml import etree

from engine.processes.names import readable_file_name

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}

TASK_TAGS = frozenset({"task", "userTask", "scriptTask", "serviceTask", "businessRuleTask", "callActivity",
                       "manualTask", "sendTask", "receiveTask", "subProcess", "transaction", "adHocSubProcess"})
EVENT_TAGS = frozenset({"startEvent", "endEvent", "boundaryEvent", "intermediateCatchEvent",
                        "intermediateThrowEvent"})
GATEWAY_TAGS = frozenset({"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
                          "complexGateway"})
# What each kind of change is called on screen, and its order in the list.
KINDS = {"taak": "Taak", "stroom": "Pijl", "timer": "Termijn", "poort": "Keuze of splitsing",
         "gebeurtenis": "Gebeurtenis", "formulier": "Formulier", "brief": "Briefsjabloon", "bestand": "Bestand"}
PROPERTY_LABELS = {"form": "formulier", "letter": "brief", "letter_recipient": "ontvanger van de brief",
                   "slot": "toewijzing (slot)", "assignment": "verdeling", "priority": "prioriteit"}
SCRIPT_LABELS = {"script": "script", "preScript": "script vooraf", "postScript": "script na afronden"}
# How an element without a name is referred to (never by its id).
_UNNAMED = {"exclusiveGateway": "keuze zonder naam", "inclusiveGateway": "keuze zonder naam",
            "parallelGateway": "splitsing zonder naam", "eventBasedGateway": "keuze zonder naam",
            "startEvent": "begin", "endEvent": "einde", "boundaryEvent": "gebeurtenis zonder naam",
            "intermediateCatchEvent": "gebeurtenis zonder naam", "intermediateThrowEvent": "gebeurtenis zonder naam",
            **{tag: "taak zonder naam" for tag in TASK_TAGS}, "sequenceFlow": None}
_DURATION = re.compile(r"P(?:\d+[YMWD])+(?:T(?:\d+[HMS])+)?|PT(?:\d+[HMS])+")


@dataclass(frozen=True)
class Change:
    kind: str  # a key of KINDS
    change: str  # "toegevoegd" | "verwijderd" | "gewijzigd"
    name: str  # what people call it (the BPMN name, a form's title, a letter's title)
    file: str
    element_id: str | None = None
    details: tuple[str, ...] = field(default_factory=tuple)

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


@dataclass
class _Element:
    kind: str
    name: str | None
    facts: dict[str, str]  # a label -> its value, compared between versions
    refs: dict[str, str] = field(default_factory=dict)  # a label -> the id of the element it names (compared by id)
    names: dict[str, str | None] = field(default_factory=dict)  # the file's element names (for refs)

    def ref(self, label: str) -> str:
        ident = self.refs.get(label) or ""
        return self.names.get(ident) or ("element zonder naam" if ident else "")


def _parse(content: bytes) -> etree._Element | None:
    try:
        return etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except (etree.XMLSyntaxError, ValueError):
        return None


def bpmn_elements(content: bytes) -> dict[str, _Element]:
    """The comparable elements of one BPMN file by id."""
    root = _parse(content)
    if root is None:
        return {}
    names = {el.get("id"): _clean(el.get("name")) or _UNNAMED.get(_local(el.tag)) for el in root.iter() if el.get("id")}
    lanes = {}
    for lane in root.iterfind(".//bpmn:lane", NS):
        for ref in lane.iterfind("./bpmn:flowNodeRef", NS):
            lanes[_clean(ref.text)] = _clean(lane.get("name")) or lane.get("id")
    out: dict[str, _Element] = {}
    for el in root.iter():
        tag, ident = _local(el.tag), el.get("id")
        if not ident or etree.QName(el.tag).namespace != BPMN:
            continue
        facts: dict[str, str] = {}
        refs: dict[str, str] = {}
        if tag in TASK_TAGS:
            kind = "taak"
            if ident in lanes:
                facts["rol (baan)"] = lanes[ident]
            for prop in el.iterfind("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS):
                label = PROPERTY_LABELS.get(prop.get("name", ""), f"eigenschap '{prop.get('name')}'")
                facts[label] = prop.get("value") or ""
            for local, label in SCRIPT_LABELS.items():
                node = el.find(f"./bpmn:{local}", NS) if local == "script" else \
                    el.find(f"./bpmn:extensionElements/spiffworkflow:{local}", NS)
                if node is not None and (node.text or "").strip():
                    facts[label] = node.text.strip()
            if el.get("calledElement"):
                refs["deelproces"] = el.get("calledElement")
            decision = el.find("./bpmn:extensionElements/spiffworkflow:calledDecisionId", NS)
            if decision is not None and (decision.text or "").strip():
                facts["beslistabel"] = decision.text.strip()
        elif tag == "sequenceFlow":
            kind = "stroom"
            source, target = el.get("sourceRef"), el.get("targetRef")
            refs["van"], refs["naar"] = source or "", target or ""
            condition = el.find("./bpmn:conditionExpression", NS)
            if condition is not None and (condition.text or "").strip():
                facts["voorwaarde"] = condition.text.strip()
        elif tag in EVENT_TAGS:
            timer = el.find("./bpmn:timerEventDefinition", NS)
            kind = "timer" if timer is not None else "gebeurtenis"
            if timer is not None:
                for child in timer:
                    if _local(child.tag) in ("timeDate", "timeDuration", "timeCycle"):
                        facts["termijn"] = (child.text or "").strip()
            if el.get("attachedToRef"):
                refs["aan taak"] = el.get("attachedToRef")
                facts["onderbreekt de taak"] = "nee" if el.get("cancelActivity") == "false" else "ja"
        elif tag in GATEWAY_TAGS:
            kind = "poort"
        else:
            continue
        out[ident] = _Element(kind, names.get(ident), facts, refs, names)
    return out


def _described(element: _Element, ident: str) -> str:
    if element.kind == "stroom":
        route = f"{element.ref('van') or '?'} → {element.ref('naar') or '?'}"
        return f"{element.name} ({route})" if element.name else route
    return element.name or {"taak": "taak zonder naam", "timer": "termijn zonder naam",
                            "poort": "keuze zonder naam"}.get(element.kind, "gebeurtenis zonder naam")


def _value(text: str) -> str:
    text = _clean(text)
    return f"'{text[:117]}…'" if len(text) > 120 else f"'{text}'"


def _fact_changes(old: _Element, new: _Element, shown: dict[str, str]) -> list[str]:
    out = []
    if old.name != new.name:
        out.append(f"naam: {_value(old.name or '—')} → {_value(new.name or '—')}")
    for label in list(old.refs) + [k for k in new.refs if k not in old.refs]:
        if old.refs.get(label) != new.refs.get(label):
            out.append(f"{label}: {_value(old.ref(label) or '—')} → {_value(new.ref(label) or '—')}")
    for label in list(old.facts) + [k for k in new.facts if k not in old.facts]:
        before, after = old.facts.get(label), new.facts.get(label)
        if before == after:
            continue
        if before is None:
            out.append(f"{label} toegevoegd: {_value(shown.get(after, after))}")
        elif after is None:
            out.append(f"{label} verwijderd (was {_value(shown.get(before, before))})")
        else:
            line = f"{label}: {_value(shown.get(before, before))} → {_value(shown.get(after, after))}"
            durations = (_DURATION.findall(before), _DURATION.findall(after))
            if durations[0] != durations[1] and (durations[0] or durations[1]):
                line += f" (duur {', '.join(durations[0]) or '—'} → {', '.join(durations[1]) or '—'})"
            out.append(line)
    return out


def _bpmn_changes(path: str, old: bytes | None, new: bytes | None, shown: dict[str, str]) -> list[Change]:
    before, after = bpmn_elements(old or b""), bpmn_elements(new or b"")
    out = []
    for ident in list(before) + [i for i in after if i not in before]:
        a, b = before.get(ident), after.get(ident)
        if a is None:
            out.append(Change(b.kind, "toegevoegd", _described(b, ident), path, ident,
                              tuple([f"{k}: {_value(b.ref(k))}" for k in b.refs]
                                    + [f"{k}: {_value(shown.get(v, v))}" for k, v in b.facts.items()
                                       if k in ("termijn", "rol (baan)", "formulier", "brief")])))
        elif b is None:
            out.append(Change(a.kind, "verwijderd", _described(a, ident), path, ident))
        elif a.kind != b.kind:
            out.append(Change(b.kind, "gewijzigd", _described(b, ident), path, ident,
                              (f"soort: {KINDS[a.kind].lower()} → {KINDS[b.kind].lower()}",)))
        else:
            details = _fact_changes(a, b, shown)
            if details:
                out.append(Change(b.kind, "gewijzigd", _described(b, ident), path, ident, tuple(details)))
    return out


def _json(content: bytes | None) -> dict:
    try:
        value = json.loads(content or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _form_users(files: dict[str, bytes], form: str) -> list[str]:
    """The names of the tasks that use ``form`` (BPMN property ``form``)."""
    names = []
    for path, content in sorted(files.items()):
        if path.endswith(".bpmn"):
            for element in bpmn_elements(content).values():
                if element.kind == "taak" and element.facts.get("formulier") == form and element.name:
                    names.append(element.name)
    return names


def _form_change(path: str, old: bytes | None, new: bytes | None, files: dict[str, bytes]) -> Change:
    a, b = _json(old), _json(new)
    users = _form_users(files, path)
    name = b.get("title") or a.get("title") or (users[0] if users else readable_file_name(path))
    if old is None or new is None:
        return Change("formulier", "toegevoegd" if old is None else "verwijderd", name, path)
    fields_a, fields_b = a.get("properties") or {}, b.get("properties") or {}

    def title(key, props):
        prop = props.get(key)
        return (prop.get("title") if isinstance(prop, dict) else None) or key.replace("_", " ")

    details = []
    added = [title(k, fields_b) for k in fields_b if k not in fields_a]
    removed = [title(k, fields_a) for k in fields_a if k not in fields_b]
    changed = [title(k, fields_b) for k in fields_b if k in fields_a and fields_a[k] != fields_b[k]]
    if added:
        details.append("velden toegevoegd: " + ", ".join(added))
    if removed:
        details.append("velden verwijderd: " + ", ".join(removed))
    if changed:
        details.append("velden gewijzigd: " + ", ".join(changed))
    if sorted(a.get("required") or []) != sorted(b.get("required") or []):
        details.append("verplichte velden gewijzigd")
    rest = {k: v for k, v in a.items() if k not in ("properties", "required")} != \
        {k: v for k, v in b.items() if k not in ("properties", "required")}
    if rest or not details:
        details.append("schema gewijzigd")
    if users:
        details.append("gebruikt door: " + ", ".join(users))
    return Change("formulier", "gewijzigd", name, path, None, tuple(details))


def _letter_titles(files: dict[str, bytes]) -> dict[str, str]:
    letters = _json(files.get("letters.json")).get("letters") or {}
    return {code: (entry or {}).get("titel") for code, entry in letters.items() if isinstance(entry, dict)}


def _short(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:12]


def diff_files(old: dict[str, bytes], new: dict[str, bytes]) -> list[Change]:
    """The changes from process set ``old`` to ``new``, in the order of :data:`KINDS`, then file, then as in the file."""
    titles = {**_letter_titles(old), **_letter_titles(new)}
    # What a property value is called on screen: a form by its title, a letter by its title (never a file or id).
    shown = {path: _json(content).get("title") or readable_file_name(path)
             for files in (old, new) for path, content in files.items() if path.startswith("forms/")}
    shown.update({code: title for code, title in titles.items() if title})
    out: list[Change] = []
    for path in sorted(set(old) | set(new)):
        a, b = old.get(path), new.get(path)
        if a == b:
            continue
        if path.endswith(".bpmn"):
            out.extend(_bpmn_changes(path, a, b, shown))
        elif path.startswith("forms/") and path.endswith(".json"):
            out.append(_form_change(path, a, b, new if b is not None else old))
        elif path.startswith("letters/") and path.endswith(".docx"):
            code = path.rsplit("/", 1)[-1][:-5]
            change = "toegevoegd" if a is None else "verwijderd" if b is None else "gewijzigd"
            details = (f"sjabloon: kenmerk {_short(a)} → {_short(b)}",) if change == "gewijzigd" else ()
            out.append(Change("brief", change, titles.get(code) or readable_file_name(path), path, None, details))
        else:
            change = "toegevoegd" if a is None else "verwijderd" if b is None else "gewijzigd"
            out.append(Change("bestand", change, readable_file_name(path), path))
    order = list(KINDS)
    return sorted(out, key=lambda c: (order.index(c.kind), c.file))  # stable: in the order of the file


def diff_versions(*, session, version_id: int, other_id: int) -> list[Change]:
    """The changes from version ``other_id`` to version ``version_id`` (both deployed)."""
    from engine.errors import NotFound
    from engine.processes.models import ProcessVersion

    versions = [session.get(ProcessVersion, v) for v in (other_id, version_id)]
    if any(v is None for v in versions):
        raise NotFound("Procesversie niet gevonden.")
    old, new = ({f.path: f.content for f in v.files} for v in versions)
    return diff_files(old, new)
