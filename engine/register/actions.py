"""The management team's follow-up actions on unacceptable risks (issue 24): several per inventory, each for a
function of the inventory, with its own due date; each becomes its own task "Vervolgactie uitvoeren" with its own
escalation when overdue (the process's multi-instance subprocess over the list).

What a task means here is declared in the process file (BPMN property ``register``), never by its element id:
``register = "vervolgacties"`` on the decision whose form has the list ``vervolgacties`` (rows ``functie``,
``actie``, ``uiterlijk``), ``register = "vervolgactie"`` on the task that carries out one of them (its form shows
``actie_nummer``). The decision is checked here before anything is stored (all or nothing), each problem naming
its row and field (``vervolgacties.<n>.<veld>``); each row is numbered (``nummer``, 1, 2, …) so every task and
report line knows which action it is."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import forms
from engine.clock import now
from engine.errors import FieldError, InvalidData
from engine.legal_terms import local_date
from engine.register.assessments import REGISTER_PROPERTY
from engine.register.models import RegisterAssessment, RegisterFunction

DECIDES_ACTIONS = "vervolgacties"  # the property value, and the form's list field
CARRIES_OUT_ACTION = "vervolgactie"
NUMBER_FIELD = "actie_nummer"  # what the task's form shows of its own action (the row's ``nummer``)


def decides_actions(properties: dict) -> bool:
    return (properties.get(REGISTER_PROPERTY) or "").strip() == DECIDES_ACTIONS


def carries_out_action(properties: dict) -> bool:
    return (properties.get(REGISTER_PROPERTY) or "").strip() == CARRIES_OUT_ACTION


def inventory_functions(session: Session, case_id: int) -> list[str]:
    """The functions the inventory assessed (its questionnaire), in the order of their names."""
    return sorted(set(session.scalars(
        select(RegisterFunction.name).join(RegisterAssessment, RegisterAssessment.function_id == RegisterFunction.id)
        .where(RegisterAssessment.case_id == case_id))))


def check(data: dict, *, schema: dict | None, functions: list[str], today: date) -> list[FieldError]:
    """Every problem of the decided actions, each naming its row (``vervolgacties.<n>``, shown as "actie n+1")."""
    errors: list[FieldError] = []
    rows = data.get(DECIDES_ACTIONS) or []
    prop = ((schema or {}).get("properties") or {}).get(DECIDES_ACTIONS)
    if not rows and isinstance(prop, dict) and forms.applies(prop, data):
        errors.append(FieldError(DECIDES_ACTIONS, "noem ten minste één vervolgactie bij extra maatregelen"))
    known = {f.casefold(): f for f in functions}
    seen: dict[tuple[str, str], int] = {}
    for n, row in enumerate(rows):
        where, label = f"{DECIDES_ACTIONS}.{n}", f"actie {n + 1}"
        function = str(row.get("functie") or "").strip()
        text = str(row.get("actie") or "").strip()
        if function.casefold() not in known:
            choices = ", ".join(functions) if functions else "de inventarisatie noemt geen functies"
            errors.append(FieldError(f"{where}.functie", f"{label}: '{function}' is geen functie uit de "
                                                         f"inventarisatie van dit team (kies uit: {choices})"))
        if not text:
            errors.append(FieldError(f"{where}.actie", f"{label}: beschrijf wat er moet gebeuren"))
        key = (function.casefold(), text.casefold())
        if text and key in seen:
            errors.append(FieldError(f"{where}.actie", f"{label}: dezelfde actie voor deze functie staat al bij "
                                                       f"actie {seen[key] + 1}"))
        seen.setdefault(key, n)
        try:
            due = date.fromisoformat(str(row.get("uiterlijk")))
        except ValueError:
            errors.append(FieldError(f"{where}.uiterlijk", f"{label}: is geen datum (jjjj-mm-dd)"))
        else:
            if due < today:
                errors.append(FieldError(f"{where}.uiterlijk", f"{label}: de uiterste datum "
                                                               f"{due.strftime('%d-%m-%Y')} ligt in het verleden"))
    return errors


def decide(*, session: Session, case, data: dict, schema: dict | None) -> dict:
    """Check the decided actions (raise before anything is stored) and number them; the answers to store."""
    functions = inventory_functions(session, case.id)
    errors = check(data, schema=schema, functions=functions, today=local_date(now()))
    if errors:
        raise InvalidData(errors)
    known = {f.casefold(): f for f in functions}
    rows = data.get(DECIDES_ACTIONS)
    if not rows:
        return data
    return {**data, DECIDES_ACTIONS: [{"nummer": n + 1, "functie": known[str(r["functie"]).strip().casefold()],
                                       "actie": str(r["actie"]).strip(), "uiterlijk": str(r["uiterlijk"])}
                                      for n, r in enumerate(rows)]}
