"""In-browser modelling (issue 18), engine side: a process owner's draft is kept per user, checked as a deployment
would be, never deployed while invalid, and deployed through the audited deployment; others are refused."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.errors import InvalidData, NotAuthorized, ProcessValidationError
from engine.processes import modelling, service as processes
from tests.factories import make_user
from tests.process.driver import PROCESSES

TERM = 'legal_term("P7D", start=datum_melding)'


@pytest.mark.db
def test_a_draft_is_per_user_checked_refused_while_invalid_and_deployed_when_valid(db, clock):
    with db.session() as s:
        first = processes.deploy(session=s, directory=PROCESSES, actor="system")
        owner = make_user(s, "petra", "procesbeheerder")
        other_owner = make_user(s, "paul", "procesbeheerder")
        original = modelling.file_content(session=s, user=owner, path="integriteitsmelding.bpmn")
        assert TERM.encode() in original

        bad = original.replace(TERM.encode(), b"P7D")
        issues = modelling.save(session=s, user=owner, path="integriteitsmelding.bpmn", content=bad)
        assert [(i.file, i.element_id) for i in issues] == [("integriteitsmelding.bpmn", "ontvangst_termijn")]
        assert "geen ISO 8601-datum" in issues[0].message
        # kept for this user only
        assert modelling.file_content(session=s, user=owner, path="integriteitsmelding.bpmn") == bad
        assert modelling.file_content(session=s, user=other_owner, path="integriteitsmelding.bpmn") == original
        with pytest.raises(ProcessValidationError):
            modelling.deploy(session=s, user=owner)
        assert processes.active_version(session=s).id == first.id

        good = original.replace(TERM.encode(), b'legal_term("P5D", start=datum_melding)')
        assert modelling.save(session=s, user=owner, path="integriteitsmelding.bpmn", content=good) == []
        changes = modelling.differences(session=s, user=owner)
        assert any("P7D → P5D" in d for c in changes for d in c.details)
        outcome = modelling.deploy(session=s, user=owner)
        assert outcome.outcome == "nieuw" and processes.active_version(session=s).id == outcome.version.id
        assert modelling.drafts(session=s, user=owner) == {}
        deployed = s.execute(select(AuditEvent).where(AuditEvent.action == "process.deployed")
                             .order_by(AuditEvent.id.desc())).scalars().first()
        assert deployed.actor == "petra" and deployed.details["version"] == outcome.version.id


@pytest.mark.db
def test_only_process_owners_model_and_only_files_of_the_active_set(db, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES, actor="system")
        desk = make_user(s, "desk", "meldpunt")
        owner = make_user(s, "petra", "procesbeheerder")
        with pytest.raises(NotAuthorized):
            modelling.save(session=s, user=desk, path="integriteitsmelding.bpmn", content=b"<x/>")
        with pytest.raises(NotAuthorized):
            modelling.drafts(session=s, user=desk)
        for path in ("../etc/passwd", "forms/melding.json", "nieuw.bpmn", "manifest.json", "letters/x.docx"):
            with pytest.raises(InvalidData):
                modelling.save(session=s, user=owner, path=path, content=b"<x/>")
        with pytest.raises(InvalidData):  # nothing saved: nothing to deploy
            modelling.deploy(session=s, user=owner)
        assert modelling.drafts(session=s, user=owner) == {}


@pytest.mark.db
def test_deploying_a_draft_needs_a_passed_rehearsal_or_a_reason_that_is_audited(db, clock, monkeypatch):
    from engine.config import get_settings
    from engine.processes.rehearsal import RehearsalRequired

    monkeypatch.setenv("MELDPUNT_REPETITIE", "verplicht")
    get_settings.cache_clear()
    try:
        with db.session() as s:
            first = processes.deploy(session=s, directory=PROCESSES, actor="system")
            owner = make_user(s, "petra", "procesbeheerder")
            with pytest.raises(InvalidData):  # nothing changed: nothing to rehearse
                modelling.rehearse(session=s, user=owner)
            original = modelling.file_content(session=s, user=owner, path="integriteitsmelding.bpmn")
            changed = original.replace(TERM.encode(), b'legal_term("P5D", start=datum_melding)')
            assert modelling.save(session=s, user=owner, path="integriteitsmelding.bpmn", content=changed) == []
            state = modelling.rehearsal_state(session=s, user=owner)
            assert state["required"] and state["last"] is None and not state["passed"]
            with pytest.raises(RehearsalRequired):
                modelling.deploy(session=s, user=owner)
            with pytest.raises(RehearsalRequired):
                modelling.deploy(session=s, user=owner, override="kort")
            assert processes.active_version(session=s).id == first.id
            assert modelling.drafts(session=s, user=owner)  # the refused draft is kept

            outcome = modelling.deploy(session=s, user=owner, override="Termijn verkort op verzoek van de OR")
            assert outcome.outcome == "nieuw"
            overridden = s.execute(select(AuditEvent).where(AuditEvent.action == "process.rehearsal_overridden")
                                   ).scalars().one()
            assert overridden.actor == "petra" and overridden.details["repetitie"] == "niet gedraaid"
    finally:
        monkeypatch.delenv("MELDPUNT_REPETITIE")
        get_settings.cache_clear()
