"""Issue 25: a letter asked for by a committed step and not yet made by the letter worker is listed as
"wordt aangemaakt" (the case's API list, the reporter's status), under the same visibility as the letter."""
from __future__ import annotations

import pytest

from engine.letter_outbox.models import LetterJob
from engine.letter_outbox.service import dumps

pytestmark = pytest.mark.db


def _waiting_letter(db, world, *, template: str, recipient: str) -> None:
    with db.session() as s:
        s.add(LetterJob(case_id=world.case_a, process_version_id=world.version_id, step="Taak_test",
                        task_id="00000000-0000-0000-0000-000000000000", template=template, recipient=recipient,
                        payload=dumps({"zaaknummer": "x"})))


def test_the_case_lists_a_letter_not_yet_made_as_wordt_aangemaakt(db, world):
    _waiting_letter(db, world, template="onderzoeksopdracht", recipient="onderzoeker")
    _waiting_letter(db, world, template="ontvangstbevestiging", recipient="melder")
    r = world.client.get(f"/api/v1/zaken/{world.case_a}/brieven-in-aanmaak", headers=world.h("meldpunt"))
    assert r.status_code == 200, r.text
    assert {(x["sjabloon"], x["status"]) for x in r.json()} == {("onderzoeksopdracht", "wordt aangemaakt"),
                                                               ("ontvangstbevestiging", "wordt aangemaakt")}
    # the investigator may not see the reporter's identity: the letter to the reporter is not listed for them
    r = world.client.get(f"/api/v1/zaken/{world.case_a}/brieven-in-aanmaak", headers=world.h("onderzoeker"))
    assert [x["sjabloon"] for x in r.json()] == ["onderzoeksopdracht"]
    # a user who may not see the case gets nothing
    r = world.client.get(f"/api/v1/zaken/{world.case_b}/brieven-in-aanmaak", headers=world.h("onderzoeker"))
    assert r.status_code in (403, 404) or r.json() == []
