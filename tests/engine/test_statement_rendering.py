"""What the database layer redoes for every statement of the task requests (issue 25).

A statement built once is compiled once (SQLAlchemy's cache); what must not come back on every execution is the work
around it: an "expanding" IN parameter makes SQLAlchemy render the statement's text anew each time it runs (a list
fixed when the statement is built is bound as plain parameters instead: ``engine.db.in_values``). Speed itself is
measured in ``bench/`` (bench/findings.md, §0t-sql); these tests guard that the work stays away, and that the answers
do not change.
"""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from engine.cases import service as cases
from engine.identity.models import User
from engine.worklist import service as worklist
from engine.worklist.models import WorkItem
from tests.factories import deployed_review_team

pytestmark = pytest.mark.db

class Rendered:
    """Every statement sent (verb and table), and those whose text SQLAlchemy renders anew for each execution."""

    def __init__(self, engine):
        self.engine, self.sent, self.anew = engine, [], []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, params, context, executemany):
        words = " ".join(statement.split()).split(" ")
        verb = words[0].upper()
        if verb in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA"):
            return
        table = {"SELECT": _after(words, "FROM"), "INSERT": _after(words, "INTO"), "UPDATE": words[1],
                 "DELETE": _after(words, "FROM")}.get(verb, "?")
        self.sent.append(f"{verb} {table}")
        compiled = getattr(context, "compiled", None)
        if compiled is not None and (compiled.post_compile_params or compiled.literal_execute_params):
            self.anew.append(" ".join(statement.split()))


def _after(words, keyword):
    return words[words.index(keyword) + 1] if keyword in words else "?"


def test_the_task_requests_send_their_statements_as_compiled(db, clock):
    """Claim-and-open, the task page, the worklists and the completion over the API, along the review route until an
    investigator is drawn: no statement is rendered anew per execution, except two whose list is known only when they
    run: the draw's (the task's other exclusive slots, from the version's manifest) and SQLAlchemy's own read of a
    loaded user's roles (``selectin``: the ids of the users just loaded; the API token's user here)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import ApiSettings
    from engine.identity import service as identity

    team = deployed_review_team(db)
    with db.session() as s:
        tokens = {who: identity.issue_token(session=s, user=s.get(User, team[who]), name="render")[0]
                  for who in ("desk", "coord")}
        case_id = cases.start_case(session=s, actor=s.get(User, team["desk"]), data={"dienstonderdeel": "Douane"}).id
    client = TestClient(create_app(ApiSettings(cookie_secure=False)))

    def h(who):
        return {"Authorization": f"Bearer {tokens[who]}"}

    for who in ("desk", "coord"):  # each token's first use (its last-used mark) before the counting starts
        assert client.get("/api/v1/taken/mijn", headers=h(who)).status_code == 200
    steps = (("desk", {"ernstig": True, "samenvatting": "Vermoeden van lekken"}),
             ("coord", {"besluit": "onderzoek", "motivering": "nodig"}))
    with Rendered(db.engine) as seen:
        for who, data in steps:
            assert client.get("/api/v1/taken/onverdeeld", headers=h(who)).status_code == 200
            with db.session() as s:
                item_id = worklist.for_case(session=s, case_id=case_id)[0].id
            r = client.post(f"/api/v1/taken/{item_id}/claimen-en-openen", headers=h(who))
            assert r.status_code == 200, r.text
            assert client.get(f"/api/v1/taken/{item_id}", headers=h(who)).status_code == 200
            r = client.post(f"/api/v1/taken/{item_id}/afronden", headers=h(who), json={"gegevens": data})
            assert r.status_code == 200, r.text
            assert client.get("/api/v1/taken/mijn", headers=h(who)).status_code == 200
    with db.session() as s:  # the route went where it should: the investigator was drawn
        drawn = s.scalars(select(WorkItem).where(WorkItem.case_id == case_id, WorkItem.state == "open")).all()
    assert drawn and all(item.assignee_id in (team["o1"], team["o2"], team["o3"]) for item in drawn), drawn
    assert len(seen.sent) > 40, seen.sent
    draw = [s for s in seen.anew if "FROM absences" in s]
    roles = [s for s in seen.anew if s.startswith("SELECT user_roles.user_id, user_roles.role FROM user_roles WHERE")]
    assert len(draw) == 1, seen.anew
    assert [s for s in seen.anew if s not in draw and s not in roles] == []
