"""Deadline and flow dashboard (issue 9 §5).

For a period (by report date, Europe/Amsterdam) and optionally one unit:

* ``ontvangst_binnen_7_dagen`` - acknowledged within 7 days (``ontvangstbevestigd_op``);
  counted once acknowledged or once the 7 days have passed.
* ``terugkoppeling_binnen_3_maanden`` - feedback (the task that ``fulfils`` the milestone
  ``terugkoppeling`` in the case's process version completed) within 3 months after the
  acknowledgement (or after the 7 days when none was sent).
* ``gegrondheid_binnen_12_weken`` - reporter informed on founded-ness (the task that ``fulfils``
  ``gegrondheid``) within 12 weeks of the report.
* ``doorlooptijd`` - median and p90 days from report to closing, of cases closed in the period.
* ``open_per_fase`` / ``open_per_leeftijd`` - open cases now, by open task and by age.
* ``termijn_overschreden_per_rol`` - open tasks past their due date, by role.
* ``gegrond`` - share of closed cases (in the period) with outcome (deels) aangetoond among
  those with an outcome aangetoond / deels / niet aangetoond.
* ``anoniem`` - share of reports in the period made anonymously.
* ``meldingen_per_100_medewerkers`` - reports in the period per 100 employees (unit sizes
  are organisation settings in ``org_units``).

Every figure carries the ids of the cases behind it, restricted to the cases the asking
user may see (:func:`engine.identity.access.visible_cases_condition`); ``verborgen`` says
how many cases are behind it that the user may not open. Imported cases count in the
closing figures; they carry no acknowledgement/feedback data and no anonymity flag.

A case from which the asking user is excluded (reporter, subject, the subject's line manager, a handler the
reporter excluded: :func:`engine.identity.access.counted_condition`) is in *no* figure of theirs, not even in
``verborgen``: as if it did not exist for them. Otherwise an integrity coordinator excluded from a report about
themselves, or a manager of its subject on the competent authority, would see one more report this week that they
may not open - that someone reported them. ``verborgen`` keeps counting cases that are merely outside the user's
need to know (another unit's, one they have no part in): that a unit has reports is what the dashboard is for, and
it tells nothing about the reader. Without a user (the command line) every case counts.
"""
from __future__ import annotations

import calendar
import math
import statistics
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from engine.cases.models import Case, INTEGRITY_CASE
from engine.clock import now
from engine.reports.models import OrgUnit
from engine.reports.service import ReportRefused, local_date, local_start, percentage
from engine.worklist.models import WorkItem

# Legal milestones (processes/manifest.json, ``legal_rules``); the tasks that fulfil them are declared in
# the BPMN (property ``fulfils``), so a process owner may rename or restructure them.
FEEDBACK_MILESTONE = "terugkoppeling"
FOUNDED_MILESTONE = "gegrondheid"
AGE_BUCKETS = ((30, "0-30 dagen"), (90, "31-90 dagen"), (180, "91-180 dagen"), (None, "meer dan 180 dagen"))


def add_months(day: date, months: int) -> date:
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _reported_on(case: Case) -> date:
    value = (case.summary or {}).get("datum_melding")
    if value:
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            pass
    return local_date(case.created_at)


def _parse_moment(value) -> date | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return local_date(moment) if moment.tzinfo else moment.date()


def _unit_of(case: Case) -> str | None:
    return (case.summary or {}).get("dienstonderdeel") or case.unit


def _p90(values: list[int]) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]  # nearest rank


def _first_completion(session: Session, cases: list[Case], milestone: str) -> dict[int, date]:
    """Per case, the day the task fulfilling ``milestone`` in that case's process version was first completed.

    A task may fulfil it only with some answers (``fulfils_when``, an expression over what was submitted:
    "nog niet bekend" is an interim notice, not the verdict); it is evaluated on the stored submission
    (``task_submissions``). A completion without a stored submission (before they were kept, or a destroyed
    case's statistics stub) counts as fulfilled."""
    from engine.cases.models import TaskSubmission
    from engine.processes import service as processes

    by_version: dict[int, list[int]] = {}
    for case in cases:
        if case.process_version_id is not None:
            by_version.setdefault(case.process_version_id, []).append(case.id)
    per_version, conditions = [], {}
    for version_id, case_ids in by_version.items():
        parsed = processes.parsed_version(session=session, version_id=version_id)
        elements = processes.elements_fulfilling(parsed, milestone)
        if elements:
            per_version.append(and_(WorkItem.case_id.in_(case_ids), WorkItem.element_id.in_(sorted(elements))))
            conditions.update({(version_id, e): processes.fulfils_when(parsed, e) for e in elements})
    if not per_version:
        return {}
    rows = session.execute(
        select(WorkItem.case_id, Case.process_version_id, WorkItem.element_id, WorkItem.completed_at,
               TaskSubmission.data)
        .join(Case, Case.id == WorkItem.case_id)
        .outerjoin(TaskSubmission, TaskSubmission.work_item_id == WorkItem.id)
        .where(or_(*per_version), WorkItem.state == "completed", WorkItem.completed_at.is_not(None))).all()
    first: dict[int, date] = {}
    for case_id, version_id, element_id, completed_at, data in rows:
        condition = conditions.get((version_id, element_id))
        if condition and data is not None and not processes.holds(condition, data):
            continue
        day = local_date(completed_at)
        if case_id not in first or day < first[case_id]:
            first[case_id] = day
    return first


class _Figures:
    def __init__(self, visible: set[int] | None):
        self.visible = visible
        self.out: dict[str, dict] = {}

    def ids(self, ids) -> dict:
        ids = sorted(set(ids))
        if self.visible is None:
            return {"zaken": ids, "verborgen": 0}
        shown = [i for i in ids if i in self.visible]
        return {"zaken": shown, "verborgen": len(ids) - len(shown)}

    def share(self, key: str, label: str, hits: list[int], base: list[int]) -> None:
        self.out[key] = {"label": label, "teller": len(hits), "noemer": len(base),
                         "percentage": percentage(len(hits), len(base)) if base else None, **self.ids(base),
                         "zaken_teller": self.ids(hits)["zaken"]}


def build(*, session: Session, start: date, end: date, unit: str | None = None, user=None) -> dict:
    if end < start:
        raise ReportRefused("De einddatum ligt voor de begindatum.")
    today = local_date(now())
    # A case reported or closed in the period, or open now, is closed on/after ``start`` or not closed.
    # Integrity cases only: a risk inventory (engine.register) is another process's instance, never a report.
    stmt = select(Case).where(INTEGRITY_CASE, or_(Case.status != "closed", Case.closed_at >= local_start(start)))
    if unit is not None:
        stmt = stmt.where(Case.unit == unit)
    if user is not None:  # a case the user is excluded from does not exist for them (module docstring)
        from engine.identity.access import counted_condition

        stmt = stmt.where(counted_condition(user))
    all_cases = [c for c in session.execute(stmt).scalars() if unit is None or _unit_of(c) == unit]
    reported = [c for c in all_cases if start <= _reported_on(c) <= end]
    live = [c for c in reported if not c.imported]
    closed = [c for c in all_cases if c.status == "closed" and c.closed_at is not None
              and start <= local_date(c.closed_at) <= end]
    open_cases = [c for c in all_cases if c.status != "closed"]

    visible = None
    if user is not None:
        from engine.identity.access import visible_cases_condition

        wanted = {c.id for c in all_cases}
        visible = set(session.execute(select(Case.id).where(Case.id.in_(wanted), visible_cases_condition(user)))
                      .scalars()) if wanted else set()
    f = _Figures(visible)

    # acknowledgement within 7 days
    ack_base, ack_hits, ack_dates = [], [], {}
    for c in live:
        ack = _parse_moment((c.summary or {}).get("ontvangstbevestigd_op"))
        ack_dates[c.id] = ack
        due = _reported_on(c) + timedelta(days=7)
        if ack is not None or today > due:
            ack_base.append(c.id)
            if ack is not None and ack <= due:
                ack_hits.append(c.id)
    f.share("ontvangst_binnen_7_dagen", "Ontvangst bevestigd binnen 7 dagen", ack_hits, ack_base)

    # feedback within 3 months after acknowledgement (or after the 7 days)
    feedback = _first_completion(session, live, FEEDBACK_MILESTONE)
    fb_base, fb_hits = [], []
    for c in live:
        start_term = ack_dates[c.id] or (_reported_on(c) + timedelta(days=7))
        due = add_months(start_term, 3)
        done = feedback.get(c.id)
        if done is not None or today > due:
            fb_base.append(c.id)
            if done is not None and done <= due:
                fb_hits.append(c.id)
    f.share("terugkoppeling_binnen_3_maanden", "Terugkoppeling binnen 3 maanden", fb_hits, fb_base)

    founded = _first_completion(session, live, FOUNDED_MILESTONE)
    gw_base, gw_hits = [], []
    for c in live:
        due = _reported_on(c) + timedelta(weeks=12)
        done = founded.get(c.id)
        if done is not None or today > due:
            gw_base.append(c.id)
            if done is not None and done <= due:
                gw_hits.append(c.id)
    f.share("gegrondheid_binnen_12_weken", "Melder binnen 12 weken geïnformeerd over gegrondheid", gw_hits, gw_base)

    # lead time
    days = [(local_date(c.closed_at) - _reported_on(c)).days for c in closed]
    f.out["doorlooptijd"] = {"label": "Doorlooptijd tot afsluiting (dagen)", "aantal": len(days),
                             "mediaan": statistics.median(days) if days else None, "p90": _p90(days),
                             **f.ids(c.id for c in closed)}

    # open cases by stage and age
    open_ids = [c.id for c in open_cases]
    stage_rows = session.execute(select(WorkItem.case_id, WorkItem.name).where(
        WorkItem.case_id.in_(open_ids), WorkItem.state == "open").order_by(WorkItem.id)).all() if open_ids else []
    stage_of: dict[int, str] = {}
    for cid, name in stage_rows:
        stage_of.setdefault(cid, name)
    stages: dict[str, list[int]] = {}
    ages: dict[str, list[int]] = {label: [] for _, label in AGE_BUCKETS}
    for c in open_cases:
        stages.setdefault(stage_of.get(c.id, "Geen open taak"), []).append(c.id)
        age = (today - _reported_on(c)).days
        for limit, label in AGE_BUCKETS:
            if limit is None or age <= limit:
                ages[label].append(c.id)
                break
    f.out["open_per_fase"] = {"label": "Open zaken per fase", "waarden": {
        k: {"aantal": len(v), **f.ids(v)} for k, v in sorted(stages.items())}}
    f.out["open_per_leeftijd"] = {"label": "Open zaken per leeftijd", "waarden": {
        k: {"aantal": len(v), **f.ids(v)} for k, v in ages.items()}}

    # overdue tasks by role
    moment = now()
    overdue = session.execute(select(WorkItem.case_id, WorkItem.role).where(
        WorkItem.case_id.in_(open_ids), WorkItem.state == "open", WorkItem.due_at.is_not(None),
        WorkItem.due_at < moment)).all() if open_ids else []
    by_role: dict[str, list[int]] = {}
    for cid, role in overdue:
        by_role.setdefault(role, []).append(cid)
    f.out["termijn_overschreden_per_rol"] = {"label": "Taken over de termijn per rol", "waarden": {
        role: {"aantal": len(v), **f.ids(v)} for role, v in sorted(by_role.items())}}

    # substantiation
    judged = [c for c in closed if (c.summary or {}).get("uitkomst") in ("aangetoond", "deels_aangetoond", "niet_aangetoond")]
    hits = [c.id for c in judged if c.summary["uitkomst"] in ("aangetoond", "deels_aangetoond")]
    f.share("gegrond", "Gegrond (geheel of deels aangetoond)", hits, [c.id for c in judged])

    # anonymous share
    known = [c for c in live if isinstance((c.summary or {}).get("melder_anoniem"), bool)]
    f.share("anoniem", "Anonieme meldingen", [c.id for c in known if c.summary["melder_anoniem"]], [c.id for c in known])

    # reports per 100 employees
    if unit is None:
        employees = session.scalar(select(func.sum(OrgUnit.employees))) or 0
    else:
        employees = session.scalar(select(OrgUnit.employees).where(OrgUnit.name == unit)) or 0
    f.out["meldingen_per_100_medewerkers"] = {
        "label": "Meldingen per 100 medewerkers", "meldingen": len(reported), "medewerkers": employees,
        "waarde": round(100.0 * len(reported) / employees, 2) if employees else None,
        **f.ids(c.id for c in reported)}

    return {"van": start.isoformat(), "tot": end.isoformat(), "dienstonderdeel": unit, "peildatum": today.isoformat(),
            "cijfers": f.out}
