"""Records pages (issue 20): legal hold on the case page, four-eyes destruction lists with the certificate, access
requests; refusals in Dutch for the others. The real app (pages and API), cookie sessions, the real process."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.identity import service as identity
from engine.identity.models import User
from engine.records import service as records
from tests.records.helpers import NO_ACTION, at_noon, closed_case
from tests.timebase import TEST_START

pytestmark = pytest.mark.db
PASSWORD = "Records-pagina-2026"


@pytest.fixture
def world(db, clock):
    from api.app import create_app
    from api.settings import ApiSettings
    from engine.cases.models import Case

    case_id, secrets = closed_case(db, clock, "Grutto", resolutions=[NO_ACTION], outcome="niet_aangetoond")
    with db.session() as s:
        for name in ("coordinator1", "coordinator2", "meldpunt1", "bvi1"):
            identity.set_password(session=s, user_id=s.scalar(select(User.id).where(User.username == name)),
                                  password=PASSWORD)
        reference = s.get(Case, case_id).reference
    app = create_app(ApiSettings(cookie_secure=False))

    def login(name):
        client = TestClient(app, follow_redirects=False)
        r = client.post("/api/v1/auth/inloggen", json={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        client.csrf = client.cookies.get("meldpunt_csrf")
        return client
    return {"case_id": case_id, "reference": reference, "secrets": secrets, "login": login}


def _post(client, path, **data):
    return client.post(path, data={**data, "csrf_token": client.csrf})


def test_legal_hold_on_the_case_page_for_the_coordinator_only(world):
    case = world["case_id"]
    coord, desk = world["login"]("coordinator1"), world["login"]("meldpunt1")
    refused = _post(desk, f"/zaken/{case}/bewaarplicht", reden="Klacht")
    assert refused.status_code == 403 and "Alleen de integriteitscoördinator" in refused.text
    blank = _post(coord, f"/zaken/{case}/bewaarplicht", reden="  ")
    assert blank.status_code == 422 and "Geef de reden van de bewaarplicht" in blank.text
    placed = _post(coord, f"/zaken/{case}/bewaarplicht", reden="Woo-verzoek 2026-31")
    assert placed.status_code == 303 and placed.headers["location"].startswith(f"/zaken/{case}?melding=")
    page = coord.get(f"/zaken/{case}")
    assert "Woo-verzoek 2026-31" in page.text and "Bewaarplicht opheffen" in page.text
    assert "Bewaarplicht opheffen" not in desk.get(f"/zaken/{case}").text  # shown, not offered
    assert "Woo-verzoek 2026-31" in desk.get(f"/zaken/{case}").text
    assert _post(coord, f"/zaken/{case}/bewaarplicht/opheffen").status_code == 303
    assert "Bewaarplicht opheffen" not in coord.get(f"/zaken/{case}").text


def test_destruction_list_four_eyes_and_certificate_on_the_pages(world, db, clock):
    at_noon(clock, date(2030, 1, 1))
    with db.session() as s:
        list_id = records.build_list(session=s).id
    clock.set(TEST_START)  # the sessions live today
    coord1, coord2, desk, bvi = (world["login"](n) for n in ("coordinator1", "coordinator2", "meldpunt1", "bvi1"))
    assert desk.get("/bewaartermijnen").status_code == 403
    page = coord1.get("/bewaartermijnen")
    assert page.status_code == 200 and world["reference"] in page.text and "Lijst voorstellen" in page.text
    assert _post(bvi, f"/bewaartermijnen/lijsten/{list_id}/voorstellen").status_code == 403
    assert _post(coord1, f"/bewaartermijnen/lijsten/{list_id}/voorstellen").status_code == 303
    own = _post(coord1, f"/bewaartermijnen/lijsten/{list_id}/goedkeuren")
    assert own.status_code == 403 and "Vier ogen: wie de vernietigingslijst voorstelt" in own.text
    assert coord1.get(f"/bewaartermijnen/lijsten/{list_id}/verklaring").status_code == 404
    assert _post(coord2, f"/bewaartermijnen/lijsten/{list_id}/goedkeuren").status_code == 303
    records.execute_approved(database=db)
    doc = bvi.get(f"/bewaartermijnen/lijsten/{list_id}/verklaring")
    assert doc.status_code == 200 and doc.content[:2] == b"PK"
    assert "Verklaring van vernietiging" in bvi.get("/bewaartermijnen").text


def test_access_request_on_the_pages(world):
    coord, desk = world["login"]("coordinator1"), world["login"]("meldpunt1")
    name = world["secrets"]["melder"]
    assert desk.get("/inzageverzoeken").status_code == 403
    refused = _post(desk, "/inzageverzoeken", naam=name)
    assert refused.status_code == 403 and "integriteitscoördinator" in refused.text
    bad = _post(coord, "/inzageverzoeken", naam=name, ontvangen_op="gisteren")
    assert bad.status_code == 422 and "datum van ontvangst" in bad.text
    made = _post(coord, "/inzageverzoeken", naam=name, ontvangen_op="2026-09-01")
    assert made.status_code == 303
    url = made.headers["location"].split("?")[0]
    assert "te laat" in coord.get(url).text and "over de termijn" in coord.get("/inzageverzoeken").text
    late = coord.get("/werkvoorraad?tab=te-laat").text  # tracked like every other deadline
    assert "1 inzageverzoek(en) (AVG) over de termijn" in late and url in late
    assert "inzageverzoek(en) (AVG)" not in desk.get("/werkvoorraad?tab=te-laat").text
    wrong = _post(coord, f"{url}/zaken", zaaknummer=world["reference"], rol="getuige")
    assert wrong.status_code == 422 and "niet voor als getuige" in wrong.text
    assert _post(coord, f"{url}/zaken", zaaknummer=world["reference"], rol="melder").status_code == 303
    out = coord.get(f"{url}/export")
    assert out.status_code == 200
    with zipfile.ZipFile(io.BytesIO(out.content)) as z:
        data = json.loads(z.read("gegevens.json"))
    assert data["zaken"][0]["uw_gegevens"]["melder_naam"] == name
    assert world["secrets"]["betrokkene"] not in json.dumps(data, ensure_ascii=False)
    assert _post(coord, f"{url}/afhandelen").status_code == 303
    assert "Afgehandeld door coordinator1" in coord.get(url).text


def test_a_refused_access_request_shows_why_next_to_the_field_and_keeps_the_input(world, db):
    """A date of receipt that is no date (or lies ahead), or no name: the page answers 422 with the field's label
    and why next to the field, what was typed stays in the form, and no request is registered. Before, the refusal
    was a bare error page and everything typed was gone."""
    from sqlalchemy import func

    from engine.records.models import AccessRequest

    coord = world["login"]("coordinator1")
    typed = {"naam": "Piet Persoon", "gebruikersnaam": "p.persoon", "email": "piet@example.org"}
    for change, field, says in (({"ontvangen_op": "gisteren"}, "ontvangen_op", "Ontvangen op"),
                                ({"ontvangen_op": "2099-01-01"}, "ontvangen_op", "in de toekomst"),
                                ({"naam": " "}, "naam", "Naam van de persoon")):
        r = _post(coord, "/inzageverzoeken", **{**typed, **change})
        assert r.status_code == 422, r.text[:300]
        at_field = r.text.split(f'id="fout-{field}"')[1].split("</p>")[0]
        assert says in at_field, at_field
        assert 'aria-invalid="true"' in r.text.split(f'id="{field}"')[1].split(">")[0]
        for name, value in {**typed, **change}.items():
            if value.strip():
                assert f'value="{value}"' in r.text, (name, value)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AccessRequest)) == 0
