"""Shared helpers: organisational units and the closed cases every report reads.

Workflow-closed and imported cases carry the same ``Case.summary`` keys (``categorie``,
``subcategorie``, ``dienstonderdeel``, ``afdoeningen``, ``soort_onderzoek``, ``uitkomst``,
``inhoud_geanonimiseerd``, ``datum_melding``); reports read only those and ``closed_at``,
so both kinds are treated alike. ``aantal_betrokkenen`` is optional (absent = 1).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from engine.cases.models import Case, INTEGRITY_CASE
from engine.errors import DomainError, NotFound
from engine.reports.models import OrgUnit

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class ReportRefused(DomainError):
    status = 422
    code = "report-refused"
    title = "Rapportage geweigerd"


def local_date(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    return moment.astimezone(AMSTERDAM).date()


def local_noon(day: date) -> datetime:
    return datetime.combine(day, time(12), AMSTERDAM)


def local_start(day: date) -> datetime:
    return datetime.combine(day, time(0), AMSTERDAM)


@dataclass
class ClosedCase:
    id: int
    reference: str
    imported: bool
    unit: str
    category: str
    subcategory: str
    description: str
    resolutions: list[str]
    investigation: str | None
    outcome: str | None
    people: int
    reported_on: date | None
    closed_on: date
    summary: dict


def closed_cases(*, session: Session, start: date, end: date, unit: str | None = None,
                 reader=None) -> list[ClosedCase]:
    """Closed cases whose closing date (Europe/Amsterdam) lies in [start, end], ordered by unit, date, id.

    ``reader``: the user the report is made for; a case they are excluded from (reporter, subject, the subject's
    line manager, a handler the reporter excluded) is left out, as if it did not exist for them
    (``engine.identity.access.counted_condition``). None (the command line): every case."""
    # not the workflow state (issue 25): no report reads it, and it is the bulk of a case's row
    stmt = select(Case).options(defer(Case.state)).where(INTEGRITY_CASE, Case.status == "closed", Case.closed_at >= local_start(start),
                              Case.closed_at < local_start(date.fromordinal(end.toordinal() + 1)))
    if reader is not None:
        from engine.identity.access import counted_condition

        stmt = stmt.where(counted_condition(reader))
    out = []
    for case in session.execute(stmt).scalars():
        s = dict(case.summary or {})
        case_unit = s.get("dienstonderdeel") or case.unit or ""
        if unit is not None and case_unit != unit:
            continue
        reported = s.get("datum_melding")
        out.append(ClosedCase(
            id=case.id, reference=case.reference, imported=bool(case.imported), unit=case_unit,
            category=s.get("categorie") or case.category or "", subcategory=s.get("subcategorie") or "",
            description=s.get("inhoud_geanonimiseerd") or "", resolutions=list(s.get("afdoeningen") or []),
            investigation=s.get("soort_onderzoek") or None, outcome=s.get("uitkomst") or None,
            people=int(s.get("aantal_betrokkenen") or 1),
            reported_on=date.fromisoformat(str(reported)[:10]) if reported else None,
            closed_on=local_date(case.closed_at), summary=s))
    out.sort(key=lambda c: (c.unit.casefold(), c.closed_on, c.id))
    return out


# --------------------------------------------------------------------------- units
# Who sets the organisation's units (size, director): the one decision for api/routers/reports.py and
# web/pages/admin.py.
UNIT_ADMIN_ROLES = frozenset({"procesbeheerder", "functioneel_beheerder"})


def may_manage_units(user) -> bool:
    return bool(user.active) and bool(user.role_codes & UNIT_ADMIN_ROLES)


def require_unit_admin(user) -> None:
    if not may_manage_units(user):
        from engine.errors import NotAuthorized

        raise NotAuthorized("Alleen de procesbeheerder en de functioneel beheerder stellen dienstonderdelen in.")


def set_unit_as(*, session: Session, user, name: str, employees: int | None = None,
                director_id: int | None = None) -> OrgUnit:
    """:func:`set_unit` by ``user`` (a unit administrator), recorded in the audit trail."""
    from engine.audit import service as audit

    require_unit_admin(user)
    unit = set_unit(session=session, name=name, employees=employees, director_id=director_id)
    audit.append(session=session, actor=user.username, action="dienstonderdeel.ingesteld",
                 details={"naam": unit.name, "medewerkers": unit.employees, "directeur_id": unit.director_id})
    return unit


def list_units(*, session: Session) -> list[OrgUnit]:
    return list(session.execute(select(OrgUnit).order_by(OrgUnit.name)).scalars())


def get_unit(*, session: Session, name: str) -> OrgUnit | None:
    return session.scalar(select(OrgUnit).where(OrgUnit.name == name))


def set_unit(*, session: Session, name: str, employees: int | None = None, director_id: int | None = None,
             clear_director: bool = False) -> OrgUnit:
    """Create or update a unit (organisation setting)."""
    name = " ".join((name or "").split())
    if not name:
        raise ReportRefused("Geef de naam van het dienstonderdeel.")
    if employees is not None and employees < 0:
        raise ReportRefused("Het aantal medewerkers kan niet negatief zijn.")
    unit = get_unit(session=session, name=name)
    if unit is None:
        unit = OrgUnit(name=name)
        session.add(unit)
    if employees is not None:
        unit.employees = employees
    if director_id is not None:
        from engine.identity.models import User

        if session.get(User, director_id) is None:
            raise NotFound("Directeur (gebruiker) niet gevonden.")
        unit.director_id = director_id
    if clear_director:
        unit.director_id = None
    session.flush()
    return unit


def percentage(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def dutch_pct(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + "%"
