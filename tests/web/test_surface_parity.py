"""Web and API give the same answer for the same resource (the access matrix, tests/web/test_surface_matrix.py,
checks who gets in; this checks what both surfaces show and refuse for the same person, where the matrix's one
seeded case does not reach)."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.reports.helpers import csv_bytes
from tests.web import flow
from tests.web.demo_clients import PASSWORD, demo_app, demo_login

pytestmark = pytest.mark.db

FIN = "Financiële schendingen"
HISTORIC = ("Douane", FIN, "fraude", "Medewerker declareerde reiskosten die niet zijn gemaakt.",
            "Schriftelijke berisping", "feitenonderzoek_intern", "aangetoond", "2026-01-05", "2026-02-10", "")


@pytest.fixture
def seeded(db, clock):
    from engine.identity.seed import ensure_demo_users
    from engine.processes import service as processes
    from tests.web.conftest import ROOT

    with db.session() as s:
        processes.deploy(session=s, directory=ROOT / "processes")
        ensure_demo_users(session=s, password=PASSWORD)
    return db


def _imported_case(db) -> int:
    from engine.reports import importer

    with db.session() as s:
        summary = importer.import_cases(session=s, content=csv_bytes([HISTORIC]), filename="historie.csv",
                                        actor="coordinator")
    return summary.case_ids[0]


def test_an_imported_case_has_no_process_file_on_either_surface(seeded):
    """A historical (imported) case has no process version: the API answers 404 for its BPMN; the case's diagram
    page answered with a server error (it read the files of no version)."""
    case_id = _imported_case(seeded)
    client = demo_login(demo_app(), "coordinator")
    assert client.get(f"/api/v1/zaken/{case_id}").status_code == 200
    assert client.get(f"/zaken/{case_id}").status_code == 200
    api = client.get(f"/api/v1/zaken/{case_id}/bpmn", params={"bestand": "integriteitsmelding.bpmn"})
    assert api.status_code == 404, api.text
    web = client.get(f"/zaken/{case_id}/diagram", params={"bestand": "integriteitsmelding.bpmn"})
    assert web.status_code == 404


# --------------------------------------------------------------------------- messages with the reporter

def _public_report(db) -> tuple[int, str]:
    from engine.intake import public

    receipt = public.submit_public_report(database=db, client_key="parity", values={
        "omschrijving": "Iemand neemt spullen mee van het werk.", "categorie": "Overig", "dienstonderdeel": "Douane"})
    from sqlalchemy import select

    from engine.cases.models import Case

    with db.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.reference == receipt.reference))
    flow.complete(db, case_id, "melding_registreren", username="meldpunt")  # the desk registers it
    return case_id, receipt.receipt_code


def _desk_writes(db, case_id: int, text: str) -> None:
    from engine.identity.service import get_user
    from engine.intake import service as intake

    with db.session() as s:
        intake.message_to_reporter(session=s, case_id=case_id, author=get_user(session=s, username="meldpunt"),
                                   text=text)


def _reporter(app, code: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    r = client.post("/api/v1/melder/sessie", json={"ontvangstcode": code})
    assert r.status_code == 200, r.text
    return client


def test_the_reporter_who_read_a_message_in_the_inbox_has_no_unread_message_in_the_api(seeded):
    """The anonymous reporter reads the desk's message on /mijn-melding: the API's status of her report (the same
    engine view) then counts it as read, as it does when she read it through the API. Before, only the API marked
    a message read, so a reporter using the browser kept an unread message in the API for ever."""
    case_id, code = _public_report(seeded)
    _desk_writes(seeded, case_id, "Kunt u vertellen wanneer dit gebeurde?")
    reporter = _reporter(demo_app(), code)
    assert reporter.get("/api/v1/melder/melding").json()["ongelezen_berichten"] == 1
    page = reporter.get("/mijn-melding")
    assert page.status_code == 200 and "Kunt u vertellen wanneer dit gebeurde?" in page.text
    assert reporter.get("/api/v1/melder/melding").json()["ongelezen_berichten"] == 0

    # and through the API, as before: reading the messages marks them read
    _desk_writes(seeded, case_id, "En wie was daarbij?")
    assert reporter.get("/api/v1/melder/melding").json()["ongelezen_berichten"] == 1
    assert [m["tekst"] for m in reporter.get("/api/v1/melder/berichten").json()][-1] == "En wie was daarbij?"
    assert reporter.get("/api/v1/melder/melding").json()["ongelezen_berichten"] == 0


# --------------------------------------------------------------------------- the risk inventory and its register

INVENTORY_PEOPLE = ("leidinggevende", "dlso", "mtlid", "coordinator", "bvi", "meldpunt", "medewerker", "auditor",
                    "procesbeheerder", "directeur")


def _demo(db):
    from engine.demo import seed

    with db.session() as s:
        seed(session=s)


def _assessed_functions(s, teams: dict[str, tuple[str, ...]]) -> None:
    from datetime import date

    from engine.register.models import RegisterAssessment, RegisterFunction

    for team, names in teams.items():
        for name in names:
            function = RegisterFunction(unit="Douane", team=team, name=name)
            s.add(function)
            s.flush()
            s.add(RegisterAssessment(function_id=function.id, classification="risicovol", risks=["fraude"],
                                     measures="Vier ogen.", gross=12, net=6, acceptable=True, owner="MT",
                                     review_on=date(2027, 11, 1), assessed_by="dlso"))


def test_the_risk_inventory_answers_the_same_on_both_surfaces(db, clock):
    """An inventory started on demand (a process instance, no integrity case) and its open task: for each person the
    page and the API agree on the instance, on its task and on the register's rows (a manager: the own team)."""
    from sqlalchemy import select

    from engine.cases.models import Case
    from engine.worklist.models import WorkItem

    _demo(db)
    app = demo_app()
    clients = {p: demo_login(app, p) for p in INVENTORY_PEOPLE}
    with db.session() as s:
        from engine.identity.service import get_user

        team = get_user(session=s, username="leidinggevende").unit
        _assessed_functions(s, {team: ("Douanier controle", "Teamleider controle"), "Ander team": ("Analist",)})
    adviser = clients["dlso"]
    r = adviser.post("/api/v1/register/inventarisaties", json={"team": team, "aanleiding": "reorganisatie"},
                     headers={"X-CSRF-Token": adviser.cookies.get("meldpunt_csrf")})
    assert r.status_code == 201, r.text
    inventory = r.json()["inventarisatie_id"]
    with db.session() as s:
        task = s.scalar(select(WorkItem.id).where(WorkItem.case_id == inventory, WorkItem.state == "open"))
        assert s.get(Case, inventory).process_kind is not None
    assert task is not None
    failures, counts = [], {}
    for person, client in clients.items():
        pairs = {"instance": (client.get(f"/api/v1/zaken/{inventory}"), client.get(f"/zaken/{inventory}")),
                 "task": (client.get(f"/api/v1/taken/{task}"), client.get(f"/taken/{task}"))}
        for what, (api, web) in pairs.items():
            if (api.status_code == 200) != (web.status_code == 200) or \
                    (api.status_code != 200 and api.status_code != web.status_code):
                failures.append(f"{what} as {person}: API {api.status_code}, web {web.status_code}")
        api, web = client.get("/api/v1/register/overzicht"), client.get("/risicofuncties")
        if api.status_code != web.status_code:
            failures.append(f"register as {person}: API {api.status_code}, web {web.status_code}")
        elif api.status_code == 200:
            rows = re.findall(r"<tr>((?:<td>.*?</td>)+)</tr>", web.text.split('id="risicofuncties"', 1)[-1]
                              .split("</table>", 1)[0], re.S)
            counts[person] = len(api.json()["rijen"])
            if len(rows) != counts[person]:
                failures.append(f"register rows as {person}: API {counts[person]}, web {len(rows)}")
    assert not failures, "\n".join(failures)
    assert counts["dlso"] == 3 and counts["leidinggevende"] == 2, counts  # the whole register; the own team

    # the manager completes the questionnaire: her completed task, read only, on both surfaces alike (the one
    # decision, engine.identity.access.task_access: an inventory is no case, her own task is hers to read)
    from engine.cases import service as cases
    from engine.identity.service import get_user
    from tests.engine.test_risk_inventory import FUNCTIONS_TWO

    with db.session() as s:
        manager = get_user(session=s, username="leidinggevende")
        from engine.worklist import service as worklist

        worklist.claim(session=s, work_item_id=task, user=manager)
        cases.complete_task(session=s, work_item_id=task, user=manager, data={"functies": FUNCTIONS_TWO})
    decisions = {}
    for person, client in clients.items():
        api, web = client.get(f"/api/v1/taken/{task}"), client.get(f"/taken/{task}")
        decisions[person] = (api.status_code, web.status_code)
        if api.status_code != web.status_code:
            failures.append(f"completed task as {person}: API {api.status_code}, web {web.status_code}")
        elif api.status_code == 200:
            assert api.json()["toegang"] == "inzien" and 'data-toegang="inzien"' in web.text, person
    assert not failures, "\n".join(failures)
    assert decisions["leidinggevende"] == (200, 200), decisions
