"""The work view of a task (``engine.cases.task_read.task_work``): the one decision on which confidential fields of a
task's form arrive prefilled for who works on it, the same through the API (``GET /api/v1/taken/{id}``) and the web's
task form (``GET /taken/{id}``), audited once on each, and kept when the task is completed with what was read.

The real app on the demo organisation; the shipped process's registration task (``melding_registreren``: the
reporter's name and e-mail, class ``melder``, and the description, class ``melding``) claimed by a desk member. The
desk member reads the originals; the same desk member in a deployment that requires a second factor, with a session
that has none, may not: neither surface prefills them (not the identity, and not the redacted description either:
a redacted text put back into the form would replace the original on completion).
"""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from tests.factories import make_user
from tests.web.demo_clients import PASSWORD, demo_app, demo_login

NAME, EMAIL = "Renée Ritsema", "renee.ritsema@example.org"
ORIGINAL = "Ik zag als enige vrouw in het team dat declaraties van reizen werden vervalst."
REDACTED = "Een medewerker zag dat declaraties van reizen werden vervalst."
SECRET = ("melder_naam", "melder_email", "omschrijving")  # the registration form's confidential fields in this case


def _case(db, *, claim: bool = True, roles: tuple[str, ...] = ("meldpunt",)) -> tuple[int, int]:
    """A named report registered by the desk; its registration task claimed by desk member balie1 (``claim``)."""
    from engine.cases import field_classes
    from engine.identity.service import get_user, set_password
    from engine.intake import service as intake
    from engine.worklist import service as worklist
    from engine.worklist.models import WorkItem
    from tests.web import flow

    with db.session() as s:
        desk = make_user(s, "balie1", *roles)
        set_password(session=s, user_id=desk.id, password=PASSWORD)
        registration = {**flow.ANSWERS["melding_registreren"], "melder_anoniem": False, "melder_naam": NAME,
                        "melder_email": EMAIL, "omschrijving": ORIGINAL, "kanaal": "meldpunt_integriteit",
                        "betrokkene_naam": "B. Medewerker"}
        case_id = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"),
                                       data=registration).case.id
    with db.session() as s:
        task_id = s.scalar(select(WorkItem.id).where(WorkItem.case_id == case_id,
                                                     WorkItem.element_id == "melding_registreren",
                                                     WorkItem.state == "open"))
        assert task_id is not None
        if not claim:
            return case_id, task_id
        worklist.claim(session=s, work_item_id=task_id, user=get_user(session=s, username="balie1"))
    with db.session() as s:  # the desk redacts the description for case workers (the holder of its task sees it)
        field_classes.redact(session=s, user=get_user(session=s, username="balie1"), case_id=case_id,
                             name="omschrijving", text=REDACTED)
    return case_id, task_id


def _web_values(page: str) -> dict:
    """The values the web's task form arrives with for the confidential fields (absent: not prefilled)."""
    found = {}
    for name in SECRET:
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
        if tag:
            value = re.search(r'value="([^"]*)"', tag.group(0))
            if value and value.group(1):
                found[name] = html.unescape(value.group(1))
            continue
        area = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
        if area and area.group(1).strip():
            found[name] = html.unescape(area.group(1).strip())
    return found


def _reads(db, case_id: int, actor: str) -> list[tuple[str, str | None, list]]:
    from engine.audit.models import AuditEvent

    with db.session() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.actor == actor,
                                                  AuditEvent.action.in_(("identity.read", "confidential.read")))
                         .order_by(AuditEvent.id)).all()
        return [(r.action, (r.details or {}).get("pagina"), sorted((r.details or {}).get("velden") or []))
                for r in rows]


def _look(db, client, case_id: int, task_id: int):
    """(API gegevens, the web form's prefilled values, audit rows of the API read, audit rows of the web read)."""
    before = len(_reads(db, case_id, "balie1"))
    api = client.get(f"/api/v1/taken/{task_id}")
    assert api.status_code == 200 and api.json()["toegang"] == "bewerken", api.text[:300]
    middle = len(_reads(db, case_id, "balie1"))
    web = client.get(f"/taken/{task_id}")
    assert web.status_code == 200 and 'data-toegang="bewerken"' in web.text, web.text[:300]
    reads = _reads(db, case_id, "balie1")
    gegevens = api.json()["gegevens"]
    return gegevens, _web_values(web.text), reads[before:middle], reads[middle:], api.json()


def test_the_desk_reads_the_same_prefilled_form_on_both_surfaces_audited_once(demo):
    case_id, task_id = _case(demo)
    client = demo_login(demo_app(), "balie1")
    gegevens, web, api_reads, web_reads, _ = _look(demo, client, case_id, task_id)
    assert {k: gegevens.get(k) for k in SECRET} == {"melder_naam": NAME, "melder_email": EMAIL,
                                                    "omschrijving": ORIGINAL}
    assert web == {k: gegevens[k] for k in SECRET}
    # each surface audits the one read of what it showed: names of the fields, never values
    assert api_reads == [("identity.read", "api-taak", ["melder_email", "melder_naam"]),
                         ("confidential.read", "api-taak", ["omschrijving"])]
    assert web_reads == [("identity.read", "taak", ["melder_email", "melder_naam"]),
                         ("confidential.read", "taak", ["omschrijving"])]


def test_a_desk_member_without_the_second_factor_reads_neither_on_both_surfaces(demo, monkeypatch):
    """A session without a verified second factor where the deployment requires it: the web sends the desk member to
    the code before any form; the API answers the task, without the identity and without the redacted text."""
    case_id, task_id = _case(demo)
    client = demo_login(demo_app(), "balie1")  # a session without a verified second factor
    before = _reads(demo, case_id, "balie1")
    from engine.config import get_settings

    monkeypatch.setenv("MELDPUNT_TWEEDE_FACTOR", "verplicht")  # the deployment requires it from now on
    get_settings.cache_clear()
    try:
        api = client.get(f"/api/v1/taken/{task_id}")
        web = client.get(f"/taken/{task_id}")
    finally:
        monkeypatch.delenv("MELDPUNT_TWEEDE_FACTOR")
        get_settings.cache_clear()
    assert web.status_code == 303 and web.headers["location"].startswith("/inloggen/code"), web.status_code
    assert api.status_code == 200 and api.json()["toegang"] == "bewerken", api.text[:300]
    assert not set(SECRET) & set(api.json()["gegevens"]), api.json()["gegevens"]  # nothing to put back in the form
    assert NAME not in api.text and EMAIL not in api.text and ORIGINAL not in api.text and REDACTED not in api.text
    assert _reads(demo, case_id, "balie1") == before  # nothing confidential shown, nothing read


def test_completing_through_the_api_with_the_work_view_keeps_the_confidential_values(demo):
    from engine.cases import confidential, field_classes

    case_id, task_id = _case(demo)
    client = demo_login(demo_app(), "balie1")
    body = client.get(f"/api/v1/taken/{task_id}").json()
    fields = body["formulier"]["properties"]
    data = {k: v for k, v in body["gegevens"].items() if k in fields and not fields[k].get("readOnly")}
    data["melding_compleet"] = True
    r = client.post(f"/api/v1/taken/{task_id}/afronden", json={"gegevens": data, "zaakversie": body["zaakversie"]},
                    headers={"X-CSRF-Token": client.cookies.get("meldpunt_csrf")})
    assert r.status_code == 200, r.text
    with demo.session() as s:
        stored = confidential.read(s, case_id=case_id)
    assert (stored.get("melder_naam"), stored.get("melder_email"), stored.get("omschrijving")) == (NAME, EMAIL,
                                                                                                   ORIGINAL)
    assert stored.get(field_classes.redacted_key("omschrijving")) == REDACTED  # the same text: its redaction holds


def test_an_unclaimed_pool_task_is_not_prefilled_until_it_is_claimed(demo):
    """Who may take a pool task is not working on it yet: the API reads it as the web's claim page does, without
    the form's identity fields; after the claim the work view prefills them.
    The desk member is also an integrity coordinator, so she sees the case before the claim (oversight)."""
    case_id, task_id = _case(demo, claim=False, roles=("meldpunt", "integriteitscoordinator"))
    client = demo_login(demo_app(), "balie1")
    api = client.get(f"/api/v1/taken/{task_id}")
    assert api.status_code == 200, api.text[:300]
    assert NAME not in api.text and EMAIL not in api.text, api.text[:300]
    claimed = client.post(f"/api/v1/taken/{task_id}/claimen-en-openen",
                          headers={"X-CSRF-Token": client.cookies.get("meldpunt_csrf")})
    assert claimed.status_code == 200, claimed.text[:300]
    for gegevens in (claimed.json()["gegevens"], client.get(f"/api/v1/taken/{task_id}").json()["gegevens"]):
        assert (gegevens.get("melder_naam"), gegevens.get("melder_email")) == (NAME, EMAIL)


def test_a_read_of_a_task_audits_no_identity_read_it_did_not_show(demo):
    """The read-only view of a task (``task_read``) never holds the reporter's identity: the audit trail says only what
    was shown (the substance), not that the identity was read, for a reader who would be allowed to see it."""
    case_id, task_id = _case(demo, claim=False, roles=("integriteitscoordinator",))  # sees the case, not the task
    client = demo_login(demo_app(), "balie1")
    before = len(_reads(demo, case_id, "balie1"))
    api = client.get(f"/api/v1/taken/{task_id}")
    web = client.get(f"/taken/{task_id}")
    assert api.status_code == 200 and api.json()["toegang"] == "inzien", api.text[:300]
    assert web.status_code == 200 and 'data-toegang="inzien"' in web.text, web.text[:300]
    assert NAME not in api.text and NAME not in web.text
    reads = _reads(demo, case_id, "balie1")[before:]
    assert [r for r in reads if r[0] == "identity.read"] == [], reads
    assert ("confidential.read", "api-taak", ["omschrijving"]) in reads, reads
