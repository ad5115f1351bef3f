"""Role management (issue 17): the functional administrator changes a user's roles, unit and manager on the page
and through the API (one engine door, ``engine.identity.admin.change_user``). A role taken away takes its claimed
work back to the pool; a refused change changes nothing; nobody else may change roles."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.web.test_role_pages import _app, _csrf, _login, _text, seeded  # noqa: F401 (fixture)

pytestmark = pytest.mark.db


def _user(db, username):
    from engine.identity.service import get_user

    with db.session() as s:
        u = get_user(session=s, username=username)
        return u.id, sorted(u.role_codes), u.unit, u.manager_id


def _claimed_task(db, username: str) -> int:
    """A report filed and its first task claimed by ``username`` (the desk), through the engine."""
    from engine.identity.service import get_user
    from engine.intake import service as intake
    from engine.worklist import service as worklist

    with db.session() as s:
        desk = get_user(session=s, username=username)
        case = intake.submit_report(session=s, actor=desk, data={
            "melder_anoniem": True, "kanaal": "meldpunt_integriteit", "categorie": "Financiële schendingen",
            "omschrijving": "Declaraties voor reizen die niet zijn gemaakt.", "dienstonderdeel": "Douane"}).case
        item = next(i for i in worklist.items_of_case(session=s, case_id=case.id) if i.role == "meldpunt")
        worklist.claim(session=s, work_item_id=item.id, user=desk)
        return item.id


def test_admin_changes_roles_on_the_page_and_a_taken_role_hands_its_work_back(seeded):
    from engine.audit.models import AuditEvent
    from engine.worklist.models import WorkItem

    db = seeded
    item_id = _claimed_task(db, "meldpunt")
    uid, roles, _, _ = _user(db, "meldpunt")
    assert roles == ["meldpunt"]
    admin = _login(_app(), "beheerder")
    page = admin.get(f"/gebruikers/{uid}")
    assert page.status_code == 200 and "Gebruiker meldpunt wijzigen" in _text(page.text)
    r = admin.post(f"/gebruikers/{uid}", data={"csrf_token": _csrf(page.text), "rollen": ["onderzoeker"],
                                                "dienstonderdeel": "  Douane  ", "leidinggevende": ""})
    assert r.status_code == 303, r.text[:500]
    assert "1 opgepakte taak ging terug" in admin.get(r.headers["location"]).text
    assert _user(db, "meldpunt")[1:3] == (["onderzoeker"], "Douane")
    with db.session() as s:
        assert s.get(WorkItem, item_id).assignee_id is None  # back in the desk's pool
        events = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "gebruiker_gewijzigd" in events and "task.unclaimed" in events


def test_a_refused_change_changes_nothing_and_keeps_the_choices(seeded):
    db = seeded
    uid, roles, unit, manager = _user(db, "hr")
    admin = _login(_app(), "beheerder")
    token = _csrf(admin.get(f"/gebruikers/{uid}").text)
    r = admin.post(f"/gebruikers/{uid}", data={"csrf_token": token, "rollen": ["jurist"], "leidinggevende": str(uid)})
    assert r.status_code == 422 and "Kies een andere bestaande medewerker" in _text(r.text)
    assert 'value="jurist" checked' in r.text
    r = admin.post(f"/gebruikers/{uid}", data={"csrf_token": token})
    assert r.status_code == 422 and "Kies minstens één rol" in _text(r.text)
    assert _user(db, "hr") == (uid, roles, unit, manager)
    # the administrator cannot take away their own administrator role
    own = _user(db, "beheerder")[0]
    r = admin.post(f"/gebruikers/{own}", data={"csrf_token": token, "rollen": ["auditor"]})
    assert r.status_code == 422 and "eigen rol van functioneel beheerder" in _text(r.text)
    assert "functioneel_beheerder" in _user(db, "beheerder")[1]


def test_only_the_administrator_changes_roles_on_page_and_api(seeded):
    db = seeded
    uid, roles, _, _ = _user(db, "hr")
    app = _app()
    coordinator = _login(app, "coordinator")
    token = _csrf(coordinator.get("/werkvoorraad").text)
    assert coordinator.get(f"/gebruikers/{uid}").status_code == 403
    r = coordinator.post(f"/gebruikers/{uid}", data={"csrf_token": token, "rollen": ["integriteitscoordinator"]})
    assert r.status_code == 403 and "Geen toegang" in r.text
    api = _login(app, "coordinator")
    api_token = _csrf(api.get("/werkvoorraad").text)
    r = api.put(f"/api/v1/gebruikers/{uid}", json={"roles": ["integriteitscoordinator"]},
                headers={"X-CSRF-Token": api_token})
    assert r.status_code == 403
    admin = _login(app, "beheerder")
    admin_token = _csrf(admin.get("/gebruikers").text)
    r = admin.put(f"/api/v1/gebruikers/{uid}", json={"roles": ["geen_rol"]}, headers={"X-CSRF-Token": admin_token})
    assert r.status_code == 422 and "Onbekende rol" in r.text
    r = admin.put(f"/api/v1/gebruikers/{uid}", json={"roles": ["hr_adviseur", "jurist"], "unit": "Douane"},
                  headers={"X-CSRF-Token": admin_token})
    assert r.status_code == 200, r.text
    assert _user(db, "hr")[1] == ["hr_adviseur", "jurist"]
