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


def confidential_fields(forms: dict[str, dict]) -> frozenset[str]:
    """Names of the fields marked ``x-vertrouwelijk`` in any form of a process set."""
    return _fields(json.dumps(forms, sort_keys=True))


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
