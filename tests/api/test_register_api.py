"""The register's API (issue 24): the adviser starts an inventory, a manager reads only the own team, the
reports come as JSON, CSV and Word with the same cells, and the rotation overview is not for managers."""
from __future__ import annotations

from engine.identity import service as identity
from engine.register import reports
from engine.reports import word
from engine.worklist import service as worklist
from engine.cases import service as cases

ROW = {"functie": "Douanier controle", "classificatie": "meest_risicovol", "risicotypen": ["Fraude"],
       "maatregelen": "Vier-ogenprincipe", "bruto_risico": 5, "netto_risico": 3, "aanvaardbaar": True,
       "eigenaar": "Teamleider", "herziening_op": "2027-06-01"}


def _people(db, world):
    with db.session() as s:
        for name, role, unit in (("adviseur", "beveiligingsadviseur", None), ("lg_a", "leidinggevende", "Team A"),
                                 ("lg_b", "leidinggevende", "Team B")):
            u = identity.create_user(session=s, username=name, display_name=name.title(), roles=[role], unit=unit)
            world.users[name] = u.id
            world.tokens[name] = identity.issue_token(session=s, user=u, name="test")[0]


def _fill(db, world, team, manager, row):
    r = world.client.post("/api/v1/register/inventarisaties", headers=world.h("adviseur"),
                          json={"team": team, "aanleiding": "nieuwe_functie"})
    assert r.status_code == 201, r.text
    assert r.json()["kenmerk"].startswith("RI-2026-")
    with db.session() as s:
        item = worklist.items_of_case(session=s, case_id=r.json()["inventarisatie_id"])[0]
        from engine.identity.models import User

        cases.complete_task(session=s, work_item_id=item.id, user=s.get(User, world.users[manager]),
                            data={"functies": [row]})


def test_the_register_over_the_api(db, world):
    _people(db, world)
    c, h = world.client, world.h
    assert c.post("/api/v1/register/inventarisaties", headers=h("lg_a"),
                  json={"team": "Team A", "aanleiding": "incident"}).status_code == 403
    bad = c.post("/api/v1/register/inventarisaties", headers=h("adviseur"), json={"team": "Nergens", "aanleiding": "x"})
    assert bad.status_code == 422 and "team" in bad.text and "aanleiding" in bad.text
    _fill(db, world, "Team A", "lg_a", ROW)
    _fill(db, world, "Team B", "lg_b", {**ROW, "functie": "Kassier", "classificatie": "kritiek"})
    assert [f["functie"] for f in c.get("/api/v1/register/functies", headers=h("adviseur")).json()] == \
        ["Douanier controle", "Kassier"]
    mine = c.get("/api/v1/register/functies", headers=h("lg_a")).json()
    assert [(f["team"], f["functie"], f["beoordeling"]["netto_risico"]) for f in mine] == \
        [("Team A", "Douanier controle", 3)]
    other = next(f["functie_id"] for f in c.get("/api/v1/register/functies", headers=h("adviseur")).json()
                 if f["team"] == "Team B")
    assert c.get(f"/api/v1/register/functies/{other}/beoordelingen", headers=h("lg_a")).status_code == 404
    assert len(c.get(f"/api/v1/register/functies/{other}/beoordelingen", headers=h("adviseur")).json()) == 1
    assert c.get("/api/v1/register/functies", headers=h("meldpunt")).status_code == 403
    assert c.get("/api/v1/register/roulatie", headers=h("lg_a")).status_code == 403
    assert c.get("/api/v1/register/roulatie", headers=h("adviseur")).json() == []
    whole = c.get("/api/v1/register/overzicht", headers=h("adviseur")).json()
    assert whole["kolommen"] == reports.COLUMNS and [r[2] for r in whole["rijen"]] == ["Douanier controle", "Kassier"]
    assert whole["zelfanalyse"].startswith("Stand van het register kritieke en risicovolle functies (2026): 2 teams")
    team = c.get("/api/v1/register/overzicht", headers=h("lg_a")).json()
    assert team["rijen"] == [whole["rijen"][0]] and team["zelfanalyse"] is None
    csv_text = c.get("/api/v1/register/overzicht", headers=h("adviseur"), params={"formaat": "csv"}).text
    assert csv_text.splitlines()[2] == "Team B,Team B,Kassier,Kritieke functie,Fraude,Vier-ogenprincipe,3,ja,"
    docx = c.get("/api/v1/register/overzicht", headers=h("adviseur"), params={"formaat": "docx"})
    assert word.read_tables(docx.content)[0] == [reports.COLUMNS, *whole["rijen"]]
    assert c.get("/api/v1/register/vervolgacties", headers=h("lg_b"), params={"open": "true"}).json() == []
