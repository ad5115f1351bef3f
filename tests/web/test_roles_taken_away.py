"""A role taken away ends the access it gave: involvement in a case counts only while the role of that work is held.

An investigator who completed tasks in a case sees it; once the functional administrator (``engine.identity.admin``)
or the organisation's OpenID provider (``engine.identity.oidc``) takes the investigator role away, the case file is
gone for them on both surfaces (case page, case list, search, notes, files, tasks): 404, as for any case one has no
business with. Who keeps the role keeps access. Real app, demo organisation, cookie sessions.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web import flow
from tests.web.demo_clients import PASSWORD, demo_app, demo_login


_app, _login = demo_app, demo_login  # tests/web/demo_clients.py


@pytest.fixture
def worked(db, clock):
    """The demo organisation and an anonymous report worked through the investigation (both investigators
    completed tasks), with a note and a file of a handler."""
    from engine.cases import notes
    from engine.demo import seed
    from engine.identity.service import get_user
    from engine.intake import service as intake
    from engine.worklist.models import WorkItem

    with db.session() as s:
        seed(session=s)
    with db.session() as s:
        case_id = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"),
                                       data=flow.ANSWERS["melding_registreren"]).case.id
    flow.complete(db, case_id, "melding_registreren")
    flow.advance_until(db, case_id, "afdoening_bepalen")
    with db.session() as s:
        coordinator = get_user(session=s, username="coordinator")
        notes.add(session=s, user=coordinator, case_id=case_id, text="Gesprek met getuige gepland.")
        done = {}
        for name in ("onderzoeker1", "onderzoeker2"):
            user = get_user(session=s, username=name)
            done[name] = s.scalar(select(WorkItem.id).where(WorkItem.case_id == case_id,
                                                            WorkItem.completed_by_id == user.id,
                                                            WorkItem.role == "onderzoeker").limit(1))
            assert done[name], f"{name} completed a task of the investigation"
    return case_id, done


def _doors(client: TestClient, case_id: int, reference: str, task_id: int) -> dict[str, object]:
    """What one person gets through every door to the case (status, or whether the list shows it)."""
    api_list = client.get("/api/v1/zaken").json()["items"]
    api_search = client.get("/api/v1/zaken", params={"q": reference}).json()["items"]
    return {
        "api case": client.get(f"/api/v1/zaken/{case_id}").status_code,
        "api list": any(c["id"] == case_id for c in api_list),
        "api search": any(c["id"] == case_id for c in api_search),
        "api notes": client.get(f"/api/v1/zaken/{case_id}/notities").status_code,
        "api files": client.get(f"/api/v1/zaken/{case_id}/bestanden").status_code,
        "api timeline": client.get(f"/api/v1/zaken/{case_id}/tijdlijn").status_code,
        "api task": client.get(f"/api/v1/taken/{task_id}").status_code,
        "api completed task": client.get(f"/api/v1/zaken/{case_id}/taken/afgerond").status_code,
        "web case": client.get(f"/zaken/{case_id}").status_code,
        "web list": f'href="/zaken/{case_id}"' in client.get("/zaken").text,
        "web search": f'href="/zaken/{case_id}"' in client.get("/zaken", params={"q": reference}).text,
        "web task": client.get(f"/taken/{task_id}").status_code,
    }


SEES = {"api case": 200, "api list": True, "api search": True, "api notes": 200, "api files": 200,
        "api timeline": 200, "api task": 200, "api completed task": 200, "web case": 200, "web list": True,
        "web search": True, "web task": 200}
GONE = {door: (False if isinstance(seen, bool) else 404) for door, seen in SEES.items()}


def _reference(db, case_id: int) -> str:
    from engine.cases.models import Case

    with db.session() as s:
        return s.get(Case, case_id).reference


def _change_roles(db, username: str, roles: list[str]) -> None:
    """Through the engine function of the administrator's page and API (engine.identity.admin.change_user)."""
    from engine.identity import admin
    from engine.identity.service import get_user

    with db.session() as s:
        user = get_user(session=s, username=username)
        admin.change_user(session=s, by=get_user(session=s, username="beheerder"), user_id=user.id, roles=roles,
                          unit=user.unit, manager_id=user.manager_id)


def test_an_investigator_stripped_of_the_role_loses_the_case_everywhere_at_once(db, worked):
    case_id, done = worked
    reference = _reference(db, case_id)
    app = _app()
    gone, stays = _login(app, "onderzoeker1"), _login(app, "onderzoeker2")
    assert _doors(gone, case_id, reference, done["onderzoeker1"]) == SEES
    assert _doors(stays, case_id, reference, done["onderzoeker2"]) == SEES

    _change_roles(db, "onderzoeker1", [])  # moved to another department: every role taken away
    _change_roles(db, "onderzoeker2", ["onderzoeker", "vertrouwenspersoon"])  # keeps the investigator role

    assert _doors(gone, case_id, reference, done["onderzoeker1"]) == GONE  # the same session, at once
    assert _doors(stays, case_id, reference, done["onderzoeker2"]) == SEES


def test_another_role_does_not_keep_the_access_of_the_role_taken_away(db, worked):
    """Holding some role is not enough: the work was done as investigator, and that role is gone."""
    case_id, done = worked
    reference = _reference(db, case_id)
    client = _login(_app(), "onderzoeker1")
    _change_roles(db, "onderzoeker1", ["vertrouwenspersoon"])
    assert _doors(client, case_id, reference, done["onderzoeker1"]) == GONE


def test_a_role_the_openid_provider_takes_away_ends_the_access_it_gave(db, worked):
    """The provider's login maps the claims to roles (engine.identity.oidc); a login without the investigator
    role ends the case for the person, also in a session opened before."""
    from engine.identity import oidc
    from engine.identity.service import get_user

    case_id, done = worked
    reference = _reference(db, case_id)
    with db.session() as s:
        get_user(session=s, username="onderzoeker1").external_subject = "sub-onderzoeker1"
    client = _login(_app(), "onderzoeker1")
    assert _doors(client, case_id, reference, done["onderzoeker1"]) == SEES
    provider = oidc.OidcIdentityProvider(oidc.OidcSettings(issuer="https://idp.example", client_id="meldpunt"))
    claims = {"sub": "sub-onderzoeker1", "preferred_username": "onderzoeker1", "name": "Onderzoeker Een",
              "groups": ["vertrouwenspersoon"]}  # moved: the organisation now gives another role
    with db.session() as s:
        user = provider.authenticate(session=s, credentials={"claims": claims})
        assert user.role_codes == {"vertrouwenspersoon"}
    assert _doors(client, case_id, reference, done["onderzoeker1"]) == GONE


def test_a_role_taken_away_in_another_server_process_empties_its_pool_at_once(db, clock):
    """The roles a request loaded may be a few seconds old in another server process (engine.identity.session_cache):
    the pool of a role taken away there is empty at once (worklist page, its counts, the API's pool and overdue
    list, the task's own page on both surfaces). Simulated by a statement that empties no cache of this process."""
    from sqlalchemy import delete

    from engine.demo import seed
    from engine.identity.models import UserRole
    from engine.identity.service import get_user
    from engine.intake import service as intake
    from engine.worklist import service as worklist

    with db.session() as s:
        seed(session=s)
    with db.session() as s:  # a report from the public form: its registration waits in the desk's pool
        case_id = intake.submit_report(session=s, actor=None, data=flow.ANSWERS["melding_registreren"]).case.id
        (item,) = worklist.items_of_case(session=s, case_id=case_id)
        assert item.role == "meldpunt" and item.assignee_id is None
        desk = get_user(session=s, username="meldpunt").id
    reference = _reference(db, case_id)
    clock.advance(timedelta(days=30))  # the registration's term has passed: it is also overdue
    client = _login(_app(), "meldpunt")

    def pool() -> dict[str, object]:
        page = client.get("/werkvoorraad", params={"tab": "open"}).text
        return {"api pool": item.id in [t["id"] for t in client.get("/api/v1/taken/onverdeeld").json()],
                "api overdue": item.id in [t["id"] for t in client.get("/api/v1/taken/te-laat").json()],
                "web pool": f'href="/taken/{item.id}"' in page or reference in page,
                "web late": reference in client.get("/werkvoorraad", params={"tab": "te-laat"}).text,
                # the task itself, addressed by id: its triage outline on both surfaces (one decision, live roles)
                "api task": client.get(f"/api/v1/taken/{item.id}").status_code == 200,
                "web task": client.get(f"/taken/{item.id}").status_code == 200}

    assert pool() == {"api pool": True, "api overdue": True, "web pool": True, "web late": True, "api task": True,
                      "web task": True}
    with db.engine.begin() as conn:  # the administrator's change, committed by another server process
        conn.execute(delete(UserRole.__table__).where(UserRole.user_id == desk, UserRole.role == "meldpunt"))
    assert pool() == {"api pool": False, "api overdue": False, "web pool": False, "web late": False,
                      "api task": False, "web task": False}


@pytest.mark.parametrize("username, role, doors", [
    ("coordinator", "integriteitscoordinator", ("/api/v1/bewaartermijnen/vernietigingslijsten", "/api/v1/inzageverzoeken",
                                                "/bewaartermijnen", "/inzageverzoeken")),
    ("auditor", "auditor", ("/api/v1/audit", "/audit")),
    ("procesbeheerder", "procesbeheerder", ("/api/v1/incidenten", "/incidenten")),
])
def test_a_role_taken_away_in_another_server_process_closes_its_registers_at_once(db, clock, username, role, doors):
    """The registers a role opens whatever the case (destruction lists, access requests with the persons' names,
    the audit trail, incidents by case number) ask the role held now, not only the roles a session cached in
    another server process still lists (simulated by a statement that empties no cache of this process)."""
    from sqlalchemy import delete

    from engine.demo import seed
    from engine.identity.models import UserRole
    from engine.identity.service import get_user

    with db.session() as s:
        seed(session=s)
        uid = get_user(session=s, username=username).id
    client = _login(_app(), username)
    assert {door: client.get(door).status_code for door in doors} == {door: 200 for door in doors}
    with db.engine.begin() as conn:  # the administrator's change, committed by another server process
        conn.execute(delete(UserRole.__table__).where(UserRole.user_id == uid, UserRole.role == role))
    assert {door: client.get(door).status_code for door in doors} == {door: 403 for door in doors}
