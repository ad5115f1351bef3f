"""Aggregated figures never count a case for a person excluded from it (``engine.identity.access.counted_condition``).

The demo organisation (real app, both surfaces) plus a second integrity coordinator and a second member of the
competent authority of the unit. A report excludes the coordinator it concerns (party ``uitgesloten``); another
names the director (competent authority, who reads the dashboard) as its subject; the demo's named report is about
a team leader whose line manager is that director. Each of them reads the dashboard of their unit and period: the
case about them is in no figure, not even as a case they may not open (``verborgen``), while a colleague in the
same role counts it. Likewise the annual annex and the Woo overview, the worklist's "te laat" tab, and the counts
of a staff member's open work the coordinator reads."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.demo_clients import PASSWORD, demo_app, demo_login

pytestmark = pytest.mark.db

TEXT = "De coördinator wijzigt zelf de declaraties van zijn eigen team."
REPORT = {"categorie": "Financiële schendingen", "omschrijving": TEXT, "dienstonderdeel": "Douane",
          "kanaal": "meldpunt_integriteit", "melder_anoniem": True}
PERIOD = {"van": "2026-11-01", "tot": "2026-11-30", "dienstonderdeel": "Douane"}


@pytest.fixture
def org(demo):
    from engine.identity.service import create_user, get_user

    with demo.session() as s:
        create_user(session=s, username="coordinator2", display_name="Cora Collega", roles=["integriteitscoordinator"],
                    unit="Douane", password=PASSWORD)
        create_user(session=s, username="directeur2", display_name="Door Directeur", roles=["bevoegd_gezag"],
                    unit="Douane", password=PASSWORD)
        return {u: get_user(session=s, username=u).id for u in ("meldpunt", "coordinator", "coordinator2",
                                                                  "directeur", "directeur2", "teamleider")}


def _csrf(client: TestClient) -> dict:
    return {"X-CSRF-Token": client.cookies.get("meldpunt_csrf")}


def _register(app, **extra) -> int:
    desk = demo_login(app, "meldpunt")
    r = desk.post("/api/v1/meldingen", headers=_csrf(desk), json={**REPORT, **extra})
    assert r.status_code == 201, r.text
    return r.json()["id"] if "id" in r.json() else _case_id(r.json()["zaaknummer"])


def _case_id(reference: str) -> int:
    from engine.cases.models import Case
    from engine.db import get_database

    with get_database().session() as s:
        return s.scalar(select(Case.id).where(Case.reference == reference))


def _ids_and_hidden(figures: dict) -> tuple[set[int], int]:
    """Every case id shown in the dashboard's figures, and the sum of their ``verborgen``."""
    ids, hidden = set(), 0
    for fig in figures.values():
        for part in [fig, *(fig.get("waarden") or {}).values()]:
            ids.update(part.get("zaken", []))
            hidden += part.get("verborgen", 0)
    return ids, hidden


def _dashboard(client: TestClient) -> dict:
    r = client.get("/api/v1/rapportages/dashboard", params=PERIOD)
    assert r.status_code == 200, r.text
    return r.json()["cijfers"]


def _reports_on_page(client: TestClient) -> tuple[int, str]:
    import re

    page = client.get("/rapportages/dashboard", params=PERIOD)
    assert page.status_code == 200, page.text[:2000]
    return int(re.search(r"(\d+) meldingen, \d+ medewerkers", page.text).group(1)), page.text


def test_an_excluded_coordinator_does_not_count_the_report_about_them_a_colleague_does(org, demo):
    app = demo_app()
    case_id = _register(app, uitgesloten=[org["coordinator"]])
    coordinator, colleague = demo_login(app, "coordinator"), demo_login(app, "coordinator2")
    mine, theirs = _dashboard(coordinator), _dashboard(colleague)
    # the colleague oversees the unit: the report is one of theirs, shown and not hidden
    assert case_id in theirs["meldingen_per_100_medewerkers"]["zaken"]
    assert _ids_and_hidden(theirs)[1] == 0
    # the excluded coordinator: one report fewer, and nothing hidden - as if it did not exist
    assert mine["meldingen_per_100_medewerkers"]["meldingen"] == theirs["meldingen_per_100_medewerkers"]["meldingen"] - 1
    ids, hidden = _ids_and_hidden(mine)
    assert case_id not in ids and hidden == 0
    assert ids == _ids_and_hidden(theirs)[0] - {case_id}
    # the web page, the same
    n_mine, page = _reports_on_page(coordinator)
    n_theirs, _ = _reports_on_page(colleague)
    assert n_mine == n_theirs - 1 and "niet zichtbaar" not in page and f"/zaken/{case_id}\"" not in page


def test_a_subject_and_the_subjects_manager_with_a_dashboard_role_do_not_count_their_case(org, demo):
    """The director of the competent authority may open no case here (no task, no oversight), so every report of
    the unit is a hidden one to them, and to their colleague: but not the one about the director, nor the demo's
    report about the team leader they manage."""
    from engine.cases.models import Case, CaseParty

    app = demo_app()
    about_director = _register(app, betrokkene_id=org["directeur"])
    with demo.session() as s:  # the demo's named report: about the team leader, whose manager is the director
        about_team_leader = s.scalar(select(CaseParty.case_id).where(CaseParty.user_id == org["teamleider"],
                                                                      CaseParty.party == "betrokkene"))
        unit_cases = len(s.scalars(select(Case.id).where(Case.unit == "Douane", Case.process_kind.is_(None))).all())
    assert about_team_leader is not None
    director, colleague = demo_login(app, "directeur"), demo_login(app, "directeur2")
    mine, theirs = _dashboard(director), _dashboard(colleague)
    assert theirs["meldingen_per_100_medewerkers"]["meldingen"] == unit_cases
    assert theirs["meldingen_per_100_medewerkers"]["verborgen"] == unit_cases
    assert mine["meldingen_per_100_medewerkers"]["meldingen"] == unit_cases - 2
    assert mine["meldingen_per_100_medewerkers"]["verborgen"] == unit_cases - 2
    for key, fig in mine.items():
        for name, part in [(key, fig), *((f"{key}/{k}", v) for k, v in (fig.get("waarden") or {}).items())]:
            other = theirs[key] if part is fig else theirs[key]["waarden"].get(name.split("/", 1)[1], {})
            assert part.get("verborgen", 0) <= other.get("verborgen", 0), name
    n_mine, page = _reports_on_page(director)
    n_theirs, _ = _reports_on_page(colleague)
    assert (n_mine, n_theirs) == (unit_cases - 2, unit_cases)
    assert f"{unit_cases - 2} niet zichtbaar" in page and f"{unit_cases} niet zichtbaar" not in page


ANONYMISED = "Een medewerker paste declaraties van het eigen team aan."


def _close(db, case_id: int) -> None:
    """Settle the case as the closing task would (the figures every report reads: ``reports.service``)."""
    from engine.cases.models import Case
    from engine.clock import now

    with db.session() as s:
        case = s.get(Case, case_id)
        case.status, case.closed_at = "closed", now()
        case.summary = {**(case.summary or {}), "categorie": "Financiële schendingen", "dienstonderdeel": "Douane",
                        "afdoeningen": ["Schriftelijke berisping"], "soort_onderzoek": "intern", "uitkomst": "aangetoond",
                        "ordemaatregel": "schorsing", "inhoud_geanonimiseerd": ANONYMISED}


def test_the_annex_and_the_woo_overview_leave_out_the_case_for_the_coordinator_it_excluded(org, demo):
    app = demo_app()
    case_id = _register(app, uitgesloten=[org["coordinator"]])
    _close(demo, case_id)
    coordinator, colleague = demo_login(app, "coordinator"), demo_login(app, "coordinator2")
    for path in ("/api/v1/rapportages/annex?jaar=2026", "/api/v1/rapportages/woo?van=2026-01-01&tot=2026-12-31"):
        mine, theirs = coordinator.get(path), colleague.get(path)
        assert mine.status_code == theirs.status_code == 200, (path, mine.text, theirs.text)
        assert ANONYMISED in theirs.text and len(theirs.json()["rows"]) == 1, path
        assert ANONYMISED not in mine.text and mine.json()["rows"] == [], path
    for path in ("/api/v1/rapportages/annex?jaar=2026&formaat=csv",
                 "/api/v1/rapportages/woo?van=2026-01-01&tot=2026-12-31&formaat=csv"):
        assert ANONYMISED in colleague.get(path).text and ANONYMISED not in coordinator.get(path).text, path
    assert coordinator.get("/api/v1/rapportages/annex?jaar=2026").json()["totals"]["disciplinair_of_anders"] == 0
    assert colleague.get("/api/v1/rapportages/annex?jaar=2026").json()["totals"]["disciplinair_of_anders"] == 1
    page, other = coordinator.get("/rapportages/jaarbijlage?jaar=2026"), colleague.get("/rapportages/jaarbijlage?jaar=2026")
    assert page.status_code == other.status_code == 200
    assert ANONYMISED in other.text and ANONYMISED not in page.text


def test_the_running_cases_per_process_version_leave_out_the_case_about_the_reader(org, demo):
    """Every logged-in user lists the process versions with their running cases: the process owner who is the
    subject of a new report does not see the figure rise, a colleague does."""
    import re

    from engine.identity.service import get_user

    app = demo_app()
    with demo.session() as s:
        owner = get_user(session=s, username="procesbeheerder").id
    _register(app, betrokkene_id=owner)
    mine, theirs = demo_login(app, "procesbeheerder"), demo_login(app, "beheerder")

    def running(client) -> tuple[int, int]:
        versions = client.get("/api/v1/processen").json()
        return next((v["id"], v["lopende_zaken"]) for v in versions if v["actief"])
    (active, n_mine), (_, n_theirs) = running(mine), running(theirs)
    assert n_mine == n_theirs - 1
    page = mine.get("/processen")  # the process owner's page: the same figure
    assert page.status_code == 200
    row = re.search(rf'>Versie {active}</a></td>(?:<td>.*?</td>){{5}}<td>(\d+)</td>', page.text)
    assert row and int(row.group(1)) == n_mine
