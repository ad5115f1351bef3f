"""Validating submitted form data against a task's JSON Schema, with Dutch messages."""
from __future__ import annotations

from jsonschema import Draft202012Validator, FormatChecker

from engine.errors import FieldError, InvalidData

_FORMAT = FormatChecker()

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
                "email": "moet een e-mailadres zijn"}.get(val, f"heeft niet het formaat {val}")
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


def validate(schema: dict, data: dict) -> dict:
    """Return the data to store (read-only fields dropped) or raise InvalidData listing every field."""
    if not isinstance(data, dict):
        raise InvalidData([FieldError("(formulier)", "moet een object met velden zijn")])
    properties = schema.get("properties", {})
    errors: list[FieldError] = []
    if schema.get("additionalProperties", False) is False:
        for key in data:
            if key not in properties:
                errors.append(FieldError(key, "is geen veld van dit formulier"))
            elif properties[key].get("readOnly"):
                errors.append(FieldError(key, "is alleen-lezen en kan niet worden ingevuld"))
    validator = Draft202012Validator(schema, format_checker=_FORMAT)
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
        path = ".".join(str(p) for p in err.path)
        if err.validator == "required" and isinstance(err.instance, dict):
            for missing in err.validator_value:
                if missing not in err.instance:
                    # the process owner's own wording for the field (``x-foutmelding`` on the property) also
                    # when it is missing altogether
                    own = ((err.schema.get("properties") or {}).get(missing) or {}).get("x-foutmelding") \
                        if isinstance(err.schema, dict) else None
                    errors.append(FieldError(".".join(filter(None, [path, missing])), str(own or "is verplicht")))
            continue
        errors.append(FieldError(path or "(formulier)", _message(err)))
    if errors:
        raise InvalidData(errors)
    return data
