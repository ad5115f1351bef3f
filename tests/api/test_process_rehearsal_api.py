"""Issue 18 over HTTP: a draft is rehearsed against a chosen scenario (POST /processen/repetitie); deploying it
after a failed rehearsal is refused (409) unless the process owner gives a reason (zonderRepetitie), audited."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.config import get_settings
from tests.api.test_process_uploads import process_files
from tests.engine.test_rehearsal import FAILING_STEP, SCENARIO

pytestmark = pytest.mark.db


def _draft():
    """The shipped set with the receipt acknowledgement due in 4 days instead of 7 (breaks SCENARIO)."""
    out = []
    for field, (name, content, kind) in process_files():
        if name in ("melding.bpmn", "integriteitsmelding.bpmn"):
            content = content.replace(b'legal_date("P7D", start=datum_melding)', b'legal_date("P4D", start=datum_melding)')
            content = content.replace(b'legal_term("P7D", start=datum_melding)', b'legal_term("P4D", start=datum_melding)')
        out.append((field, (name, content, kind)))
    return out


def test_rehearse_then_deploy_only_with_a_reason(world, db, monkeypatch):
    monkeypatch.setenv("MELDPUNT_REPETITIE", "verplicht")
    get_settings.cache_clear()
    try:
        c, owner = world.client, world.h("procesbeheerder")
        assert c.post("/api/v1/processen/repetitie", headers=world.h("integriteitscoordinator"), files=_draft(),
                      data={"keuze": [SCENARIO]}).status_code == 403
        r = c.post("/api/v1/processen/repetitie", headers=owner, files=_draft(), data={"keuze": [SCENARIO]})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["geslaagd"] is False and [s["scenario"] for s in body["scenarios"]] == [SCENARIO]
        assert body["scenarios"][0]["resultaat"] == "MISLUKT" and FAILING_STEP in body["scenarios"][0]["stap"]
        refused = c.post("/api/v1/processen", headers=owner, files=_draft())
        assert refused.status_code == 409 and "repetitie" in refused.json()["detail"].lower()
        reason = "Spoedwijziging na besluit van de directie"
        r = c.post("/api/v1/processen", headers=owner, files=_draft(), data={"zonderRepetitie": reason})
        assert r.status_code == 201, r.text
        with db.session() as s:
            [event] = s.execute(select(AuditEvent).where(AuditEvent.action == "process.rehearsal_overridden")).scalars()
            assert event.actor == "procesbeheerder" and event.details["reden"] == reason
    finally:
        monkeypatch.delenv("MELDPUNT_REPETITIE")
        get_settings.cache_clear()
