"""Confidential case fields: split off before data enters the workflow, stored encrypted.

A form field is confidential when its schema carries ``"x-vertrouwelijk"`` (for example
``"melder"`` for the reporter's identity, ``"melding"`` for the report's free text). Such
values never reach the workflow state, audit details, summaries or logs; they live in
``case_confidential`` (encrypted) and are read only through :func:`read`, by code that has
checked the reader's right (need to know) and audits the read.
"""
from __future__ import annotations

import json
from functools import lru_cache

from sqlalchemy.orm import Session

from engine.cases.models import CaseConfidential
from engine.clock import now

# The fields the engine itself knows as the reporter's identity and contact details (the intake fills them, the
# letters address the reporter with them, the Woo overview and the reasons' guard look for them): confidential of
# the identity class in every process version, whatever its forms say. Field -> what it is (Dutch, for a refusal).
REPORTER_IDENTITY: dict[str, str] = {
    "melder_naam": "de naam van de melder",
    "melder_adres": "het adres van de melder",
    "melder_email": "het e-mailadres van de melder",
    "melder_telefoon": "het telefoonnummer van de melder",
    "melder_aanspreekvorm": "de aanspreekvorm van de melder (zegt of het een man of vrouw is, wat in een klein team "
                            "de melder aanwijst; de brieven aan de melder spreken haar ermee aan)",
}
# The report in the reporter's own words as the intake (the public form, the desk's registration) takes it:
# confidential in every process version (the desk redacts it before case workers read it; a form may mark it
# stricter, as identity). Field -> what it is (Dutch).
REPORT_TEXT: dict[str, str] = {
    "omschrijving": "de melding in de woorden van de melder (het meldformulier en de registratie vullen haar)",
}
ALWAYS_CONFIDENTIAL = frozenset({*REPORTER_IDENTITY, *REPORT_TEXT})


def confidential_fields(forms: dict[str, dict]) -> frozenset[str]:
    """Names of the fields marked ``x-vertrouwelijk`` in any form of a process set, and the fields that are
    confidential whatever the forms say (:data:`ALWAYS_CONFIDENTIAL`: a version stored before deployment refused
    an unmarked one, a field the intake fills that no form of the version declares)."""
    return _fields(json.dumps(forms, sort_keys=True)) | ALWAYS_CONFIDENTIAL


def fields_of(parsed) -> frozenset[str]:
    """:func:`confidential_fields` of a parsed process set, computed once per set (a step asks every time)."""
    return parsed.derived("confidential_fields", lambda p: confidential_fields(p.forms))


@lru_cache(maxsize=32)
def _fields(forms_json: str) -> frozenset[str]:
    names: set[str] = set()
    for schema in json.loads(forms_json).values():
        for name, prop in (schema.get("properties") or {}).items():
            if isinstance(prop, dict) and prop.get("x-vertrouwelijk"):
                names.add(name)
    return frozenset(names)


def split(data: dict, fields: frozenset[str]) -> tuple[dict, dict]:
    """(data for the workflow, confidential values)."""
    plain = {k: v for k, v in data.items() if k not in fields}
    secret = {k: v for k, v in data.items() if k in fields}
    return plain, secret


def store(session: Session, *, case_id: int, values: dict) -> None:
    """Merge ``values`` into the case's confidential record (a value of None removes the field)."""
    if not values:
        return
    row = session.get(CaseConfidential, case_id)
    current = json.loads(row.data) if row is not None else {}
    for key, value in values.items():
        if value is None or value == "":
            current.pop(key, None)
        else:
            current[key] = value
    payload = json.dumps(current, ensure_ascii=False, sort_keys=True)
    if row is None:
        session.add(CaseConfidential(case_id=case_id, data=payload, updated_at=now()))
    else:
        row.data, row.updated_at = payload, now()
    from engine.cases import search  # the search index of the report's free text follows every change

    search.index_case(session, case_id=case_id, values=current)


def read(session: Session, *, case_id: int) -> dict:
    """The decrypted confidential fields. Callers check need to know and audit the read."""
    row = session.get(CaseConfidential, case_id)
    return json.loads(row.data) if row is not None else {}
