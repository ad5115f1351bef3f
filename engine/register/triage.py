"""The triage link (issue 24): a report about someone whose current function is (most) risky.

When the task that names the report's subject (a person field ``x-persoon: betrokkene``) also has the field the
process owner declares (manifest ``processes.<id>.instellingen.triage``)::

    "triage": {"veld": "risicofunctie",
               "klassen": {"meest_risicovol": "meest_risicovol", "risicovol": "risicovol"},
               "rangorde": ["geen", "risicovol", "meest_risicovol"]}

the register's classification of the subject's current function sets that field (only ever higher in
``rangorde``, never lower than the desk chose). The integrity process does the rest as its files declare: its
script gives the case its priority and its gateway routes the signal to the Bureau Veiligheid en Integriteit.
Only the classification crosses: nothing of the reporter, and nothing goes back into the register, so the
managers who keep the register never learn of the case (they are no party and hold no task in it)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.cases import persons
from engine.clock import now
from engine.legal_terms import local_date
from engine.processes.manifest import Manifest
from engine.register.models import FunctionHolder, RegisterAssessment


def declaration(manifest: Manifest) -> dict | None:
    for other in manifest.processes.values():
        triage = other.settings.get("triage")
        if isinstance(triage, dict) and triage.get("veld"):
            return triage
    return None


def current_classification(session: Session, user_id: int, today: date) -> str | None:
    """The newest assessment's classification of the function ``user_id`` holds on ``today``."""
    holder = session.scalar(select(FunctionHolder).where(
        FunctionHolder.user_id == user_id, FunctionHolder.since <= today,
        or_(FunctionHolder.until.is_(None), FunctionHolder.until > today)).order_by(FunctionHolder.since.desc()))
    if holder is None:
        return None
    return session.scalar(select(RegisterAssessment.classification).where(
        RegisterAssessment.function_id == holder.function_id).order_by(RegisterAssessment.id.desc()).limit(1))


def apply(*, session: Session, manifest: Manifest, schema: dict, data: dict, case_id: int, actor: str) -> dict:
    """``data`` with the declared field raised to the subject's register classification (see the module)."""
    triage = declaration(manifest)
    props = (schema or {}).get("properties") or {}
    if triage is None or triage["veld"] not in props:
        return data
    field, classes = triage["veld"], dict(triage.get("klassen") or {})
    order = list(triage.get("rangorde") or [])
    for name, party in persons.person_fields(schema).items():
        if party != persons.SUBJECT or not data.get(name) or data[name] == persons.EXTERNAL:
            continue
        subject = persons.resolve(session, name, data[name])
        if subject is None:
            continue
        klass = current_classification(session, subject.id, local_date(now()))
        value = classes.get(klass or "")
        if value is None:
            continue
        chosen = data.get(field)
        rank = {v: i for i, v in enumerate(order)}
        if chosen in rank and value in rank and rank[chosen] >= rank[value]:
            continue
        data = {**data, field: value}
        audit.append(session=session, actor=actor, action="register.triage", case_id=case_id,
                     details={"veld": field, "waarde": value, "bron": "register kritieke en risicovolle functies"})
    return data
