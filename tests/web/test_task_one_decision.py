"""One engine decision per task (``engine.identity.access.task_access``): work on it, read it, or nothing (404),
the same through the API (``GET /api/v1/taken/{id}``) and the web page (``GET /taken/{id}``).

The real app (``create_app``: API and HTML pages), the demo organisation plus desk members made for the test, a
named report about a desk member (so the excluded subject and her manager hold the task's role: only the exclusion
keeps them out). One task of the desk (its first after the registration) walks through its three states: open in
the pool, open and assigned to a colleague, completed. Every user asks for it on both surfaces in every state.
"""
from __future__ import annotations

import re

from tests.factories import make_user
from tests.web import flow
from tests.web.demo_clients import PASSWORD, demo_app, demo_login

NAME, EMAIL = "Renée Ritsema", "renee.ritsema@example.org"
WORK, READ, NONE = "bewerken", "inzien", 404

# user -> expected decision per state (pool, assigned to the assignee, completed by the assignee)
EXPECTED = {
    "balie1": (WORK, WORK, READ),        # the assignee: a desk member who claims it
    "meldpunt": (WORK, READ, READ),      # a desk colleague who sees the case (registered it) and holds the role
    "coordinator": (READ, READ, READ),   # sees the case (oversight of the unit), not the task's role
    "bvi": (READ, READ, READ),           # sees the case organisation-wide, not the identity
    "balie2": (WORK, NONE, NONE),        # the pool: holds the role, no sight of the case
    "baliechef": (NONE, NONE, NONE),     # the subject's line manager, holds the role
    "baliemedewerker": (NONE, NONE, NONE),  # the subject, holds the role
    "hr": (NONE, NONE, NONE),            # an outsider
}
IDENTITY_READERS = {"balie1", "meldpunt", "coordinator"}  # may see the reporter's identity in this case


def _case(db) -> tuple[int, int]:
    from engine.identity.service import get_user, set_password
    from engine.intake import service as intake

    with db.session() as s:
        chef = make_user(s, "baliechef", "meldpunt")
        subject = make_user(s, "baliemedewerker", "meldpunt", manager=chef)
        made = [chef, subject, make_user(s, "balie1", "meldpunt"), make_user(s, "balie2", "meldpunt")]
        for u in made:
            set_password(session=s, user_id=u.id, password=PASSWORD)
        registration = {**flow.ANSWERS["melding_registreren"], "melder_anoniem": False, "melder_naam": NAME,
                        "melder_email": EMAIL, "kanaal": "meldpunt_integriteit", "betrokkene_naam": "B. Medewerker"}
        case_id = intake.submit_report(session=s, actor=get_user(session=s, username="meldpunt"),
                                       data=registration, subject_user_id=subject.id).case.id
    flow.complete(db, case_id, "melding_registreren", registration, username="meldpunt")
    task = [i for i in flow.ready(db, case_id) if i[2] == "meldpunt"]
    assert len(task) == 1 and task[0][3] is None, task  # the desk's next task, open in the pool
    return case_id, task[0][0]


def _web(client, task_id: int):
    r = client.get(f"/taken/{task_id}")
    if r.status_code == 404:
        return NONE, r.text
    assert r.status_code == 200, (r.status_code, r.text[:300])
    found = re.search(r'data-toegang="(\w+)"', r.text)
    return (found.group(1) if found else "200 without data-toegang"), r.text


def _api(client, task_id: int):
    r = client.get(f"/api/v1/taken/{task_id}")
    if r.status_code == 404:
        return NONE, r.text
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return r.json().get("toegang", "200 without toegang"), r.text


def test_one_task_decision_on_both_surfaces(demo):
    from engine.cases import service as cases
    from engine.identity.service import get_user
    from engine.worklist import service as worklist

    case_id, task_id = _case(demo)
    app = demo_app()
    clients = {u: demo_login(app, u) for u in EXPECTED}
    got, leaks = {}, []

    def ask(state: int) -> None:
        for username, client in clients.items():
            web, web_text = _web(client, task_id)
            api, api_text = _api(client, task_id)
            got[(username, state)] = (web, api)
            if username not in IDENTITY_READERS:
                for surface, text in (("web", web_text), ("api", api_text)):
                    if NAME.lower() in text.lower() or EMAIL in text:
                        leaks.append(f"{username} reads the reporter in state {state} on the {surface}")

    ask(0)
    with demo.session() as s:
        worklist.claim(session=s, work_item_id=task_id, user=get_user(session=s, username="balie1"))
    ask(1)
    with demo.session() as s:
        cases.complete_task(session=s, work_item_id=task_id, user=get_user(session=s, username="balie1"),
                            data=flow._clean(flow.ANSWERS.get("ontvangst_bevestigen", {})))
    ask(2)
    wrong = {k: v for k, v in got.items() if v != (EXPECTED[k[0]][k[1]],) * 2}
    assert wrong == {}, "\n".join(f"{u} state {st}: web {w}, api {a}, expected {EXPECTED[u][st]}"
                                  for (u, st), (w, a) in sorted(wrong.items()))
    assert leaks == []


def test_a_colleague_reads_an_open_task_without_the_form_to_send(demo):
    """The read-only view of a colleague's open task: its data, no form to send, no draft to save (both refused)."""
    from engine.identity.service import get_user
    from engine.worklist import service as worklist

    case_id, task_id = _case(demo)
    with demo.session() as s:
        worklist.claim(session=s, work_item_id=task_id, user=get_user(session=s, username="balie1"))
    app = demo_app()
    coordinator = demo_login(app, "coordinator")
    page = coordinator.get(f"/taken/{task_id}")
    assert page.status_code == 200 and 'data-toegang="inzien"' in page.text
    assert f'action="/taken/{task_id}"' not in page.text and "/concept" not in page.text
    csrf = {"csrf_token": coordinator.cookies.get("meldpunt_csrf")}
    assert coordinator.post(f"/taken/{task_id}/concept", data=csrf).status_code == 403  # not theirs: refused
    assert coordinator.post(f"/taken/{task_id}", data=csrf).status_code == 404  # the form is only for its holder
    assert coordinator.post(f"/api/v1/taken/{task_id}/afronden", json={"gegevens": {}},
                            headers={"X-CSRF-Token": csrf["csrf_token"]}).status_code == 403


def test_the_read_view_of_a_task_reads_the_need_to_know_with_the_access(demo):
    """Issue 25 (bench/findings.md "0w-hot"): the web's task page asks ``access.task_access(reading=True)``: the
    coordinator's read-only view reads no identity role, reveal or confidential row of its own, and still shows the
    reporter to her and not to a colleague without the identity (the decision above, on both surfaces)."""
    from sqlalchemy import event

    from engine.identity.service import get_user
    from engine.worklist import service as worklist

    case_id, task_id = _case(demo)
    with demo.session() as s:
        worklist.claim(session=s, work_item_id=task_id, user=get_user(session=s, username="balie1"))
    app = demo_app()
    coordinator, bvi = demo_login(app, "coordinator"), demo_login(app, "bvi")
    assert coordinator.get(f"/taken/{task_id}").status_code == 200  # warm-up: caches
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    event.listen(demo.engine, "before_cursor_execute", record)
    try:
        page = coordinator.get(f"/taken/{task_id}")
    finally:
        event.remove(demo.engine, "before_cursor_execute", record)
    assert page.status_code == 200 and 'data-toegang="inzien"' in page.text
    assert not [x for x in seen if x.startswith(("SELECT case_confidential", "SELECT identity_reveals",
                                                 "SELECT user_roles.role FROM"))], "\n".join(seen)
    other = bvi.get(f"/taken/{task_id}")
    assert other.status_code == 200 and 'data-toegang="inzien"' in other.text
    assert NAME.lower() not in other.text.lower() and EMAIL not in other.text
