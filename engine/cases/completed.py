"""Completed work stays readable (issue 16): a completed task's submitted data, read-only, as one user may
have it.

Who may see the case (``access.require_visible_case``) may open every completed task of it; the values come
from ``task_submissions`` (written when the task completed, ``engine.cases.service.complete_task``) with the
confidentiality classes applied (``engine.cases.field_classes``): identity fields only for the
identity-authorised, the report's substance as the desk's redacted version for everyone else. A task completed
before submissions were stored (migration 0015) has no values (``stored`` False); nothing is reconstructed
from the workflow state, which holds the case's latest values rather than the task's.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import field_classes
from engine.cases.models import Case, TaskSubmission
from engine.errors import NotFound
from engine.identity import access
from engine.identity.models import User
from engine.worklist.models import WorkItem


@dataclass
class CompletedTask:
    item: WorkItem
    schema: dict | None  # the task's form (JSON Schema), for a read-only rendering
    stored: bool  # False: completed before submitted data was kept
    values: dict = field(default_factory=dict)  # what this user may read
    hidden: list[str] = field(default_factory=list)  # identity fields left out
    not_redacted: list[str] = field(default_factory=list)  # substance fields the desk has not redacted yet
    completed_by: str | None = None
    completed_at: datetime | None = None
    case: Case | None = None  # the task's case, which this user may see (``access.require_visible_case``)


def _views(session: Session, user: User, case_id: int, items: list[WorkItem], page: str | None) -> list[CompletedTask]:
    case = access.require_visible_case(session=session, user=user, case_id=case_id)
    classes = field_classes.case_classes(session, case)
    view = field_classes.case_view(session=session, user=user, case=case, audited=False)
    forms = {}
    if case.process_version_id is not None:
        from engine.processes import service as processes

        forms = processes.parsed_version(session=session, version_id=case.process_version_id).forms
    rows = {r.work_item_id: r for r in session.scalars(
        select(TaskSubmission).where(TaskSubmission.work_item_id.in_([i.id for i in items])))} if items else {}
    users = {u.id: u.username for u in session.scalars(
        select(User).where(User.id.in_({i.completed_by_id for i in items if i.completed_by_id})))} if items else {}
    out, shown_identity, shown_substance = [], set(), set()
    for item in items:
        row = rows.get(item.id)
        done = CompletedTask(item=item, schema=forms.get(item.form) if item.form else None, stored=row is not None,
                             completed_by=users.get(item.completed_by_id), completed_at=item.completed_at, case=case)
        if row is not None:
            secret = json.loads(row.confidential) if row.confidential else {}
            submitted = {**(row.data or {}), **secret}
            # a confidential value the version classes not (engine.cases.confidential.ALWAYS_CONFIDENTIAL in a
            # version stored before its form was refused) reads as identity, as the case file reads it
            row_classes = {**{k: field_classes.IDENTITY for k in secret}, **classes}
            done.values, done.hidden, done.not_redacted = field_classes.apply(submitted, row_classes, view)
            shown_identity |= {k for k in done.values if row_classes.get(k) not in (None, field_classes.SUBSTANCE)}
            shown_substance |= {k for k in done.values if row_classes.get(k) == field_classes.SUBSTANCE}
        out.append(done)
    field_classes.audit_shown(session, user=user, case_id=case.id, view=view, identity=shown_identity,
                              substance=shown_substance, page=page)
    return out


def completed_tasks(*, session: Session, user: User, case_id: int, page: str | None = None) -> list[CompletedTask]:
    """Every completed task of a case ``user`` may see, in the order they were completed (``NotFound``
    for a case they may not see)."""
    access.require_visible_case(session=session, user=user, case_id=case_id)
    items = list(session.scalars(select(WorkItem).where(WorkItem.case_id == case_id, WorkItem.state == "completed")
                                 .order_by(WorkItem.completed_at, WorkItem.id)))
    return _views(session, user, case_id, items, page)


def completed_task(*, session: Session, user: User, case_id: int, work_item_id: int,
                   page: str | None = None) -> CompletedTask:
    """One completed task of a case ``user`` may see; ``NotFound`` otherwise (also for an open task)."""
    access.require_visible_case(session=session, user=user, case_id=case_id)
    item = session.get(WorkItem, work_item_id)
    if item is None or item.case_id != case_id or item.state != "completed":
        raise NotFound("Afgeronde taak niet gevonden.")
    return _views(session, user, case_id, [item], page)[0]


def case_of_completed_task(*, session: Session, user: User, work_item_id: int) -> int:
    """The case of a completed task ``user`` may open (for pages addressed by task id); ``NotFound`` otherwise."""
    item = session.get(WorkItem, work_item_id)
    if item is None or item.state != "completed" or not access.can_see_case(
            session=session, user=user, case_id=item.case_id):
        raise NotFound("Afgeronde taak niet gevonden.")
    return item.case_id
