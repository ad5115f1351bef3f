"""Drafts per user and task (issue 17, 'Concept opslaan'): saved as typed, encrypted at rest, restored for the
same user, never shown to anyone else, and gone when the task is completed, handed back or assigned.

The demo organisation and the real app (TestClient); the rows of a form's repeated group survive a draft.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from tests.web import flow
from tests.web.test_arrival import _claim, _item, _report
from tests.web.test_field_classes_web import _case
from tests.web.test_one_door import _app, _login

pytestmark = pytest.mark.db

SUBJECT = "Concept Kees van Dam"
PLAN = "Eerst de declaraties van 2026 opvragen, dan de teamleider horen."


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _save(client, item_id: int, fields: dict):
    page = client.get(f"/taken/{item_id}")
    assert page.status_code == 200, page.text
    assert "Concept opslaan" in page.text and f'formaction="/taken/{item_id}/concept"' in page.text
    return client.post(f"/taken/{item_id}/concept", data={"csrf_token": _token(page.text), **fields})


def _drafts(db, item_id: int) -> list[tuple[int, str]]:
    """(user id, stored value) of the task's drafts, as the database holds them."""
    with db.session() as s:
        return [tuple(r) for r in s.execute(text("SELECT user_id, data FROM task_drafts WHERE work_item_id = :i"),
                                            {"i": item_id}).all()]


def test_a_draft_is_restored_for_its_author_encrypted_and_gone_when_handed_back_or_completed(demo):
    case_id, _ = _report(demo)
    item_id = _item(demo, case_id, "melding_registreren")
    desk = _login(_app(), "meldpunt")
    _claim(desk, item_id)

    r = _save(desk, item_id, {"betrokkene_naam": SUBJECT, "melding_compleet": "false", "datum_melding": "nog niet"})
    assert r.status_code == 303 and r.headers["location"].startswith(f"/taken/{item_id}")
    page = desk.get(r.headers["location"]).text
    assert "Uw concept is opgeslagen." in page and "Uw concept van 2 november 2026, 10:00" in page
    assert f'value="{SUBJECT}"' in page and 'value="nog niet"' in page  # as typed, even what is not valid yet
    assert re.search(r'name="melding_compleet" value="false"\s+checked', page)
    # encrypted at rest, like the case's confidential data
    (stored,) = _drafts(demo, item_id)
    assert SUBJECT not in stored[1] and stored[1].startswith("v1:")
    # nothing of the case changed: the task is open, the case data do not hold the draft
    from engine.cases import service as cases
    from engine.worklist.models import WorkItem

    with demo.session() as s:
        assert s.get(WorkItem, item_id).state == "open"
        assert cases.case_data(session=s, case_id=case_id).get("betrokkene_naam") != SUBJECT

    # handed back: the draft is gone; taken again, the form starts from the case data
    page = desk.get(f"/taken/{item_id}").text
    r = desk.post(f"/taken/{item_id}/teruggeven", data={"csrf_token": _token(page), "terug": "/werkvoorraad"})
    assert r.status_code == 303
    assert _drafts(demo, item_id) == []
    _claim(desk, item_id)
    page = desk.get(f"/taken/{item_id}").text
    assert SUBJECT not in page and "Uw concept van" not in page

    # completed: the draft ends with the task
    assert _save(desk, item_id, {"betrokkene_naam": SUBJECT}).status_code == 303
    assert len(_drafts(demo, item_id)) == 1
    flow.complete(demo, case_id, "melding_registreren", username="meldpunt")
    assert _drafts(demo, item_id) == []


def test_nobody_else_sees_a_draft_and_it_ends_when_the_task_is_assigned_to_someone_else(demo):
    case_id = _case(demo, until="rapport_opstellen")
    item_id = _item(demo, case_id, "rapport_opstellen")
    author, other = None, None
    for name in flow.ROLE_USERS["onderzoeker"]:
        client = _login(_app(), name)
        page = client.get(f"/taken/{item_id}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if page.status_code == 200 and token:
            r = client.post(f"/taken/{item_id}/oppakken", data={"csrf_token": token.group(1), "terug": "/werkvoorraad"})
            if r.status_code == 303 and "fout" not in r.headers["location"]:
                author = name
                break
    assert author, "no investigator could take the report"
    other = next(n for n in flow.ROLE_USERS["onderzoeker"] if n != author)
    writer = _login(_app(), author)
    rows = {"bevindingen[0].bewering": "Reiskosten gedeclareerd", "bevindingen[0].uitkomst": "aangetoond",
            "bevindingen[1].bewering": "Dubbele kilometers", "bevindingen[1].uitkomst": "deels_aangetoond",
            "rapport_samenvatting": PLAN}
    assert _save(writer, item_id, rows).status_code == 303
    page = writer.get(f"/taken/{item_id}").text
    assert PLAN in page and 'value="Dubbele kilometers"' in page
    assert re.search(r'<option value="deels_aangetoond"\s+selected>', page)
    assert 'name="bevindingen[2].bewering"' in page  # and one empty row more

    # the colleague: not their task, no page, no draft, no saving over it
    colleague = _login(_app(), other)
    page = colleague.get(f"/taken/{item_id}")
    assert PLAN not in page.text
    r = colleague.post(f"/taken/{item_id}/concept", data={"csrf_token": colleague.cookies.get("meldpunt_csrf") or "",
                                                          "rapport_samenvatting": "overschreven"})
    assert r.status_code in (403, 404)
    assert "overschreven" not in writer.get(f"/taken/{item_id}").text

    # the coordinator gives the task to a third investigator: the author's draft ends, the new one starts clean
    from engine.identity.service import create_user, get_user
    from engine.worklist import service as worklist
    from tests.web.test_one_door import PASSWORD

    with demo.session() as s:
        third = create_user(session=s, username="onderzoeker3", display_name="Otis Onderzoeker",
                            roles=["onderzoeker"], password=PASSWORD)
        worklist.assign(session=s, work_item_id=item_id, by=get_user(session=s, username="coordinator"),
                        assignee=third, reason="Werkverdeling")
    assert _drafts(demo, item_id) == []
    newcomer = _login(_app(), "onderzoeker3")
    page = newcomer.get(f"/taken/{item_id}")
    assert page.status_code == 200 and "Taak afronden" in page.text
    assert PLAN not in page.text and "Dubbele kilometers" not in page.text and "Uw concept van" not in page.text
    # no longer the author's task: who still sees the case reads it (access.task_access), without the form or the draft
    page = writer.get(f"/taken/{item_id}")
    assert page.status_code == 200 and 'data-toegang="inzien"' in page.text and "Taak afronden" not in page.text
    assert PLAN not in page.text and "Dubbele kilometers" not in page.text
