"""Turn a task's JSON Schema into form fields, and submitted HTML form data back into JSON.

The schema is the single source: titles become labels, descriptions help texts,
``required`` a mark, ``enum`` + ``x-labels`` selects/radios, ``format: date`` a date
input, ``x-widget: textarea`` a text area, arrays of enums checkboxes, arrays of objects
a repeated group (an ``enum`` in a row: a select with its labels; more rows added in the page), and ``readOnly``
fields are shown, never editable. A field with ``x-alleen-bij`` is shown only for those choices (``formulier.js``).
Validation stays in the engine (``engine.forms.validate`` via ``complete_task``); this module only converts types so
the engine's messages are about the user's input, not about HTML.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")
RADIO_MAX = 4  # enums with at most this many options are radios, longer ones selects
EXTRA_ROWS = 1  # empty rows offered in a repeated group


@dataclass
class Field:
    name: str  # HTML name (dotted/indexed for nested)
    key: str  # JSON key
    label: str
    widget: str  # text | persoon | textarea | date | datetime | email | number | integer | checkbox | radio | select | checkboxes | lines | group | readonly
    help: str | None = None
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    value: Any = None
    readonly: bool = False
    display: str = ""  # for read-only fields
    rows: list[list["Field"]] = field(default_factory=list)  # groups
    columns: list[str] = field(default_factory=list)
    error: str | None = None
    shown_when: dict | None = None  # x-alleen-bij: {choice field: [values]} for which the field applies


def _labels(prop: dict) -> list[tuple[str, str]]:
    labels = prop.get("x-labels") or {}
    return [(str(v), str(labels.get(v, v))) for v in prop.get("enum", [])]


def _display(prop: dict, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    labels = prop.get("x-labels") or (prop.get("items") or {}).get("x-labels") or {}
    if isinstance(value, bool):
        return "Ja" if value else "Nee"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "; ".join(", ".join(f"{k}: {_display({}, v)}" for k, v in item.items()) for item in value)
        return ", ".join(str(labels.get(v, v)) for v in value)
    if prop.get("format") in ("date", "date-time"):
        return dutch_date(value)
    return str(labels.get(value, value))


MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")


def dutch_date(value: Any, part: str = "") -> str:
    """The one way pages write a moment (Jinja filter ``datum``): a date as "15 december 2026", a date-time as
    "15 december 2026, 10:00" in Europe/Amsterdam (stored moments are UTC; a naive one is read as UTC). ISO
    text is accepted too (form values, JSON); anything else is shown as it is. ``part="tijd"`` gives only the
    time of a date-time ("10:00", under a day's heading), ``part="dag"`` only its day."""
    if value is None or value == "":
        return "—"
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        day = value
    else:
        text = str(value).strip()
        try:
            if len(text) > 10:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            else:
                day = date.fromisoformat(text)
        except ValueError:
            return str(value)
    if moment is not None:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        local = moment.astimezone(LOCAL_TZ)
        if part == "tijd":
            return f"{local:%H:%M}"
        if part == "dag":
            return f"{local.day} {MONTHS[local.month - 1]} {local.year}"
        return f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def local_day(value: datetime) -> date:
    """The calendar day of a stored moment in Europe/Amsterdam (timeline grouping)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(LOCAL_TZ).date()


def _widget(prop: dict) -> str:
    kind = prop.get("type")
    if kind == "array":
        items = prop.get("items") or {}
        if "enum" in items:
            return "checkboxes"
        if items.get("type") == "object":
            return "group"
        return "lines"
    if kind == "boolean":
        return "radio"
    if kind in ("integer", "number"):
        return kind
    if "enum" in prop:
        return "radio" if len(prop["enum"]) <= RADIO_MAX else "select"
    if prop.get("x-persoon"):
        return "persoon"  # a person of the organisation: a text input with the users as suggestions
    fmt = prop.get("format")
    if fmt == "date":
        return "date"
    if fmt == "date-time":
        return "datetime"
    if fmt == "email":
        return "email"
    if fmt == "telefoonnummer":  # engine.forms.PHONE
        return "tel"
    if prop.get("x-widget") == "textarea":
        return "textarea"
    return "text"


def _input_value(widget: str, value: Any) -> Any:
    """A JSON value as it goes into the HTML control."""
    if value is None:
        return "" if widget not in ("checkboxes",) else []
    if widget == "datetime":
        try:
            return datetime.fromisoformat(str(value)).astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")
        except ValueError:
            return str(value)
    if widget == "lines" and isinstance(value, list):
        return "\n".join(map(str, value))
    if widget == "radio" and isinstance(value, bool):
        return "true" if value else "false"
    return value


def _shown_when(prop: dict) -> dict | None:
    when = prop.get("x-alleen-bij")
    if not isinstance(when, dict):
        return None
    return {k: [str(x).lower() if isinstance(x, bool) else str(x) for x in (v if isinstance(v, list) else [v])]
            for k, v in when.items()}


def build_fields(schema: dict, values: dict, errors: dict[str, str] | None = None,
                 raw: dict[str, Any] | None = None) -> list[Field]:
    """Fields for ``schema`` filled with ``values`` (case data) or ``raw`` (what the user just sent)."""
    errors = errors or {}
    required = set(schema.get("required", []))
    # Conditionally required fields (if/then) get the mark too: the engine enforces them.
    conditional = {name for rule in schema.get("allOf", []) for name in (rule.get("then") or {}).get("required", [])}
    out: list[Field] = []
    for key, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        widget = _widget(prop)
        f = Field(name=key, key=key, label=prop.get("title") or key.replace("_", " ").capitalize(), widget=widget,
                  help=prop.get("description"), required=key in required, readonly=bool(prop.get("readOnly")),
                  shown_when=_shown_when(prop))
        if key in conditional and key not in required:
            f.help = ((f.help + " ") if f.help else "") + "Verplicht bij bepaalde keuzes hierboven."
        value = values.get(key)
        if f.readonly:
            f.widget, f.display = "readonly", _display(prop, value)
            if isinstance(value, list) and value and isinstance(value[0], dict):
                sub = (prop.get("items") or {}).get("properties") or {}
                f.widget, f.columns = "table", [s.get("title") or k for k, s in sub.items()]
                f.rows = [[Field(name="", key=k, label="", widget="readonly", display=_display(s, item.get(k)))
                           for k, s in sub.items()] for item in value]
            out.append(f)
            continue
        if widget == "radio" and prop.get("type") == "boolean":
            f.options = [("true", "Ja"), ("false", "Nee")]
        elif widget in ("radio", "select"):
            f.options = _labels(prop)
        elif widget == "checkboxes":
            f.options = _labels(prop["items"])
        if widget == "group":
            sub = (prop.get("items") or {}).get("properties") or {}
            sub_required = set((prop.get("items") or {}).get("required", []))
            items = raw.get(key) if raw is not None and key in raw else (value or [])
            f.columns = [s.get("title") or k for k, s in sub.items()]
            for i in range(len(items) + EXTRA_ROWS):
                item = items[i] if i < len(items) else {}
                row = []
                for k, s in sub.items():
                    w = _widget(s)
                    w = "text" if w in ("group", "checkboxes", "radio") and s.get("type") != "boolean" else w
                    if s.get("type") == "boolean" or "enum" in s:  # a choice in a row: a select, never free text
                        w = "select"
                    elif s.get("type") == "array" and "enum" in (s.get("items") or {}):  # several choices: ticks
                        w = "checkboxes"
                    cell = Field(name=f"{key}[{i}].{k}", key=k, label=f"{s.get('title') or k} (rij {i + 1})",
                                 widget=w, required=k in sub_required,
                                 value=_input_value(w, item.get(k)), error=errors.get(f"{key}.{i}.{k}"))
                    if w == "select":
                        cell.options = [("true", "Ja"), ("false", "Nee")] if s.get("type") == "boolean" else _labels(s)
                    elif w == "checkboxes":
                        cell.options = _labels(s["items"])
                    row.append(cell)
                f.rows.append(row)
        elif raw is not None and key in raw:
            f.value = raw[key]
        else:
            f.value = _input_value(widget, value)
        f.error = errors.get(key) or next((m for p, m in errors.items() if p.startswith(key + ".")), None)
        out.append(f)
    return out


def _is_choices(prop: dict) -> bool:
    """An array of enumerated values: ticked boxes (also as a cell of a repeated group)."""
    return prop.get("type") == "array" and "enum" in (prop.get("items") or {})


def _convert(prop: dict, text: str) -> Any:
    kind = prop.get("type")
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    if kind == "number":
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return text
    if prop.get("format") == "date-time":
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=LOCAL_TZ)
        return moment.isoformat()
    return text


def parse_submission(schema: dict, form: Any) -> tuple[dict, dict]:
    """(JSON data for the engine, raw values to put back into the form on an error).

    ``form`` is a Starlette FormData (``getlist``/``get``). Empty inputs are left out, so
    "required" is reported by the engine's own validation. A file sent in place of a field's text (no page
    of ours does that) counts as an empty input, never as a value.
    """
    from starlette.datastructures import FormData

    form = FormData([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    data: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    for key, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict) or prop.get("readOnly"):
            continue
        widget = _widget(prop)
        if widget == "checkboxes":
            chosen = [v for v in form.getlist(key) if v]
            raw[key] = chosen
            if chosen:  # nothing ticked: left out, so "required" (not minItems) speaks
                data[key] = chosen
            continue
        if widget == "lines":
            text = (form.get(key) or "").strip()
            raw[key] = form.get(key) or ""
            if text:
                data[key] = [line.strip() for line in text.splitlines() if line.strip()]
            continue
        if widget == "group":
            sub = (prop.get("items") or {}).get("properties") or {}
            items, raw_items, i = [], [], 0
            while any(f"{key}[{i}].{k}" in form for k in sub):
                item = {k: [v for v in form.getlist(f"{key}[{i}].{k}") if v] if _is_choices(sub[k])
                        else (form.get(f"{key}[{i}].{k}") or "").strip() for k in sub}
                raw_items.append(item)
                if any(item.values()):
                    items.append({k: v if _is_choices(sub[k]) else _convert(sub[k], v) for k, v in item.items() if v})
                i += 1
            raw[key] = raw_items
            if items:
                data[key] = items
            continue
        text = form.get(key)
        raw[key] = text or ""
        if text is None or (isinstance(text, str) and text.strip() == ""):
            continue
        data[key] = _convert(prop, text.strip() if widget != "textarea" else text)
    return data, raw


def error_map(errors) -> dict[str, str]:
    """engine FieldError list → {field path: message}; the first message per field wins."""
    out: dict[str, str] = {}
    for e in errors:
        out.setdefault(e.field, e.message)
    return out


HIDDEN_TEXT = "Afgeschermd: identiteit van de melder"


def readonly_fields(schema: dict, values: dict, *, hidden: list[str] = (), pending: list[str] = (),
                    pending_text: str = "") -> list[Field]:
    """A completed task's form, every field read-only, as the engine's view gives the values
    (``engine.cases.completed``): identity fields the reader may not see say so, and the report's substance not
    yet redacted shows ``pending_text``. Values are never looked up here."""
    out: list[Field] = []
    for key, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        f = Field(name=key, key=key, label=prop.get("title") or key.replace("_", " ").capitalize(),
                  widget="readonly", readonly=True)
        value = values.get(key)
        if key in hidden:
            f.display = HIDDEN_TEXT
        elif key in pending:
            f.display = pending_text
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            sub = (prop.get("items") or {}).get("properties") or {}
            f.widget, f.columns = "table", [s.get("title") or k for k, s in sub.items()]
            f.rows = [[Field(name="", key=k, label="", widget="readonly", display=_display(s, item.get(k)))
                       for k, s in sub.items()] for item in value]
        else:
            f.display = _display(prop, value)
        out.append(f)
    return out
