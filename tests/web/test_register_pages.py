"""The register page's forms (issue 24): the security adviser starts an inventory on demand and records who holds
a function on /risicofuncties; bad input is refused naming the field, nothing written; others get neither the
forms nor the doors (engine.register.access)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from engine.cases.models import Case
from engine.register.models import FunctionHolder, RegisterFunction
from tests.web.test_one_door import _app, _login

pytestmark = pytest.mark.db


@pytest.fixture
def demo(db, clock):
    from engine.demo import seed

    with db.session() as s:
        seed(session=s)
    return db


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _count(db, kind):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Case).where(Case.process_kind == kind))


def test_the_adviser_starts_an_inventory_on_demand_and_bad_input_names_the_field(demo):
    app = _app()
    adviser = _login(app, "dlso")
    page = adviser.get("/risicofuncties")
    assert page.status_code == 200 and "Inventarisatie starten buiten de jaarlijkse ronde" in page.text
    assert '<option value="reorganisatie"' in page.text and '<option value="periodiek"' not in page.text
    before = _count(demo, "risicoinventarisatie")
    bad = adviser.post("/risicofuncties/inventarisaties",
                       data={"csrf_token": _token(page.text), "team": "Nergens", "aanleiding": "zomaar"})
    assert bad.status_code == 422
    assert "De inventarisatie is niet gestart" in bad.text
    assert "Team: is geen bekend team" in bad.text and "Aanleiding: kies reorganisatie" in bad.text
    assert _count(demo, "risicoinventarisatie") == before
    team = re.findall(r'<option value="([^"]+)"', page.text[page.text.index('id="team"'):])[0]
    ok = adviser.post("/risicofuncties/inventarisaties",
                      data={"csrf_token": _token(page.text), "team": team, "aanleiding": "reorganisatie"})
    assert ok.status_code == 303 and "melding=" in ok.headers["location"]
    assert _count(demo, "risicoinventarisatie") == before + 1
    shown = adviser.get(ok.headers["location"])
    assert f"is gestart voor {team}" in shown.text


def test_the_adviser_records_a_holder_and_a_change_starts_the_review(demo):
    with demo.session() as s:
        for name in ("Douanier controle", "Administratief medewerker"):
            s.add(RegisterFunction(unit="Douane", team="Douane", name=name))
        s.flush()
        first, second = s.scalars(select(RegisterFunction.id).order_by(RegisterFunction.id)).all()[-2:]
        person = "mtlid"
    app = _app()
    adviser = _login(app, "dlso")
    page = adviser.get("/risicofuncties")
    assert "Vastleggen wie een functie vervult" in page.text and "Douanier controle (Douane)" in page.text
    token = _token(page.text)
    bad = adviser.post("/risicofuncties/functiehouders",
                       data={"csrf_token": token, "medewerker": "", "functie": str(first), "sinds": "morgen"})
    assert bad.status_code == 422 and "Gebruikersnaam medewerker: geef de gebruikersnaam" in bad.text
    bad = adviser.post("/risicofuncties/functiehouders",
                       data={"csrf_token": token, "medewerker": person, "functie": str(first), "sinds": "morgen"})
    assert bad.status_code == 422 and "Sinds: is geen datum" in bad.text
    with demo.session() as s:
        assert s.scalar(select(func.count()).select_from(FunctionHolder)) == 0
    before = _count(demo, "autorisatieherziening")
    for function, since in ((first, "2021-03-01"), (second, "2026-11-02")):
        r = adviser.post("/risicofuncties/functiehouders", data={"csrf_token": token, "medewerker": person,
                                                                 "functie": str(function), "sinds": since})
        assert r.status_code == 303, r.text
    assert _count(demo, "autorisatieherziening") == before + 1  # the change of function: a review task


@pytest.mark.parametrize("username", ["leidinggevende", "mtlid", "bvi"])
def test_others_get_neither_the_forms_nor_the_doors(demo, username):
    app = _app()
    client = _login(app, username)
    page = client.get("/risicofuncties")
    assert page.status_code == 200
    assert "Inventarisatie starten" not in page.text and "Vastleggen wie een functie vervult" not in page.text
    token = _token(page.text)
    before = _count(demo, "risicoinventarisatie")
    for url, data in (("/risicofuncties/inventarisaties", {"team": "Douane", "aanleiding": "incident"}),
                      ("/risicofuncties/functiehouders", {"medewerker": "1", "functie": "1", "sinds": "2026-11-02"})):
        r = client.post(url, data={"csrf_token": token, **data})
        assert r.status_code == 403
        assert "beveiligingsadviseur" in r.text
    assert _count(demo, "risicoinventarisatie") == before
