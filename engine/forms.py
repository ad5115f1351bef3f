"""Validating submitted form data against a task's JSON Schema, with Dutch messages."""
from __future__ import annotations

import re

from jsonschema import Draft202012Validator, FormatChecker

from engine.errors import FieldError, InvalidData

_FORMAT = FormatChecker()

# ``"format": "telefoonnummer"``: a Dutch number (10 digits from the leading 0: 06-12345678, 020 123 4567, (020)
# 123 4567; 0800/0900 numbers of 8 or 11 digits) or an international one (+ or 00, a country code, 8 to 15 digits in
# all: +31 6 12345678, +31 (0)20 123 4567, +32 2 123 45 67), in groups of digits separated by one space or dash.
PHONE = "telefoonnummer"
PHONE_EXAMPLES = "06-12345678, 020 123 4567 of +31 6 12345678"
_PHONE_GROUPS = re.compile(r"[0-9]+(?:(?: | ?- ?)[0-9]+)*")  # unambiguous: linear on any input
_PHONE_AREA = re.compile(r"\((0[0-9]{1,4})\) ?")  # (020) 123 4567
_PHONE_TRUNK = re.compile(r"^([0-9]{1,3})[ -]?\(0\) ?")  # the country code's (0): 31 (0)20 123 4567


@_FORMAT.checks(PHONE)
def is_phone_number(value) -> bool:
    if not isinstance(value, str):
        return True  # a format applies to text only; the type is the schema's own rule
    text = value.strip()
    if len(text) > 40:
        return False
    international = text.startswith(("+", "00"))
    if international:
        text = text[1:] if text.startswith("+") else text[2:]
        text = _PHONE_TRUNK.sub(lambda m: m.group(1) + " ", text, count=1)
    else:
        text = _PHONE_AREA.sub(lambda m: m.group(1) + " ", text, count=1) if text.startswith("(") else text
    if not _PHONE_GROUPS.fullmatch(text):
        return False
    digits = re.sub(r"[^0-9]", "", text)
    if international:
        return digits[:1] != "0" and 8 <= len(digits) <= 15
    if not digits.startswith("0") or digits.startswith("00"):
        return False
    return len(digits) == 10 or (digits[:2] in ("08", "09") and len(digits) in (8, 11))

_TYPE_NAMES = {"string": "tekst", "integer": "geheel getal", "number": "getal", "boolean": "ja/nee",
               "array": "lijst", "object": "object", "null": "leeg"}


def _message(error) -> str:
    own = error.schema.get("x-foutmelding") if isinstance(error.schema, dict) else None
    if own:  # the process owner's own wording for this rule
        return str(own)
    v, val = error.validator, error.validator_value
    if v == "required":
        return "is verplicht"
    if v == "enum":
        return "is geen toegestane waarde; kies uit: " + ", ".join(map(str, val))
    if v == "type":
        kinds = val if isinstance(val, list) else [val]
        return "moet van het type " + " of ".join(_TYPE_NAMES.get(k, k) for k in kinds) + " zijn"
    if v == "format":
        return {"date": "moet een datum zijn (JJJJ-MM-DD)", "date-time": "moet een datum en tijd zijn",
                "email": "moet een e-mailadres zijn",
                PHONE: f"moet een telefoonnummer zijn, zoals {PHONE_EXAMPLES} (cijfers, met spaties of streepjes)"
                }.get(val, f"heeft niet het formaat {val}")
    if v == "minLength":
        return f"moet minstens {val} tekens bevatten"
    if v == "maxLength":
        return f"mag hoogstens {val} tekens bevatten"
    if v == "minItems":
        return f"moet minstens {val} keuze(s) bevatten"
    if v == "maxItems":
        return f"mag hoogstens {val} keuzes bevatten"
    if v in ("minimum", "exclusiveMinimum"):
        return f"moet minstens {val} zijn"
    if v in ("maximum", "exclusiveMaximum"):
        return f"mag hoogstens {val} zijn"
    if v == "pattern":
        return "heeft niet de juiste vorm"
    if v == "const":
        return f"moet {val!r} zijn"
    if v == "contains":
        wanted = val.get("const") if isinstance(val, dict) else None
        return f"moet ook '{wanted}' bevatten" if wanted is not None else "mist een verplichte keuze"
    if v == "uniqueItems":
        return "bevat dubbele waarden"
    return "is ongeldig"


# SpiffWorkflow's serializer reads a dict with this key in a case's stored state as one of its own objects: a value
# that holds it would make the case impossible to load again (every later step, timer and migration of the case
# fails). The name is reserved at every depth of submitted data.
RESERVED_KEY = "typename"


def _reserved_paths(value, path: str) -> list[str]:
    if isinstance(value, dict):
        found = [path] if RESERVED_KEY in value else []
        for key, inner in value.items():
            found += _reserved_paths(inner, ".".join(filter(None, [path, str(key)])))
        return found
    if isinstance(value, list):
        return [p for i, inner in enumerate(value) for p in _reserved_paths(inner, f"{path}.{i}" if path else str(i))]
    return []


def field_label(schema: dict | None, path: str, *others: dict) -> str | None:
    """The field at ``path`` (``naam``, or ``rijen.0.naam`` in a row) as the form shows it: its title (in a row:
    "Title, rij 1: Title"); the first of ``schema`` and ``others`` (the process's other forms) that declares the field
    with a title; None without one."""
    parts = path.split(".")
    for form in (schema, *others):
        prop = ((form or {}).get("properties") or {}).get(parts[0])
        if not isinstance(prop, dict) or not prop.get("title"):
            continue
        label = str(prop["title"])
        for part in parts[1:]:
            if part.isdigit() and isinstance(prop.get("items"), dict):
                label, prop = f"{label}, rij {int(part) + 1}", prop["items"]
                continue
            inner = (prop.get("properties") or {}).get(part) if isinstance(prop.get("properties"), dict) else None
            prop = inner if isinstance(inner, dict) else {}
            label = f"{label}: {prop.get('title') or part}"
        return label
    return None


def labelled(schema: dict | None, errors: list[FieldError], *others: dict) -> list[FieldError]:
    """``errors`` with each field's label (:func:`field_label`) where it has none yet."""
    return [e if e.label else FieldError(e.field, e.message, field_label(schema, e.field, *others)) for e in errors]


def refuse_reserved(data, schema: dict | None = None) -> None:
    """Raise InvalidData naming every place in ``data`` that holds the reserved key (see RESERVED_KEY); by the
    labels of ``schema`` (the form the data were entered in) where it has them."""
    reserved = _reserved_paths(data, "")
    if reserved:
        raise InvalidData(labelled(schema, [
            FieldError(p or "(formulier)", f"bevat de gereserveerde naam '{RESERVED_KEY}': gebruik een andere naam")
            for p in reserved]))


def value_errors(schema: dict | None, values: dict, labels: dict[str, str] | None = None) -> dict[str, str]:
    """Field -> Dutch message (by the field's label) for each filled-in value in ``values`` that breaks what its
    property in ``schema`` declares (type, format, pattern, length, bounds): the form's own rules for data that is
    not submitted as the whole form (a report registered by staff, whose case starts with it). Empty values and
    fields the form does not declare are left to the caller's own rules. ``labels``: a surface that shows a field
    under its own label (the public form's "Uw telefoonnummer") names it so."""
    props = (schema or {}).get("properties") or {}
    out: dict[str, str] = {}
    for name, value in values.items():
        prop = props.get(name)
        if not isinstance(prop, dict) or value is None or value == "":
            continue
        err = next(iter(sorted(Draft202012Validator(prop, format_checker=_FORMAT).iter_errors(value),
                               key=lambda e: list(e.path))), None)
        if err is not None:
            label = (labels or {}).get(name) or field_label(schema, name) or name
            out[name] = f"‘{label}’ {_message(err)}."
    return out


def validate(schema: dict, data: dict) -> dict:
    """Return the data to store (read-only fields dropped) or raise InvalidData listing every field."""
    if not isinstance(data, dict):
        raise InvalidData([FieldError("(formulier)", "moet een object met velden zijn")])
    refuse_reserved(data, schema)
    properties = schema.get("properties", {})
    data = without_inapplicable(schema, data)
    errors: list[FieldError] = []
    if schema.get("additionalProperties", False) is False:
        for key in data:
            if key not in properties:
                errors.append(FieldError(key, "is geen veld van dit formulier"))
            elif properties[key].get("readOnly"):
                errors.append(FieldError(key, "is alleen-lezen en kan niet worden ingevuld"))
    validator = Draft202012Validator(schema, format_checker=_FORMAT)
    missed: set[str] = set()  # one "required" error per missing field, each listing every field of its rule
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
        path = ".".join(str(p) for p in err.path)
        if err.validator == "required" and isinstance(err.instance, dict):
            for missing in err.validator_value:
                where = ".".join(filter(None, [path, missing]))
                if missing not in err.instance and where not in missed:
                    missed.add(where)
                    # the process owner's own wording for the field (``x-foutmelding`` on the property) also
                    # when it is missing altogether
                    own = ((err.schema.get("properties") or {}).get(missing) or {}).get("x-foutmelding") \
                        if isinstance(err.schema, dict) else None
                    errors.append(FieldError(where, str(own or "is verplicht")))
            continue
        errors.append(FieldError(path or "(formulier)", _message(err)))
    if errors:
        raise InvalidData(labelled(schema, errors))
    return data


# --------------------------------------------------------------------------- declared form behaviour (issue 17)

PREFILL = "x-vooringevuld-uit"  # a field arrives filled with (the first non-empty of) these earlier fields
SHOWN_WHEN = "x-alleen-bij"  # {"<choice field>": [values]}: the field applies only to these choices
# {"lijst": "<earlier list field>", "waarde": "<property of its rows>"}: a text field whose choices are the values
# an earlier step entered in that list (e.g. the functions of a team's risk inventory), not free text
CHOICES_FROM = "x-keuzes-uit"


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _sources(prop: dict) -> list[str]:
    source = prop.get(PREFILL)
    return [source] if isinstance(source, str) else [s for s in (source or []) if isinstance(s, str)]


def prefill(schema: dict | None, data: dict) -> dict:
    """The values a form arrives with from earlier steps, as its fields declare them (``x-vooringevuld-uit``):
    a field without a value of its own takes the first earlier field that has one. A choice keeps only the
    values it offers. Nothing is prefilled that the process files do not declare."""
    out: dict = {}
    for name, prop in ((schema or {}).get("properties") or {}).items():
        if not isinstance(prop, dict) or not _empty(data.get(name)):
            continue
        for source in _sources(prop):
            value = data.get(source)
            if _empty(value):
                continue
            allowed = (prop.get("items") or {}).get("enum") if prop.get("type") == "array" else prop.get("enum")
            if allowed is not None:
                value = [v for v in value if v in allowed] if isinstance(value, list) else (
                    value if value in allowed else None)
            if not _empty(value):
                out[name] = value
                break
    return out


def applies(prop: dict, data: dict) -> bool:
    """Does a field apply to the choices made in ``data`` (``x-alleen-bij``)? A field without it always does."""
    when = prop.get(SHOWN_WHEN)
    if not isinstance(when, dict):
        return True
    return all(data.get(choice) in (values if isinstance(values, list) else [values])
               for choice, values in when.items())


def without_inapplicable(schema: dict, data: dict) -> dict:
    """``data`` without the fields that do not apply to the choices made (a field shown only for another choice,
    e.g. an intention's measures when no punishment is intended): they are not stored."""
    props = schema.get("properties") or {}
    return {k: v for k, v in data.items() if not isinstance(props.get(k), dict) or applies(props[k], data)}


def _choice_source(prop) -> tuple[str, str] | None:
    spec = prop.get(CHOICES_FROM) if isinstance(prop, dict) else None
    if isinstance(spec, dict) and isinstance(spec.get("lijst"), str) and isinstance(spec.get("waarde"), str):
        return spec["lijst"], spec["waarde"]
    return None


def choices_from_data(spec: tuple[str, str], data: dict) -> list[str]:
    """The values the rows of list ``spec[0]`` hold in ``spec[1]``, in their order, each once."""
    rows = data.get(spec[0])
    values = [row.get(spec[1]) for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []
    return list(dict.fromkeys(v for v in values if isinstance(v, str) and v.strip()))


def has_data_choices(schema: dict | None) -> bool:
    """Does a field of the form (or of its rows) take its choices from the case data (``x-keuzes-uit``)?"""
    for prop in ((schema or {}).get("properties") or {}).values():
        if _choice_source(prop) is not None:
            return True
        items = prop.get("items") if isinstance(prop, dict) else None
        if isinstance(items, dict) and any(_choice_source(p) for p in (items.get("properties") or {}).values()):
            return True
    return False


def with_data_choices(schema: dict | None, data: dict) -> dict | None:
    """The form with each ``x-keuzes-uit`` field's choices (``enum``) filled from the case data ``data``: what the
    form shows (a select) and what its submission is validated against (any other value is refused, also over the
    API). A form without such a field is returned as it is."""
    if not has_data_choices(schema):
        return schema

    def resolved(props: dict) -> dict:
        out = {}
        for name, prop in props.items():
            spec = _choice_source(prop)
            if spec is not None:
                prop = {**prop, "enum": choices_from_data(spec, data)}
            elif isinstance(prop, dict) and isinstance(prop.get("items"), dict) \
                    and isinstance(prop["items"].get("properties"), dict):
                prop = {**prop, "items": {**prop["items"], "properties": resolved(prop["items"]["properties"])}}
            out[name] = prop
        return out

    return {**schema, "properties": resolved(schema.get("properties") or {})}


def check_data_choices(schema: dict, data: dict, case_data: dict) -> None:
    """Refuse a value of an ``x-keuzes-uit`` field that is not among the choices the case data offer (the form shows
    only those; an API client or a hand-made request could send any text), naming each field, in Dutch."""
    errors: list[FieldError] = []

    def check(prop: dict, value, where: str) -> None:
        spec = _choice_source(prop)
        if spec is None or value is None:
            return
        offered = choices_from_data(spec, case_data)
        if value not in offered:
            errors.append(FieldError(where, f"'{value}' is geen keuze uit '{spec[0]}' van deze zaak; kies uit: "
                                            + (", ".join(offered) or "(de lijst is leeg)")))

    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        check(prop, data.get(name), name)
        cells = (prop.get("items") or {}).get("properties") if isinstance(prop.get("items"), dict) else None
        if isinstance(cells, dict) and isinstance(data.get(name), list):
            for i, row in enumerate(data[name]):
                for column, cell in cells.items():
                    if isinstance(row, dict) and isinstance(cell, dict):
                        check(cell, row.get(column), f"{name}.{i}.{column}")
    if errors:
        raise InvalidData(labelled(schema, errors))
