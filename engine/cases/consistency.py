"""Does a case's stored state agree with itself? (issue 14: faults leave nothing half-done)

Per case, the workflow (the source of truth) is loaded and compared with its mirrors: the ready user
tasks with the open work items, the waiting timers with the pending timer rows; no timer fired twice
(a non-cycle timer row fires at most once, and at most one ``timer.fired`` event names it); one letter
per completed letter task; at most one ``task.claimed`` and one ``task.completed`` event per work item
(nobody unclaims in between). Read only; used by the chaos test and usable from a shell.
"""
from __future__ import annotations

from collections import Counter

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from documents.models import Letter
from engine.letter_outbox.models import DONE, LetterJob
from engine.audit.models import AuditEvent
from engine.cases import runtime
from engine.cases.models import Case
from engine.cases.service import _load
from engine.timers.models import Timer
from engine.worklist.models import WorkItem


def check_case(*, session: Session, case_id: int) -> list[str]:
    """Every disagreement found in case ``case_id`` (English, for logs and tests); empty if consistent."""
    case = session.get(Case, case_id)
    if case is None:
        return [f"case {case_id}: not found"]
    problems: list[str] = []
    _, wf = _load(session, case)
    items = list(session.scalars(select(WorkItem).where(WorkItem.case_id == case_id)))
    ready = {str(t.id) for t in runtime.ready_user_tasks(wf)}
    open_items = {w.task_id for w in items if w.state == "open"}
    if ready != open_items:
        problems.append(f"case {case_id}: ready user tasks without an open work item {sorted(ready - open_items)}, "
                        f"open work items without a ready task {sorted(open_items - ready)}")
    timers = list(session.scalars(select(Timer).where(Timer.case_id == case_id)))
    waiting = {w.task_id for w in runtime.waiting_timers(wf)}
    pending = {t.task_id for t in timers if t.state == "pending"}
    if waiting != pending:
        problems.append(f"case {case_id}: waiting timers without a pending row {sorted(waiting - pending)}, "
                        f"pending rows without a waiting timer {sorted(pending - waiting)}")
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)))
    fired_in_events = Counter(task_id for e in events if e.action == "timer.fired"
                              for task_id in (e.details or {}).get("timers") or [])
    for t in timers:
        if t.kind != "cycle" and (t.fire_count > 1 or fired_in_events[t.task_id] > 1):
            problems.append(f"case {case_id}: timer {t.id} fired {max(t.fire_count, fired_in_events[t.task_id])} times")
        if t.state == "fired" and t.fire_count < 1:
            problems.append(f"case {case_id}: timer {t.id} marked fired without firing")
    for action in ("task.claimed", "task.completed"):
        per_task = Counter(e.task_id for e in events if e.action == action)
        for task_id, n in per_task.items():
            if n > 1:
                problems.append(f"case {case_id}: {n} '{action}' events for one work item ({task_id})")
    completed_items = Counter(w.task_id for w in items if w.state == "completed")
    completed_events = Counter(e.task_id for e in events if e.action == "task.completed")
    if set(completed_items) != set(completed_events):
        problems.append(f"case {case_id}: completed work items and 'task.completed' events disagree")
    letter_tasks: Counter = Counter()
    for task in runtime.completed_tasks(wf):
        props = getattr(task.task_spec, "extensions", {}).get("properties", {})
        if props.get("letter"):
            letter_tasks[task.task_spec.bpmn_id or task.task_spec.name] += 1
    letters = Counter(step for (step,) in session.execute(
        select(Letter.step).where(Letter.case_id == case_id, Letter.supersedes_id.is_(None))))
    # a letter asked for by a committed step and not yet made by the letter worker counts: it is on its way
    letters.update(step for (step,) in session.execute(
        select(LetterJob.step).where(LetterJob.case_id == case_id, LetterJob.state != DONE)))
    if letters != letter_tasks:
        problems.append(f"case {case_id}: letters {dict(letters)} for completed letter tasks {dict(letter_tasks)}")
    return problems


def check_all(*, session: Session) -> tuple[int, list[str]]:
    """(cases checked, problems) over every case with a process instance."""
    ids = list(session.scalars(select(Case.id).where(Case.process_version_id.is_not(None)).order_by(Case.id)))
    problems: list[str] = []
    for case_id in ids:
        problems += check_case(session=session, case_id=case_id)
    return len(ids), problems
