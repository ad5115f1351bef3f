"""A form field whose choices an earlier step entered (``x-keuzes-uit``): the management team's decision on a risk
inventory names, per follow-up action, a function *of that inventory*. Before, it was a free text field: the web
form and the API's form offered any text, and only the register's own check refused a function not in the list.

Now the form offers exactly the inventory's functions (a select on the web page, an ``enum`` in the API's task
detail for who sees the case; the pool's view keeps the form as deployed), the engine refuses any other value for
every form that declares it, and the deployment check refuses a declaration naming no list of the process or a
confidential or personal one. Real engine, real process files, real database."""
from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import func, select

from engine.cases.models import TaskSubmission
from engine.errors import InvalidData
from engine.identity import service as identity
from engine.processes import service as processes
from engine.register import service as register
from engine.worklist import service as worklist
from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)
from tests.engine.test_risk_inventory import (ACTIONS, DECISION, FUNCTIONS_TWO, complete,  # noqa: F401
                                               staff, to_mt)  # (staff: fixture)
from tests.process.driver import PROCESSES

pytestmark = pytest.mark.db

FORM = "forms/mt_besluit_risico.json"
INVENTORY = ["Douanier controle", "Teamleider"]  # the functions to_mt's inventory lists


def _functie(form: dict) -> dict:
    return form["properties"]["vervolgacties"]["items"]["properties"]["functie"]


def _decision_item(db, rid: int):
    with db.session() as s:
        return next(i for i in worklist.items_of_case(session=s, case_id=rid) if i.name == DECISION)


def test_the_api_offers_the_inventorys_functions_to_who_sees_the_case_only(db, staff, client):
    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
    rid = to_mt(db, staff)
    item = _decision_item(db, rid)
    with db.session() as s:
        token = identity.issue_token(session=s, user=s.merge(staff["mt"]), name="test")[0]
    headers = {"Authorization": f"Bearer {token}"}
    pool = client.get(f"/api/v1/taken/{item.id}", headers=headers)
    assert pool.status_code == 200, pool.text
    # not yet claimed: the form as deployed, its declaration but none of the case's functions
    assert "enum" not in _functie(pool.json()["formulier"])
    assert _functie(pool.json()["formulier"])["x-keuzes-uit"] == {"lijst": "functies", "waarde": "functie"}
    assert client.post(f"/api/v1/taken/{item.id}/claimen", headers=headers).status_code == 200
    mine = client.get(f"/api/v1/taken/{item.id}", headers=headers)
    # one's own task of a risk inventory (no integrity case): its data, as the web's task page shows them
    assert [f["functie"] for f in mine.json()["gegevens"]["functies"]] == INVENTORY
    assert _functie(mine.json()["formulier"])["enum"] == INVENTORY
    deployed = client.get(f"/api/v1/taken/{item.id}/formulier", headers=headers)
    assert deployed.status_code == 200 and "enum" not in _functie(deployed.json())
    # a function not in the inventory is refused naming the row's field; nothing is stored
    bad = client.post(f"/api/v1/taken/{item.id}/afronden", headers=headers, json={"gegevens": {
        "mt_besluit": "maatregelen_treffen",
        "vervolgacties": [{"functie": "Kok", "actie": "Koken", "uiterlijk": "2026-12-01"}]}})
    assert bad.status_code == 422 and "vervolgacties.0.functie" in bad.text
    ok = client.post(f"/api/v1/taken/{item.id}/afronden", headers=headers, json={"gegevens": {
        "mt_besluit": "maatregelen_treffen", "vervolgacties": ACTIONS[:2]}})
    assert ok.status_code == 200, ok.text


def test_the_engine_refuses_another_value_for_any_form_that_declares_it(db, staff, tmp_path):
    """The declaration is the guarantee, not the register's own check of the decision: the adviser's assessment
    given a field 'the function with the highest risk' from the same list refuses any other text, in Dutch, naming
    the field, and the step saves nothing."""
    changed = tmp_path / "processes"
    shutil.copytree(PROCESSES, changed)
    path = changed / "forms" / "inventarisatie_beoordelen.json"
    form = json.loads(path.read_text(encoding="utf-8"))
    form["properties"]["hoogste_risico"] = {"type": "string", "title": "Functie met het hoogste risico",
                                            "x-keuzes-uit": {"lijst": "functies", "waarde": "functie"},
                                            "x-archief": "Oordeel van de beveiligingsadviseur."}
    path.write_text(json.dumps(form, ensure_ascii=False, indent=2), encoding="utf-8")
    with db.session() as s:
        processes.deploy(session=s, directory=changed)
        rid = register_start(s, staff)
    complete(db, rid, staff["lg"], "Vragenlijst risicovolle functies invullen", {"functies": FUNCTIONS_TWO})
    with db.session() as s:
        submitted = s.scalar(select(func.count()).select_from(TaskSubmission))
    assessment = {"oordeel_adviseur": "compleet", "onaanvaardbare_risicos": True}
    with pytest.raises(InvalidData) as err:
        complete(db, rid, staff["adv"], "Inventarisatie beoordelen", {**assessment, "hoogste_risico": "Kok"})
    assert [(e.field, e.message) for e in err.value.errors] == [
        ("hoogste_risico", "'Kok' is geen keuze uit 'functies' van deze zaak; kies uit: Douanier controle, Teamleider")]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(TaskSubmission)) == submitted
        assert [i.name for i in worklist.items_of_case(session=s, case_id=rid)] == ["Inventarisatie beoordelen"]
    complete(db, rid, staff["adv"], "Inventarisatie beoordelen", {**assessment, "hoogste_risico": "Teamleider"})
    with db.session() as s:
        assert [i.name for i in worklist.items_of_case(session=s, case_id=rid)] == [DECISION]


def register_start(s, staff) -> int:
    return register.start_on_request(session=s, actor=s.merge(staff["coord"]), process="risicoinventarisatie",
                                     team="Douane Rotterdam", reason="incident").id


def _declare(copy, spec) -> None:
    path = copy / FORM
    data = json.loads(path.read_text(encoding="utf-8"))
    _functie(data)["x-keuzes-uit"] = spec
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def test_the_shipped_declaration_passes(copy):
    assert refusals(copy) == []


@pytest.mark.parametrize("spec, words", [
    ({"lijst": "functie_lijst", "waarde": "functie"}, "noemt lijst 'functie_lijst' met eigenschap 'functie'"),
    ({"lijst": "functies", "waarde": "naam"}, "noemt lijst 'functies' met eigenschap 'naam'"),
    ({"lijst": "functies"}, "moet {\"lijst\": <lijstveld>, \"waarde\": <eigenschap van de regels>} zijn"),
])
def test_a_declaration_naming_no_list_of_the_process_is_refused(copy, spec, words):
    _declare(copy, spec)
    named(refusals(copy), FORM, "vervolgacties.functie", words)


def test_a_declaration_offering_a_personal_list_is_refused(copy):
    """Its values would be offered as choices to whoever completes the task: never the people in a case."""
    path = copy / "forms" / "risicovragenlijst.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["properties"]["functies"]["items"]["properties"]["eigenaar"]["x-persoon"] = "eigenaar"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    _declare(copy, {"lijst": "functies", "waarde": "eigenaar"})
    named(refusals(copy), FORM, "vervolgacties.functie", "een vertrouwelijk of persoonsgegeven")
