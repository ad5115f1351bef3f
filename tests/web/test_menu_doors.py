"""One access decision per door, asked alike by the menus, the pages and the API (issue 16).

The real app (API and pages), the demo organisation plus a line manager without a team (role ``leidinggevende``, no
unit: the register has no part of it for her). For every person:

* each role-bound page and the API route of the same resource give the same allow/deny (200 or 403 on both);
* every link of the main menu and of the reports' menu leads to a page the person may open: a menu never offers a
  refusal (the menus ask the engine's decisions, ``web.pages.role_pages.MENU_DECISIONS`` and
  ``web.pages.reports.report_pages``, not a list of role names in a template);
* the reports' menu lists exactly the report pages the person may open.
"""
from __future__ import annotations

import re

import pytest

from tests.web.demo_clients import PASSWORD, demo_app, demo_login

pytestmark = pytest.mark.db

NO_TEAM = "lg_zonder_team"
PERSONS = ("directeur", "teamleider", "medewerker", "meldpunt", "coordinator", "onderzoeker1", "hr", "jurist1",
           "vertrouwenspersoon", "bvi", "procesbeheerder", "auditor", "beheerder", "leidinggevende", "dlso", "mtlid",
           NO_TEAM)
PERIOD = {"van": "2026-01-01", "tot": "2026-12-31"}
# (page, API route, API query) of the same resource, decided by one engine function
SAME_DOOR = (
    ("/rapportages/jaarbijlage", "/api/v1/rapportages/annex", {"jaar": "2026"}),
    ("/rapportages/dashboard", "/api/v1/rapportages/dashboard", PERIOD),
    ("/rapportages/vertrouwenspersonen", "/api/v1/rapportages/vp", {"jaar": "2026"}),
    ("/risicofuncties", "/api/v1/register/functies", {}),
    ("/bewaartermijnen", "/api/v1/bewaartermijnen/vernietigingslijsten", {}),
    ("/audit", "/api/v1/audit", {}),
    ("/gebruikers", "/api/v1/gebruikers", {}),
)
REPORT_PAGES = ("/rapportages/jaarbijlage", "/rapportages/dashboard", "/rapportages/vertrouwenspersonen")


@pytest.fixture
def clients(db, clock):
    from engine.demo import seed
    from engine.identity.service import create_user

    with db.session() as s:
        seed(session=s)
        create_user(session=s, username=NO_TEAM, display_name="Linda zonder Team", roles=["leidinggevende"],
                    unit=None, password=PASSWORD)
    app = demo_app()
    return {person: demo_login(app, person) for person in PERSONS}


def _nav(html: str, label: str) -> list[str]:
    match = re.search(rf'<nav aria-label="{label}"[^>]*>(.*?)</nav>', html, re.S)
    return re.findall(r'<a href="(/[^"#?]*)', match.group(1)) if match else []


def _opens(client, path: str) -> int:
    """The status a person ends on when following the link (a redirect is followed once, to the page it names)."""
    r = client.get(path)
    if r.status_code in (302, 303) and not r.headers["location"].startswith("/inloggen"):
        r = client.get(r.headers["location"])
    return r.status_code


def _failures(client) -> list[str]:
    failures, allowed = [], {}
    for page, api, params in SAME_DOOR:
        web_status, api_status = client.get(page).status_code, client.get(api, params=params).status_code
        assert web_status in (200, 403) and api_status in (200, 403), (page, web_status, api, api_status)
        if web_status != api_status:
            failures.append(f"{page} answers {web_status}, {api} answers {api_status}")
        allowed[page] = web_status == 200

    home = client.get("/werkvoorraad")
    assert home.status_code == 200, home.status_code
    for href in _nav(home.text, "Hoofdmenu"):
        status = _opens(client, href)
        if status != 200:
            failures.append(f"the main menu links {href}, which answers {status}")

    may_report = [p for p in REPORT_PAGES if allowed[p]]
    for page in may_report:
        shown = _nav(client.get(page).text, "Rapportages")
        if shown and sorted(shown) != sorted(may_report):
            failures.append(f"the reports' menu on {page} links {shown}, the person may open {may_report}")
    return failures


def test_menus_pages_and_api_give_one_answer(clients):
    """Every person (one seeded database for all: this only reads)."""
    failures = [f"{person}: {f}" for person in PERSONS for f in _failures(clients[person])]
    assert not failures, "\n".join(failures)
    # not vacuous: each door lets someone in and keeps someone out; the line manager without a team is refused the
    # register on both surfaces while her colleague with a team reads it; the coordinator has a reports' menu
    for page, api, params in SAME_DOOR:
        answers = {clients[p].get(page).status_code for p in PERSONS}
        assert answers == {200, 403}, (page, answers)
    assert clients["leidinggevende"].get("/risicofuncties").status_code == 200
    assert clients[NO_TEAM].get("/risicofuncties").status_code == 403
    assert clients[NO_TEAM].get("/api/v1/register/functies").status_code == 403
    assert len(_nav(clients["coordinator"].get("/rapportages/dashboard").text, "Rapportages")) == 3
