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


def _worklist_of_case(world, who: str, case_id: int) -> list[dict]:
    """What the user's worklists (mine, then the pools of their roles) show of one case."""
    c, seen = world.client, {}
    for path in ("/api/v1/taken/mijn", "/api/v1/taken/onverdeeld"):
        r = c.get(path, headers=world.h(who), params={"limit": 200})
        assert r.status_code == 200, r.text
        seen.update({i["id"]: i for i in r.json() if i["zaak_id"] == case_id})
    return list(seen.values())


def _complete(world, who: str, tid: int) -> dict:
    c = world.client
    detail = c.post(f"/api/v1/taken/{tid}/claimen-en-openen", headers=world.h(who))
    if detail.status_code == 409:  # already the user's
        detail = c.get(f"/api/v1/taken/{tid}", headers=world.h(who))
    assert detail.status_code == 200, detail.text
    element = detail.json()["taak"]["element_id"]
    r = c.post(f"/api/v1/taken/{tid}/afronden", headers=world.h(who),
               json={"gegevens": DEFAULTS[element], "zaakversie": detail.json()["zaakversie"]})
    assert r.status_code == 200, r.text
    return r.json()


def test_the_completions_answer_carries_the_handlers_updated_worklist_entries(world):
    """The completed task as it now is, and the case's tasks now on the handler's own worklists (what GET
    /taken/mijn and /taken/onverdeeld would show of this case), the first as volgende_taak: no worklist reload."""
    tid = _first_task(world)
    steps, kinds = 0, set()
    who = "meldpunt"
    while tid is not None and steps < 6:
        body = _complete(world, who, tid)
        steps += 1
        done = body["afgeronde_taak"]
        assert done["id"] == tid and done["zaak_id"] == world.case_a and done["status"] == "completed"
        assert all(i["id"] != tid for i in body["open_taken"] + body["mijn_vervolgtaken"])
        listed = _worklist_of_case(world, who, world.case_a)
        assert sorted(i["id"] for i in body["mijn_vervolgtaken"]) == sorted(i["id"] for i in listed)
        assert {i["id"] for i in body["mijn_vervolgtaken"]} <= {i["id"] for i in body["open_taken"]}
        assert body["volgende_taak"] == (body["mijn_vervolgtaken"][0] if body["mijn_vervolgtaken"] else None)
        kinds.add(body["volgende_taak"] is None)
        if body["volgende_taak"] is None:  # the next step is someone else's: that holder's worklist
            nxt = next((i for i in body["open_taken"] if i["element_id"] in DEFAULTS), None)
            if nxt is None:
                break
            holder = next((w for w in ("meldpunt", "integriteitscoordinator", "onderzoeker", "bureau_vi", "jurist")
                           if nxt["id"] in {i["id"] for i in _worklist_of_case(world, w, world.case_a)}), None)
            if holder is None:
                break
            who, tid = holder, nxt["id"]
        else:
            tid = body["volgende_taak"]["id"]
    # both answers met: a next task of the handler's own, and none (the next step is someone else's)
    assert steps >= 4 and len(kinds) == 2, kinds
