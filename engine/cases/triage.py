"""Arrival and triage (issue 17): what a worklist row and a task not yet claimed show of its case.

A task waiting in a role's pool is seen by every holder of the role who is no party of the case, often before
they may see the case itself (sight comes with involvement). To decide whether to take it they need the case's
outline: the non-confidential projection (reference, received date, category, unit, status, the reporter as
pseudonym) and the report's substance exactly as ``engine.cases.field_classes`` lets this user read it (the
redacted version for case workers, a notice until the desk redacted it; the original for the identity-authorised;
every read audited). The reporter's identity is never part of it. One door: the API and the web pages call
:func:`task_outline`; nobody else reads the case for a task not yet claimed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import field_classes
from engine.cases.models import Case
from engine.errors import NotFound
from engine.identity import access
from engine.identity.models import User
from engine.worklist.models import WorkItem


@dataclass
class CaseOutline:
    case_id: int
    reference: str
    status: str
    received: datetime | str | None
    category: str | None
    unit: str | None
    reporter: str  # 'Anonieme melder' or the case's pseudonym: never a name
    substance: dict[str, str] = field(default_factory=dict)  # label -> text as this user may read it
    not_redacted: list[str] = field(default_factory=list)  # labels of substance not yet redacted
    case_visible: bool = False


def _received(case: Case) -> datetime | str | None:
    return (case.summary or {}).get("datum_melding") or case.created_at


def row_facts(*, session: Session, items: list[WorkItem]) -> dict[int, dict]:
    """For worklist rows (tasks the worklist already gave this user): case id -> reference, received date and
    category from the case's non-confidential projection, in one query."""
    ids = {i.case_id for i in items}
    if not ids:
        return {}
    rows = session.execute(select(Case.id, Case.reference, Case.category, Case.summary, Case.created_at)
                           .where(Case.id.in_(ids))).all()
    return {r.id: {"reference": r.reference, "category": r.category or (r.summary or {}).get("categorie"),
                   "received": (r.summary or {}).get("datum_melding") or r.created_at} for r in rows}


def task_outline(*, session: Session, user: User, item: WorkItem, page: str = "taak") -> CaseOutline:
    """The case of ``item`` as ``user`` may see it before claiming: only for who may work on the task (its pool
    or its assignee) or see the case; else :class:`NotFound`. Substance reads are audited (``page``)."""
    visible = access.can_see_case(session=session, user=user, case_id=item.case_id)
    if not visible and not access.may_work_on_task(session=session, user=user, item=item):
        raise NotFound("Taak niet gevonden.")
    case = session.get(Case, item.case_id)
    if case is None:
        raise NotFound("Taak niet gevonden.")
    summary = dict(case.summary or {})
    outline = CaseOutline(case_id=case.id, reference=case.reference,
                          status="open" if case.status == "open" else "afgesloten", received=_received(case),
                          category=case.category or summary.get("categorie"), unit=case.unit,
                          reporter="Anonieme melder" if summary.get("melder_anoniem")
                          else access.reporter_pseudonym(case.id), case_visible=visible)
    view = field_classes.case_view(session=session, user=user, case=case, audited=False)
    labels = field_classes.substance_labels(session, case)
    shown = {k: v for k, v in view.substance.items() if v}
    field_classes.audit_shown(session, user=user, case_id=case.id, view=view, identity={}, substance=shown,
                              page=page)  # the identity class is never shown here
    outline.substance = {labels.get(k, k): v for k, v in shown.items()}
    outline.not_redacted = [labels.get(k, k) for k in view.not_redacted]
    return outline
