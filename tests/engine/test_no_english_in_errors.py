"""The last places where a user saw English library text or a Python exception class name.

Before: a deployment refusal ended in SpiffWorkflow's English original ("(SpiffWorkflow: "...")"); a timer whose
case could not be read kept "onverwachte fout: JSONDecodeError" and its incident ended in "(JSONDecodeError)"; a
priority expression that failed showed Python's own message ("division by zero"); an API body of malformed JSON was
refused without saying where. Now each says in Dutch what is wrong and where, and no library words remain.
"""
from __future__ import annotations

import re
import shutil
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.cases import service as cases
from engine.cases.models import Case
from engine.errors import WorkflowFailure
from engine.incidents import service as incidents
from engine.incidents.models import Incident
from engine.processes import service as processes
from engine.timers import service as timers
from engine.timers.models import Timer
from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)
from tests.factories import REVIEW, make_user

ENGLISH = re.compile(r"Error\b|Exception|unsupported|not defined|Expecting|SpiffWorkflow:|division by zero|"
                     r"not supported|is not expected|can't|cannot|object is|operand")


def _no_english(text: str) -> None:
    assert not ENGLISH.search(text), text


# -- SpiffWorkflow through process validation ---------------------------------------------------------------------

def test_a_spiffworkflow_refusal_carries_no_english_original(copy):
    edit(copy / "melding.bpmn", 'isExecutable="true"', 'isExecutable="false"')
    issue = named(refusals(copy), "melding.bpmn", "melding", "Proces 'melding' staat niet op uitvoerbaar")
    assert "zet in de modeler 'Executable' aan" in issue
    _no_english(issue)


def test_a_schema_refusal_carries_no_english_original(copy):
    edit(copy / "beoordeling.bpmn", "<bpmn:incoming>Flow_ernst_en_strafbaarheid_to_strafbaar_gateway</bpmn:incoming>",
         "<bpmn:incoming>Flow_ernst_en_strafbaarheid_to_strafbaar_gateway</bpmn:incoming><bpmn:onbekend />")
    issue = named(refusals(copy), "beoordeling.bpmn", "strafbaar_gateway",
                  "Element 'bpmn:onbekend' hoort hier niet volgens het BPMN/DMN-schema")
    _no_english(issue)


def test_an_untranslated_spiffworkflow_message_gets_a_dutch_text_naming_the_element_kind():
    from engine.processes.spiff_messages import dutch

    text = dutch("KeyError('x')", element="bpmn:userTask")
    assert text.startswith("De procesengine kan deze gebruikerstaak niet verwerken")
    assert "een verwijzing naar iets dat niet bestaat" in text
    _no_english(text)
    assert "KeyError" not in text and "'x'" not in text
    plain = dutch("Something went wrong in the parser")
    assert plain.startswith("De procesengine kan dit element niet verwerken") and "Something" not in plain


# -- a timer whose case cannot be read: the timer's error and the incident ------------------------------------------

@pytest.mark.db
def test_a_timer_of_a_damaged_case_keeps_a_dutch_error_and_a_dutch_incident(db, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        desk = make_user(s, "desk", "meldpunt")
        case_id = cases.start_case(session=s, actor=desk, data={}).id
    with db.session() as s:
        s.get(Case, case_id).state = '{"kapot": '
    clock.advance(timedelta(days=8))
    timers.fire_due(database=db)
    with db.session() as s:
        timer = s.scalars(select(Timer).where(Timer.case_id == case_id, Timer.element_id == "intake_timer")).one()
        incident = s.scalars(select(Incident).where(Incident.case_id == case_id)).one()
        assert timer.state == "pending" and timer.failures == 1
        assert timer.last_error == "De opgeslagen zaakstatus is beschadigd en kan niet worden gelezen."
        assert incident.message == "De opgeslagen zaakstatus is beschadigd en kan niet worden gelezen."
        assert incident.code == "beschadigde-zaakstatus"
        for text in (timer.last_error, incident.message, incident.code):
            _no_english(text)
            assert "JSON" not in text


def test_an_unknown_failure_is_described_in_dutch_without_its_class_name():
    class ZonderbareFout(RuntimeError):
        pass

    code, message, _, _ = incidents.describe(ZonderbareFout("secret detail"))
    assert code == "onverwachte-fout"
    assert message == "Onverwachte fout in de software; de technische melding staat in het serverlog."
    assert "Zonderbare" not in message and "secret" not in message and "RuntimeError" not in message


# -- a message to the reporter about a case whose state cannot be read ----------------------------------------------

@pytest.mark.db
def test_a_message_check_on_a_damaged_case_says_so_in_dutch(db, clock):
    from engine.cases import reporter_texts

    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        desk = make_user(s, "desk", "meldpunt")
        case_id = cases.start_case(session=s, actor=desk, data={}).id
    with db.session() as s:
        case = s.get(Case, case_id)
        case.state = '{"kapot": '
        with pytest.raises(WorkflowFailure) as caught:
            reporter_texts.check_message(s, case, "Wij hebben uw melding ontvangen.")
    text = caught.value.detail if hasattr(caught.value, "detail") else str(caught.value)
    assert text == "De zaak kon niet worden gelezen: de opgeslagen zaakstatus is beschadigd.", text
    _no_english(text)
    assert "JSON" not in text


# -- a priority expression of the process owner that fails -----------------------------------------------------------

def _review_with_intake_priority(tmp_path, expression: str):
    target = tmp_path / "review"
    shutil.copytree(REVIEW, target)
    bpmn = target / "review.bpmn"
    text = bpmn.read_text()
    old = '<spiffworkflow:property name="form" value="forms/intake.json"/>\n' \
          '          <spiffworkflow:property name="priority" value="1"/>'
    assert old in text, "the review process changed; adapt the copy"
    bpmn.write_text(text.replace(old, old.replace('value="1"', f'value="{expression}"')))
    return target


@pytest.mark.db
@pytest.mark.parametrize("expression, data, kind", [
    ("10 / ernstig", {"ernstig": False}, "een deling door nul"),
    ("ernstig + samenvatting", {"ernstig": True, "samenvatting": "Geheim verhaal"}, "een waarde van het verkeerde soort"),
])
def test_a_failing_priority_expression_is_refused_in_dutch(db, clock, tmp_path, expression, data, kind):
    directory = _review_with_intake_priority(tmp_path, expression)
    with db.session() as s:
        processes.deploy(session=s, directory=directory)
        desk = make_user(s, "desk", "meldpunt")
    with db.session() as s, pytest.raises(WorkflowFailure) as caught:
        cases.start_case(session=s, actor=desk, data=data)
    text = caught.value.detail if hasattr(caught.value, "detail") else str(caught.value)
    assert text == (f"Prioriteit van de taak 'Melding registreren' is ongeldig: de expressie '{expression}' stuitte "
                    f"op {kind}."), text
    _no_english(text)
    assert "Geheim" not in text


def test_a_priority_name_error_names_the_unknown_name_in_dutch():
    try:
        eval("onbekend_x + 1", {"__builtins__": {}})
    except NameError as exc:
        assert incidents.error_kind(exc) == "een onbekende naam 'onbekend_x'"


# -- the API: a malformed JSON body ----------------------------------------------------------------------------------

@pytest.mark.db
def test_a_malformed_json_body_is_refused_in_dutch_with_line_and_column(db, clock):
    from api.app import create_app
    from api.settings import ApiSettings

    with TestClient(create_app(ApiSettings()), base_url="https://testserver", raise_server_exceptions=False) as client:
        r = client.post("/api/v1/auth/inloggen", content=b'{\n  "username": "a",\n  "password": \n}',
                        headers={"content-type": "application/json"})
        assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
        detail = r.json()["detail"]
        assert detail.startswith("De inhoud van het verzoek is geen geldige JSON: hier wordt een waarde verwacht")
        assert detail.endswith("(regel 4, kolom 1)."), detail
        _no_english(detail)
        r = client.post("/api/v1/auth/inloggen", content=b'{"username": "a\xff"}',
                        headers={"content-type": "application/json"})
        assert r.status_code == 400
        assert r.json()["detail"] == "De inhoud is geen geldige UTF-8 (regel 1, kolom 16)."
