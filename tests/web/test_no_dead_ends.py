"""No dead ends (issue 17): what a step's letter needs is checked with the form, before anything is written.

A task that declares a letter (BPMN property ``letter``) is refused as a form error naming every value the
letter lacks (422, nothing written: no letter, task open, case version unchanged); the web form is shown
again with what was typed. Both surfaces of the real app, the demo organisation.
"""
from __future__ import annotations

from sqlalchemy import select

from tests.process.scenarios import DEFAULTS
from tests.web import flow
from tests.web.demo_clients import PASSWORD, demo_app, demo_login

MOTIVATION = "Mogelijk valsheid in geschrifte door een ambtenaar, bewijs in de declaraties."


_app, _login = demo_app, demo_login  # tests/web/demo_clients.py


def _case_at_police_report(db) -> tuple[int, int, str]:
    """An anonymous report whose subject is unknown, assessed as a possible criminal offence: the police
    report task is ready and its letter needs the subject's name. Returns (case id, item id, username)."""
    from engine.identity.service import get_user
    from engine.intake import service as intake

    registration = {**flow.ANSWERS["melding_registreren"], "betrokkene_naam": None, "betrokkene_functie": None}
    with db.session() as s:
        case_id = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"),
                                       data=flow._clean(registration)).case.id
    flow.complete(db, case_id, "melding_registreren", registration)
    flow.advance_until(db, case_id, "ernst_en_strafbaarheid")
    flow.complete(db, case_id, "ernst_en_strafbaarheid",
                  {**DEFAULTS["ernst_en_strafbaarheid"], "strafbaar_feit": True,
                   "strafbaar_feit_toelichting": "Mogelijk valsheid in geschrifte."})
    (item_id, _, role, _), = [i for i in flow.ready(db, case_id) if i[1] == "aangifte_doen"]
    return case_id, item_id, flow.ROLE_USERS[role][0]


def _state(db, case_id: int, item_id: int) -> tuple[int, str, int]:
    from documents.models import Letter
    from engine.cases.models import Case
    from engine.worklist.models import WorkItem

    with db.session() as s:
        letters = len(s.scalars(select(Letter.id).where(Letter.case_id == case_id)).all())
        return s.get(Case, case_id).version, s.get(WorkItem, item_id).state, letters


def _answers() -> dict:
    return {**DEFAULTS["aangifte_doen"], "aangifte_toelichting": MOTIVATION}


def test_api_refuses_a_form_whose_letter_lacks_a_value_and_writes_nothing(demo):
    case_id, item_id, username = _case_at_police_report(demo)
    before = _state(demo, case_id, item_id)
    client = _login(_app(), username)
    csrf = {"X-CSRF-Token": client.cookies.get("meldpunt_csrf")}
    r = client.post(f"/api/v1/taken/{item_id}/afronden", headers=csrf, json={"gegevens": _answers()})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    errors = {e["field"]: e["message"] for e in body["errors"]}
    # every value the letter lacks, in one answer (the subject was unknown at registration)
    assert set(errors) == {"betrokkene_naam", "betrokkene_functie"}, errors
    assert all("brief" in m and "ontbreekt" in m for m in errors.values())
    assert "melding_politie_om" not in r.text  # the letter by its name, not its template id
    assert _state(demo, case_id, item_id) == before  # same version, task open, no letter
    assert before[1] == "open"

    # With the name the same form goes through and the letter is written.
    r = client.post(f"/api/v1/taken/{item_id}/afronden", headers=csrf,
                    json={"gegevens": {**_answers(), "betrokkene_naam": "P. Onbekend",
                                                    "betrokkene_functie": "Inspecteur"}})
    assert r.status_code == 200, r.text
    version, state, letters = _state(demo, case_id, item_id)
    assert state == "completed" and letters == before[2] + 1 and version > before[0]


def test_the_text_for_the_police_does_not_prefill_the_assessment(demo):
    """The police letter's summary has its own key: the assessment's motivation (which reaches the reporter's
    letter) does not arrive prefilled with it."""
    from documents.models import Letter
    from documents.render import docx_text
    from documents.service import letter_content
    from engine.cases import service as cases

    case_id, _, username = _case_at_police_report(demo)
    flow.complete(demo, case_id, "aangifte_doen",
                  {**_answers(), "betrokkene_naam": "P. Onbekend", "betrokkene_functie": "Inspecteur"}, username)
    with demo.session() as s:
        letter = s.scalars(select(Letter).where(Letter.case_id == case_id, Letter.recipient == "politie_om")).one()
        assert MOTIVATION in docx_text(letter_content(session=s, letter=letter))
        assert MOTIVATION not in str(cases.case_data(session=s, case_id=case_id).get("beoordeling_motivering"))


def test_web_form_is_shown_again_with_the_input_and_the_field_named(demo):
    case_id, item_id, username = _case_at_police_report(demo)
    before = _state(demo, case_id, item_id)
    client = _login(_app(), username)
    csrf = client.cookies.get("meldpunt_csrf")
    form = {k: ("true" if v is True else str(v)) for k, v in _answers().items()}
    r = client.post(f"/taken/{item_id}", data={**form, "aangifte_kenmerk": "PV-2026-0042", "csrf_token": csrf})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert MOTIVATION in r.text and "PV-2026-0042" in r.text  # nothing typed is lost
    assert "is nodig voor de brief" in r.text
    assert 'id="betrokkene_naam"' in r.text or 'name="betrokkene_naam"' in r.text
    assert _state(demo, case_id, item_id) == before
