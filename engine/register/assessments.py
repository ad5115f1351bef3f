"""Writing an inventory's questionnaire into the register (issue 24), all or nothing.

The task that records into the register declares it in the process file (BPMN property
``register = "inventarisatie"``), never by its element id. Its answers are checked against the process owner's
list of risk types and risk scale (manifest ``processes.<id>.instellingen``: ``risicotypen``, ``risicoschaal``)
and the rules of the register; a problem raises :class:`InvalidData` naming the field
(``functies.<n>.<veld>``) before anything is written."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.clock import now
from engine.errors import FieldError, InvalidData
from engine.legal_terms import local_date
from engine.processes.manifest import Manifest
from engine.register.models import CLASSIFICATIONS, RegisterAssessment, RegisterFunction

REGISTER_PROPERTY = "register"
RECORDS_INVENTORY = "inventarisatie"


@dataclass(frozen=True)
class Scale:
    low: int
    high: int


def settings_of(manifest: Manifest, process: str | None) -> dict:
    other = manifest.processes.get(process or "")
    return dict(other.settings) if other else {}


def risk_types(settings: dict) -> list[str]:
    return [str(x) for x in settings.get("risicotypen") or []]


def scale(settings: dict) -> Scale:
    raw = settings.get("risicoschaal") or {}
    return Scale(int(raw.get("laag", 1)), int(raw.get("hoog", 5)))


def records_inventory(properties: dict) -> bool:
    return (properties.get(REGISTER_PROPERTY) or "").strip() == RECORDS_INVENTORY


def check(data: dict, *, settings: dict, today: date) -> list[FieldError]:
    """Every problem of the submitted inventory, each naming its field."""
    errors: list[FieldError] = []
    known, bounds = risk_types(settings), scale(settings)
    seen: dict[str, int] = {}
    rows = data.get("functies") or []
    if not rows:
        errors.append(FieldError("functies", "noem ten minste één functie van het team"))
    for n, row in enumerate(rows):
        where = f"functies.{n}"
        name = str(row.get("functie") or "").strip()
        if name.casefold() in seen:
            errors.append(FieldError(f"{where}.functie", f"'{name}' staat al op regel {seen[name.casefold()] + 1}"))
        seen.setdefault(name.casefold(), n)
        klass = row.get("classificatie")
        if klass not in CLASSIFICATIONS:
            errors.append(FieldError(f"{where}.classificatie", "kies een classificatie uit de lijst"))
        risks = row.get("risicotypen") or []
        if klass in ("kritiek", "risicovol", "meest_risicovol"):
            if not risks:
                errors.append(FieldError(f"{where}.risicotypen",
                                         "noem ten minste één risico bij een kritieke of risicovolle functie"))
            if not str(row.get("maatregelen") or "").strip():
                errors.append(FieldError(f"{where}.maatregelen",
                                         "beschrijf de beheersmaatregelen bij een kritieke of risicovolle functie"))
        for risk in risks:
            if known and risk not in known:
                errors.append(FieldError(f"{where}.risicotypen", f"'{risk}' staat niet in de lijst van risicotypen"))
        gross, net = row.get("bruto_risico"), row.get("netto_risico")
        for field, value in (("bruto_risico", gross), ("netto_risico", net)):
            if not isinstance(value, int) or not bounds.low <= value <= bounds.high:
                errors.append(FieldError(f"{where}.{field}", f"moet een getal van {bounds.low} tot en met "
                                                             f"{bounds.high} zijn"))
        if isinstance(gross, int) and isinstance(net, int) and net > gross \
                and not str(row.get("toelichting_netto") or "").strip():
            errors.append(FieldError(f"{where}.toelichting_netto",
                                     "is verplicht: het netto risico is hoger dan het bruto risico"))
        review = row.get("herziening_op")
        try:
            review_on = date.fromisoformat(str(review))
        except ValueError:
            errors.append(FieldError(f"{where}.herziening_op", "is geen datum (jjjj-mm-dd)"))
        else:
            if review_on < today:
                errors.append(FieldError(f"{where}.herziening_op", "ligt in het verleden"))
    return errors


def record(*, session: Session, case, data: dict, settings: dict, actor: str) -> list[RegisterAssessment]:
    """Check the inventory and write one assessment per function (the history); raise before writing anything."""
    errors = check(data, settings=settings, today=local_date(now()))
    if errors:
        raise InvalidData(errors)
    team = str(case.unit or data.get("team") or "")
    unit = str(data.get("organisatieonderdeel") or team)
    out = []
    for row in data["functies"]:
        name = str(row["functie"]).strip()
        function = session.scalar(select(RegisterFunction).where(RegisterFunction.team == team,
                                                                 RegisterFunction.name == name))
        if function is None:
            function = RegisterFunction(unit=unit, team=team, name=name, created_at=now())
            session.add(function)
            session.flush()
        function.unit = unit
        assessment = RegisterAssessment(
            function_id=function.id, case_id=case.id, classification=row["classificatie"],
            risks=list(row.get("risicotypen") or []), measures=str(row.get("maatregelen") or ""),
            gross=row["bruto_risico"], net=row["netto_risico"], net_explanation=str(row.get("toelichting_netto") or ""),
            acceptable=bool(row["aanvaardbaar"]), owner=str(row["eigenaar"]),
            review_on=date.fromisoformat(str(row["herziening_op"])), assessed_by=actor, assessed_at=now())
        session.add(assessment)
        out.append(assessment)
    session.flush()
    audit.append(session=session, actor=actor, action="register.assessed", case_id=case.id,
                 details={"team": team, "functies": [a.function_id for a in out]})
    return out
