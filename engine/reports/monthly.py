"""Monthly overview per director (issue 9 §6), stored as a Word document in ``monthly_overviews``.

A director is the ``director_id`` of one or more ``org_units``. The overview of month M
lists, for their units: reports received in M (by report date), investigations
(vooronderzoek/feitenonderzoek) that were running during M, and cases resolved in M
with their resolutions. Only non-confidential summary data: reference, unit, category,
route/kind, outcome and resolutions - never the reporter's identity or a description.

``meldpunt report monthly`` (no month) makes the overviews of the previous month; with
``--alleen-eerste-werkdag`` it only does so on the first working day of the month
(Algemene termijnenwet holidays, ``engine.legal_terms.is_free_day``), so a daily timer
or cron job can call it. Generating a month again replaces that month's documents.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from engine.cases.models import Case, INTEGRITY_CASE
from engine.clock import now
from engine.errors import NotFound
from engine.identity import access
from engine.identity.models import User
from engine.legal_terms import is_free_day
from engine.reports import labels as L
from engine.reports import word
from engine.reports.models import MonthlyOverview, OrgUnit
from engine.reports.service import ReportRefused, local_date

INVESTIGATION_ROUTES = ("vooronderzoek", "feitenonderzoek")
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")


def parse_month(text: str) -> tuple[date, date]:
    try:
        year, month = (int(p) for p in text.split("-"))
        first = date(year, month, 1)
    except (ValueError, TypeError):
        raise ReportRefused(f"Ongeldige maand '{text}'; schrijf JJJJ-MM.")
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def first_working_day(year: int, month: int) -> date:
    day = date(year, month, 1)
    while is_free_day(day):
        day += timedelta(days=1)
    return day


def previous_month(today: date) -> str:
    last = today.replace(day=1) - timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def _reported_on(case: Case) -> date:
    value = (case.summary or {}).get("datum_melding")
    try:
        return date.fromisoformat(str(value)[:10]) if value else local_date(case.created_at)
    except ValueError:
        return local_date(case.created_at)


@dataclass
class Generated:
    director: str
    month: str
    overview_id: int
    figures: dict


def _content(cases: list[Case], first: date, last: date) -> dict:
    def line(c: Case) -> list[str]:
        s = c.summary or {}
        return [c.reference, s.get("dienstonderdeel") or c.unit or "", s.get("categorie") or c.category or ""]

    reports = [c for c in cases if first <= _reported_on(c) <= last]
    investigations = [c for c in cases if (c.summary or {}).get("route") in INVESTIGATION_ROUTES
                      and _reported_on(c) <= last
                      and (c.closed_at is None or local_date(c.closed_at) >= first)]
    resolved = [c for c in cases if c.status == "closed" and c.closed_at is not None
                and first <= local_date(c.closed_at) <= last]
    return {
        "meldingen": [line(c) for c in sorted(reports, key=lambda c: c.id)],
        "onderzoeken": [line(c) + [(c.summary or {}).get("route", ""), "lopend" if c.status != "closed" else "afgerond"]
                        for c in sorted(investigations, key=lambda c: c.id)],
        "afdoeningen": [line(c) + [L.OUTCOMES.get((c.summary or {}).get("uitkomst") or "", ""),
                                   L.join_resolutions((c.summary or {}).get("afdoeningen") or [])]
                        for c in sorted(resolved, key=lambda c: c.id)],
    }


def generate(*, session: Session, month: str) -> list[Generated]:
    first, last = parse_month(month)
    units = list(session.execute(select(OrgUnit).where(OrgUnit.director_id.is_not(None))).scalars())
    by_director: dict[int, list[str]] = {}
    for u in units:
        by_director.setdefault(u.director_id, []).append(u.name)
    out = []
    for director_id, names in sorted(by_director.items()):
        director = session.get(User, director_id)
        # integrity cases only (a risk inventory is another process's instance), and never a case in which the
        # director is the reporter, the subject or the subject's manager (DOMAIN §2, §4)
        counted = access.counted_condition(director) if director is not None else true()
        cases = [c for c in session.execute(select(Case).where(Case.unit.in_(names), INTEGRITY_CASE,
                                                               counted)).scalars()]
        content = _content(cases, first, last)
        figures = {k: len(v) for k, v in content.items()}
        title = f"Maandoverzicht integriteit {MONTHS[first.month - 1]} {first.year}"
        doc = word.document(title, [
            ("Meldingen", ["Zaaknummer", "Dienstonderdeel", "Schending"], content["meldingen"]),
            ("Onderzoeken", ["Zaaknummer", "Dienstonderdeel", "Schending", "Route", "Stand"], content["onderzoeken"]),
            ("Afdoeningen", ["Zaaknummer", "Dienstonderdeel", "Schending", "Uitkomst", "Afdoening"], content["afdoeningen"]),
        ], intro=[f"Voor: {director.display_name if director else director_id}",
                  "Dienstonderdelen: " + ", ".join(sorted(names, key=str.casefold)),
                  f"Meldingen: {figures['meldingen']}; onderzoeken: {figures['onderzoeken']}; "
                  f"afgedane zaken: {figures['afdoeningen']}."])
        row = session.scalar(select(MonthlyOverview).where(MonthlyOverview.director_id == director_id,
                                                           MonthlyOverview.month == month))
        if row is None:
            row = MonthlyOverview(director_id=director_id, month=month)
            session.add(row)
        row.units, row.figures, row.content, row.created_at = sorted(names), figures, doc, now()
        row.filename = f"maandoverzicht-{month}-{director.username if director else director_id}.docx"
        session.flush()
        from engine.audit import service as audit

        audit.append(session=session, actor="system", action="rapportage.maandoverzicht",
                     details={"maand": month, "directeur_id": director_id, "cijfers": figures})
        out.append(Generated(director=director.username if director else str(director_id), month=month,
                             overview_id=row.id, figures=figures))
    return out


def due_today(today: date) -> bool:
    return today == first_working_day(today.year, today.month)


# --- access: one decision for the API and the web ------------------------------------------------------------
# An overview is for the director it is addressed to, nobody else (not the coordinator who set the units up): it
# lists cases of their units. Someone else's overview is not found, like one that does not exist.

def overviews_for(*, session: Session, user: User) -> list[MonthlyOverview]:
    """The overviews addressed to ``user``, newest month first."""
    if not user.active:
        return []
    return list(session.execute(select(MonthlyOverview).where(MonthlyOverview.director_id == user.id)
                                .order_by(MonthlyOverview.month.desc())).scalars())


def readable_overview(*, session: Session, user: User, overview_id: int) -> MonthlyOverview:
    """One overview addressed to ``user``, else :class:`NotFound`."""
    row = session.get(MonthlyOverview, overview_id)
    if row is None or not user.active or row.director_id != user.id:
        raise NotFound("Maandoverzicht niet gevonden.")
    return row
