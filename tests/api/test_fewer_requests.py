"""Fewer requests per completion (issue 25): claim and open in one request; the form schema with an ETag
(304 on If-None-Match, access still checked); the completion's answer carries the case's open tasks."""
from __future__ import annotations

import pytest

from tests.process.scenarios import DEFAULTS

pytestmark = pytest.mark.db


def _first_task(world) -> int:
    detail = world.client.get(f"/api/v1/zaken/{world.case_a}", headers=world.h("meldpunt")).json()
    return detail["open_taken"][0]["id"]


def test_claim_and_open_in_one_request(world):
    c, tid = world.client, _first_task(world)
    r = c.post(f"/api/v1/taken/{tid}/claimen-en-openen", headers=world.h("meldpunt"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["taak"]["id"] == tid and body["taak"]["toegewezen_aan"] == world.users["meldpunt"]
    assert body == c.get(f"/api/v1/taken/{tid}", headers=world.h("meldpunt")).json()  # what opening gives
    # refused like a claim (here: not the task's role), nothing opened
    r = c.post(f"/api/v1/taken/{tid}/claimen-en-openen", headers=world.h("integriteitscoordinator"))
    assert r.status_code == 403 and "taak" not in r.json(), r.text

    r = c.post(f"/api/v1/taken/{tid}/afronden", headers=world.h("meldpunt"),
               json={"gegevens": DEFAULTS["melding_registreren"], "zaakversie": body["zaakversie"]})
    assert r.status_code == 200, r.text
    # the answer carries the case's open tasks: no reload of the case or worklist needed
    assert r.json()["open_taken"] and all(i["id"] != tid for i in r.json()["open_taken"])


def test_the_form_schema_carries_an_etag_and_answers_304_when_unchanged(world):
    c, tid = world.client, _first_task(world)
    first = c.get(f"/api/v1/taken/{tid}/formulier", headers=world.h("meldpunt"))
    assert first.status_code == 200 and "melder_naam" in first.json()["properties"]
    tag = first.headers["etag"]
    assert tag.startswith('"') and first.headers["cache-control"] == "private, no-cache"
    again = c.get(f"/api/v1/taken/{tid}/formulier", headers={**world.h("meldpunt"), "If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    other = c.get(f"/api/v1/taken/{tid}/formulier", headers={**world.h("meldpunt"), "If-None-Match": '"x"'})
    assert other.status_code == 200 and other.json() == first.json()
    # the tag does not open the form to someone who may not see the task (access first, then the tag)
    refused = []
    for who in ("onderzoeker", "vertrouwenspersoon", "bureau_vi", "jurist", None):
        plain = c.get(f"/api/v1/taken/{tid}/formulier", headers=world.h(who)).status_code
        tagged = c.get(f"/api/v1/taken/{tid}/formulier", headers={**world.h(who), "If-None-Match": tag}).status_code
        assert tagged == (304 if plain == 200 else plain), (who, plain, tagged)
        refused += [who] if plain in (401, 404) else []
    assert None in refused, refused
