"""Texts to the reporter go through one guard (``documents.context.check_reporter_text``): the letters
(through the documents package, with the case's process vocabulary) and the messages of the reporter's
channel (here). This module gathers what the guard must know about the case: the task data of every branch,
the confidential fields (the registered subject's name) and the name of the subject linked as a person."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.cases import confidential
from engine.cases.models import Case, CaseParty
from engine.db import in_values
from engine.errors import WorkflowFailure
from engine.identity.models import User

log = logging.getLogger(__name__)


def party_names(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The subjects and the reporters linked as persons, as guard data ({"betrokkene_naam": display name},
    {"melder_naam": display name}): the reporter's guard keeps the one out of texts to the reporter, the letters to
    everyone else keep the other out (``documents.context.check_reporter_not_named``; a reporter who filed under
    their own account has no ``melder_naam`` in the case data)."""
    rows = session.execute(_PARTY_NAMES, {"case_id": case_id})
    return [{f"{party}_naam": name} for party, name in rows if name]


_PARTY_NAMES = (select(CaseParty.party, User.display_name).join(CaseParty, CaseParty.user_id == User.id)
                .where(CaseParty.case_id == bindparam("case_id"), in_values(CaseParty.party, ("betrokkene", "melder")))
                .order_by(CaseParty.id))


def check_message(session: Session, case: Case, text: str, *, field: str = "tekst") -> None:
    """Refuse a channel message to the reporter that is not in general terms (raises ``NotInGeneralTerms``)."""
    from documents.context import check_reporter_text  # documents knows nothing about cases
    from documents.leakguard import vocabulary_of
    from engine.cases import runtime
    from engine.processes import service as processes

    cases: list[dict[str, Any]] = [confidential.read(session, case_id=case.id), *party_names(session, case.id)]
    vocabulary = settings = None
    if case.process_version_id is not None:
        parsed = processes.parsed_version(session=session, version_id=case.process_version_id)
        vocabulary, settings = vocabulary_of(parsed), parsed.manifest.settings
        if case.state is not None:
            try:
                wf = runtime.loads(case.state, parsed, case.process_kind)
            except Exception as exc:  # a broken state is reported, never skipped silently (its class: the log)
                log.error("case %s: stored state not readable: %s", case.id, type(exc).__name__)
                raise WorkflowFailure("De zaak kon niet worden gelezen: de opgeslagen zaakstatus is beschadigd.") \
                    from exc
            cases.extend(t.data for t in wf.get_tasks() if t.data)
    check_reporter_text(field=field, text=text, cases=cases, vocabulary=vocabulary, settings=settings,
                        label="Het bericht aan de melder")
