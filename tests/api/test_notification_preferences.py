"""The user's own e-mail notification preference over the API (issue 22)."""
from __future__ import annotations

import pytest

from engine.identity import service as identity

pytestmark = pytest.mark.db

PATH = "/api/v1/gebruikers/ik/meldingsvoorkeuren"


def test_get_and_set_my_preference(db, client):
    with db.session() as s:
        user = identity.create_user(session=s, username="desk", display_name="Desk", roles=["meldpunt"])
        token = identity.issue_token(session=s, user=user, name="test")[0]
    h = {"Authorization": f"Bearer {token}"}
    assert client.get(PATH).status_code == 401
    got = client.get(PATH, headers=h)
    assert got.status_code == 200 and got.headers["API-Version"]
    assert got.json()["voorkeur"] == "direct"
    assert [k["code"] for k in got.json()["keuzes"]] == ["direct", "dagelijks", "uit"]
    put = client.put(PATH, headers=h, json={"voorkeur": "dagelijks"})
    assert put.status_code == 200 and put.json()["voorkeur"] == "dagelijks"
    assert client.get(PATH, headers=h).json()["voorkeur"] == "dagelijks"
    bad = client.put(PATH, headers=h, json={"voorkeur": "soms"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert "voorkeur" in bad.text
    assert client.put(PATH, headers=h, json={}).status_code in (400, 422)
    assert client.get(PATH, headers=h).json()["voorkeur"] == "dagelijks"  # nothing changed
