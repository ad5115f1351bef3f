"""Drafts of a task's form, per user and task (issue 17: no input lost).

A user who has the task saves what they typed ('Concept opslaan') without completing it; the form opens with it
the next time that user opens the task. A draft is the user's own: nobody else reads it, not even whoever takes the
task over. It holds the form's values exactly as typed (also invalid ones, so they can be corrected later), as one
JSON object encrypted at rest (``TaskDraft.data``, like ``case_confidential``). A draft ends when the task is
completed (``engine.cases.service.complete_task``), handed back (``worklist.unclaim``) or assigned to another
user (``worklist.assign``): work that changes hands starts from the case data, not from someone's notes.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from engine.clock import now
from engine.errors import FieldError, InvalidData, NotAuthorized, TaskNotReady
from engine.identity import access
from engine.identity.models import User
from engine.worklist.models import TaskDraft, WorkItem

MAX_BYTES = 1_000_000  # a form's values, never a file


def _own_open_task(session: Session, user: User, item: WorkItem) -> None:
    if item.state != "open":
        raise TaskNotReady("Deze taak is al afgerond of vervallen.")
    if item.assignee_id != user.id or not access.may_work_on_task(session=session, user=user, item=item):
        raise NotAuthorized("Pak de taak eerst op: alleen wie de taak heeft, kan een concept opslaan.")


def save(*, session: Session, user: User, item: WorkItem, values: dict) -> datetime:
    """Store ``values`` (the form as typed) as ``user``'s draft of ``item``; replaces an earlier draft."""
    _own_open_task(session, user, item)
    text = json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)
    if len(text.encode()) > MAX_BYTES:
        raise InvalidData([FieldError("concept", "is te groot om op te slaan")])
    moment = now()
    draft = session.get(TaskDraft, (item.id, user.id))
    if draft is None:
        session.add(TaskDraft(work_item_id=item.id, user_id=user.id, data=text, saved_at=moment))
    else:
        draft.data, draft.saved_at = text, moment
    return moment


def load(*, session: Session, user: User, item: WorkItem) -> tuple[dict, datetime] | None:
    """``user``'s own draft of ``item`` (values as typed, when saved), or None. Only while the task is open and
    theirs; nobody reads another user's draft."""
    if item.state != "open" or item.assignee_id != user.id:
        return None
    draft = session.get(TaskDraft, (item.id, user.id))
    if draft is None:
        return None
    return json.loads(draft.data), draft.saved_at


def discard(session: Session, *, work_item_id: int, keep_user_id: int | None = None) -> None:
    """Delete the drafts of a task (completed, handed back, or assigned: ``keep_user_id`` keeps the new
    assignee's own draft, if they had one)."""
    if keep_user_id is None:  # a completion: one prebuilt Core DELETE (no draft is loaded in its session)
        session.connection().execute(_DISCARD, {"item_id": work_item_id})
        return
    stmt = delete(TaskDraft).where(TaskDraft.work_item_id == work_item_id, TaskDraft.user_id != keep_user_id)
    session.execute(stmt.execution_options(synchronize_session=False))


_DISCARD = delete(TaskDraft.__table__).where(TaskDraft.__table__.c.work_item_id == bindparam("item_id"))


def users_with_draft(session: Session, *, work_item_id: int) -> list[int]:
    """Ids of the users holding a draft of the task (for tests and housekeeping; never the values)."""
    return list(session.scalars(select(TaskDraft.user_id).where(TaskDraft.work_item_id == work_item_id)))
