"""Over HTTP: the assignee gives a claimed contact task (here a reporter's signal of retaliation) back to the pool
of its role (``POST /zaken/{id}/contacttaken/{id}/teruggeven``, the engine's ``contact.release_task``); anyone else
is refused and nothing changes; the pool's other coordinator can then claim it."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from engine.contact.models import ContactTask
from engine.identity import service as identity
from engine.identity.models import User
from tests.engine.test_contact_task_handover import signal, team  # noqa: F401 - the fixtures
from tests.engine.test_oral_reports import org  # noqa: F401 - the fixture

pytestmark = pytest.mark.db


def test_the_assignee_gives_a_contact_task_back_over_http(db, clock, team, signal):  # noqa: F811
    case_id, task_id = signal
    with db.session() as s:
        tokens = {k: identity.issue_token(session=s, user=s.get(User, team[k]), name="test")[0]
                  for k in ("coord2", "coord3")}
    url = f"/api/v1/zaken/{case_id}/contacttaken/{task_id}"
    with TestClient(create_app(ApiSettings(cookie_secure=True)), base_url="https://testserver",
                    raise_server_exceptions=False) as client:
        auth = {k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}
        refused = client.post(f"{url}/teruggeven", headers=auth["coord3"])
        assert refused.status_code == 403, refused.text
        assert "Alleen wie de taak heeft opgepakt" in refused.json()["detail"]
        with db.session() as s:
            assert s.get(ContactTask, task_id).assignee_id == team["coord2"]
        given = client.post(f"{url}/teruggeven", headers=auth["coord2"])
        assert given.status_code == 200, given.text
        assert (given.json()["id"], given.json()["status"], given.json()["opgepakt_door"]) == (task_id, "open", None)
        with db.session() as s:
            assert s.get(ContactTask, task_id).assignee_id is None
        again = client.post(f"{url}/teruggeven", headers=auth["coord2"])
        assert again.status_code == 403
        claimed = client.post(f"{url}/oppakken", headers=auth["coord3"])
        assert claimed.status_code == 200, claimed.text
