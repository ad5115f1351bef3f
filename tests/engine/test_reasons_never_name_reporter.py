"""A reason typed by staff for something done in a case never names the case's reporter (DOMAIN §2, §4).

The reason stands in the case's audit chain, which the auditor and - through the case's timeline - handlers without
need to know of the identity read as typed, and which cannot be changed afterwards. So the engine refuses, before
anything is stored, a reason that names the reporter in any form of her name (``documents.leakguard.find_name``, as
for the letters to others than the reporter), holds her phone number however written, or her e-mail address: a
Dutch refusal naming the field (``reden``), never the name; no audit event, nothing changed. Per door: the request
to reveal the identity, assigning a task, handing over someone's work, a legal hold, correcting the date of the
report. The real engine, process and database (SQLite and PostgreSQL); one door through the API, one through the
web form.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.audit.models import AuditEvent
from engine.errors import InvalidData
from tests.web.demo_clients import demo_app, demo_login

pytestmark = pytest.mark.db

REPORTER = "Anna Verbeek"
PHONE = "06-12345678"
EMAIL = "anna.verbeek@voorbeeld.example"
HARMLESS = "De melder wil dat de aangifte bij het OM doorgaat; werkverdeling."
NAMING = [
    "Mevrouw Verbeek (melder) wil dat de OM-aangifte doorgaat.",  # title + surname
    "A. Verbeek wil dat de OM-aangifte doorgaat.",  # initial + surname
    "Anna wil dat de aangifte doorgaat.",  # first name
    "Melder bereikbaar op +31 6 1234 5678 voor de aangifte.",  # her phone, written otherwise
    "Melder bereikbaar via Anna.Verbeek@voorbeeld.example.",  # her e-mail address
]
ACCOUNT_NAMING = "Mevrouw Kuipers wil dat de aangifte doorgaat."  # the reporter linked as an account only


@pytest.fixture
def world(db, clock):
    """The demo organisation; a case reported for Anna Verbeek by the desk (her name, phone and e-mail typed), and
    one reported by Lotte Kuipers under her own account (no name in the case data). The investigator works on both;
    the registration task of each is ready."""
    from engine.demo import seed
    from engine.identity.service import create_user, get_user
    from engine.intake import service as intake
    from tests.factories import bind_to_slot

    with db.session() as s:
        seed(session=s)
    report = {"kanaal": "meldpunt_integriteit", "categorie": "Financiële schendingen", "dienstonderdeel": "Douane",
              "omschrijving": "Declaraties voor reizen die niet zijn gemaakt.", "betrokkene_naam": "Bert Betrokken"}
    with db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        named = intake.submit_report(session=s, actor=desk, data={
            **report, "melder_anoniem": False, "melder_naam": REPORTER, "melder_telefoon": PHONE,
            "melder_email": EMAIL}).case
        reporter = create_user(session=s, username="lkuipers", display_name="Lotte Kuipers", roles=[], unit="Douane")
        account = intake.submit_report(session=s, actor=desk, data={**report, "melder_anoniem": False},
                                       reporter_user_id=reporter.id).case
        anonymous = intake.submit_report(session=s, actor=None, data=dict(report)).case
        for case in (named, account, anonymous):
            bind_to_slot(s, case_id=case.id, user_id=get_user(session=s, username="onderzoeker1").id,
                         role="onderzoeker", slot="test_onderzoeker")
        s.flush()
        db.cases = {"named": named.id, "account": account.id, "anonymous": anonymous.id}
    return db


def _user(s, username):
    from engine.identity.service import get_user

    return get_user(session=s, username=username)


def _events(db, case_id) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case_id))


def _item(db, case_id):
    from engine.worklist import service as worklist

    with db.session() as s:
        return worklist.items_of_case(session=s, case_id=case_id)[0].id


def _refused(db, case_id, act, field="reden"):
    """``act`` is refused in Dutch naming ``field`` (not the name), and leaves no audit event."""
    before = _events(db, case_id)
    with pytest.raises(InvalidData) as info:
        with db.session() as s:
            act(s)
    [error] = info.value.errors
    assert error.field == field
    assert "melder" in error.message and "niets opgeslagen" in error.message
    for word in ("Verbeek", "Anna", "Kuipers", "Lotte", "1234", "voorbeeld"):
        assert word not in error.message and word not in (info.value.detail or "")
    assert _events(db, case_id) == before
    return error.message


# --------------------------------------------------------------------------- the request to reveal the identity

def _request(s, case_id, reason):
    from engine.cases import reveal

    return reveal.request_reveal(session=s, case_id=case_id, by=_user(s, "coordinator"),
                                 grantee_id=_user(s, "onderzoeker1").id, reason=reason)


@pytest.mark.parametrize("reason", NAMING)
def test_a_reveal_request_whose_reason_names_the_reporter_is_refused(world, reason):
    from engine.cases.reveal_models import IdentityReveal

    message = _refused(world, world.cases["named"], lambda s: _request(s, world.cases["named"], reason))
    assert message.startswith("De reden ")
    with world.session() as s:
        assert s.scalar(select(func.count()).select_from(IdentityReveal)) == 0
        _request(s, world.cases["named"], HARMLESS)  # a harmless reason passes
    with world.session() as s:
        assert s.scalar(select(func.count()).select_from(IdentityReveal)) == 1


def test_a_reporter_linked_as_an_account_is_not_named_either_and_an_anonymous_case_has_nothing_to_check(world):
    _refused(world, world.cases["account"], lambda s: _request(s, world.cases["account"], ACCOUNT_NAMING))
    _refused(world, world.cases["account"], lambda s: _request(s, world.cases["account"], "Lotte wil het zo."))
    with world.session() as s:  # the other reporter's name in this case means nobody here
        _request(s, world.cases["account"], NAMING[0])
        _request(s, world.cases["anonymous"], NAMING[0])


# A reporter whose surname is a word of the trade: what every reason calls her role is also her name.
TRADE_NAMED_REPORTER = "A. de Melder"


@pytest.fixture
def trade_named(world):
    """A case reported for "A. de Melder" by the desk; the investigator works on it."""
    from engine.identity.service import get_user
    from engine.intake import service as intake
    from tests.factories import bind_to_slot

    with world.session() as s:
        case = intake.submit_report(session=s, actor=_user(s, "meldpunt"), data={
            "kanaal": "meldpunt_integriteit", "categorie": "Financiële schendingen", "dienstonderdeel": "Douane",
            "omschrijving": "Declaraties voor reizen die niet zijn gemaakt.", "betrokkene_naam": "Bert Betrokken",
            "melder_anoniem": False, "melder_naam": TRADE_NAMED_REPORTER}).case
        bind_to_slot(s, case_id=case.id, user_id=get_user(session=s, username="onderzoeker1").id,
                     role="onderzoeker", slot="test_onderzoeker")
        return case.id


@pytest.mark.parametrize("reason", [
    "Mevrouw De Melder wil dat de aangifte doorgaat.",
    "Gesprek met mevrouw de melder over de aangifte.",
    "A. de Melder wil dat de aangifte doorgaat.",
    "Volgens de heer De Melder is de aangifte gedaan.",
    "De Melder wil dat de aangifte doorgaat.",
])
def test_a_reporter_whose_surname_is_a_word_of_the_trade_is_still_found_as_a_name(world, trade_named, reason):
    _refused(world, trade_named, lambda s: _request(s, trade_named, reason))
    for harmless in ("De melder moet als getuige worden gehoord.", HARMLESS,
                     "De vertrouwenspersoon van de melder vraagt om de identiteit; de melding is ernstig."):
        with world.session() as s:  # the words of the trade stay usable
            _request(s, trade_named, harmless)


# --------------------------------------------------------------------------- assigning a task

def _assign(s, item_id, reason):
    from engine.worklist import service as worklist

    return worklist.assign(session=s, work_item_id=item_id, by=_user(s, "coordinator"),
                           assignee=_user(s, "meldpunt"), reason=reason)


@pytest.mark.parametrize("reason", [NAMING[0], NAMING[1], NAMING[3]])
def test_assigning_a_task_with_a_reason_that_names_the_reporter_is_refused(world, reason):
    from engine.worklist import service as worklist

    case_id = world.cases["named"]
    item_id = _item(world, case_id)
    _refused(world, case_id, lambda s: _assign(s, item_id, reason))
    with world.session() as s:
        assert worklist.get_item(session=s, work_item_id=item_id).assignee_id is None
        _assign(s, item_id, HARMLESS)
    with world.session() as s:
        assert worklist.get_item(session=s, work_item_id=item_id).assignee_id == _user(s, "meldpunt").id


# --------------------------------------------------------------------------- handing over someone's work

@pytest.mark.parametrize("reason", [NAMING[0], NAMING[3]])
def test_handing_over_work_with_a_reason_that_names_a_reporter_of_it_is_refused(world, reason):
    from engine.staff import service as staff
    from engine.worklist import service as worklist

    items = {}
    for key in ("named", "anonymous"):
        items[key] = _item(world, world.cases[key])
        with world.session() as s:
            _assign(s, items[key], "Werkverdeling")
    counts = {key: _events(world, world.cases[key]) for key in items}

    def hand_over(s, why):
        return staff.reassign_all_work(session=s, by=_user(s, "coordinator"), user_id=_user(s, "meldpunt").id,
                                       to_user_id=None, reason=why)

    _refused(world, world.cases["named"], lambda s: hand_over(s, reason))
    assert {key: _events(world, world.cases[key]) for key in items} == counts
    with world.session() as s:
        for item_id in items.values():  # nothing moved, in no case
            assert worklist.get_item(session=s, work_item_id=item_id).assignee_id == _user(s, "meldpunt").id
        hand_over(s, "Langdurig ziek")
    with world.session() as s:
        assert all(worklist.get_item(session=s, work_item_id=i).assignee_id is None for i in items.values())


# --------------------------------------------------------------------------- a legal hold

@pytest.mark.parametrize("reason", [NAMING[1], NAMING[4]])
def test_a_legal_hold_whose_reason_names_the_reporter_is_refused(world, reason):
    from engine.records import service as records

    case_id = world.cases["named"]
    _refused(world, case_id, lambda s: records.place_hold(session=s, user=_user(s, "coordinator"), case_id=case_id,
                                                          reason=reason))
    with world.session() as s:
        assert records.active_hold(s, case_id) is None
        records.place_hold(session=s, user=_user(s, "coordinator"), case_id=case_id,
                           reason="Klacht van de melder bij de Nationale ombudsman.")
    with world.session() as s:
        assert records.active_hold(s, case_id) is not None


# --------------------------------------------------------------------------- correcting the date of the report

def test_correcting_the_date_of_the_report_with_a_reason_that_names_the_reporter_is_refused(world, clock):
    from engine.cases import service as cases
    from engine.cases.models import Case
    from tests.web import flow

    case_id = world.cases["named"]
    received = clock.now().date()
    registration = {**flow.ANSWERS["melding_registreren"], "melder_anoniem": False, "melder_naam": REPORTER,
                    "melder_telefoon": PHONE, "melder_email": EMAIL, "kanaal": "meldpunt_integriteit",
                    "datum_melding": (received - timedelta(days=2)).isoformat()}
    item_id = _item(world, case_id)
    with world.session() as s:
        state = s.get(Case, case_id).state

    def register(s, why):
        data = {k: v for k, v in {**registration, "datum_melding_correctie_reden": why}.items() if v is not None}
        cases.complete_task(session=s, work_item_id=item_id, user=_user(s, "meldpunt"), data=data)

    _refused(world, case_id, lambda s: register(s, "Mevrouw Verbeek gaf de brief twee dagen eerder af."),
             field="datum_melding_correctie_reden")
    with world.session() as s:
        assert s.get(Case, case_id).state == state
    assert item_id in [i[0] for i in flow.ready(world, case_id)]
    with world.session() as s:
        register(s, "De brief lag al twee dagen eerder in de bus.")
    with world.session() as s:
        corrected = s.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id,
                                                       AuditEvent.action == "legal.date_corrected")).all()
        assert [e.details["reden"] for e in corrected] == ["De brief lag al twee dagen eerder in de bus."]


# --------------------------------------------------------------------------- through the API and the web form

@pytest.fixture
def app():
    return demo_app()


def test_the_api_answers_422_naming_the_field_for_an_assignment(world, app):
    case_id = world.cases["named"]
    item_id = _item(world, case_id)
    with world.session() as s:
        desk = _user(s, "meldpunt").id
    coordinator = demo_login(app, "coordinator")
    coordinator.headers["X-CSRF-Token"] = coordinator.cookies.get("meldpunt_csrf")
    before = _events(world, case_id)
    r = coordinator.post(f"/api/v1/taken/{item_id}/toewijzen", json={"medewerker_id": desk, "reden": NAMING[0]})
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["reden"]
    assert "Verbeek" not in r.text
    assert _events(world, case_id) == before
    r = coordinator.post(f"/api/v1/taken/{item_id}/toewijzen", json={"medewerker_id": desk, "reden": HARMLESS})
    assert r.status_code == 200, r.text


def test_the_web_form_shows_the_refusal_and_keeps_what_was_typed(world, app):
    from engine.cases.reveal_models import IdentityReveal

    case_id = world.cases["named"]
    url = f"/zaken/{case_id}/onthullingen"
    coordinator = demo_login(app, "coordinator")
    with world.session() as s:
        grantee = _user(s, "onderzoeker1").id
    typed = "A. Verbeek moet als getuige worden gehoord."
    r = coordinator.post(url, data={"ontvanger_id": str(grantee), "reden": typed,
                                    "csrf_token": coordinator.cookies.get("meldpunt_csrf")})
    assert r.status_code == 422, r.text[:500]
    assert 'id="fout-reden"' in r.text and "noemt de melder" in r.text
    assert typed in r.text  # kept in the form, for the writer to rephrase
    with world.session() as s:
        assert s.scalar(select(func.count()).select_from(IdentityReveal)) == 0
