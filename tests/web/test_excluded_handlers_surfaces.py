"""A report about someone who handles reports, through both surfaces (the real app, the demo organisation plus a
second integrity coordinator): the reporter - anonymous on the public form, or staff registering for someone -
excludes the coordinator the report concerns (``engine.intake.exclusions``). From the first moment that coordinator
finds the case nowhere: case list, search, detail, timeline, export, worklist, task page (404, as a case that does
not exist), while a colleague coordinator and the desk see it as any report. Bad input and "nobody left" are
refused in Dutch naming the field, with nothing stored."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.demo_clients import PASSWORD, demo_app, demo_login

pytestmark = pytest.mark.db

TEXT = "De coördinator wijzigt zelf de declaraties van zijn eigen team."
PUBLIC = {"categorie": "Financiële schendingen", "omschrijving": TEXT, "dienstonderdeel": "Douane"}
CODE = re.compile(r"^\d{4} \d{4} \d{4} \d{4}$")


@pytest.fixture
def org(demo):
    """The demo organisation and a second coordinator of the unit (so excluding one leaves someone to assess)."""
    from engine.identity.service import create_user, get_user

    with demo.session() as s:
        create_user(session=s, username="coordinator2", display_name="Cora Collega", roles=["integriteitscoordinator"],
                    unit="Douane", password=PASSWORD)
        return {u: get_user(session=s, username=u).id for u in ("meldpunt", "coordinator", "coordinator2", "bvi",
                                                                  "medewerker")}


def _csrf(client: TestClient) -> dict:
    return {"X-CSRF-Token": client.cookies.get("meldpunt_csrf")}


def _case(db, reference: str) -> tuple[int, int]:
    from engine.cases.models import Case
    from engine.worklist.models import WorkItem

    with db.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.reference == reference))
        return case_id, s.scalar(select(WorkItem.id).where(WorkItem.case_id == case_id))


def _stored(db) -> tuple[int, ...]:
    from engine.audit.models import AuditEvent
    from engine.cases.models import Case, CaseParty

    with db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Case, CaseParty, AuditEvent))


def _kept_out(app, db, reference: str, who: str = "coordinator") -> None:
    """``who`` finds the case nowhere, on either surface."""
    case_id, item_id = _case(db, reference)
    c = demo_login(app, who)
    word = "declaraties"
    for path in ("/api/v1/zaken", f"/api/v1/zaken?q={word}", "/api/v1/taken/mijn", "/api/v1/taken/onverdeeld",
                 "/api/v1/taken/te-laat", "/api/v1/zaken/export?formaat=csv", "/zaken", f"/zaken?q={word}",
                 "/werkvoorraad", "/werkvoorraad?tab=open"):
        r = c.get(path)
        assert r.status_code == 200, (path, r.status_code)
        assert reference not in r.text and f"/zaken/{case_id}\"" not in r.text, path
    for path in (f"/api/v1/zaken/{case_id}", f"/api/v1/zaken/{case_id}/tijdlijn", f"/api/v1/taken/{item_id}",
                 f"/api/v1/zaken/{case_id}/documenten", f"/api/v1/zaken/{case_id}/notities",
                 f"/api/v1/zaken/{case_id}/bestanden", f"/api/v1/zaken/{case_id}/berichten",
                 f"/api/v1/zaken/{case_id}/gespreksverzoeken", f"/api/v1/zaken/{case_id}/contacttaken",
                 f"/zaken/{case_id}", f"/taken/{item_id}"):
        r = c.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert reference not in r.text and TEXT not in r.text, path
    claim = c.post(f"/api/v1/taken/{item_id}/claimen", headers=_csrf(c))
    assert claim.status_code == 404 and reference not in claim.text
    # the same answer as for a case that does not exist
    assert c.get("/api/v1/zaken/987654").status_code == 404


def _seen_normally(app, db, reference: str, who: str) -> None:
    case_id, _ = _case(db, reference)
    c = demo_login(app, who)
    assert reference in c.get("/api/v1/zaken").text
    assert c.get(f"/api/v1/zaken/{case_id}").status_code == 200
    page = c.get(f"/zaken/{case_id}")
    assert page.status_code == 200 and reference in page.text


def test_the_public_api_lists_display_names_only_and_an_anonymous_report_excluding_one_keeps_them_out(org, demo):
    app = demo_app()
    public = TestClient(app, follow_redirects=False)
    listed = public.get("/api/v1/publiek/behandelaars")
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"
    assert {h["naam"] for h in listed.json()} == {"Mila Meldpunt", "Cor Coördinator", "Cora Collega", "Bas Bureau VI"}
    assert all(set(h) == {"id", "naam"} for h in listed.json())
    assert not re.search(r"@|Douane|integriteitscoordinator|bureau_vi|meldpunt\"", listed.text)

    r = public.post("/api/v1/publiek/meldingen", json={**PUBLIC, "uitgesloten": [org["coordinator"]]})
    assert r.status_code == 201, r.text
    assert CODE.match(r.json()["ontvangstcode"])  # the anonymous path still gives its receipt code
    assert "zaaknummer" not in r.json()  # never the case number to the reporter: the newest case is hers
    from engine.cases.models import Case

    with demo.session() as s:
        reference = s.scalars(select(Case.reference).order_by(Case.id.desc())).first()
    _kept_out(app, demo, reference)
    _seen_normally(app, demo, reference, "coordinator2")
    _seen_normally(app, demo, reference, "bvi")
    case_id, _ = _case(demo, reference)  # the colleagues see who is excluded (so they keep them out of it too)
    page = demo_login(app, "coordinator2").get(f"/zaken/{case_id}").text
    assert re.search(r"<dt>Uitgesloten</dt><dd>Cor Coördinator</dd>", page)
    _, item_id = _case(demo, reference)
    desk = demo_login(app, "meldpunt")  # the desk finds the registration in its pool, as for any report
    assert item_id in [t["id"] for t in desk.get("/api/v1/taken/onverdeeld").json()]


def test_the_public_web_form_offers_the_names_and_excludes_the_one_chosen(org, demo):
    app = demo_app()
    public = TestClient(app, follow_redirects=False)
    form = public.get("/melden").text
    for name in ("Mila Meldpunt", "Cor Coördinator", "Cora Collega", "Bas Bureau VI"):
        assert name in form
    assert "Mehmet Medewerker" not in form and "Wie mag deze melding niet zien?" in form
    assert "Huis voor Klokkenluiders" in form  # said before sending, not only after a refusal
    r = public.post("/melden", data={**PUBLIC, "melden_als": "anoniem", "uitgesloten": [str(org["coordinator"])]})
    assert r.status_code == 200, r.text[:2000]  # the confirmation is the form's answer
    code = re.search(r"\d{4} \d{4} \d{4} \d{4}", r.text)
    assert code is not None
    from engine.cases.models import Case

    with demo.session() as s:
        reference = s.scalars(select(Case.reference).order_by(Case.id.desc())).first()
    _kept_out(app, demo, reference)
    _seen_normally(app, demo, reference, "coordinator2")


def test_staff_registering_for_someone_exclude_likewise_on_both_surfaces(org, demo):
    app = demo_app()
    desk = demo_login(app, "meldpunt")
    r = desk.post("/api/v1/meldingen", headers=_csrf(desk), json={
        **PUBLIC, "kanaal": "meldpunt_integriteit", "melder_anoniem": True, "uitgesloten": [org["coordinator"]]})
    assert r.status_code == 201, r.text
    _kept_out(app, demo, r.json()["zaaknummer"])
    page = desk.get("/meldingen/nieuw").text
    assert "Cor Coördinator" in page and 'name="uitgesloten"' in page
    r = desk.post("/meldingen/nieuw", data={
        **PUBLIC, "kanaal": "meldpunt_integriteit", "ontvangstwijze": "telefoon", "melder": "anoniem",
        "risicofunctie": "geen", "uitgesloten": str(org["coordinator"]), "csrf_token": desk.cookies.get("meldpunt_csrf")})
    assert r.status_code == 303, r.text[:3000]
    case_id = int(r.headers["location"].rsplit("=", 1)[1])
    from engine.cases.models import Case

    with demo.session() as s:
        reference = s.get(Case, case_id).reference
    _kept_out(app, demo, reference)
    _seen_normally(app, demo, reference, "coordinator2")


@pytest.mark.parametrize("value, says", [
    (["abc"], "Moet een geheel getal zijn"),
    ([0], "minstens 1"),
    ("niet-een-lijst", "lijst"),
    (list(range(1, 12)), "hoogstens 10"),
    ("medewerker", "alleen personen uit de lijst"),
    ("nobody-left", "Huis voor Klokkenluiders"),
])
def test_bad_exclusions_are_refused_in_dutch_naming_the_field_on_both_surfaces(org, demo, value, says):
    if value == "medewerker":
        value = [org["medewerker"]]
    if value == "nobody-left":
        value = [org["meldpunt"]]  # the demo has one desk officer: nobody would register the report
    app = demo_app()
    public = TestClient(app, follow_redirects=False)
    before = _stored(demo)
    r = public.post("/api/v1/publiek/meldingen", json={**PUBLIC, "uitgesloten": value})
    assert r.status_code == 422, r.text
    problem = r.json()
    fields = [e["field"] for e in problem["errors"]]
    assert fields and all(f.split(".")[-1].split("[")[0] in ("uitgesloten",) or "uitgesloten" in f for f in fields), \
        problem
    assert says.lower() in r.text.lower(), r.text
    if isinstance(value, list) and all(isinstance(v, int) for v in value) and value and value[0] >= 1:
        web = public.post("/melden", data={**PUBLIC, "melden_als": "anoniem", "uitgesloten": [str(v) for v in value]})
        assert web.status_code == 422 and "Wie mag deze melding niet zien?" in web.text
        assert 'id="fout-uitgesloten"' in web.text and TEXT in web.text  # the form keeps what was written
    assert _stored(demo) == before


def test_malformed_values_on_the_web_form_are_a_dutch_error_not_a_500(org, demo):
    app = demo_app()
    public = TestClient(app, follow_redirects=False)
    before = _stored(demo)
    for value in (["abc"], ["1e3"], ["-1"], [str(2**70)], [str(org["coordinator"])] * 1 + ["x"]):
        r = public.post("/melden", data={**PUBLIC, "melden_als": "anoniem", "uitgesloten": value})
        assert r.status_code == 422, (value, r.status_code)
        assert "Wie mag deze melding niet zien?" in r.text
    assert _stored(demo) == before


def test_in_a_browser_the_reporter_excludes_the_coordinator_and_is_told_when_nobody_would_be_left(site, db):
    """The public form in Chromium, without logging in: the choice is found, the 'nobody left' refusal is read at the
    field with everything typed kept (axe finds nothing, the choice open), then the report goes with one excluded."""
    from playwright.sync_api import expect

    from engine.identity.service import create_user
    from tests.web.conftest import axe_violations, screenshot

    with db.session() as s:  # a second coordinator: excluding the first leaves someone to assess the report
        create_user(session=s, username="coordinator2", display_name="Cora Collega",
                    roles=["integriteitscoordinator"], unit="Douane")
    page = site.person()
    page.goto("/melden")
    page.locator("#omschrijving").fill(TEXT)
    page.locator("#dienstonderdeel").fill("Douane")
    page.get_by_text("Gaat uw melding over iemand die meldingen behandelt?").click()
    page.get_by_label("Mila Meldpunt").check()  # the demo's only desk officer: nobody would register it
    page.get_by_role("button", name="Melding versturen").click()
    expect(page.locator("#fout-uitgesloten")).to_contain_text("Huis voor Klokkenluiders")
    expect(page.locator("#omschrijving")).to_have_value(TEXT)
    expect(page.get_by_label("Mila Meldpunt")).to_be_checked()
    screenshot(page, "melden-uitsluiten-niemand-over")
    assert not axe_violations(page)
    page.get_by_label("Mila Meldpunt").uncheck()
    page.get_by_label("Cor Coördinator").check()
    page.get_by_role("button", name="Melding versturen").click()
    expect(page.get_by_text(re.compile(r"\d{4} \d{4} \d{4} \d{4}"))).to_be_visible()
    from engine.cases.models import Case, CaseParty
    from engine.identity.models import User

    with db.session() as s:
        case_id = s.scalars(select(Case.id).order_by(Case.id.desc())).first()
        assert set(s.execute(select(CaseParty.party, User.username).join(User, User.id == CaseParty.user_id)
                             .where(CaseParty.case_id == case_id)).all()) == {("uitgesloten", "coordinator")}
