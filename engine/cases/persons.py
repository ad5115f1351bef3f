"""Parties are persons (issue 15, finding 14): the process files declare which form field names a party
as a person (``"x-persoon": "betrokkene"`` on a JSON Schema property); the engine links it wherever the
field is filled (case start through the API, completing a task through the API or the web). Python never
names the field or an element id.

A person field holds a username of the organisation, or :data:`EXTERNAL` ("extern/onbekend") when the
party is no employee or not (yet) known; that choice is recorded explicitly. Linking the subject also
links the subject's manager from the organisation data (``users.manager_id``) as ``leidinggevende``, so
both are excluded from their own case (``engine.identity.access``, ``engine.cases.duties``).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.cases.models import CaseParty
from engine.errors import FieldError, InvalidData
from engine.identity.models import User

PERSON_KEYWORD = "x-persoon"
EXTERNAL = "extern/onbekend"
SUBJECT, MANAGER = "betrokkene", "leidinggevende"


def person_fields(schemas: dict[str, dict] | dict) -> dict[str, str]:
    """Field name → party for every property marked ``x-persoon`` in one schema or a ``{path: schema}`` map."""
    if "properties" in schemas or "$id" in schemas:
        schemas = {"": schemas}
    out: dict[str, str] = {}
    for schema in schemas.values():
        for name, prop in ((schema or {}).get("properties") or {}).items():
            if isinstance(prop, dict) and isinstance(prop.get(PERSON_KEYWORD), str):
                out[name] = prop[PERSON_KEYWORD]
    return out


def candidates(session: Session) -> list[User]:
    """The organisation's users a person field may name (active accounts), by name."""
    return list(session.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name, User.username)))


def resolve(session: Session, field: str, value: Any) -> User | None:
    """The user a person field names, ``None`` for :data:`EXTERNAL`; ``InvalidData`` for anything else."""
    text = str(value or "").strip()
    if text.lower() == EXTERNAL:
        return None
    user = session.scalar(select(User).where(func.lower(User.username) == text.lower())) if text else None
    if user is None or not user.active:
        raise InvalidData([FieldError(field, f"Onbekende medewerker. Kies een gebruikersnaam uit de lijst of "
                                             f"'{EXTERNAL}' als de betrokkene geen medewerker is of (nog) onbekend is.")])
    return user


def _add(session: Session, case_id: int, party: str, user_id: int) -> bool:
    exists = session.scalar(select(CaseParty.id).where(CaseParty.case_id == case_id, CaseParty.party == party,
                                                       CaseParty.user_id == user_id))
    if exists is None:
        session.add(CaseParty(case_id=case_id, party=party, user_id=user_id))
        return True
    return False


def link_persons(*, session: Session, case_id: int, fields: dict[str, str], data: dict, actor: str,
                 completing_item_id: int | None = None) -> dict:
    """Link the persons the filled person fields name; returns ``data`` with the values normalised
    (the username as stored, or :data:`EXTERNAL`). Audited (``case.party_linked``: ids only). A person newly linked
    hands back the tasks of this case they had claimed (``engine.staff.service.release_party_claims``; not the task
    being completed, ``completing_item_id``)."""
    from engine.staff import service as staff

    data = dict(data)
    newly_linked: set[int] = set()
    for field, party in fields.items():
        if field not in data or data[field] in (None, ""):
            continue
        user = resolve(session, field, data[field])
        if user is None:
            data[field] = EXTERNAL
            audit.append(session=session, actor=actor, action="case.party_linked", case_id=case_id,
                         details={"partij": party, "extern_of_onbekend": True})
            continue
        data[field] = user.username
        linked = {party: user.id}
        if party == SUBJECT and user.manager_id:
            linked[MANAGER] = user.manager_id
        added = {p: uid for p, uid in linked.items() if _add(session, case_id, p, uid)}
        session.flush()
        audit.append(session=session, actor=actor, action="case.party_linked", case_id=case_id,
                     details={"partij": party, "gebruiker": user.id, "toegevoegd": sorted(added)})
        newly_linked.update(added.values())
    staff.release_party_claims(session, user_ids=newly_linked, case_ids={case_id}, actor=actor,
                               except_item_id=completing_item_id)
    return data
