"""Writing the letter outbox in a step's transaction, and the letters a case is still waiting for.

:func:`check_and_enqueue` is what a step does for its letter: the checks that decide whether the step may
complete run here, inside the step's transaction (every placeholder filled, the recipient's allow-list, the
reporter's leak guard over the letter's text, all by :func:`documents.service.check_letter`, which fills the
template's text without producing the document), and a :class:`LetterJob` row is written. After commit the
letter worker (``engine.letter_outbox.worker``) renders and stores the .docx.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Mapping, Sequence

from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session

from engine.config import get_settings
from engine.letter_outbox.models import DONE, FAILED, PENDING, LetterJob

_INFO_KEY = "letter_jobs"


def dumps(data: Mapping[str, Any]) -> str:
    """The case data as JSON, dates kept as dates (the letters' date filters format them)."""
    def tag(value):
        if isinstance(value, datetime):
            return {"__datetime__": value.isoformat()}
        if isinstance(value, date):
            return {"__date__": value.isoformat()}
        return str(value)

    return json.dumps(dict(data), default=tag, ensure_ascii=False)


def loads(raw: str) -> dict[str, Any]:
    def untag(obj):
        if len(obj) == 1 and "__date__" in obj:
            return date.fromisoformat(obj["__date__"])
        if len(obj) == 1 and "__datetime__" in obj:
            return datetime.fromisoformat(obj["__datetime__"])
        return obj

    return json.loads(raw, object_hook=untag)


def check_and_enqueue(*, session: Session, case, version_id: int, step: str, task_id: str, template: str,
                      recipient: str, data: Mapping[str, Any], settings: Mapping[str, Any],
                      guard: Sequence[Mapping[str, Any]], vocabulary, templates, catalogue) -> LetterJob:
    """Check the letter inside the step's transaction (raises :class:`documents.errors.LetterRenderError` as
    rendering would: the step rolls back) and write its outbox row."""
    from documents import service as letters

    letters.check_letter(template=template, recipient=recipient, data=data, settings=settings,
                         case_reference=case.reference, templates_dir=templates, guard=guard,
                         vocabulary=vocabulary, catalogue=catalogue)
    job = LetterJob(case_id=case.id, process_version_id=version_id, step=step, task_id=task_id,
                    template=template, recipient=recipient, payload=dumps(data), state=PENDING)
    session.add(job)
    _after_commit(session, job)
    return job


def _after_commit(session: Session, job: LetterJob) -> None:
    """After the step's transaction commits: render its letters (``na_commit``) or wake the letter worker."""
    jobs = session.info.setdefault(_INFO_KEY, [])
    if not jobs and session.get_bind().dialect.name == "postgresql":
        session.execute(_NOTIFY)  # delivered at commit to `meldpunt brieven run` (LISTEN)
    jobs.append(job)
    if not session.info.get(_HOOKED):
        session.info[_HOOKED] = True
        event.listen(session, "after_commit", _committed)
        event.listen(session, "after_soft_rollback", _rolled_back)


def _committed(session: Session) -> None:
    jobs = session.info.pop(_INFO_KEY, None)
    if not jobs:
        return
    from engine.letter_outbox import worker

    if get_settings().brieven == "na_commit":
        ids = [key[0] for key in (inspect(j).identity for j in jobs) if key]
        worker.render_due(bind=session.get_bind(), ids=ids)
    worker.wake()


def _rolled_back(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:  # the step's transaction is gone, its rows with it
        session.info.pop(_INFO_KEY, None)


_HOOKED = "letter_jobs_hooked"
CHANNEL = "meldpunt_brieven"
_NOTIFY = text(f"NOTIFY {CHANNEL}")


# --------------------------------------------------------------------------- what a case is waiting for

def waiting(*, session: Session, case_id: int) -> list[LetterJob]:
    """The letters of a case that are asked for and not yet stored (``wacht`` or ``mislukt``), oldest first."""
    return list(session.scalars(select(LetterJob).where(LetterJob.case_id == case_id,
                                                        LetterJob.state.in_((PENDING, FAILED)))
                                .order_by(LetterJob.id)))


def waiting_label(job: LetterJob) -> str:
    """How the case shows a letter not yet stored (Dutch, no jargon)."""
    return "wordt aangemaakt" if job.state == PENDING else "kon nog niet worden aangemaakt (incident gemeld)"


__all__ = ["check_and_enqueue", "waiting", "waiting_label", "DONE", "FAILED", "PENDING", "CHANNEL"]
