"""Issue 15, findings 5, 6, 8, 11 and 13: every legal clock starts when the law says, and whoever is
responsible sees the task once it is overdue.

Driven through the real process over HTTP with the scenario step library (features/steps) on the FrozenClock;
timers fire through engine.timers.service.fire_due (run_timers / time_moved).
"""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone

from engine.functions import end_of_day, legal_date
from features.steps.common import (World, _complete, run_timers, step_claim, step_demo, step_report_named,
                                   step_report_public, time_moved, wereld)  # noqa: F401  (wereld: fixture)
from engine.processes import service as processes
from tests.process.driver import PROCESSES


def _at(w: World, day: date) -> None:
    w.clock.set(datetime.combine(day, time(9, 0), tzinfo=timezone.utc))
    time_moved(w)


def _later(w: World, days: int) -> None:
    w.clock.advance(timedelta(days=days))
    time_moved(w)


def _due(w: World, element: str) -> datetime | None:
    found = [t for t in w.open_tasks() if t["element_id"] == element]
    assert found, f"{element} not open: {[t['element_id'] for t in w.open_tasks()]}"
    due = found[0]["termijn"]
    return due.replace(tzinfo=timezone.utc) if due is not None and due.tzinfo is None else due


def _open(w: World) -> set[str]:
    return {t["element_id"] for t in w.open_tasks()}


def _overdue(w: World, who: str) -> set[str]:
    r = w.client.get("/api/v1/taken/te-laat", headers=w.h(who))
    assert r.status_code == 200, r.text
    return {i["element_id"] for i in r.json() if i["zaak_id"] == w.case_id}


def _register(w: World, received: date) -> None:
    _at(w, received)
    step_report_named(w, "meldpunt", "medewerker", "Financiële schendingen", "Facturen van een bevriende leverancier")
    r = _complete(w, "meldpunt", "melding_registreren", {})
    assert r.status_code == 200, r.text
    run_timers(w)


# --------------------------------------------------------------------------- finding 13

def test_finding13_an_unregistered_report_has_the_acknowledgement_deadline_and_escalates(wereld):
    step_demo(wereld)
    received = date(2027, 4, 14)  # a Wednesday; 7 days end Wednesday 21 April
    _at(wereld, received)
    step_report_public(wereld, "Ongepaste communicatie", "Kwetsende berichten in de groepsapp")
    assert _due(wereld, "melding_registreren") == datetime.fromisoformat(
        end_of_day(legal_date("P7D", start=received.isoformat())))
    _later(wereld, 6)
    assert "escalatie_registratie_ontvangstbevestiging" not in _open(wereld)
    assert "melding_registreren" not in _overdue(wereld, "coordinator")
    _later(wereld, 2)
    assert "escalatie_registratie_ontvangstbevestiging" in _open(wereld)
    assert "melding_registreren" in _overdue(wereld, "coordinator")
    assert "melding_registreren" in _overdue(wereld, "meldpunt")
    # left for months: the 12-week and the feedback clocks run as well
    _later(wereld, 100)
    assert {"escalatie_registratie_gegrondheid", "escalatie_registratie_terugkoppeling"} <= _open(wereld)
    assert "melding_registreren" in _open(wereld)  # non-interrupting: the report still has to be registered


# --------------------------------------------------------------------------- finding 5

def test_finding5_without_acknowledgement_feedback_is_due_3_months_after_the_7_days(wereld):
    step_demo(wereld)
    received = date(2027, 4, 14)
    _register(wereld, received)
    day7 = legal_date("P7D", start=received.isoformat())
    feedback_due = datetime.fromisoformat(end_of_day(legal_date("P3M", start=day7)))
    _at(wereld, feedback_due.date())  # 09:00 on the last day: still on time
    assert "escalatie_terugkoppeling_zonder_bevestiging" not in _open(wereld)
    _at(wereld, feedback_due.date() + timedelta(days=1))
    assert "escalatie_terugkoppeling_zonder_bevestiging" in _open(wereld)
    assert "ontvangst_bevestigen" in _overdue(wereld, "coordinator")


def test_finding5_a_late_acknowledgement_does_not_push_the_feedback_term_past_3_months_after_day_7(wereld):
    step_demo(wereld)
    received = date(2027, 4, 14)
    _register(wereld, received)
    _later(wereld, 20)  # acknowledged on 4 May, 13 days late
    r = _complete(wereld, "meldpunt", "ontvangst_bevestigen", {"ontvangstbevestiging_via": "email"})
    assert r.status_code == 200, r.text
    day7 = legal_date("P7D", start=received.isoformat())
    capped = legal_date("P3M", start=day7)  # not 3 months after 4 May
    from sqlalchemy import select

    from engine.cases.models import Case
    from engine.timers.models import Timer
    with wereld.db.session() as s:
        fire_at = s.scalar(select(Timer.fire_at).where(Timer.case_id == wereld.case_id,
                                                        Timer.element_id == "terugkoppeling_termijn"))
        summary = s.get(Case, wereld.case_id).summary or {}
    fire_at = fire_at.replace(tzinfo=timezone.utc) if fire_at.tzinfo is None else fire_at
    assert fire_at == datetime.fromisoformat(end_of_day(capped))
    assert summary.get("terugkoppeling_termijn", capped) == capped


# --------------------------------------------------------------------------- finding 6

def test_finding6_the_12_weeks_run_from_receipt_while_the_feedback_is_still_open(wereld):
    step_demo(wereld)
    received = date(2027, 4, 14)
    _register(wereld, received)
    r = _complete(wereld, "meldpunt", "ontvangst_bevestigen", {"ontvangstbevestiging_via": "email"})
    assert r.status_code == 200, r.text
    twelve_weeks = datetime.fromisoformat(end_of_day(legal_date("P12W", start=received.isoformat())))
    assert _due(wereld, "terugkoppeling_melder") == twelve_weeks  # the earlier of its two deadlines
    _at(wereld, twelve_weeks.date())  # 09:00 on the last day of the 12 weeks
    assert "escalatie_gegrondheid_voor_terugkoppeling" not in _open(wereld)
    _at(wereld, twelve_weeks.date() + timedelta(days=1))
    assert "escalatie_gegrondheid_voor_terugkoppeling" in _open(wereld)
    assert "terugkoppeling_melder" in _overdue(wereld, "coordinator")


# --------------------------------------------------------------------------- finding 8

def _to_aangifte(w: World, received: date) -> None:
    _register(w, received)
    r = _complete(w, "coordinator", "ernst_en_strafbaarheid", {
        "strafbaar_feit": True, "strafbaar_feit_toelichting": "Mogelijk valsheid in geschrifte door een ambtenaar."})
    assert r.status_code == 200, r.text
    run_timers(w)


def test_finding8_art_162_sv_has_a_deadline_of_one_working_day_and_escalates(wereld):
    step_demo(wereld)
    friday = date(2027, 4, 2)  # Good Friday 2027 is 26 March; 2 April is an ordinary Friday
    _to_aangifte(wereld, friday)
    # one working day: Saturday and Sunday do not count, so the term ends on Monday 5 April
    assert _due(wereld, "aangifte_doen") == datetime.fromisoformat(end_of_day("2027-04-05"))
    _at(wereld, date(2027, 4, 5))
    assert "escalatie_aangifte" not in _open(wereld)
    _at(wereld, date(2027, 4, 6))
    assert "escalatie_aangifte" in _open(wereld)
    assert "aangifte_doen" in _overdue(wereld, "coordinator")


def test_finding8_the_term_is_a_process_owner_setting(wereld):
    step_demo(wereld)
    files = {str(f.relative_to(PROCESSES)).replace("\\", "/"): f.read_bytes() for f in PROCESSES.rglob("*") if f.is_file()}
    manifest = json.loads(files["manifest.json"])
    assert manifest["settings"]["aangifte_termijn"] == "P1D"
    manifest["settings"]["aangifte_termijn"] = "P3D"
    # the declared term covers the setting (check and deploy refuse a setting looser than the declaration)
    next(d for d in manifest["legal_rules"]["deadlines"] if d["milestone"] == "aangifte")["term"] = "P3D"
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    with wereld.db.session() as s:
        processes.deploy(session=s, files=files)
    _to_aangifte(wereld, date(2027, 4, 6))  # Tuesday + 3 days = Friday 9 April
    assert _due(wereld, "aangifte_doen") == datetime.fromisoformat(end_of_day("2027-04-09"))


# --------------------------------------------------------------------------- finding 11

def test_finding11_the_coordinator_sees_every_overdue_task_and_the_pool_its_own(wereld):
    step_demo(wereld)
    _register(wereld, date(2027, 4, 14))
    _later(wereld, 8)
    # the acknowledgement belongs to the desk's pool; the coordinator (deadline monitor) sees it too
    assert "ontvangst_bevestigen" in _overdue(wereld, "meldpunt")
    assert "ontvangst_bevestigen" in _overdue(wereld, "coordinator")
    # claimed by the desk, it stays in the desk's own and the coordinator's list
    step_claim(wereld, "meldpunt", "ontvangst_bevestigen")
    assert "ontvangst_bevestigen" in _overdue(wereld, "meldpunt")
    assert "ontvangst_bevestigen" in _overdue(wereld, "coordinator")
    # somebody without the role and without oversight does not see it
    assert "ontvangst_bevestigen" not in _overdue(wereld, "onderzoeker1")


def test_finding11_the_monitor_role_comes_from_the_manifest(wereld):
    step_demo(wereld)
    files = {str(f.relative_to(PROCESSES)).replace("\\", "/"): f.read_bytes() for f in PROCESSES.rglob("*") if f.is_file()}
    manifest = json.loads(files["manifest.json"])
    manifest["legal_rules"]["deadline_monitor_roles"] = []
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    with wereld.db.session() as s:
        processes.deploy(session=s, files=files)
    _register(wereld, date(2027, 4, 14))
    _later(wereld, 8)
    assert "ontvangst_bevestigen" in _overdue(wereld, "meldpunt")
    assert "ontvangst_bevestigen" not in _overdue(wereld, "coordinator")
