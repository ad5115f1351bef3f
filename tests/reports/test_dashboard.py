"""Dashboard figures for a hand-built set of cases with known dates (clock: 2 November 2026)."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from engine.cases.models import Case
from engine.processes import service as processes
from engine.identity.models import User, UserRole
from engine.reports import dashboard
from engine.reports.service import local_noon, set_unit
from engine.worklist.models import WorkItem


PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def _case(s, ref, unit, reported, *, closed=None, imported=False, version=None, **summary):
    if version is None and not imported:
        version = processes.latest_version(session=s).id
    case = Case(reference=ref, status="closed" if closed else "open", unit=unit, imported=imported,
                process_version_id=version,
                summary={"dienstonderdeel": unit, "datum_melding": reported, **summary},
                created_at=local_noon(date.fromisoformat(reported)),
                closed_at=local_noon(date.fromisoformat(closed)) if closed else None)
    s.add(case)
    s.flush()
    return case.id


def _item(s, case_id, element, name, role, *, due=None, completed=None):
    s.add(WorkItem(case_id=case_id, task_id=f"{case_id}-{element}", element_id=element, name=name, role=role,
                   slot=role, state="completed" if completed else "open",
                   due_at=local_noon(date.fromisoformat(due)) if due else None,
                   completed_at=local_noon(date.fromisoformat(completed)) if completed else None))


@pytest.fixture
def cases(db, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
        set_unit(session=s, name="Douane", employees=400)
        set_unit(session=s, name="Toeslagen", employees=100)
        c1 = _case(s, "C1", "Douane", "2026-07-01", closed="2026-09-30", ontvangstbevestigd_op="2026-07-05T10:00:00+02:00",
                   uitkomst="aangetoond", melder_anoniem=False)
        _item(s, c1, "terugkoppeling_melder", "Terugkoppeling", "meldpunt", completed="2026-09-15")
        _item(s, c1, "melder_informeren_gegrondheid", "Gegrondheid", "meldpunt", completed="2026-09-20")
        c2 = _case(s, "C2", "Douane", "2026-07-10", closed="2026-10-10", ontvangstbevestigd_op="2026-07-20T09:00:00+02:00",
                   uitkomst="niet_aangetoond", melder_anoniem=True)
        _item(s, c2, "terugkoppeling_melder", "Terugkoppeling", "meldpunt", completed="2026-11-01")
        c3 = _case(s, "C3", "Douane", "2026-08-01", ontvangstbevestigd_op="2026-08-03T09:00:00+02:00", melder_anoniem=True)
        _item(s, c3, "onderzoek_uitvoeren", "Onderzoek uitvoeren", "onderzoeker", due="2026-10-01")
        c4 = _case(s, "C4", "Toeslagen", "2026-09-01")
        _item(s, c4, "melding_beoordelen", "Melding beoordelen", "integriteitscoordinator", due="2026-12-01")
        c5 = _case(s, "C5", "Toeslagen", "2026-07-15", closed="2026-08-14", imported=True, uitkomst="deels_aangetoond")
        c6 = _case(s, "C6", "Douane", "2026-10-25", ontvangstbevestigd_op="2026-10-26T09:00:00+01:00", melder_anoniem=False)
        c7 = _case(s, "C7", "Douane", "2026-05-01", closed="2026-07-20", uitkomst="deels_aangetoond")
        return dict(c1=c1, c2=c2, c3=c3, c4=c4, c5=c5, c6=c6, c7=c7)


def test_dashboard_all_units(db, cases):
    c = cases
    with db.session() as s:
        result = dashboard.build(session=s, start=date(2026, 7, 1), end=date(2026, 10, 31))
    f = result["cijfers"]
    assert result["peildatum"] == "2026-11-02"
    assert (f["ontvangst_binnen_7_dagen"]["teller"], f["ontvangst_binnen_7_dagen"]["noemer"],
            f["ontvangst_binnen_7_dagen"]["percentage"]) == (3, 5, 60.0)
    assert f["ontvangst_binnen_7_dagen"]["zaken"] == sorted([c["c1"], c["c2"], c["c3"], c["c4"], c["c6"]])
    assert f["ontvangst_binnen_7_dagen"]["zaken_teller"] == sorted([c["c1"], c["c3"], c["c6"]])
    assert (f["terugkoppeling_binnen_3_maanden"]["teller"], f["terugkoppeling_binnen_3_maanden"]["noemer"]) == (1, 2)
    assert f["terugkoppeling_binnen_3_maanden"]["percentage"] == 50.0
    assert (f["gegrondheid_binnen_12_weken"]["teller"], f["gegrondheid_binnen_12_weken"]["noemer"]) == (1, 3)
    assert f["gegrondheid_binnen_12_weken"]["percentage"] == 33.3
    lead = f["doorlooptijd"]
    assert (lead["aantal"], lead["mediaan"], lead["p90"]) == (4, 85.5, 92)
    assert lead["zaken"] == sorted([c["c1"], c["c2"], c["c5"], c["c7"]])
    assert {k: v["aantal"] for k, v in f["open_per_fase"]["waarden"].items()} == {
        "Geen open taak": 1, "Melding beoordelen": 1, "Onderzoek uitvoeren": 1}
    assert {k: v["zaken"] for k, v in f["open_per_leeftijd"]["waarden"].items()} == {
        "0-30 dagen": [c["c6"]], "31-90 dagen": [c["c4"]], "91-180 dagen": [c["c3"]], "meer dan 180 dagen": []}
    assert f["termijn_overschreden_per_rol"]["waarden"] == {"onderzoeker": {"aantal": 1, "zaken": [c["c3"]], "verborgen": 0}}
    assert (f["gegrond"]["teller"], f["gegrond"]["noemer"], f["gegrond"]["percentage"]) == (3, 4, 75.0)
    assert (f["anoniem"]["teller"], f["anoniem"]["noemer"], f["anoniem"]["percentage"]) == (2, 4, 50.0)
    per100 = f["meldingen_per_100_medewerkers"]
    assert (per100["meldingen"], per100["medewerkers"], per100["waarde"]) == (6, 500, 1.2)


def test_dashboard_one_unit(db, cases):
    with db.session() as s:
        f = dashboard.build(session=s, start=date(2026, 7, 1), end=date(2026, 10, 31), unit="Douane")["cijfers"]
    assert (f["ontvangst_binnen_7_dagen"]["teller"], f["ontvangst_binnen_7_dagen"]["noemer"]) == (3, 4)
    assert f["meldingen_per_100_medewerkers"]["waarde"] == 1.0
    assert (f["doorlooptijd"]["aantal"], f["doorlooptijd"]["mediaan"]) == (3, 91)


def test_case_ids_only_for_users_allowed_to_see_them(db, cases):
    c = cases
    with db.session() as s:
        coordinator = User(username="coord-toeslagen", display_name="Coördinator", unit="Toeslagen")
        coordinator.roles = [UserRole(role="integriteitscoordinator")]
        s.add(coordinator)
        s.flush()
        f = dashboard.build(session=s, start=date(2026, 7, 1), end=date(2026, 10, 31), user=coordinator)["cijfers"]
        per100 = f["meldingen_per_100_medewerkers"]
        assert per100["meldingen"] == 6  # the figure itself is complete
        assert per100["zaken"] == sorted([c["c4"], c["c5"]]) and per100["verborgen"] == 4
        assert f["termijn_overschreden_per_rol"]["waarden"]["onderzoeker"] == {"aantal": 1, "zaken": [], "verborgen": 1}


def test_feedback_is_counted_by_the_declared_milestone_not_the_element_id(db, clock, tmp_path):
    """A process owner renames the feedback and founded-ness tasks: the dashboard follows the BPMN
    property ``fulfils``; an element that merely has the old id no longer counts."""
    target = tmp_path / "processes"
    shutil.copytree(PROCESSES, target)
    bpmn = target / "integriteitsmelding.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    for old, new in (("terugkoppeling_melder", "melder_terugkoppelen"),
                     ("melder_informeren_gegrondheid", "oordeel_aan_melder")):
        # every id and reference, but not the form file or letter template the task uses
        text = (text.replace(old, new).replace(f"forms/{new}.json", f"forms/{old}.json")
                .replace(f'name="letter" value="{new}"', f'name="letter" value="{old}"'))
    bpmn.write_text(text, encoding="utf-8")
    with db.session() as s:
        renamed = processes.deploy(session=s, directory=target).id
        c1 = _case(s, "R1", "Douane", "2026-07-01", version=renamed,
                   ontvangstbevestigd_op="2026-07-05T10:00:00+02:00")
        _item(s, c1, "melder_terugkoppelen", "Terugkoppeling", "meldpunt", completed="2026-09-15")
        _item(s, c1, "oordeel_aan_melder", "Gegrondheid", "meldpunt", completed="2026-09-20")
        c2 = _case(s, "R2", "Douane", "2026-07-02", version=renamed,
                   ontvangstbevestigd_op="2026-07-05T10:00:00+02:00")
        # the old element ids mean nothing in the renamed version
        _item(s, c2, "terugkoppeling_melder", "Terugkoppeling", "meldpunt", completed="2026-09-15")
        _item(s, c2, "melder_informeren_gegrondheid", "Gegrondheid", "meldpunt", completed="2026-09-20")
        f = dashboard.build(session=s, start=date(2026, 7, 1), end=date(2026, 7, 31))["cijfers"]
    assert f["terugkoppeling_binnen_3_maanden"]["zaken_teller"] == [c1]
    assert f["gegrondheid_binnen_12_weken"]["zaken_teller"] == [c1]
    assert f["gegrondheid_binnen_12_weken"]["zaken"] == sorted([c1, c2])


def test_an_interim_notice_does_not_count_as_telling_the_reporter_the_verdict(db, clock):
    """"Nog niet bekend" completes the founded-ness task but does not fulfil the milestone
    (``fulfils_when`` on the stored submission); the later round with the verdict does."""
    from engine.cases.models import TaskSubmission

    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
        c1 = _case(s, "G1", "Douane", "2026-07-01", ontvangstbevestigd_op="2026-07-05T10:00:00+02:00")
        for n, (day, verdict) in enumerate((("2026-09-01", "nog_niet_bekend"), ("2026-10-20", "gegrond"))):
            item = WorkItem(case_id=c1, task_id=f"g1-{n}", element_id="melder_informeren_gegrondheid",
                            name="Gegrondheid", role="meldpunt", slot="meldpunt", state="completed",
                            completed_at=local_noon(date.fromisoformat(day)))
            s.add(item)
            s.flush()
            s.add(TaskSubmission(work_item_id=item.id, case_id=c1, form="forms/melder_informeren_gegrondheid.json",
                                 data={"melding_gegrond": verdict}))
        f = dashboard.build(session=s, start=date(2026, 7, 1), end=date(2026, 7, 31))["cijfers"]
    # the verdict came on 20 October, after the 12 weeks (23 September): counted, but too late
    assert f["gegrondheid_binnen_12_weken"]["zaken"] == [c1]
    assert f["gegrondheid_binnen_12_weken"]["zaken_teller"] == []
