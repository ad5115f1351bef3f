"""A report form sent twice files one report, on the server (engine.intake.submissions): also without JavaScript
(Tor Browser on its safest level runs none, so web/static/layout.js's guard never runs there), after a lost answer,
and through the API with an Idempotency-Key."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from engine.cases.models import Case
from engine.identity import service as identity
from engine.intake import public, submissions
from engine.intake.models import FormSubmission
from engine.processes import service as processes
from tests.process.driver import PROCESSES

pytestmark = pytest.mark.db

FORM = {"omschrijving": "Een collega declareert reizen die niet zijn gemaakt.", "dienstonderdeel": "Douane",
        "categorie": "", "betrokkene_functie": "", "wanneer": "maart 2026"}
API_REPORT = {"categorie": "Overig", "omschrijving": "Een collega declareert reizen die niet zijn gemaakt.",
              "dienstonderdeel": "Douane"}


@pytest.fixture
def client(db, clock):
    from api.app import create_app
    from api.settings import ApiSettings

    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
        identity.create_user(session=s, username="alice", display_name="Alice", roles=["meldpunt"],
                             password="Een-goed-wachtwoord-2026")
    app = create_app(ApiSettings(cookie_secure=False))
    with TestClient(app, follow_redirects=False, client=("192.0.2.21", 40000), raise_server_exceptions=False) as c:
        yield c


def _cases(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Case))


def _form_key(client) -> str:
    page = client.get("/melden")
    assert page.status_code == 200
    return re.search(r'name="verzendkenmerk" id="verzendkenmerk" value="([^"]+)"', page.text).group(1)


def _code(response) -> str | None:
    """The code the confirmation page (the form's answer itself, no-store) shows; never a cookie."""
    assert "ontvangstcode" not in response.headers.get("set-cookie", "")
    found = re.search(r'data-testid="ontvangstcode">([0-9 ]+)<', response.text)
    return found.group(1) if found else None


def test_the_same_form_sent_twice_files_one_report_and_shows_the_same_code(client, db):
    key = _form_key(client)
    assert key != _form_key(client)  # every page of the form its own key
    before = _cases(db)
    first = client.post("/melden", data={**FORM, "verzendkenmerk": key})
    second = client.post("/melden", data={**FORM, "verzendkenmerk": key})
    assert first.status_code == second.status_code == 200
    assert _cases(db) == before + 1
    code = _code(first)
    assert code and re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", code)
    assert _code(second) == code  # the reporter who sees only the second answer has the report's own code
    assert code not in client.get("/melden/ontvangen").text  # shown only in the form's answer, never again
    with db.session() as s:  # the database alone opens nothing: no key, no code
        row = s.scalar(select(FormSubmission))
        assert key.encode() not in row.key_hash and code.replace(" ", "").encode() not in row.sealed_code
        assert code.encode() not in row.sealed_code


def test_a_form_sent_again_with_other_content_is_refused_in_dutch_and_gets_a_new_key(client, db):
    key = _form_key(client)
    assert client.post("/melden", data={**FORM, "verzendkenmerk": key}).status_code == 200
    before = _cases(db)
    changed = {**FORM, "omschrijving": FORM["omschrijving"] + " Ook in april.", "verzendkenmerk": key}
    r = client.post("/melden", data=changed)
    assert r.status_code == 422 and _cases(db) == before
    assert "Dit formulier is al verstuurd: de melding is ontvangen." in r.text
    assert "Ook in april." in r.text  # nothing typed is lost
    fresh = re.search(r'name="verzendkenmerk" id="verzendkenmerk" value="([^"]+)"', r.text).group(1)
    assert fresh != key
    assert client.post("/melden", data={**changed, "verzendkenmerk": fresh}).status_code == 200  # a new report
    assert _cases(db) == before + 1


def test_after_five_minutes_the_form_sent_again_files_nothing_and_shows_no_code(client, db, clock):
    key = _form_key(client)
    assert _code(client.post("/melden", data={**FORM, "verzendkenmerk": key}))
    before = _cases(db)
    clock.advance(submissions.REPLAY_WINDOW + timedelta(seconds=1))
    again = client.post("/melden", data={**FORM, "verzendkenmerk": key})
    assert again.status_code == 200
    assert _code(again) is None  # an old form page on a shared computer does not give the code away
    assert _cases(db) == before
    assert "Dit formulier was al eerder verstuurd" in again.text and "geen tweede melding" in again.text
    # a report sent later by anyone wipes the sealed codes past the window
    assert client.post("/melden", data={**FORM, "verzendkenmerk": _form_key(client)}).status_code == 200
    with db.session() as s:
        assert s.scalar(select(FormSubmission.sealed_code).where(FormSubmission.case_id.is_not(None))
                        .order_by(FormSubmission.id)) is None


def test_a_form_sent_again_is_not_counted_against_the_address(client, db):
    key = _form_key(client)
    for _ in range(public.POLICY.max_attempts + 2):
        assert client.post("/melden", data={**FORM, "verzendkenmerk": key}).status_code == 200
    assert _cases(db) == 1


def test_a_malformed_key_is_a_dutch_error_and_files_nothing(client, db):
    r = client.post("/melden", data={**FORM, "verzendkenmerk": "kort"})
    assert r.status_code == 422 and "Het verzendkenmerk van het formulier is ongeldig" in r.text
    r = client.post("/api/v1/publiek/meldingen", json=API_REPORT, headers={"Idempotency-Key": "a b"})
    assert r.status_code == 422 and "Idempotency-Key" in r.text and "verzendkenmerk" in r.text
    assert _cases(db) == 0


def test_the_api_answers_a_repeated_idempotency_key_as_the_first_time(client, db, clock):
    key = submissions.new_key()
    first = client.post("/api/v1/publiek/meldingen", json=API_REPORT, headers={"Idempotency-Key": key})
    second = client.post("/api/v1/publiek/meldingen", json=API_REPORT, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert second.headers.get("idempotent-replayed") == "true" and "idempotent-replayed" not in first.headers
    assert "zaaknummer" not in first.json() and "zaaknummer" not in second.json()  # what the web shows her
    assert second.json()["ontvangstcode"] == first.json()["ontvangstcode"]
    assert _cases(db) == 1
    other = client.post("/api/v1/publiek/meldingen", json={**API_REPORT, "dienstonderdeel": "Belastingdienst"},
                        headers={"Idempotency-Key": key})
    assert other.status_code == 422 and "Dit formulier is al verstuurd" in other.text
    clock.advance(submissions.REPLAY_WINDOW + timedelta(seconds=1))
    late = client.post("/api/v1/publiek/meldingen", json=API_REPORT, headers={"Idempotency-Key": key})
    assert late.status_code == 201 and late.json()["ontvangstcode"] is None
    assert "geen tweede melding" in late.json()["melding"]
    # without a key every request is a report of its own, as before
    assert client.post("/api/v1/publiek/meldingen", json=API_REPORT).status_code == 201
    assert _cases(db) == 2


def test_two_sends_at_the_same_moment_file_one_report(client, db):
    """Both requests in flight at once (two threads, two database connections): the key row written first in the
    report's transaction makes the second wait and answer from the first."""
    key = submissions.new_key()
    barrier = threading.Barrier(2)
    results, failures = [], []

    def send():
        try:
            barrier.wait(timeout=30)
            results.append(public.submit_public_report(database=db, client_key="192.0.2.30", values=dict(API_REPORT),
                                                       form_key=key))
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures, failures
    assert sorted(r.replayed for r in results) == [False, True]
    assert results[0].reference == results[1].reference and results[0].receipt_code == results[1].receipt_code
    assert _cases(db) == 1


# --------------------------------------------------------------------------- the desk's form and API
STAFF = {"kanaal": "meldpunt_integriteit", "ontvangstwijze": "telefoon", "datum_melding": "2026-01-05",
         "categorie": "Financiële schendingen", "omschrijving": "Een collega boekt reizen die niet zijn gemaakt.",
         "dienstonderdeel": "Douane", "melder": "anoniem", "betrokkene_persoon": "medewerker",
         "betrokkene_functie": "Inspecteur", "risicofunctie": "geen"}


@pytest.fixture
def demo_app(db, clock):
    from api.app import create_app
    from api.settings import ApiSettings
    from engine.demo import seed

    with db.session() as s:
        seed(session=s)
    return create_app(ApiSettings(cookie_secure=False))


def _desk(app) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    r = client.post("/api/v1/auth/inloggen", json={"username": "meldpunt", "password": "meldpunt-demo"})
    assert r.status_code == 200, r.text
    return client


def test_the_desk_form_sent_twice_registers_one_report(demo_app, db):
    desk = _desk(demo_app)
    page = desk.get("/meldingen/nieuw")
    key = re.search(r'name="verzendkenmerk" id="verzendkenmerk" value="([^"]+)"', page.text).group(1)
    before = _cases(db)
    form = {**STAFF, "verzendkenmerk": key, "csrf_token": desk.cookies.get("meldpunt_csrf")}
    first, second = desk.post("/meldingen/nieuw", data=form), desk.post("/meldingen/nieuw", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]  # the same case
    assert _cases(db) == before + 1
    code = re.search(r'meldpunt_staff_ontvangstcode="?([0-9 ]+)', first.headers["set-cookie"]).group(1)
    assert code in second.headers["set-cookie"]  # the anonymous reporter's code, whichever answer was shown


def test_the_desk_api_answers_a_repeated_idempotency_key_as_the_first_time(demo_app, db):
    desk = _desk(demo_app)
    body = {k: v for k, v in STAFF.items() if k not in ("melder", "betrokkene_persoon", "risicofunctie")}
    body["melder_anoniem"] = True
    headers = {"X-CSRF-Token": desk.cookies.get("meldpunt_csrf"), "Idempotency-Key": submissions.new_key()}
    before = _cases(db)
    first = desk.post("/api/v1/meldingen", json=body, headers=headers)
    second = desk.post("/api/v1/meldingen", json=body, headers=headers)
    assert first.status_code == second.status_code == 201, first.text
    assert second.json()["zaak_id"] == first.json()["zaak_id"] and second.headers["idempotent-replayed"] == "true"
    assert second.json()["ontvangstcode"] == first.json()["ontvangstcode"]
    assert _cases(db) == before + 1


def test_the_timer_worker_wipes_sealed_codes_after_the_window_and_keys_after_a_day(client, db, clock):
    from engine.timers import worker

    assert client.post("/melden", data={**FORM, "verzendkenmerk": _form_key(client)}).status_code == 200
    worker.run(database=db, once=True)
    with db.session() as s:
        assert s.scalar(select(FormSubmission.sealed_code)) is not None  # within the window: kept
    clock.advance(submissions.REPLAY_WINDOW + timedelta(seconds=1))
    worker.run(database=db, once=True)
    with db.session() as s:
        assert s.scalar(select(FormSubmission.sealed_code)) is None
        assert s.scalar(select(func.count()).select_from(FormSubmission)) == 1
    clock.advance(submissions.KEY_KEPT)
    worker.run(database=db, once=True)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(FormSubmission)) == 0
