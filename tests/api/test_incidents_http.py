"""Incidents over HTTP (issue 18): a completion whose script fails answers a Dutch problem, leaves the task open and
is listed for the process owner, who marks it resolved; others are refused."""
from __future__ import annotations

import shutil

import pytest

from engine.cases import service as cases
from engine.identity import service as identity
from engine.processes import service as processes
from engine.worklist import service as worklist
from tests.factories import REVIEW

pytestmark = pytest.mark.db


def test_a_failed_completion_is_an_incident_the_process_owner_sees_and_closes(db, clock, client, tmp_path):
    target = tmp_path / "review"
    shutil.copytree(REVIEW, target)
    bpmn = target / "review.bpmn"
    bpmn.write_text(bpmn.read_text().replace("niveau = 2 if ernstig else 1", "niveau = 2 // (0 if ernstig else 1)"))
    tokens = {}
    with db.session() as s:
        processes.deploy(session=s, directory=target)
        for name, role, unit in (("desk", "meldpunt", "Douane"), ("eigenaar", "procesbeheerder", None),
                                 ("onderzoeker", "onderzoeker", "Douane")):
            user = identity.create_user(session=s, username=name, display_name=name.title(), roles=[role], unit=unit)
            tokens[name] = {"Authorization": f"Bearer {identity.issue_token(session=s, user=user, name='t')[0]}"}
            if name == "desk":
                desk = user
        case_id = cases.start_case(session=s, actor=desk, data={"dienstonderdeel": "Douane"}).id
        item_id = worklist.items_of_case(session=s, case_id=case_id)[0].id
    client.post(f"/api/v1/taken/{item_id}/claimen", headers=tokens["desk"])
    answer = client.post(f"/api/v1/taken/{item_id}/afronden", headers=tokens["desk"],
                         json={"gegevens": {"ernstig": True, "samenvatting": "Geheime samenvatting"}})
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
    listed = client.get("/api/v1/incidenten", headers=tokens["eigenaar"])
    assert listed.status_code == 200
    (row,) = listed.json()
    assert (row["zaak_id"], row["bron"], row["stap"], row["aantal"], row["status"]) == (case_id, "taak", "Markeren", 1, "open")
    assert row["melding"] == "Fout in het procesmodel bij de stap 'Markeren': een deling door nul."
    assert "Geheime" not in listed.text
    assert client.get("/api/v1/incidenten", headers=tokens["onderzoeker"]).status_code == 403
    assert client.get(f"/api/v1/incidenten/{row['id']}", headers=tokens["onderzoeker"]).status_code == 403
    # a task incident is retried by completing the task; the API says so and changes nothing
    retry = client.post(f"/api/v1/incidenten/{row['id']}/opnieuw-proberen", headers=tokens["eigenaar"])
    assert retry.status_code == 400 and "af te ronden" in retry.json()["detail"]
    closed = client.post(f"/api/v1/incidenten/{row['id']}/afsluiten", headers=tokens["eigenaar"])
    assert closed.status_code == 200 and closed.json()["status"] == "opgelost"
    assert closed.json()["opgelost_door"] == "eigenaar"
    assert client.post(f"/api/v1/incidenten/{row['id']}/afsluiten", headers=tokens["eigenaar"]).status_code == 409
    assert client.get("/api/v1/incidenten", headers=tokens["eigenaar"]).json() == []
    assert len(client.get("/api/v1/incidenten?status=alle", headers=tokens["eigenaar"]).json()) == 1
    with db.session() as s:
        assert worklist.items_of_case(session=s, case_id=case_id)[0].state == "open"


def test_a_failed_script_never_quotes_the_case_in_the_answer(db, clock, client, tmp_path):
    """A script error's own text quotes the value it could not use (here a name in the case data: not the reporter's,
    whose fields are split off and encrypted, out of the scripts' reach); the problem answer says the kind of error
    and the step, as the incident does, whoever completed the step."""
    name = "Zwaluwstaart Testmelder"
    target = tmp_path / "review"
    shutil.copytree(REVIEW, target)
    bpmn = target / "review.bpmn"
    bpmn.write_text(bpmn.read_text().replace("niveau = 2 if ernstig else 1", "niveau = int(kenmerk_afzender)"))
    form = target / "forms" / "intake.json"  # the script reads 'kenmerk_afzender': the intake form supplies it
    form.write_text(form.read_text().replace(
        '"ernstig": {"type": "boolean", "title": "Ernstige melding"},',
        '"ernstig": {"type": "boolean", "title": "Ernstige melding"},\n'
        '    "kenmerk_afzender": {"type": "string", "title": "Kenmerk afzender"},'))
    with db.session() as s:
        processes.deploy(session=s, directory=target)
        desk = identity.create_user(session=s, username="desk", display_name="Desk", roles=["meldpunt"], unit="Douane")
        token = {"Authorization": f"Bearer {identity.issue_token(session=s, user=desk, name='t')[0]}"}
        case_id = cases.start_case(session=s, actor=desk, data={"dienstonderdeel": "Douane", "kenmerk_afzender": name}).id
        item_id = worklist.items_of_case(session=s, case_id=case_id)[0].id
    client.post(f"/api/v1/taken/{item_id}/claimen", headers=token)
    answer = client.post(f"/api/v1/taken/{item_id}/afronden", headers=token, json={"gegevens": {"ernstig": True}})
    assert answer.status_code == 422 and answer.json()["type"].endswith("/workflow-failure"), answer.text
    assert "Zwaluwstaart" not in answer.text, answer.text
    assert answer.json()["detail"] == "Fout in het procesmodel bij de stap 'Markeren': een ongeldige waarde."
