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


def test_the_management_team_decides_several_actions_on_the_task_page_and_each_shows_up(demo):
    """The decision's list of actions in the web form: a row with a due date in the past is refused naming its row
    (nothing stored, the rows come back as typed); the valid list gives one task per action, and the register page
    lists each action with its function."""
    from engine.cases import service as cases
    from engine.cases.models import TaskSubmission
    from engine.identity.models import User
    from engine.register import service as register
    from engine.worklist import service as worklist

    functions = [{"functie": name, "classificatie": "risicovol", "risicotypen": ["Fraude"], "maatregelen": "Toezicht",
                  "bruto_risico": 4, "netto_risico": 3, "aanvaardbaar": False, "eigenaar": "Teamleider",
                  "herziening_op": "2027-11-01"} for name in ("Douanier controle", "Kassier")]
    with demo.session() as s:
        user = {n: s.scalar(select(User).where(User.username == n)) for n in ("dlso", "leidinggevende", "mtlid")}
        team = user["leidinggevende"].unit
        rid = register.start_on_request(session=s, actor=user["dlso"], process="risicoinventarisatie", team=team,
                                        reason="incident").id
    for who, data in (("leidinggevende", {"functies": functions}),
                      ("dlso", {"oordeel_adviseur": "compleet", "onaanvaardbare_risicos": True})):
        with demo.session() as s:
            item = worklist.items_of_case(session=s, case_id=rid)[0]
            cases.complete_task(session=s, work_item_id=item.id,
                                user=s.scalar(select(User).where(User.username == who)), data=data)
    with demo.session() as s:
        item_id = worklist.items_of_case(session=s, case_id=rid)[0].id
        worklist.claim(session=s, work_item_id=item_id, user=s.scalar(select(User).where(User.username == "mtlid")))
        submitted = s.scalar(select(func.count()).select_from(TaskSubmission))
    app = _app()
    mt = _login(app, "mtlid")
    page = mt.get(f"/taken/{item_id}")
    assert page.status_code == 200 and 'name="vervolgacties[0].functie"' in page.text
    # the function is chosen from the team's inventory (x-keuzes-uit), not typed
    cell = re.search(r'<select[^>]*name="vervolgacties\[0\]\.functie"[^>]*>(.*?)</select>', page.text, re.S)
    assert cell is not None, "the function is no choice list"
    assert re.findall(r'<option value="([^"]+)"', cell.group(1)) == ["Douanier controle", "Kassier"]
    rows = {"vervolgacties[0].functie": "Douanier controle", "vervolgacties[0].actie": "Roulatie invoeren",
            "vervolgacties[0].uiterlijk": "2026-12-01",
            "vervolgacties[1].functie": "Kassier", "vervolgacties[1].actie": "Kas tellen met twee",
            "vervolgacties[1].uiterlijk": "2026-11-01"}
    bad = mt.post(f"/taken/{item_id}", data={"csrf_token": _token(page.text), "mt_besluit": "maatregelen_treffen",
                                             **rows})
    assert bad.status_code == 422
    assert "actie 2: de uiterste datum 01-11-2026 ligt in het verleden" in bad.text
    assert "Kas tellen met twee" in bad.text  # what was typed comes back
    with demo.session() as s:
        assert s.scalar(select(func.count()).select_from(TaskSubmission)) == submitted
        assert [i.name for i in worklist.items_of_case(session=s, case_id=rid)] == ["Besluiten over onaanvaardbare risico's"]
    rows["vervolgacties[1].uiterlijk"] = "2027-01-15"
    ok = mt.post(f"/taken/{item_id}", data={"csrf_token": _token(bad.text), "mt_besluit": "maatregelen_treffen",
                                            **rows})
    assert ok.status_code in (200, 303), ok.text
    with demo.session() as s:
        assert sorted((i.name, i.view["actie_functie"], i.view["vervolgactie"])
                      for i in worklist.items_of_case(session=s, case_id=rid)) == [
            ("Vervolgactie uitvoeren", "Douanier controle", "Roulatie invoeren"),
            ("Vervolgactie uitvoeren", "Kassier", "Kas tellen met twee")]
    overview = _login(app, "dlso").get("/risicofuncties").text
    table = overview[overview.index('id="vervolgacties"'):]
    assert "<th scope=\"col\">Functie</th>" in table
    assert "<td>Douanier controle</td><td>Roulatie invoeren</td><td>01-12-2026</td><td>open</td>" in table
    assert "<td>Kassier</td><td>Kas tellen met twee</td><td>15-01-2027</td><td>open</td>" in table
