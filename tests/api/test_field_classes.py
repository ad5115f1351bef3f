"""Two confidentiality classes (issue 16): the reporter's identity only for who may see it; the substance of the
report for everyone who works the case, as the desk's redacted version; completed work readable with the same
classes. Through the API, on the world of tests/api/conftest.py (case A: every case role bound to it)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from engine.cases.models import TaskSubmission
from engine.worklist.models import WorkItem
from tests.api.conftest import REPORT, REPORTER_NAME
from tests.process.scenarios import DEFAULTS

pytestmark = pytest.mark.db

ORIGINAL = REPORT["omschrijving"]
REDACTED = "Een collega zou reizen declareren die niet zijn gemaakt."
IDENTITY_AUTHORISED = ("meldpunt", "integriteitscoordinator")
CASE_WORKERS = ("onderzoeker", "hr_adviseur", "bevoegd_gezag", "bureau_vi", "jurist")


def _detail(world, who):
    r = world.client.get(f"/api/v1/zaken/{world.case_a}", headers=world.h(who))
    assert r.status_code == 200, (who, r.text)
    return r.json()


def _redact(world, who, tekst=REDACTED, veld="omschrijving"):
    return world.client.put(f"/api/v1/zaken/{world.case_a}/geredigeerd/{veld}", headers=world.h(who),
                            json={"tekst": tekst})


def test_case_workers_read_the_redacted_description_and_never_the_identity(world):
    # Before the desk redacted: case workers read no text, only that it is not redacted yet.
    for who in CASE_WORKERS:
        body = _detail(world, who)
        assert "omschrijving" not in body["gegevens"] and body["nog_niet_geredigeerd"] == ["omschrijving"], who
        assert ORIGINAL not in str(body) and REPORTER_NAME not in str(body), who
        assert body["melder"]["identiteit"] is None and body["geredigeerd"] is None and not body["mag_redigeren"]
    for who in IDENTITY_AUTHORISED:
        body = _detail(world, who)
        assert body["gegevens"]["omschrijving"] == ORIGINAL and body["melder"]["identiteit"]["melder_naam"] == REPORTER_NAME
    assert _detail(world, "meldpunt")["mag_redigeren"] and not _detail(world, "integriteitscoordinator")["mag_redigeren"]

    r = _redact(world, "meldpunt")
    assert r.status_code == 200, r.text
    assert r.json() == {"veld": "omschrijving", "geredigeerd": REDACTED, "nog_niet_geredigeerd": []}

    for who in CASE_WORKERS:
        body = _detail(world, who)
        assert body["gegevens"]["omschrijving"] == REDACTED and body["nog_niet_geredigeerd"] == [], who
        assert ORIGINAL not in str(body) and REPORTER_NAME not in str(body), who
    for who in IDENTITY_AUTHORISED:  # the original, and what the others read
        body = _detail(world, who)
        assert body["gegevens"]["omschrijving"] == ORIGINAL and body["geredigeerd"] == {"omschrijving": REDACTED}


def test_only_the_desk_redacts_and_never_with_the_reporters_name(world):
    for who in ("integriteitscoordinator", *CASE_WORKERS):
        assert _redact(world, who).status_code == 403, who
    for who in ("melder", "betrokkene", "auditor"):  # may not see the case at all
        assert _redact(world, who).status_code == 404, who
    refused = _redact(world, "meldpunt", tekst="Rita zag dat een collega reizen declareerde.")
    assert refused.status_code == 422 and "melder" in refused.text and "Rita" not in refused.text
    assert _redact(world, "meldpunt", tekst="Mail rita@example.org voor details.").status_code == 422
    assert _redact(world, "meldpunt", veld="melder_naam").status_code == 404  # identity is not redacted, it is hidden
    assert _redact(world, "meldpunt", tekst="   ").status_code == 422
    assert _detail(world, "onderzoeker")["nog_niet_geredigeerd"] == ["omschrijving"]  # nothing was stored


def _register(world) -> int:
    """The desk completes the registration of case A (identity and description in the form)."""
    task = next(t for t in _detail(world, "meldpunt")["open_taken"] if t["element_id"] == "melding_registreren")
    data = {**DEFAULTS["melding_registreren"], "melder_naam": REPORTER_NAME, "melder_email": "rita@example.org",
            "omschrijving": ORIGINAL, "dienstonderdeel": REPORT["dienstonderdeel"]}
    assert world.client.post(f"/api/v1/taken/{task['id']}/claimen", headers=world.h("meldpunt")).status_code == 200
    r = world.client.post(f"/api/v1/taken/{task['id']}/afronden", headers=world.h("meldpunt"), json={"gegevens": data})
    assert r.status_code == 200, r.text
    return task["id"]


def test_completed_task_is_readable_with_the_classes_applied(world, db):
    task_id = _register(world)
    base = f"/api/v1/zaken/{world.case_a}/taken/afgerond"
    for who in CASE_WORKERS:
        listed = world.client.get(base, headers=world.h(who))
        one = world.client.get(f"{base}/{task_id}", headers=world.h(who))
        assert listed.status_code == 200 and one.status_code == 200, (who, listed.text, one.text)
        done = one.json()
        assert [t["taak"]["id"] for t in listed.json()] == [task_id] and listed.json()[0] == done
        assert done["bewaard"] and done["formulier"]["title"] == "Melding registreren"
        assert done["gegevens"]["categorie"] == "Financiële schendingen" and done["gegevens"]["betrokkene_naam"]
        assert {"melder_naam", "melder_email"} <= set(done["afgeschermd"]), who
        assert done["nog_niet_geredigeerd"] == ["omschrijving"]
        assert REPORTER_NAME not in one.text and "rita@example.org" not in one.text and ORIGINAL not in one.text
    for who in IDENTITY_AUTHORISED:
        done = world.client.get(f"{base}/{task_id}", headers=world.h(who)).json()
        assert done["gegevens"]["melder_naam"] == REPORTER_NAME and done["gegevens"]["omschrijving"] == ORIGINAL
        assert done["afgeschermd"] == [] and done["afgerond_door"] == "meldpunt"

    assert _redact(world, "meldpunt").status_code == 200
    done = world.client.get(f"{base}/{task_id}", headers=world.h("onderzoeker")).json()
    assert done["gegevens"]["omschrijving"] == REDACTED and done["nog_niet_geredigeerd"] == []

    # who may not see the case gets 404; an open task is not a completed one
    for who in ("melder", "betrokkene", "leidinggevende", "auditor"):
        assert world.client.get(f"{base}/{task_id}", headers=world.h(who)).status_code == 404, who
        assert world.client.get(base, headers=world.h(who)).status_code == 404, who
    open_task = world.client.get(f"/api/v1/zaken/{world.case_a}", headers=world.h("meldpunt")).json()["open_taken"][0]
    assert world.client.get(f"{base}/{open_task['id']}", headers=world.h("meldpunt")).status_code == 404
    assert world.client.get(f"/api/v1/zaken/{world.case_b}/taken/afgerond/{task_id}",
                            headers=world.h("bureau_vi")).status_code == 404

    # stored in the same transaction; the confidential part encrypted at rest
    with db.session() as s:
        row = s.get(TaskSubmission, task_id)
        assert row is not None and s.get(WorkItem, task_id).state == "completed"
        raw = s.execute(text("SELECT data, confidential FROM task_submissions WHERE work_item_id = :i"),
                        {"i": task_id}).one()
    assert "melder_naam" not in str(raw[0]) and "omschrijving" not in str(raw[0])
    assert REPORTER_NAME not in raw[1] and "rita@example.org" not in raw[1] and ORIGINAL not in raw[1]


def test_a_new_description_voids_the_redaction(world, db):
    """When the desk registers a different text, the earlier redaction no longer matches: case workers read
    nothing until the desk redacts again."""
    assert _redact(world, "meldpunt").status_code == 200
    _register_with(world, "Declaraties voor reizen naar Parijs die niet zijn gemaakt.")
    assert _detail(world, "onderzoeker")["nog_niet_geredigeerd"] == ["omschrijving"]


def _register_with(world, description: str) -> None:
    task = next(t for t in _detail(world, "meldpunt")["open_taken"] if t["element_id"] == "melding_registreren")
    data = {**DEFAULTS["melding_registreren"], "melder_naam": REPORTER_NAME, "omschrijving": description,
            "dienstonderdeel": REPORT["dienstonderdeel"]}
    world.client.post(f"/api/v1/taken/{task['id']}/claimen", headers=world.h("meldpunt"))
    r = world.client.post(f"/api/v1/taken/{task['id']}/afronden", headers=world.h("meldpunt"), json={"gegevens": data})
    assert r.status_code == 200, r.text


def test_task_detail_gives_case_workers_the_redacted_description(world):
    assert _redact(world, "meldpunt").status_code == 200
    with_task = world.client.get(f"/api/v1/zaken/{world.case_a}", headers=world.h("meldpunt")).json()["open_taken"]
    r = world.client.get(f"/api/v1/taken/{with_task[0]['id']}", headers=world.h("onderzoeker"))
    assert r.status_code == 200 and r.json()["gegevens"]["omschrijving"] == REDACTED and ORIGINAL not in r.text
