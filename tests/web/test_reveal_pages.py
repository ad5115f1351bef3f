"""Identity reveal in the web (issue 17; DOMAIN §4): a request on the case, the integrity coordinator's decision.
The pages call only ``engine.cases.reveal``: refusals (an empty or wrong request, a decision by anyone else, a
refusal without reason) change nothing; an approval writes the letter and the message to the reporter before the
grantee sees who reported. The real app and engine on SQLite and PostgreSQL.
"""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

pytestmark = pytest.mark.db

PASSWORD = "meldpunt-demo"
REPORTER = "Roos van Reeuwijk"
REASON = "De onderzoeker moet de melder horen als getuige."


@pytest.fixture
def demo(db, clock):
    from tests.factories import bind_to_slot
    from engine.demo import seed
    from engine.identity.service import get_user
    from engine.intake import service as intake
    from engine.worklist import service as worklist
    from engine.worklist.models import WorkItem

    with db.session() as s:
        seed(session=s)
    with db.session() as s:
        case = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"), data={
            "kanaal": "meldpunt_integriteit", "categorie": "Financiële schendingen", "dienstonderdeel": "Douane",
            "omschrijving": "Declaraties voor reizen die niet zijn gemaakt.", "betrokkene_naam": "Bert Betrokken",
            "melder_anoniem": False, "melder_naam": REPORTER, "melder_adres": "Kade 12\n1011 AB  Amsterdam"}).case
        bind_to_slot(s, case_id=case.id, user_id=get_user(session=s, username="onderzoeker1").id,
                     role="onderzoeker", slot="test_onderzoeker")
        s.flush()
        item = s.scalar(select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.state == "open"))
        worklist.claim(session=s, work_item_id=item.id, user=get_user(session=s, username="meldpunt"))
        db.case_id = case.id
    return db


@pytest.fixture
def app():
    from api.app import create_app
    from api.settings import ApiSettings

    return create_app(ApiSettings(cookie_secure=False))


def login(app, username: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    r = client.post("/api/v1/auth/inloggen", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def form(client: TestClient, url: str, data: dict):
    return client.post(url, data={**data, "csrf_token": client.cookies.get("meldpunt_csrf")})


def state(db) -> tuple:
    from documents.models import Letter
    from engine.cases.reveal_models import IdentityReveal
    from engine.intake.models import CaseMessage

    with db.session() as s:
        return (tuple(s.execute(select(IdentityReveal.state, IdentityReveal.reporter_informed_at)).all()),
                s.scalar(select(func.count()).select_from(Letter)),
                s.scalar(select(func.count()).select_from(CaseMessage)))


def user_id(db, username: str) -> int:
    from engine.identity.service import get_user

    with db.session() as s:
        return get_user(session=s, username=username).id


def test_request_and_decide_an_identity_reveal(demo, app):
    case_id = demo.case_id
    url = f"/zaken/{case_id}/onthullingen"
    desk, coordinator, investigator = login(app, "meldpunt"), login(app, "coordinator"), login(app, "onderzoeker1")
    assert f'href="{url}"' in desk.get(f"/zaken/{case_id}").text  # the way in, from the case page
    page = desk.get(url)
    assert page.status_code == 200 and "Olga Onderzoeker" in page.text
    assert REPORTER not in investigator.get(f"/zaken/{case_id}").text
    before = state(demo)

    # refusals: nothing chosen, a colleague who does not work on the case; every value kept, nothing written
    r = form(desk, url, {"ontvanger_id": "", "reden": ""})
    assert r.status_code == 422 and 'id="fout-ontvanger_id"' in r.text and 'id="fout-reden"' in r.text
    r = form(desk, url, {"ontvanger_id": str(user_id(demo, "medewerker")), "reden": REASON})
    assert r.status_code == 422 and "behandelt deze zaak niet" in r.text and REASON in r.text
    assert state(demo) == before

    r = form(desk, url, {"ontvanger_id": str(user_id(demo, "onderzoeker1")), "reden": REASON})
    assert r.status_code == 303, r.text[:500]
    listing = desk.get(url).text
    assert REASON in listing and "Aangevraagd, wacht op besluit" in listing
    (states, letters, messages) = state(demo)
    assert [s for s, _ in states] == ["aangevraagd"]
    from engine.cases.reveal_models import IdentityReveal
    with demo.session() as s:
        reveal_id = s.scalar(select(IdentityReveal.id))
    decide = f"{url}/{reveal_id}/besluit"

    # who may not decide: the requester (the desk) and the grantee; someone outside the case finds nothing
    for other in (desk, investigator):
        assert "Besluit vastleggen" not in other.get(f"{url}/{reveal_id}").text
        assert form(other, decide, {"besluit": "goedkeuren", "toelichting": ""}).status_code == 403
    outsider = login(app, "medewerker")
    assert outsider.get(f"{url}/{reveal_id}").status_code == 404
    assert form(outsider, decide, {"besluit": "goedkeuren"}).status_code == 404
    # the coordinator: a refusal needs a reason; no choice is refused too
    page = coordinator.get(f"{url}/{reveal_id}")
    assert page.status_code == 200 and "Besluit vastleggen" in page.text
    r = form(coordinator, decide, {"besluit": "afwijzen", "toelichting": ""})
    assert r.status_code == 422 and 'id="fout-toelichting"' in r.text
    r = form(coordinator, decide, {"besluit": "", "toelichting": "Iets"})
    assert r.status_code == 422 and 'id="fout-besluit"' in r.text and "Iets" in r.text
    assert state(demo) == (states, letters, messages)
    assert REPORTER not in investigator.get(f"/zaken/{case_id}").text

    # approval: letter and message to the reporter first, then the investigator sees who reported
    r = form(coordinator, decide, {"besluit": "goedkeuren", "toelichting": "Noodzakelijk voor het horen."})
    assert r.status_code == 303, r.text[:500]
    (states, new_letters, new_messages) = state(demo)
    assert states[0][0] == "goedgekeurd" and states[0][1] is not None
    assert new_letters == letters + 1 and new_messages == messages + 1
    assert REPORTER in investigator.get(f"/zaken/{case_id}").text
    assert "Over dit verzoek is al beslist" in form(coordinator, decide, {"besluit": "afwijzen",
                                                                         "toelichting": "Toch niet."}).text


def test_refusal_with_reason(demo, app):
    from engine.cases import reveal
    from engine.identity.service import get_user

    with demo.session() as s:
        rid = reveal.request_reveal(session=s, case_id=demo.case_id, by=get_user(session=s, username="meldpunt"),
                                    grantee_id=get_user(session=s, username="onderzoeker1").id, reason=REASON).id
    coordinator = login(app, "coordinator")
    letters = state(demo)[1]
    r = form(coordinator, f"/zaken/{demo.case_id}/onthullingen/{rid}/besluit",
             {"besluit": "afwijzen", "toelichting": "Horen kan zonder naam."})
    assert r.status_code == 303
    page = coordinator.get(f"/zaken/{demo.case_id}/onthullingen/{rid}").text
    assert "Afgewezen" in page and "Horen kan zonder naam." in page
    assert state(demo)[0][0][0] == "afgewezen" and state(demo)[1] == letters  # no letter to the reporter
