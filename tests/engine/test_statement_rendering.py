"""What the database layer redoes for every statement of the task requests (issue 25).

A statement built once is compiled once (SQLAlchemy's cache); what must not come back on every execution is the work
around it: an "expanding" IN parameter makes SQLAlchemy render the statement's text anew each time it runs (a list
fixed when the statement is built is bound as plain parameters instead: ``engine.db.in_values``), and psycopg builds
a column object per result column each time its cursor's ``description`` is asked for, which SQLAlchemy does for
every statement but needs only the first time (``engine.db.lazy_description_cursor``). Speed itself is measured in
``bench/`` (bench/findings.md, §0t-sql); these tests guard that the work stays away, and that the answers do not
change.
"""
from __future__ import annotations

import os

import psycopg
import pytest
from sqlalchemy import event, select, text

from engine.cases import service as cases
from engine.identity.models import User
from engine.worklist import service as worklist
from engine.worklist.models import WorkItem
from tests.factories import deployed_review_team

pytestmark = pytest.mark.db

postgres_only = pytest.mark.skipif(not os.environ.get("MELDPUNT_TEST_DATABASE_URL", "").startswith("postgresql"),
                                   reason="psycopg's cursor: PostgreSQL only")


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
                item_id = worklist.items_of_case(session=s, case_id=case_id)[0].id
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


@postgres_only
def test_a_cursor_describes_its_result_as_psycopg_does(db):
    """The engine's cursors answer ``description`` as psycopg's own cursor does: the same columns (name, type and
    the rest), None for a statement without a result, and still the described result's after the cursor ran
    another statement."""
    query = ("SELECT 1::integer AS n, 'a'::varchar(20) AS s, now() AS t, 2.5::numeric(10, 2) AS d, "
             "'{}'::json AS j, NULL::text AS nothing")
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        ours = raw.cursor()
        theirs = psycopg.Cursor(raw)
        ours.execute(query)
        theirs.execute(query)
        described = ours.description
        assert described is not None and len(described) == 6
        assert [tuple(c) for c in described] == [tuple(c) for c in theirs.description]
        assert [c.name for c in described] == ["n", "s", "t", "d", "j", "nothing"]
        assert described[-1].name == "nothing" and [c.name for c in described[1:3]] == ["s", "t"]
        later = ours.description
        ours.execute("SELECT 'x' AS other")  # the cursor moves on: what was described stays the same
        assert [c.name for c in later] == ["n", "s", "t", "d", "j", "nothing"]
        assert [c.type_code for c in later] == [c.type_code for c in theirs.description]
        assert [c.name for c in ours.description] == ["other"]
        ours.execute("CREATE TEMPORARY TABLE described (id integer)")
        theirs.execute("INSERT INTO described VALUES (1)")
        ours.execute("INSERT INTO described VALUES (2)")
        assert ours.description is None and theirs.description is None
        ours.execute("SELECT id FROM described ORDER BY id")
        assert ours.fetchall() == [(1,), (2,)]
        ours.execute("SELECT")  # a result of no columns is still a result (psycopg: an empty list)
        theirs.execute("SELECT")
        assert ours.description is not None and list(ours.description) == list(theirs.description) == []
        ours.close()
        theirs.close()


@postgres_only
def test_a_statement_run_again_builds_no_description_of_its_result(db, monkeypatch):
    """SQLAlchemy asks every statement's cursor for its description but reads it only the first time it runs a
    statement (then it knows the columns): the second run of a statement builds no column objects, and its rows are
    the same."""
    built = []
    init = psycopg.Column.__init__

    def counting(self, cursor, index):
        built.append(index)
        init(self, cursor, index)

    monkeypatch.setattr(psycopg.Column, "__init__", counting)
    statement = select(WorkItem.id, WorkItem.case_id, WorkItem.task_id, WorkItem.state).where(WorkItem.id > -1)
    with db.engine.connect() as conn:
        first = conn.execute(statement).all()
        after_first = len(built)
        again = conn.execute(statement).all()
        assert again == first
        assert len(built) == after_first, "the second run built column objects again"
        rows = conn.execute(text("SELECT 1 AS one, 2 AS two")).all()  # a textual statement reads its columns
    assert rows == [(1, 2)]
