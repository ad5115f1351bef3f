"""The risk inventory (issue 24): the second process of the set, beside the integrity process.

An inventory is an instance of another process the manifest declares (``processes``; here the process that
declares the yearly start, ``risicoinventarisatie`` in the shipped set). It runs on the engine's own machinery:
a row in ``cases`` with ``process_kind`` set, so its state, work items, timers (the escalation of an overdue
follow-up action), incidents and audit trail work exactly as for an integrity case, on the same deployed
version. It is no integrity case: ``engine.identity.access.visible_cases_condition`` and every case list, search,
report and retention run leave out rows with ``process_kind`` set (``engine.cases.models.INTEGRITY_CASE``).
Why one table and not a table of its own: a second copy of timers, work items and migrations would be a second
engine; one column keeps one engine, and one condition in the one place that decides what is a case.

Starts: every year on the declared date (``processes.<id>.start.jaarlijks_op``, MM-DD, by the engine clock) one
inventory per team (the organisational units of active users), once per team and year; and on request
(:func:`start_on_request`, reasons :data:`REASONS`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.cases import service as cases
from engine.cases.models import Case
from engine.clock import now
from engine.db import Database
from engine.errors import FieldError, InvalidData, NotFound
from engine.identity.models import User
from engine.legal_terms import legal_deadline, local_date
from engine.processes import service as processes
from engine.processes.manifest import OtherProcess

PERIODIC = "periodiek"
REASONS = {
    PERIODIC: "Periodieke inventarisatie",
    "reorganisatie": "Reorganisatie",
    "nieuwe_functie": "Nieuwe functie",
    "incident": "Incident",
    "nieuw_systeem": "Nieuw systeem",
}


def _yearly(session: Session) -> tuple[int, list[OtherProcess]]:
    version = processes.active_version(session=session)
    parsed = processes.parsed_version(session=session, version_id=version.id, content_hash=version.content_hash)
    return version.id, [p for p in parsed.manifest.processes.values() if p.yearly_on is not None]


def teams(session: Session) -> list[str]:
    """The teams an inventory is started for: the organisational units of the active users."""
    return sorted(session.scalars(select(User.unit).where(User.active.is_(True), User.unit.is_not(None))
                                  .distinct()))


def _periodic_label(year: int) -> str:
    return f"{REASONS[PERIODIC]} {year}"


@dataclass
class Started:
    process: str
    team: str
    case_id: int
    reference: str


def start_due(*, session: Session) -> list[Started]:
    """Start the periodic inventories that are due by the engine clock: for each declared yearly process whose
    date this year has come, one per team that has none for this year yet. Idempotent."""
    today = local_date(now())
    try:
        version_id, yearly = _yearly(session)
    except NotFound:  # nothing deployed yet
        return []
    started = []
    for other in yearly:
        month, day = other.yearly_on
        if today < date(today.year, month, day):
            continue
        label = _periodic_label(today.year)
        have = set(session.scalars(select(Case.unit).where(Case.process_kind == other.process_id,
                                                           Case.category == label)))
        for team in teams(session):
            if team in have:
                continue
            case = cases.start_case(session=session, actor=None, unit=team, version_id=version_id,
                                    process=other.process_id,
                                    data={"team": team, "aanleiding": REASONS[PERIODIC], "categorie": label})
            started.append(Started(other.process_id, team, case.id, case.reference))
    return started


DEFAULT_MONITORING_TERM = "P1M"


def _monitoring_label(theme: str, on: date) -> str:
    return f"Monitoring {theme} {on.year}-{on.month:02d}"


def start_monitoring_due(*, session: Session) -> list[Started]:
    """Start the thematic monitoring that is due by the engine clock: for each declared theme
    (``processes.<id>.start.thematisch``) the latest of its dates this year that has come (the first of one of its
    months), once per theme and month; a missed date is caught up, an older one of the same theme is not. The
    task's due date is ``monitoringstermijn`` (ISO duration, default one month) after that date. Idempotent."""
    today = local_date(now())
    try:
        version = processes.active_version(session=session)
    except NotFound:
        return []
    parsed = processes.parsed_version(session=session, version_id=version.id, content_hash=version.content_hash)
    started = []
    for other in parsed.manifest.processes.values():
        term = str(other.settings.get("monitoringstermijn") or DEFAULT_MONITORING_TERM)
        for theme, months in other.themes:
            dates = [date(today.year, m, 1) for m in months if date(today.year, m, 1) <= today]
            if not dates:
                continue
            on = dates[-1]
            label = _monitoring_label(theme, on)
            if session.scalar(select(Case.id).where(Case.process_kind == other.process_id, Case.category == label)
                              .limit(1)) is not None:
                continue
            case = cases.start_case(session=session, actor=None, version_id=version.id, process=other.process_id,
                                    data={"thema": theme, "monitoring_datum": on.isoformat(),
                                          "monitoring_uiterlijk": legal_deadline(on, term).isoformat(),
                                          "categorie": label})
            started.append(Started(other.process_id, theme, case.id, case.reference))
    return started


def start_due_in(database: Database) -> int:
    """For the timer worker: start the due inventories and thematic monitoring in a transaction of their own."""
    with database.session() as session:
        return len(start_due(session=session)) + len(start_monitoring_due(session=session))


def start_on_request(*, session: Session, actor: User, process: str, team: str, reason: str) -> Case:
    """An inventory outside the yearly cycle: at a reorganisation, a new function, an incident or a new system."""
    problems = []
    if reason not in REASONS or reason == PERIODIC:
        problems.append(FieldError("aanleiding", "kies reorganisatie, nieuwe functie, incident of nieuw systeem"))
    if team not in teams(session):
        problems.append(FieldError("team", "is geen bekend team"))
    if problems:
        raise InvalidData(problems)
    case = cases.start_case(session=session, actor=actor, unit=team, process=process,
                            data={"team": team, "aanleiding": REASONS[reason], "categorie": REASONS[reason]})
    audit.append(session=session, actor=actor.username, action="register.inventory_requested", case_id=case.id,
                 details={"team": team, "aanleiding": reason})
    return case


def inventory_process(session: Session) -> OtherProcess:
    """The declared process whose questionnaire keeps the register (the one with a yearly start), of the active
    version; :class:`NotFound` when the deployed set has none."""
    version = processes.active_version(session=session)
    parsed = processes.parsed_version(session=session, version_id=version.id, content_hash=version.content_hash)
    for other in parsed.manifest.processes.values():
        if other.yearly_on is not None:
            return other
    raise NotFound("De uitgerolde procesversie heeft geen risico-inventarisatie.")
