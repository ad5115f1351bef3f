"""Deployment checks of the register's declared tasks (issue 24): what the BPMN property ``register`` may say,
and that the questionnaire offers exactly the process owner's list.

* ``register`` is one of ``inventarisatie`` (the questionnaire that writes the register), ``vervolgacties`` (the
  management team's decision with its list of follow-up actions) or ``vervolgactie`` (the task that carries out one
  of them); each on a task whose form has what the engine reads (``functies``; ``vervolgacties`` with rows
  ``functie``, ``actie``, ``uiterlijk``; ``actie_nummer``).
* The risk types the questionnaire offers (``functies[].risicotypen``) are the manifest's list of its process
  (``processes.<id>.instellingen.risicotypen``), in the same order: one list, the manifest's; the risk scale's
  choices (``bruto_risico``, ``netto_risico``) run from ``risicoschaal.laag`` to ``risicoschaal.hoog``. A form that
  differs is refused, naming the form file, its line and the field, and what differs.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lxml import etree

from engine.processes.manifest import MANIFEST_FILE, Manifest

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
Issue = Callable[..., None]  # Checker.issue(file, message, element=None, *, element_id=None, line=None)


def _properties(element: etree._Element) -> dict[str, str]:
    return {p.get("name"): p.get("value") or "" for p in element.iterfind(
        f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property")}


def _top_process(element: etree._Element) -> str | None:
    found = None
    for ancestor in element.iterancestors(f"{{{BPMN_NS}}}process"):
        found = ancestor.get("id")
    return found


def _line_of(content: bytes | None, needle: str) -> int | None:
    """The line of the first occurrence of ``"needle"`` (a JSON key) in a form file."""
    if not content:
        return None
    text = content.decode("utf-8", errors="replace")
    at = text.find(f'"{needle}"')
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def _listing(values: list) -> str:
    return ", ".join(f"'{v}'" for v in values)


def check(*, trees: Mapping[str, etree._ElementTree], forms: Mapping[str, dict[str, Any]],
          files: Mapping[str, bytes], manifest: Manifest, issue: Issue) -> None:
    from engine.register.actions import CARRIES_OUT_ACTION, DECIDES_ACTIONS, NUMBER_FIELD
    from engine.register.assessments import RECORDS_INVENTORY, REGISTER_PROPERTY

    allowed = (RECORDS_INVENTORY, DECIDES_ACTIONS, CARRIES_OUT_ACTION)
    for path, tree in sorted(trees.items()):
        if not path.endswith(".bpmn"):
            continue
        for task in tree.getroot().iter(f"{{{BPMN_NS}}}userTask"):
            props = _properties(task)
            if REGISTER_PROPERTY not in props:
                continue
            value = props[REGISTER_PROPERTY].strip()
            if value not in allowed:
                issue(path, f"Eigenschap '{REGISTER_PROPERTY}' is '{value}'; toegestaan: {', '.join(allowed)}", task)
                continue
            form_path = props.get("form") or ""
            schema = forms.get(form_path)
            if schema is None:  # a missing form is reported by the task check
                continue
            fields = schema.get("properties") or {}
            if value == RECORDS_INVENTORY:
                _check_questionnaire(path, task, form_path, schema, files, manifest, issue)
            elif value == DECIDES_ACTIONS:
                rows = ((fields.get(DECIDES_ACTIONS) or {}).get("items") or {}).get("properties") or {}
                missing = [f for f in ("functie", "actie", "uiterlijk") if f not in rows]
                if (fields.get(DECIDES_ACTIONS) or {}).get("type") != "array" or missing:
                    issue(form_path, f"Taak '{task.get('id')}' besluit over vervolgacties ({REGISTER_PROPERTY} = "
                                     f"{DECIDES_ACTIONS}): het formulier heeft geen lijst '{DECIDES_ACTIONS}' met de "
                                     f"velden functie, actie en uiterlijk", element_id=DECIDES_ACTIONS,
                          line=_line_of(files.get(form_path), DECIDES_ACTIONS) or 1)
            elif NUMBER_FIELD not in fields:
                issue(form_path, f"Taak '{task.get('id')}' voert één vervolgactie uit ({REGISTER_PROPERTY} = "
                                 f"{CARRIES_OUT_ACTION}): het formulier toont geen veld '{NUMBER_FIELD}' (alleen-lezen)",
                      element_id=NUMBER_FIELD, line=1)


def _check_questionnaire(path: str, task: etree._Element, form_path: str, schema: dict, files: Mapping[str, bytes],
                         manifest: Manifest, issue: Issue) -> None:
    content = files.get(form_path)
    process_id = _top_process(task)
    other = manifest.processes.get(process_id or "")
    if other is None:
        issue(path, f"De vragenlijst van het register staat in proces '{process_id}', dat niet onder 'processes' in "
                    f"{MANIFEST_FILE} staat (daar staan de risicotypen en de risicoschaal)", task)
        return
    where = f"{MANIFEST_FILE} (processes.{process_id}.instellingen"
    expected = [str(x) for x in (other.settings.get("risicotypen") or [])]
    if not expected:
        issue(MANIFEST_FILE, f"Het proces '{process_id}' vult het register, maar noemt onder 'instellingen' geen "
                             f"'risicotypen'", element_id=process_id,
              line=_line_of(files.get(MANIFEST_FILE), process_id))
        return
    row = (((schema.get("properties") or {}).get("functies") or {}).get("items") or {}).get("properties") or {}
    field = "functies.risicotypen"
    offered = ((row.get("risicotypen") or {}).get("items") or {}).get("enum")
    line = _line_of(content, "risicotypen") or 1
    if not isinstance(offered, list):
        issue(form_path, f"Veld '{field}' biedt geen keuzelijst (enum) van risicotypen; neem de lijst over uit "
                         f"{where}.risicotypen)", element_id=field, line=line)
    elif offered != expected:
        missing = [x for x in expected if x not in offered]
        extra = [x for x in offered if x not in expected]
        parts = ([f"ontbreekt: {_listing(missing)}"] if missing else []) + (
            [f"niet in het manifest: {_listing(extra)}"] if extra else [])
        if not parts:
            parts = ["dezelfde risicotypen in een andere volgorde" if len(set(offered)) == len(offered)
                     else "een risicotype staat er meer dan eens in"]
        issue(form_path, f"De keuzes van veld '{field}' wijken af van de risicotypen in {where}.risicotypen): "
                         f"{'; '.join(parts)}", element_id=field, line=line)
    raw = other.settings.get("risicoschaal") or {}
    try:
        scale = list(range(int(raw.get("laag", 1)), int(raw.get("hoog", 5)) + 1))
    except (TypeError, ValueError):
        issue(MANIFEST_FILE, f"'risicoschaal' van proces '{process_id}' moet gehele getallen 'laag' en 'hoog' "
                             f"noemen", element_id=process_id,
              line=_line_of(files.get(MANIFEST_FILE), process_id))
        return
    for name in ("bruto_risico", "netto_risico"):
        choices = (row.get(name) or {}).get("enum")
        if isinstance(choices, list) and choices != scale:
            issue(form_path, f"De keuzes van veld 'functies.{name}' ({', '.join(map(str, choices))}) wijken af van "
                             f"de risicoschaal in {where}.risicoschaal): {scale[0]} tot en met {scale[-1]}",
                  element_id=f"functies.{name}", line=_line_of(content, name) or 1)
