"""Task work over HTTP along the first steps of the real process; 422/409/403 problem shapes; precedents."""
from __future__ import annotations

import uuid

import pytest

from engine.cases.models import Case
from engine.clock import now
from engine.worklist.models import WorkItem
from tests.api.conftest import UNIT
from tests.process.scenarios import DEFAULTS

pytestmark = pytest.mark.db
BASE = "https://meldpunt.example/problems/"
ROLE_USER = {"meldpunt": "meldpunt", "integriteitscoordinator": "integriteitscoordinator", "onderzoeker": "onderzoeker",
             "bevoegd_gezag": "bevoegd_gezag", "hr_adviseur": "hr_adviseur", "jurist": "jurist",
             "vertrouwenspersoon": "vertrouwenspersoon", "bureau_vi": "bureau_vi"}


def problem(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"] == BASE + code and body["title"]
    return body


def test_first_steps_of_the_process_over_http(world):
    c, case = world.client, world.case_a
    detail = c.get(f"/api/v1/zaken/{case}", headers=world.h("meldpunt")).json()
    item = detail["open_taken"][0]
    assert item["element_id"] == "melding_registreren"
    tid = item["id"]

    # the form schema and the task's data
    form = c.get(f"/api/v1/taken/{tid}/formulier", headers=world.h("meldpunt")).json()
    assert "melder_naam" in form["properties"]
    task = c.get(f"/api/v1/taken/{tid}", headers=world.h("meldpunt")).json()
    version = task["zaakversie"]

    # claim, unclaim, claim again
    assert c.post(f"/api/v1/taken/{tid}/claimen", headers=world.h("meldpunt")).json()["toegewezen_aan"] == world.users["meldpunt"]
    assert c.post(f"/api/v1/taken/{tid}/vrijgeven", headers=world.h("meldpunt")).json()["toegewezen_aan"] is None
    # a coordinator assigns with a reason; assigning to the subject is a conflict of interest (403)
    problem(c.post(f"/api/v1/taken/{tid}/toewijzen", headers=world.h("integriteitscoordinator"),
                   json={"medewerker_id": world.users["betrokkene"], "reden": "Werkverdeling"}), 403, "conflict-of-interest")
    problem(c.post(f"/api/v1/taken/{tid}/toewijzen", headers=world.h("meldpunt"),
                   json={"medewerker_id": world.users["meldpunt"], "reden": "Zelf"}), 403, "forbidden")
    r = c.post(f"/api/v1/taken/{tid}/toewijzen", headers=world.h("integriteitscoordinator"),
               json={"medewerker_id": world.users["meldpunt"], "reden": "Werkverdeling"})
    assert r.status_code == 200, r.text

    # invalid form data: 422 with the failing fields
    body = problem(c.post(f"/api/v1/taken/{tid}/afronden", headers=world.h("meldpunt"),
                          json={"gegevens": {"categorie": "Geen bestaande categorie"}}), 422, "invalid-data")
    assert {e["field"] for e in body["errors"]} >= {"categorie"}
    # unknown top-level field, wrong type
    problem(c.post(f"/api/v1/taken/{tid}/afronden", headers=world.h("meldpunt"), json={"data": {}}), 422, "invalid-data")
    problem(c.post(f"/api/v1/taken/{tid}/afronden", headers=world.h("meldpunt"), json={"gegevens": []}), 422, "invalid-data")
    # a stale case version: 409
    problem(c.post(f"/api/v1/taken/{tid}/afronden", headers=world.h("meldpunt"),
                   json={"gegevens": DEFAULTS["melding_registreren"], "zaakversie": version + 5}), 409, "stale-case")

    r = c.post(f"/api/v1/taken/{tid}/afronden", headers=world.h("meldpunt"),
               json={"gegevens": DEFAULTS["melding_registreren"], "zaakversie": version})
    assert r.status_code == 200, r.text
    # completed already: 409
    problem(c.post(f"/api/v1/taken/{tid}/afronden", headers=world.h("meldpunt"),
                   json={"gegevens": DEFAULTS["melding_registreren"]}), 409, "task-not-ready")

    # follow the process further: whoever holds the role claims and completes the next task
    done = ["melding_registreren"]
    for _ in range(4):
        open_items = c.get(f"/api/v1/zaken/{case}", headers=world.h("integriteitscoordinator")).json()["open_taken"]
        nxt = next((i for i in open_items if i["element_id"] in DEFAULTS and not i["element_id"].startswith("escalatie")), None)
        if nxt is None:
            break
        who = ROLE_USER[nxt["rol"]]
        if nxt["toegewezen_aan"] is None:
            assert c.post(f"/api/v1/taken/{nxt['id']}/claimen", headers=world.h(who)).status_code == 200
        r = c.post(f"/api/v1/taken/{nxt['id']}/afronden", headers=world.h(who), json={"gegevens": DEFAULTS[nxt["element_id"]]})
        assert r.status_code == 200, (nxt, r.text)
        done.append(nxt["element_id"])
    assert done[:2] == ["melding_registreren", "ontvangst_bevestigen"] and len(done) >= 3, done
    pos = c.get(f"/api/v1/zaken/{case}/positie", headers=world.h("onderzoeker")).json()
    assert "melding_registreren" in pos["completed"] and "ontvangst_bevestigen" in pos["completed"]
    timeline = c.get(f"/api/v1/zaken/{case}/tijdlijn", headers=world.h("onderzoeker")).json()
    assert [e for e in timeline if e["actie"] == "task.completed"]
    assert "Declaraties" not in str(timeline)  # no confidential values

    # documents: letters produced on the way, download matches the recorded sha256
    import hashlib
    letters = c.get(f"/api/v1/zaken/{case}/documenten", headers=world.h("meldpunt")).json()
    assert letters, "expected at least one letter after the first steps"
    for letter in letters:
        r = c.get(f"/api/v1/zaken/{case}/documenten/{letter['id']}", headers=world.h("meldpunt"))
        assert r.status_code == 200
        assert hashlib.sha256(r.content).hexdigest() == letter["sha256"] == r.headers["x-content-sha256"]
    to_reporter = [l for l in letters if l["ontvanger"] == "melder"]
    others = {l["id"] for l in c.get(f"/api/v1/zaken/{case}/documenten", headers=world.h("onderzoeker")).json()}
    assert not others & {l["id"] for l in to_reporter}
    for letter in to_reporter:
        assert c.get(f"/api/v1/zaken/{case}/documenten/{letter['id']}", headers=world.h("onderzoeker")).status_code == 404
    assert c.get(f"/api/v1/zaken/{world.case_b}/documenten/{letters[0]['id']}",
                 headers=world.h("integriteitscoordinator")).status_code == 404


def test_unknown_task_is_404_and_invisible_task_too(world):
    c = world.client
    problem(c.get("/api/v1/taken/99999", headers=world.h("meldpunt")), 404, "not-found")
    problem(c.post("/api/v1/taken/99999/afronden", headers=world.h("meldpunt"), json={"gegevens": {}}), 404, "not-found")


def test_precedents_in_sanction_advice_task(world, db):
    with db.session() as s:
        for i, afd in enumerate([["Schriftelijke berisping"], ["Ontslag"]]):
            s.add(Case(reference=f"MP-2025-9{i}", status="closed", unit=UNIT, category="Financiële schendingen",
                       closed_at=now(), summary={"afdoeningen": afd, "uitkomst": "aangetoond",
                                                 "inhoud_geanonimiseerd": "Onterechte declaraties."}))
        s.add(Case(reference="MP-2025-99", status="closed", unit=UNIT, category="Ongewenste omgangsvormen",
                   closed_at=now(), summary={"afdoeningen": ["Waarschuwing"]}))
        item = WorkItem(case_id=world.case_a, task_id=str(uuid.uuid4()), element_id="sanctieadvies_opstellen",
                        name="Sanctieadvies opstellen", role="hr_adviseur", slot="hr_adviseur",
                        form="forms/sanctieadvies_opstellen.json", assignee_id=world.users["hr_adviseur"])
        s.add(item)
        s.flush()
        tid = item.id
    r = world.client.get(f"/api/v1/taken/{tid}", headers=world.h("hr_adviseur"))
    assert r.status_code == 200, r.text
    precedents = r.json()["precedenten"]
    assert sorted(p["afdoeningen"][0] for p in precedents) == ["Ontslag", "Schriftelijke berisping"]
    assert r.json()["gegevens"]["precedenten"] == precedents
    assert all(set(p) == {"zaaknummer", "afgesloten_op", "categorie", "subcategorie", "uitkomst", "afdoeningen",
                          "inhoud_geanonimiseerd", "inhoud_achtergehouden"} for p in precedents)


def test_precedents_withhold_a_summary_that_names_a_person_of_that_case(world, db):
    """Issue 16: the summary of another case reaches the HR adviser only if it passes the Woo export's
    anonymisation check; a name typed into inhoud_geanonimiseerd (here the reporter's, kept encrypted
    outside the workflow, and the subject's as a linked person) is withheld, the precedent itself shown."""
    from engine.cases import confidential
    from engine.cases.models import CaseParty

    with db.session() as s:
        named = Case(reference="MP-2025-80", status="closed", unit=UNIT, category="Financiële schendingen",
                     closed_at=now(), summary={"afdoeningen": ["Ontslag"], "uitkomst": "aangetoond",
                                               "inhoud_geanonimiseerd": "Rita Geheimnaam meldde valse declaraties."})
        subject = Case(reference="MP-2025-81", status="closed", unit=UNIT, category="Financiële schendingen",
                       closed_at=now(), summary={"afdoeningen": ["Ontslag"],
                                                 "inhoud_geanonimiseerd": "Collega Leiding keurde alles goed."})
        clean = Case(reference="MP-2025-82", status="closed", unit=UNIT, category="Financiële schendingen",
                     closed_at=now(), summary={"afdoeningen": ["Ontslag"],
                                               "inhoud_geanonimiseerd": "Onterechte declaraties."})
        s.add_all([named, subject, clean])
        s.flush()
        confidential.store(s, case_id=named.id, values={"melder_naam": "Rita Geheimnaam"})
        s.add(CaseParty(case_id=subject.id, party="betrokkene", user_id=world.users["leidinggevende"]))
        item = WorkItem(case_id=world.case_a, task_id=str(uuid.uuid4()), element_id="sanctieadvies_opstellen",
                        name="Sanctieadvies opstellen", role="hr_adviseur", slot="hr_adviseur",
                        form="forms/sanctieadvies_opstellen.json", assignee_id=world.users["hr_adviseur"])
        s.add(item)
        s.flush()
        tid = item.id
    r = world.client.get(f"/api/v1/taken/{tid}", headers=world.h("hr_adviseur"))
    assert r.status_code == 200, r.text
    got = {p["zaaknummer"]: (p["inhoud_geanonimiseerd"], p["inhoud_achtergehouden"]) for p in r.json()["precedenten"]}
    assert got == {"MP-2025-80": (None, True), "MP-2025-81": (None, True),
                   "MP-2025-82": ("Onterechte declaraties.", False)}
    assert "Geheimnaam" not in r.text and "Leiding keurde" not in r.text


@pytest.mark.parametrize("party", ["melder", "betrokkene", "leidinggevende"])
def test_precedents_leave_out_a_case_of_which_the_hr_adviser_is_a_party(world, db, party):
    """An HR adviser who reported an earlier case of the category (or is its subject, or the subject's manager) does
    not learn its outcome and measures as a precedent of the case they advise on; the other precedents stay."""
    from engine.cases.models import CaseParty
    from tests.factories import make_user

    with db.session() as s:
        own = Case(reference="MP-2025-70", status="closed", unit=UNIT, category="Financiële schendingen",
                   closed_at=now(), summary={"afdoeningen": ["Schriftelijke berisping"], "uitkomst": "aangetoond"})
        other = Case(reference="MP-2025-71", status="closed", unit=UNIT, category="Financiële schendingen",
                     closed_at=now(), summary={"afdoeningen": ["Ontslag"], "uitkomst": "aangetoond"})
        s.add_all([own, other])
        s.flush()
        hr = world.users["hr_adviseur"]
        if party == "leidinggevende":  # the subject is the HR adviser's employee
            employee = make_user(s, "medewerker-van-hr", unit=UNIT)
            employee.manager_id = hr
            s.add(CaseParty(case_id=own.id, party="betrokkene", user_id=employee.id))
        else:
            s.add(CaseParty(case_id=own.id, party=party, user_id=hr))
        item = WorkItem(case_id=world.case_a, task_id=str(uuid.uuid4()), element_id="sanctieadvies_opstellen",
                        name="Sanctieadvies opstellen", role="hr_adviseur", slot="hr_adviseur",
                        form="forms/sanctieadvies_opstellen.json", assignee_id=hr)
        s.add(item)
        s.flush()
        tid = item.id
    r = world.client.get(f"/api/v1/taken/{tid}", headers=world.h("hr_adviseur"))
    assert r.status_code == 200, r.text
    assert [p["zaaknummer"] for p in r.json()["precedenten"]] == ["MP-2025-71"]
    assert "MP-2025-70" not in r.text
