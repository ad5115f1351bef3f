"""A staff notice marked seen by a coordinator excluded from one of its cases leaves that case's tasks for the others.

The demo organisation (real app) and a second integrity coordinator. One report excludes the coordinator it concerns
(party ``uitgesloten``, ``engine.intake.exclusions``), another does not; the desk officer claims the registration of
both. The excluded coordinator neither sees nor counts the excluded report's task in a notice
(``engine.staff.service.notices_for``), so marking the notice seen (``mark_notice_seen``, the web's "Gezien") deals
only with what they were told: the colleague still sees the excluded report's task, counted as one. A notice about
that report alone does not exist for the excluded coordinator: marking it seen answers as an unknown notice, and
the colleague still sees it."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from tests.web.demo_clients import PASSWORD, demo_app, demo_login

pytestmark = pytest.mark.db

REPORT = {"categorie": "Financiële schendingen", "omschrijving": "De coördinator past declaraties aan.",
          "dienstonderdeel": "Douane", "kanaal": "meldpunt_integriteit", "melder_anoniem": True}
BLOCKED = "Taken teruggezet in de pool na het blokkeren van Mila Meldpunt: {}."
WITHOUT_TASKS = "Mila Meldpunt is geblokkeerd; er stonden geen opgepakte taken op naam."


@pytest.fixture
def org(demo):
    from engine.identity.service import create_user, get_user

    with demo.session() as s:
        create_user(session=s, username="coordinator2", display_name="Cora Collega", roles=["integriteitscoordinator"],
                    unit="Douane", password=PASSWORD, email="coordinator2@meldpunt-demo.example")
        return {u: get_user(session=s, username=u).id for u in ("meldpunt", "coordinator", "coordinator2")}


def _csrf(client) -> dict:
    return {"X-CSRF-Token": client.cookies.get("meldpunt_csrf")}


def _claim_new_report(db, desk, **extra) -> int:
    from engine.cases.models import Case
    from engine.worklist.models import WorkItem

    r = desk.post("/api/v1/meldingen", headers=_csrf(desk), json={**REPORT, **extra})
    assert r.status_code == 201, r.text
    with db.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.reference == r.json()["zaaknummer"]))
        item_id = s.scalar(select(WorkItem.id).where(WorkItem.case_id == case_id, WorkItem.state == "open"))
    assert desk.post(f"/api/v1/taken/{item_id}/claimen", headers=_csrf(desk)).status_code == 200
    return item_id


@pytest.fixture
def app():
    return demo_app()


@pytest.fixture
def excluded_item(org, demo, app) -> int:
    """The desk officer holds the registration of a report that excludes the coordinator."""
    return _claim_new_report(demo, demo_login(app, "meldpunt"), uitgesloten=[org["coordinator"]])


@pytest.fixture
def plain_item(org, demo, app) -> int:
    """The desk officer holds the registration of a report both coordinators may see."""
    return _claim_new_report(demo, demo_login(app, "meldpunt"))


def _notices(db, username: str) -> list[dict]:
    from engine.identity.service import get_user
    from engine.staff import service as staff

    with db.session() as s:
        return staff.notices_for(session=s, user=get_user(session=s, username=username))


def _mark_seen(db, username: str, notice_id: int) -> None:
    from engine.identity.service import get_user
    from engine.staff import service as staff

    with db.session() as s:
        staff.mark_notice_seen(session=s, by=get_user(session=s, username=username), notice_id=notice_id)


def _block_desk(db, org) -> list[int]:
    from engine.staff import service as staff

    with db.session() as s:
        _, released = staff.disable_account(session=s, user_id=org["meldpunt"], actor="beheerder")
        return [i.id for i in released]


def _tasks(notice: dict) -> list[int]:
    return [i["taak_id"] for i in notice["items"]]


def _seen_on_page(client, notice_id: int):
    page = client.get("/werkvoorraad")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(f"/werkvoorraad/personeelsmeldingen/{notice_id}/gezien", data={"csrf_token": token})


def test_the_excluded_coordinator_marks_a_mixed_notice_seen_and_the_colleague_still_sees_the_excluded_task(
        org, demo, app, excluded_item, plain_item):
    from engine.audit.models import AuditEvent

    assert sorted(_block_desk(demo, org)) == sorted([excluded_item, plain_item])
    [mine] = _notices(demo, "coordinator")
    assert mine["text"] == BLOCKED.format("1 taak") and _tasks(mine) == [plain_item] and mine["hidden"] == 0
    [theirs] = _notices(demo, "coordinator2")
    assert theirs["id"] == mine["id"] and theirs["text"] == BLOCKED.format("2 taken")

    # "Gezien" on the worklist page, through the engine's door
    r = _seen_on_page(demo_login(app, "coordinator"), mine["id"])
    assert r.status_code == 303, r.text

    assert _notices(demo, "coordinator") == []  # what they were told is dealt with; the rest never existed for them
    [left] = _notices(demo, "coordinator2")
    assert _tasks(left) == [excluded_item] and left["hidden"] == 0
    assert left["text"] == BLOCKED.format("1 taak") and left["kind"] == "geblokkeerd"
    assert left["created_at"] == mine["created_at"] and set(left["items"][0]) == set(theirs["items"][0])
    page = demo_login(app, "coordinator").get("/werkvoorraad").text
    assert "blokkeren van Mila Meldpunt" not in page and "personeelsmelding" not in page
    assert BLOCKED.format("1 taak") in demo_login(app, "coordinator2").get("/werkvoorraad").text

    with demo.session() as s:  # audited: which notice, how many tasks dealt with and left; no names
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "staff.notice_seen")).one()
        assert event.details == {"melding_id": mine["id"], "taken": 1, "rest_melding_id": left["id"],
                                 "rest_taken": 1}

    # the colleague marks the rest seen: gone for everyone, and the first reader cannot mark it (it does not exist
    # for them)
    r = _seen_on_page(demo_login(app, "coordinator"), left["id"])
    assert r.status_code == 404
    assert [n["id"] for n in _notices(demo, "coordinator2")] == [left["id"]]
    _mark_seen(demo, "coordinator2", left["id"])
    assert _notices(demo, "coordinator2") == [] and _notices(demo, "coordinator") == []


def test_a_blocked_account_s_notice_of_excluded_tasks_alone_marked_seen_by_the_excluded_coordinator(
        org, demo, excluded_item):
    assert _block_desk(demo, org) == [excluded_item]
    [mine] = _notices(demo, "coordinator")
    assert mine["text"] == WITHOUT_TASKS and mine["items"] == []
    _mark_seen(demo, "coordinator", mine["id"])  # they were told of the blocking, nothing more
    assert _notices(demo, "coordinator") == []
    [theirs] = _notices(demo, "coordinator2")
    assert theirs["text"] == BLOCKED.format("1 taak") and _tasks(theirs) == [excluded_item]


def test_a_notice_about_an_excluded_case_alone_cannot_be_marked_by_the_excluded_coordinator(
        org, demo, app, excluded_item):
    from engine.errors import NotFound

    # the excluded coordinator hands the desk officer's work over: the excluded task stays, and the colleague
    # coordinators are told (engine.staff.service.reassign_all_work)
    coordinator = demo_login(app, "coordinator")
    r = coordinator.post(f"/api/v1/gebruikers/{org['meldpunt']}/werk-overdragen", headers=_csrf(coordinator),
                         json={"naar_id": None, "reden": "Langdurig ziek"})
    assert r.status_code == 200, r.text
    [theirs] = _notices(demo, "coordinator2")
    assert _tasks(theirs) == [excluded_item] and _notices(demo, "coordinator") == []

    with pytest.raises(NotFound) as raised:
        _mark_seen(demo, "coordinator", theirs["id"])
    with pytest.raises(NotFound) as unknown:
        _mark_seen(demo, "coordinator", theirs["id"] + 1000)
    assert str(raised.value) == str(unknown.value)
    # the web page answers as for an unknown notice, word for word
    answer, unknown_answer = _seen_on_page(coordinator, theirs["id"]), _seen_on_page(coordinator, theirs["id"] + 1000)
    assert answer.status_code == unknown_answer.status_code == 404
    assert answer.text == unknown_answer.text and "Niet gevonden" in answer.text

    [still] = _notices(demo, "coordinator2")
    assert still["id"] == theirs["id"] and _tasks(still) == [excluded_item] and still["text"] == theirs["text"]
    # once the colleague marked it seen, the excluded coordinator still learns nothing of it
    _mark_seen(demo, "coordinator2", theirs["id"])
    assert _notices(demo, "coordinator2") == []
    with pytest.raises(NotFound):
        _mark_seen(demo, "coordinator", theirs["id"])


def test_a_notice_that_does_not_exist_for_the_reader_takes_no_place_in_their_list(org, demo, app, excluded_item):
    from engine.identity.service import get_user
    from engine.staff import service as staff

    with demo.session() as s:  # an older notice for every coordinator
        staff.disable_account(session=s, user_id=get_user(session=s, username="onderzoeker1").id, actor="beheerder")
    coordinator = demo_login(app, "coordinator")  # a newer one about the excluded report alone
    r = coordinator.post(f"/api/v1/gebruikers/{org['meldpunt']}/werk-overdragen", headers=_csrf(coordinator),
                         json={"naar_id": None, "reden": "Langdurig ziek"})
    assert r.status_code == 200, r.text
    with demo.session() as s:
        [mine] = staff.notices_for(session=s, user=get_user(session=s, username="coordinator"), limit=1)
        [theirs] = staff.notices_for(session=s, user=get_user(session=s, username="coordinator2"), limit=1)
    assert "geblokkeerd" in mine["text"] and _tasks(theirs) == [excluded_item]


# --------------------------------------------------------------------------- items only counted for the marker

OTHER_UNIT = "Belastingdienst"


@pytest.fixture
def other_coordinator(org, demo) -> int:
    """A coordinator whose oversight is another unit than the demo coordinator's (Douane)."""
    from engine.identity.service import create_user

    with demo.session() as s:
        return create_user(session=s, username="coordinator3", display_name="Bea Belasting",
                           roles=["integriteitscoordinator"], unit=OTHER_UNIT, password=PASSWORD,
                           email="coordinator3@meldpunt-demo.example").id


@pytest.fixture
def other_unit_item(other_coordinator, demo, app) -> int:
    """The desk officer holds the registration of a report of the other unit: the demo coordinator only counts it."""
    return _claim_new_report(demo, demo_login(app, "meldpunt"), dienstonderdeel=OTHER_UNIT)


def test_a_coordinator_marking_a_notice_seen_leaves_the_tasks_she_only_counted_for_the_coordinator_who_sees_them(
        org, demo, app, plain_item, other_unit_item):
    """The demo coordinator (Douane) sees the Douane task and only counts the other unit's; the other unit's
    coordinator sees hers and counts the Douane one. The first marks the notice seen: what she was shown is dealt
    with for everyone, what she only counted stays for the coordinator who sees it, and never comes back to her."""
    assert sorted(_block_desk(demo, org)) == sorted([plain_item, other_unit_item])
    [mine] = _notices(demo, "coordinator")
    assert _tasks(mine) == [plain_item] and mine["hidden"] == 1 and mine["text"] == BLOCKED.format("2 taken")
    [hers] = _notices(demo, "coordinator3")
    assert hers["id"] == mine["id"] and _tasks(hers) == [other_unit_item] and hers["hidden"] == 1

    assert _seen_on_page(demo_login(app, "coordinator"), mine["id"]).status_code == 303

    assert _notices(demo, "coordinator") == []  # never comes back to the one who marked it
    page = demo_login(app, "coordinator").get("/werkvoorraad").text
    assert "blokkeren van Mila Meldpunt" not in page and "personeelsmelding" not in page
    [left] = _notices(demo, "coordinator3")  # her task was not dealt with: only counted by the marker
    assert _tasks(left) == [other_unit_item] and left["hidden"] == 0 and left["text"] == BLOCKED.format("1 taak")
    [colleague] = _notices(demo, "coordinator2")  # a Douane colleague: the rest is only counted, as before
    assert colleague["id"] == left["id"] and colleague["items"] == [] and colleague["hidden"] == 1

    _mark_seen(demo, "coordinator3", left["id"])
    assert [_notices(demo, u) for u in ("coordinator", "coordinator2", "coordinator3")] == [[], [], []]


# --------------------------------------------------------------------------- the API door (GET/POST /personeelsmeldingen)

def _api_notices(client) -> list[dict]:
    r = client.get("/api/v1/personeelsmeldingen")
    assert r.status_code == 200, r.text
    return r.json()


def _page_notices(client) -> list[dict]:
    """The notices on the worklist page, as the API words them: id, text, the cases of the tasks shown, counted."""
    page = client.get("/werkvoorraad")
    assert page.status_code == 200
    out = []
    for block in re.findall(r'<div class="bericht let-op personeelsmelding".*?</div>', page.text, re.S):
        hidden = re.search(r"En (\d+) ta(?:ak|ken) in zaken buiten uw toezicht", block)
        out.append({"id": int(re.search(r"/werkvoorraad/personeelsmeldingen/(\d+)/gezien", block).group(1)),
                    "zaken": sorted(int(z) for z in re.findall(r'href="/zaken/(\d+)"', block)),
                    "buiten_toezicht": int(hidden.group(1)) if hidden else 0, "blok": block})
    return out


def _same_on_both(client) -> list[dict]:
    """The API's notices for ``client``'s user, after checking the worklist page shows the same ones."""
    notices, page = _api_notices(client), _page_notices(client)
    assert [(n["id"], sorted(t["zaak_id"] for t in n["taken"]), n["buiten_toezicht"]) for n in notices] == \
        [(p["id"], p["zaken"], p["buiten_toezicht"]) for p in page]
    assert all(html.escape(n["tekst"], quote=False) in p["blok"] for n, p in zip(notices, page))
    return notices


def excluded_reference(db, item_id: int) -> str:
    from engine.cases.models import Case
    from engine.worklist.models import WorkItem

    with db.session() as s:
        return s.get(Case, s.get(WorkItem, item_id).case_id).reference


def r_text(client) -> str:
    return client.get("/api/v1/personeelsmeldingen").text


def test_the_api_lists_and_marks_the_same_notices_as_the_worklist_page(
        org, demo, app, plain_item, other_unit_item, excluded_item):
    _block_desk(demo, org)
    clients = {u: demo_login(app, u) for u in ("coordinator", "coordinator2", "coordinator3")}
    for client in clients.values():
        _same_on_both(client)
    [mine] = _api_notices(clients["coordinator"])  # excluded from one case: neither shown nor counted
    assert [t["taak_id"] for t in mine["taken"]] == [plain_item] and mine["buiten_toezicht"] == 1
    assert mine["tekst"] == BLOCKED.format("2 taken") and mine["soort"] == "geblokkeerd"
    assert excluded_reference(demo, excluded_item) not in r_text(clients["coordinator"])
    [hers] = _api_notices(clients["coordinator3"])
    assert [t["taak_id"] for t in hers["taken"]] == [other_unit_item] and hers["buiten_toezicht"] == 2

    r = clients["coordinator"].post(f"/api/v1/personeelsmeldingen/{mine['id']}/gezien",
                                    headers=_csrf(clients["coordinator"]))
    assert r.status_code == 204, r.text
    assert _same_on_both(clients["coordinator"]) == []
    for username in ("coordinator2", "coordinator3"):  # what the marker did not see stays, the same on both doors
        _same_on_both(clients[username])
    [left] = _api_notices(clients["coordinator3"])
    assert [t["taak_id"] for t in left["taken"]] == [other_unit_item] and left["buiten_toezicht"] == 1
    # marking it again changes nothing (the notice is gone for them)
    again = clients["coordinator"].post(f"/api/v1/personeelsmeldingen/{mine['id']}/gezien",
                                        headers=_csrf(clients["coordinator"]))
    assert again.status_code == 204 and _api_notices(clients["coordinator3"]) == [left]


def test_a_notice_about_an_excluded_case_alone_is_absent_from_the_api_and_cannot_be_marked_there(
        org, demo, app, excluded_item):
    coordinator, colleague = demo_login(app, "coordinator"), demo_login(app, "coordinator2")
    r = coordinator.post(f"/api/v1/gebruikers/{org['meldpunt']}/werk-overdragen", headers=_csrf(coordinator),
                         json={"naar_id": None, "reden": "Langdurig ziek"})
    assert r.status_code == 200, r.text
    [theirs] = _api_notices(colleague)
    assert [t["taak_id"] for t in theirs["taken"]] == [excluded_item]
    assert _api_notices(coordinator) == []

    answer = coordinator.post(f"/api/v1/personeelsmeldingen/{theirs['id']}/gezien", headers=_csrf(coordinator))
    unknown = coordinator.post(f"/api/v1/personeelsmeldingen/{theirs['id'] + 1000}/gezien",
                               headers=_csrf(coordinator))
    assert answer.status_code == unknown.status_code == 404
    assert {k: v for k, v in answer.json().items() if k != "instance"} == \
        {k: v for k, v in unknown.json().items() if k != "instance"}
    assert _api_notices(colleague) == [theirs]  # untouched

    # someone who is no coordinator is refused, in Dutch
    desk = demo_login(app, "meldpunt")
    refused = desk.get("/api/v1/personeelsmeldingen")
    assert refused.status_code == 403 and "integriteitscoördinator" in refused.text
    assert colleague.post(f"/api/v1/personeelsmeldingen/{theirs['id']}/gezien",
                          headers=_csrf(colleague)).status_code == 204
    assert _same_on_both(colleague) == []
