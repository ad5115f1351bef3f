"""Reports of the register (issue 24): the overview of critical and risky functions per unit (the annex format of
the memo: function, classification, risks, measures, net risk, acceptable, actions), the open and overdue
follow-up actions (one line per action, with its function), and the paragraph for the annual security and integrity self-analysis; in Word and CSV.

Only the register and the inventories: nothing of any integrity case (``engine.register.triage`` writes nothing
back), so these reports may go to the managers who keep the register."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from engine.cases.models import Case, TaskSubmission
from engine.clock import now
from engine.legal_terms import local_date
from engine.processes import service as processes
from engine.register import actions as register_actions
from engine.register import holders
from engine.register.models import CLASSIFICATIONS, RegisterAssessment, RegisterFunction
from engine.reports import word
from engine.spreadsheet import csv_text
from engine.worklist.models import WorkItem

COLUMNS = ["Organisatieonderdeel", "Team", "Functie", "Classificatie", "Risico's", "Beheersmaatregelen",
           "Netto risico", "Aanvaardbaar", "Acties"]
ACTION_COLUMNS = ["Team", "Kenmerk", "Functie", "Vervolgactie", "Uiterlijk", "Stand"]
OPEN, OVERDUE, DONE = "open", "te laat", "afgerond"


@dataclass
class Action:
    team: str
    reference: str
    function: str  # the function of the inventory the action concerns; "" for an action of before the list
    text: str
    due: date | None
    status: str
    number: int | None = None  # its row in the management team's decision (1, 2, …)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _open_action_tasks(session: Session, case_id: int, version_id: int | None) -> dict[int, datetime | None]:
    """The open tasks of a case that carry out one decided action (declared ``register = "vervolgactie"`` in
    the case's process version): action number → the task's due date."""
    items = session.execute(select(WorkItem).where(WorkItem.case_id == case_id, WorkItem.state == "open")
                            .options(undefer(WorkItem.view))).scalars()
    items = list(items)
    if not items or version_id is None:
        return {}
    parsed = processes.parsed_version(session=session, version_id=version_id)
    out: dict[int, datetime | None] = {}
    for item in items:
        meta = parsed.tasks.get(item.element_id)
        if meta is None or not register_actions.carries_out_action(meta.properties):
            continue
        view = item.view
        if view is None:  # an item from before the projection: read it from the workflow
            from engine.cases.service import task_view

            view = task_view(session=session, item=item)
        number = view.get(register_actions.NUMBER_FIELD)
        if isinstance(number, int):
            out[number] = item.due_at
    return out


def actions(*, session: Session, only_open: bool = False, team: str | None = None) -> list[Action]:
    """Every follow-up action the management team decided, one line per action (the rows of the submitted
    ``vervolgacties``, each with its function and due date), with its state by the engine clock: open while its
    own task is open, too late when that task's due date has passed, done otherwise.

    An inventory of a process version from before the list (one ``vervolgactie`` with ``actie_uiterlijk``, no
    function) is still read: one line, open while the inventory has an open task with a due date."""
    moment = now()
    out = []
    q = (select(TaskSubmission.data, Case.id, Case.unit, Case.reference, Case.process_version_id)
         .join(Case, Case.id == TaskSubmission.case_id)
         .where(Case.process_kind.is_not(None)).order_by(Case.unit, TaskSubmission.submitted_at,
                                                              TaskSubmission.work_item_id))
    if team is not None:
        q = q.where(Case.unit == team)
    for data, case_id, team_of, reference, version_id in session.execute(q):
        data = data or {}
        listed = data.get(register_actions.DECIDES_ACTIONS)
        if isinstance(listed, list) and listed:
            waiting = _open_action_tasks(session, case_id, version_id)
            for row in listed:
                number = row.get("nummer")
                if number not in waiting:
                    status = DONE
                else:
                    due_at = waiting[number]
                    status = OVERDUE if due_at is not None and _aware(due_at) <= moment else OPEN
                if only_open and status == DONE:
                    continue
                out.append(Action(team_of or "", reference, str(row.get("functie") or ""), str(row.get("actie")),
                                  date.fromisoformat(str(row["uiterlijk"])), status, number))
            continue
        text, due = data.get("vervolgactie"), data.get("actie_uiterlijk")  # one action, before the list
        if not text or not due:
            continue
        due_on = date.fromisoformat(str(due))
        waiting_at = session.scalars(select(WorkItem.due_at).where(WorkItem.case_id == case_id,
                                                                   WorkItem.state == "open",
                                                                   WorkItem.due_at.is_not(None))).all()
        status = DONE if not waiting_at else OVERDUE if any(_aware(d) <= moment for d in waiting_at) else OPEN
        if only_open and status == DONE:
            continue
        out.append(Action(team_of or "", reference, "", str(text), due_on, status))
    return out


def current(session: Session, unit: str | None = None,
            team: str | None = None) -> list[tuple[RegisterFunction, RegisterAssessment]]:
    """Every function with its newest assessment, by unit, team and name (``team``: only that team's)."""
    q = select(RegisterFunction).order_by(RegisterFunction.unit, RegisterFunction.team, RegisterFunction.name)
    if unit is not None:
        q = q.where(RegisterFunction.unit == unit)
    if team is not None:
        q = q.where(RegisterFunction.team == team)
    out = []
    for function in session.scalars(q):
        newest = session.scalar(select(RegisterAssessment).where(RegisterAssessment.function_id == function.id)
                                .order_by(RegisterAssessment.id.desc()).limit(1))
        if newest is not None:
            out.append((function, newest))
    return out


def overview(*, session: Session, unit: str | None = None, team: str | None = None) -> list[list[str]]:
    """One row per critical or risky function (its newest assessment), per unit and team."""
    by_function: dict[tuple[str, str], list[Action]] = {}
    for action in actions(session=session, team=team):
        by_function.setdefault((action.team, action.function.casefold()), []).append(action)
    rows = []
    for function, a in current(session, unit, team):
        if a.classification == "geen":
            continue
        # its own actions; an action from before the list (no function) belongs to every function of its team
        own = by_function.get((function.team, function.name.casefold()), []) + by_function.get((function.team, ""), [])
        team_actions = "; ".join(f"{x.text} (uiterlijk {x.due.strftime('%d-%m-%Y')}, {x.status})" for x in own)
        rows.append([function.unit, function.team, function.name, CLASSIFICATIONS[a.classification],
                     "; ".join(a.risks), a.measures, str(a.net), "ja" if a.acceptable else "nee", team_actions])
    return rows


def history(*, session: Session, function_id: int) -> list[RegisterAssessment]:
    """Every assessment of a function, oldest first."""
    return list(session.scalars(select(RegisterAssessment).where(RegisterAssessment.function_id == function_id)
                                .order_by(RegisterAssessment.id)))


def self_analysis(*, session: Session, settings: dict, year: int) -> str:
    """The paragraph for the annual security and integrity self-analysis."""
    today = local_date(now())
    now_ = current(session)
    count = {k: sum(1 for _, a in now_ if a.classification == k) for k in CLASSIFICATIONS}
    unacceptable = sum(1 for _, a in now_ if a.classification != "geen" and not a.acceptable)
    stale = sum(1 for _, a in now_ if a.review_on < today)
    acts = actions(session=session)
    open_, late = sum(1 for x in acts if x.status == OPEN), sum(1 for x in acts if x.status == OVERDUE)
    rotation = holders.rotation(session=session, settings=settings, today=today)
    teams = len({f.team for f, _ in now_})
    return (f"Stand van het register kritieke en risicovolle functies ({year}): {teams} "
            f"{'team heeft zijn' if teams == 1 else 'teams hebben hun'} functies geïnventariseerd. Het register telt "
            f"{count['kritiek']} kritieke, {count['risicovol']} risicovolle en {count['meest_risicovol']} meest "
            f"risicovolle functies; bij {unacceptable} daarvan is het netto risico niet aanvaardbaar. "
            f"Van de vervolgacties staan er {open_} open en zijn er {late} over hun uiterste datum. "
            f"{stale} {'functie is' if stale == 1 else 'functies zijn'} niet op tijd herzien. "
            f"{len(rotation)} {'medewerker vervult' if len(rotation) == 1 else 'medewerkers vervullen'} een meest "
            f"risicovolle functie, van wie {sum(1 for r in rotation if r.overdue)} langer dan de roulatietermijn.")


def action_cells(items: list[Action]) -> list[list[str]]:
    return [[x.team, x.reference, x.function, x.text, x.due.strftime("%d-%m-%Y") if x.due else "", x.status]
            for x in items]


def to_csv(rows: list[list[str]], columns: list[str] = COLUMNS) -> str:
    return csv_text(columns, rows)


def to_docx(*, session: Session, settings: dict, year: int, unit: str | None = None, team: str | None = None) -> bytes:
    """The overview and the open actions; the self-analysis paragraph only for the whole register."""
    return word.document(
        f"Kritieke en risicovolle functies {year}" + (f" — {team or unit}" if team or unit else ""),
        [("Overzicht per organisatieonderdeel", COLUMNS, overview(session=session, unit=unit, team=team)),
         ("Openstaande en te late vervolgacties", ACTION_COLUMNS,
          action_cells(actions(session=session, only_open=True, team=team)))],
        intro=[] if team else [self_analysis(session=session, settings=settings, year=year)])


def tile(*, session: Session) -> dict:
    """The dashboard tile: functions per classification, unacceptable risks, open and overdue actions."""
    now_ = current(session)
    acts = actions(session=session, only_open=True)
    return {"kritiek": sum(1 for _, a in now_ if a.classification == "kritiek"),
            "risicovol": sum(1 for _, a in now_ if a.classification == "risicovol"),
            "meest_risicovol": sum(1 for _, a in now_ if a.classification == "meest_risicovol"),
            "onaanvaardbaar": sum(1 for _, a in now_ if a.classification != "geen" and not a.acceptable),
            "acties_open": sum(1 for x in acts if x.status == OPEN),
            "acties_te_laat": sum(1 for x in acts if x.status == OVERDUE)}
