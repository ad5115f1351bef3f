"""One door per resource: the web pages and the API give the same answer, decided once in engine/ (issue 16).

Both surfaces of the real app (``create_app``: API under /api/v1 and the HTML pages), the demo organisation,
a cookie session per user. The reporter's identity is checked in the bytes returned (HTML, JSON, .docx text).
"""
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web import flow
from tests.web.demo_clients import PASSWORD, demo_app, demo_login

NAME, EMAIL = "Renée Ritsema", "renee.ritsema@example.org"
# Demo users whose roles may not see the reporter's identity, but who work the case below.
NOT_AUTHORISED = ("onderzoeker1", "onderzoeker2", "hr", "directeur", "bvi")
AUTHORISED = ("meldpunt", "coordinator")


_app, _login = demo_app, demo_login  # tests/web/demo_clients.py


def _text(response) -> str:
    """What a person would read in the response: .docx text, otherwise the body as text."""
    from documents.render import docx_text

    if response.content[:2] == b"PK":
        return docx_text(response.content)
    return response.text


DEMO_REPORTER = ("Mehmet Medewerker", "m.medewerker@")  # the reporter of the demo's named case


def _leaks(text: str, needles=(NAME, "Ritsema", EMAIL)) -> bool:
    return any(s.lower() in text.lower() for s in needles)


def _worked_case(db) -> int:
    """A named report about the demo user 'medewerker', worked by both investigators, HR and the director
    up to the director's decision: every one of them may see the case, none may see who reported it."""
    from engine.identity.service import get_user
    from engine.intake import service as intake

    registration = {**flow.ANSWERS["melding_registreren"], "melder_anoniem": False, "melder_naam": NAME,
                    "melder_email": EMAIL, "kanaal": "meldpunt_integriteit", "betrokkene_naam": "M. Medewerker"}
    with db.session() as s:
        subject = get_user(session=s, username="medewerker")
        case_id = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"),
                                       data=registration, subject_user_id=subject.id).case.id
    flow.complete(db, case_id, "melding_registreren", registration)
    flow.advance_until(db, case_id, "besluit_disciplinaire_maatregel")
    flow.complete(db, case_id, "besluit_disciplinaire_maatregel", username="directeur")
    return case_id


def _letters(db, case_id: int) -> tuple[list[int], list[int]]:
    """(ids of letters to the reporter, ids of the other letters) of the case."""
    from documents.models import Letter

    with db.session() as s:
        rows = s.execute(select(Letter.id, Letter.recipient).where(Letter.case_id == case_id)).all()
    return [i for i, r in rows if r == "melder"], [i for i, r in rows if r != "melder"]


def _linked_letters(html: str, case_id: int) -> set[int]:
    return {int(n) for n in re.findall(rf'href="/zaken/{case_id}/brieven/(\d+)"', html)}


def _surfaces(client: TestClient, case_id: int, to_reporter: list[int], others: list[int]) -> dict:
    """What one user gets for the case's letters through the web pages and the API."""
    page = client.get(f"/zaken/{case_id}")
    api_list = client.get(f"/api/v1/zaken/{case_id}/documenten")
    out = {"page": page.status_code, "page_leaks": _leaks(page.text),
           "page_links": _linked_letters(page.text, case_id),
           "api_list": {d["id"] for d in api_list.json()} if api_list.status_code == 200 else api_list.status_code,
           "web_get": {}, "api_get": {}}
    for letter_id in to_reporter + others:
        web = client.get(f"/zaken/{case_id}/brieven/{letter_id}")
        api = client.get(f"/api/v1/zaken/{case_id}/documenten/{letter_id}")
        out["web_get"][letter_id] = (web.status_code, _leaks(_text(web)))
        out["api_get"][letter_id] = (api.status_code, _leaks(_text(api)))
    return out


def test_letters_to_the_reporter_only_for_the_identity_authorised_on_both_surfaces(demo):
    case_id = _worked_case(demo)
    to_reporter, others = _letters(demo, case_id)
    assert to_reporter and others  # acknowledgement and feedback to the reporter; assignment, notices, advice
    app = _app()
    leaks = []
    for username in NOT_AUTHORISED:
        got = _surfaces(_login(app, username), case_id, to_reporter, others)
        assert got["page"] == 200, (username, got["page"])  # they work the case: it is visible
        if got["page_leaks"]:
            leaks.append(f"{username}: GET /zaken/{case_id} shows the reporter")
        if got["page_links"] & set(to_reporter):
            leaks.append(f"{username}: GET /zaken/{case_id} lists letters to the reporter {sorted(got['page_links'] & set(to_reporter))}")
        if got["api_list"] != set(others):
            leaks.append(f"{username}: GET /api/v1/zaken/{case_id}/documenten gives {got['api_list']}")
        for letter_id in to_reporter:
            for surface, path in (("web_get", f"/zaken/{case_id}/brieven/{letter_id}"),
                                  ("api_get", f"/api/v1/zaken/{case_id}/documenten/{letter_id}")):
                status, leaked = got[surface][letter_id]
                if status != 404 or leaked:
                    leaks.append(f"{username}: GET {path} → {status}{' with the reporter’s name' if leaked else ''}")
        # the rest of the case file stays available to those who work the case, on both surfaces
        assert got["page_links"] >= set(others), (username, got["page_links"])
        for letter_id in others:
            assert got["web_get"][letter_id] == (200, False) and got["api_get"][letter_id] == (200, False), \
                (username, letter_id, got["web_get"][letter_id], got["api_get"][letter_id])
    assert leaks == [], "\n".join(leaks)

    for username in AUTHORISED:  # desk and coordinator read the letters to the reporter, on both surfaces
        got = _surfaces(_login(app, username), case_id, to_reporter, others)
        assert got["page_links"] >= set(to_reporter + others) and got["api_list"] == set(to_reporter + others)
        for letter_id in to_reporter:
            assert got["web_get"][letter_id] == (200, True) and got["api_get"][letter_id] == (200, True)


def test_bvi_gets_no_acknowledgement_letter_of_the_demo_case(demo):
    """The case of the issue: Bureau V&I, demo organisation, the named report about the team leader."""
    from documents.models import Letter
    from engine.cases.models import Case

    with demo.session() as s:
        case_id, letter_id = s.execute(select(Case.id, Letter.id).join(Letter, Letter.case_id == Case.id)
                                       .where(Letter.template == "ontvangstbevestiging")).one()
    bvi = _login(_app(), "bvi")
    assert bvi.get(f"/api/v1/zaken/{case_id}/documenten").json() == []
    assert bvi.get(f"/api/v1/zaken/{case_id}/documenten/{letter_id}").status_code == 404
    page = bvi.get(f"/zaken/{case_id}")
    assert page.status_code == 200
    assert f"/brieven/{letter_id}" not in page.text and not _leaks(page.text, DEMO_REPORTER)
    download = bvi.get(f"/zaken/{case_id}/brieven/{letter_id}")
    assert download.status_code == 404 and not _leaks(_text(download), DEMO_REPORTER)


# --------------------------------------------------------------------------- timeline (API and web)

MANAGER = ("teamleider", "Tamara")  # username and first name of the demo team leader


def _manager_reports_own_employee(db, app) -> tuple[int, int]:
    """The team leader reports her own employee through the API (she is the known reporter), the desk
    registers it, she reads the acknowledgement through her own channel, and the case is worked up to the
    decision on the sanction: investigators, HR, the director and Bureau V&I may all see the case."""
    from engine.identity.service import get_user

    boss = _login(app, "teamleider")
    with db.session() as s:
        employee = get_user(session=s, username="medewerker").id
    r = boss.post("/api/v1/meldingen", headers={"X-CSRF-Token": boss.cookies.get("meldpunt_csrf")}, json={
        "kanaal": "leidinggevende", "categorie": "Financiële schendingen", "dienstonderdeel": "Douane",
        "omschrijving": "Declaraties voor reizen die niet zijn gemaakt.", "melder_naam": "Tamara Teamleider",
        "melder_email": "t.teamleider@voorbeeld.example", "betrokkene_id": employee})
    assert r.status_code == 201, r.text
    case_id = r.json()["zaak_id"]
    registration = {**flow.ANSWERS["melding_registreren"], "melder_anoniem": False, "kanaal": "leidinggevende",
                    "melder_naam": "Tamara Teamleider", "melder_email": "t.teamleider@voorbeeld.example",
                    "betrokkene_naam": "Mehmet Medewerker"}
    flow.complete(db, case_id, "melding_registreren", registration)
    flow.advance_until(db, case_id, "afdoening_bepalen")
    own = boss.get(f"/api/v1/mijn-meldingen/{case_id}/brieven").json()
    assert own, "the acknowledgement reached the reporter"
    assert boss.get(f"/api/v1/mijn-meldingen/{case_id}/brieven/{own[0]['id']}").status_code == 200
    return case_id, own[0]["id"]


def _timeline_section(html: str) -> str:
    match = re.search(r'<section aria-labelledby="tijdlijn">(.*?)</section>', html, re.S)
    assert match and '<ol class="tijdlijn">' in match.group(1), "the case page has a timeline"
    return match.group(1)


def test_timeline_and_parties_show_a_known_reporter_only_as_pseudonym_on_both_surfaces(demo):
    from engine.audit.models import AuditEvent
    from engine.identity.access import reporter_pseudonym

    app = _app()
    case_id, _ = _manager_reports_own_employee(demo, app)
    with demo.session() as s:  # what is at stake: she filed the report and read the letter herself
        actors = {a for a, in s.execute(select(AuditEvent.actor).where(
            AuditEvent.case_id == case_id, AuditEvent.action.in_(("report.submitted", "document.read"))))}
    assert "teamleider" in actors
    alias = reporter_pseudonym(case_id)
    leaks = []
    for username in NOT_AUTHORISED:
        client = _login(app, username)
        api = client.get(f"/api/v1/zaken/{case_id}/tijdlijn")
        assert api.status_code == 200, (username, api.status_code)
        page = client.get(f"/zaken/{case_id}")
        assert page.status_code == 200, (username, page.status_code)
        events = api.json()
        if any(e["door"] == "teamleider" or _leaks(json_text(e), MANAGER) for e in events):
            leaks.append(f"{username}: GET /api/v1/zaken/{case_id}/tijdlijn names the reporter")
        if _leaks(_timeline_section(page.text), MANAGER):
            leaks.append(f"{username}: the timeline on GET /zaken/{case_id} names the reporter")
        if _leaks(page.text, ("Tamara",)):  # nor as the subject's line manager among the parties
            leaks.append(f"{username}: GET /zaken/{case_id} names the reporter")
        submitted = [e["door"] for e in events if e["actie"] == "report.submitted"]
        if submitted != [alias]:
            leaks.append(f"{username}: GET /api/v1/zaken/{case_id}/tijdlijn: report filed by {submitted}, not {alias}")
        if alias not in _timeline_section(page.text):
            leaks.append(f"{username}: the timeline on GET /zaken/{case_id} lacks the pseudonym {alias}")
    assert leaks == [], "\n".join(leaks)

    coordinator = _login(app, "coordinator")  # identity role: the real actor, on both surfaces
    events = coordinator.get(f"/api/v1/zaken/{case_id}/tijdlijn").json()
    assert {"report.submitted", "document.read"} <= {e["actie"] for e in events if e["door"] == "teamleider"}
    assert "Tamara Teamleider" in _timeline_section(coordinator.get(f"/zaken/{case_id}").text)  # by name


def json_text(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


# --------------------------------------------------------------------------- audit API (issue 16)

def test_audit_api_leaves_out_the_auditors_own_case_and_pseudonymises_the_reporter(demo):
    """The demo auditor is the subject of a case: they read none of its events. In the demo's named case
    the reporter (demo user 'medewerker') reads the acknowledgement herself: the auditor sees a pseudonym."""
    from documents.models import Letter
    from engine.cases.models import Case
    from engine.identity.access import reporter_pseudonym
    from engine.identity.service import get_user
    from engine.intake import service as intake

    with demo.session() as s:
        own_case = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"), data={
            "categorie": "Financiële schendingen", "dienstonderdeel": "Douane", "melder_naam": NAME,
            "omschrijving": "Declaraties voor reizen die niet zijn gemaakt."},
            subject_user_id=get_user(session=s, username="auditor").id).case.id
        named, letter_id = s.execute(select(Case.id, Letter.id).join(Letter, Letter.case_id == Case.id)
                                     .where(Letter.template == "ontvangstbevestiging")).one()
    app = _app()
    reporter = _login(app, "medewerker")
    assert reporter.get(f"/api/v1/mijn-meldingen/{named}/brieven/{letter_id}").status_code == 200

    auditor = _login(app, "auditor")
    everything = auditor.get("/api/v1/audit", params={"limit": 200}).json()["items"]
    assert everything and all(e["zaak_id"] != own_case for e in everything)
    assert auditor.get("/api/v1/audit", params={"zaakId": own_case}).json()["items"] == []
    assert auditor.get(f"/api/v1/audit/zaken/{own_case}").json() == []

    alias = reporter_pseudonym(named)
    for events in (auditor.get(f"/api/v1/audit/zaken/{named}").json(),
                   auditor.get("/api/v1/audit", params={"zaakId": named}).json()["items"],
                   [e for e in everything if e["zaak_id"] == named]):
        assert events and all(e["door"] != "medewerker" for e in events)
        assert not _leaks(json_text(events), ("medewerker\"", "Mehmet"))
        read = [e for e in events if e["actie"] == "document.read"]
        assert read and all(e["door"] == alias and e["hash"] is None for e in read)  # the hash would betray her
        assert all(e["hash"] for e in events if e["door"] != alias)

    # the chain itself is untouched; the desk (identity role, not the auditor) is not given the trail
    verify = auditor.post("/api/v1/audit/verificatie", headers={"X-CSRF-Token": auditor.cookies.get("meldpunt_csrf")})
    assert verify.status_code == 200 and verify.json()["ok"] is True
    assert _login(app, "meldpunt").get(f"/api/v1/audit/zaken/{named}").status_code == 403
