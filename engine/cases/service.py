"""Starting and advancing cases. Each public call is one database transaction's work.

The caller owns the transaction (``Database.session()``): these functions load the
case, run SpiffWorkflow in memory, write the new state (optimistic version check
first, so a lost race stops before anything else is written), work items, timers,
letter outbox rows (each letter checked here; the .docx is made after commit by the
letter worker, engine.letter_outbox) and audit events, and raise a domain error on any
failure so the caller rolls everything back.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import String, bindparam, case as sql_case, cast, exists, insert, literal, select, update
from sqlalchemy.orm import Session, undefer
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from engine import forms
from engine.audit import service as audit
from engine.audit.models import AuditHead
from engine.cases import confidential, duties, field_classes, legal_rules, persons, reporter_texts, runtime
from engine.cases.models import Case, CaseParty, TaskSubmission
from documents.errors import LetterRenderError
from engine.clock import now
from engine.legal_terms import local_date
from engine.errors import DomainError, FieldError, InvalidData, NotFound, ScriptLimitExceeded, StaleCase, TaskNotReady, WorkflowFailure
from engine.identity.models import User
from engine.incidents import service as incidents
from engine.letter_outbox import service as letter_outbox
from engine.letter_outbox.models import LetterJob
from engine.notifications import service as notifications
from engine.processes import service as processes
from engine.processes.models import ProcessVersion
from engine.processes.validation import ParsedProcessSet
from engine.register import actions as register_actions
from engine.register import assessments as register_records
from engine.register import triage as register_triage
from engine.timers.models import Timer
from engine.worklist import drafts
from engine.worklist.models import OPEN, TaskDraft, WorkItem

# Non-confidential task-data keys copied to ``Case.summary`` for lists and reports.
SUMMARY_KEYS = (
    "kanaal", "categorie", "subcategorie", "dienstonderdeel", "risicofunctie", "melder_anoniem",
    "voorgestelde_route", "route", "doorverwijzing_naar", "onderzoek_soort", "soort_onderzoek",
    "strafbaar_feit", "aangifte_gedaan", "aangifte_datum", "opdracht_verleend", "uitkomst",
    "ordemaatregel", "afdoeningen", "inhoud_geanonimiseerd", "datum_melding", "ontvangstbevestigd_op",
    "terugkoppeling_verzonden_op", "besluit_datum", "escalaties",
)


def actor_name(user: User | None) -> str:
    return user.username if user is not None else "system"


@dataclass
class _Step:
    """One advance of one case, inside one transaction."""

    session: Session
    case: Case
    parsed: ParsedProcessSet
    wf: Any
    actor: str
    completed_before: set = field(default_factory=set)
    completed_task: Any = None  # the user task completed in this step (kept: a loop round may leave the tree)
    completed_item: Any = None  # its work item, and the id of the person who completes it (the separation of duties)
    actor_earlier: Any = None  # that person's earlier part in the case (duties.Facts.earlier), read before the step
    actor_id: int | None = None
    fired_timer_id: int | None = None
    # What the persisted state held before this step, when known. The timer and work-item
    # tables mirror the persisted state (every step syncs them), so an empty "before" on
    # both sides of a step means there is nothing in the table to read back.
    timers_before: bool | None = None  # None: unknown, read the table
    # The waiting timers of the persisted state (task id -> due moment) when known: the same after the step means
    # the table, which mirrors that state, needs no change (not even a read).
    timers_seen: dict[str, datetime] | None = None
    # The task ids of the timers waiting before the step, where timers_seen is not kept (a timer's firing, a
    # migration): the legal-deadline check looks only at the timers the step arms.
    armed_before: set[str] | None = None
    other_ready_before: bool | None = None  # ready user tasks other than the one completed
    submitted_task: str | None = None  # the user task whose form this step completes (its letter checks the form)
    latest: dict | None = None  # the process data after the step (``_latest_data``), computed once by ``_project``
    open_items: list = field(default_factory=list)  # (work item, its ready task) still open after the step
    sets: runtime.TaskSets | None = None  # the tree after the engine ran, walked once (``tasks``)

    def tasks(self) -> runtime.TaskSets:
        """The ready/waiting/completed sets after the engine ran: one walk of the tree for the whole write."""
        if self.sets is None:
            self.sets = runtime.walk(self.wf)
        return self.sets
    # The case's pending timer rows and open work items when the caller read them already (the timer worker
    # reads them for a whole batch of cases in one query each); None: read the table.
    pending_timers: list | None = None
    open_work_items: list | None = None
    # The timer worker's batch flushes once for all its cases (a version conflict then fails the batch, which
    # the worker fires again case by case); every other step flushes itself.
    defer_flush: bool = False


def _completed_ids(wf) -> set[str]:
    return {str(t.id) for t in runtime.completed_tasks(wf)}


def _script_limit(exc: BaseException) -> ScriptLimitExceeded | None:
    """The bound a script went over, also when SpiffWorkflow wrapped it (DMN does)."""
    for _ in range(10):
        if exc is None or isinstance(exc, ScriptLimitExceeded):
            return exc
        exc = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
    return None


def _workflow_failure(exc: BaseException) -> DomainError:
    """What a failed script, condition or timer answers: its kind and its step in Dutch, as an incident says it
    (``engine.incidents.service.describe``), never the exception's own text. That text quotes the case (a script
    error names the value that would not convert: a reporter's name, e-mail or phone number) and travels in the
    problem answer and the page of whoever completed the step, who need not be allowed to see it."""
    from engine.incidents.service import describe

    return _script_limit(exc) or WorkflowFailure(describe(exc)[1])


class CaseStalled(WorkflowFailure):
    """After the step the case would wait for nothing: no open task, no waiting timer, and its process not ended
    (a parallel join waiting for a branch that was not taken, a catch event for a message nobody sends). Nothing of
    the step is saved: committed, the case would sit without a task while its legal terms run out."""

    code = "zaak-vastgelopen"
    title = ("De zaak zou vastlopen: na deze stap staat geen taak open, loopt geen termijn en is het proces niet "
             "afgelopen")

    def __init__(self, task: Any = None):
        super().__init__()
        self.task = task  # where it waits (engine.incidents.service names it)


class DataNotStorable(WorkflowFailure):
    """A script or decision table wrote into the case data what its stored state cannot hold (``runtime.dumps``): a
    dict with the serializer's reserved key (read back as one of SpiffWorkflow's own objects, the state would not
    load: every later step, timer and migration of the case would fail) or a value that is no JSON. Nothing of the
    step is saved; the message names the field (a name of the model, never a value) and the step."""

    code = "gegeven-niet-op-te-slaan"
    title = "Het procesmodel schreef een gegeven dat niet in de zaak kan worden opgeslagen"

    def __init__(self, unstorable: runtime.UnstorableData):
        self.fault = (f"het gegeven '{unstorable.field}' bevat de gereserveerde naam '{forms.RESERVED_KEY}' en kan "
                      f"niet in de zaak worden opgeslagen (de zaak zou daarna niet meer te openen zijn)"
                      if unstorable.reserved else
                      f"het gegeven '{unstorable.field}' is geen tekst, getal, ja/nee-waarde, lijst of object en kan "
                      f"niet in de zaak worden opgeslagen")
        super().__init__()
        self.task = unstorable.task  # who wrote it (engine.incidents.service names it)
        self.detail = incidents.describe(self)[1]


def _dumps(step: _Step) -> str:
    try:
        return runtime.dumps(step.wf)
    except runtime.UnstorableData as exc:
        raise DataNotStorable(exc) from None


def _stalled(step: _Step) -> CaseStalled | None:
    sets = step.sets = runtime.walk(step.wf)  # the tree after the engine ran (the step's one walk, ``tasks``)
    if step.wf.is_completed() or sets.ready_user or sets.timers():
        return None
    subprocesses = step.wf.subprocesses
    waiting = [t for t in sets.active if t.id not in subprocesses and getattr(t.task_spec, "bpmn_id", None)]
    stalled = CaseStalled(waiting[0] if waiting else None)
    stalled.detail = incidents.describe(stalled)[1]  # where it would wait, as its incident says it
    return stalled


def _run_engine(step: _Step) -> None:
    try:
        step.wf.do_engine_steps()
    except SpiffWorkflowException as exc:
        raise _workflow_failure(exc) from exc
    except DomainError:
        raise
    except Exception as exc:  # a process-owner script or expression failed
        raise _workflow_failure(exc) from exc
    stalled = _stalled(step)
    if stalled is not None:
        raise stalled


def _priority(step: _Step, task, meta) -> int:
    base = int(task.data.get("prioriteit", 0) or 0) if str(task.data.get("prioriteit", "0")).lstrip("-").isdigit() else 0
    raw = (meta.priority if meta else None) or "0"
    try:
        value = int(raw)
    except (TypeError, ValueError):
        try:
            value = int(step.wf.script_engine.evaluate(task, raw))
        except ScriptLimitExceeded:
            raise
        except Exception as exc:  # the process owner's expression: which one and what kind of error, in Dutch
            name = task.task_spec.bpmn_name or task.task_spec.bpmn_id
            raise WorkflowFailure(f"Prioriteit van de taak '{name}' is ongeldig: de expressie '{raw}' stuitte op "
                                  f"{incidents.error_kind(exc)}.") from exc
    return max(value, base, step.case.priority)


def _sync_timers(step: _Step) -> dict[str, datetime]:
    """Mirror waiting timers into the timer table. Returns user-task id → due date."""
    session, case = step.session, step.case
    waiting = {w.task_id: w for w in step.tasks().timers()}
    moment = now()
    if not waiting and step.timers_before is False:
        return {}
    due: dict[str, datetime] = {}
    for w in waiting.values():
        if w.attached_to and (w.attached_to not in due or w.fire_at < due[w.attached_to]):
            due[w.attached_to] = w.fire_at
    if step.timers_seen is not None and step.pending_timers is None \
            and step.timers_seen == {task_id: w.fire_at for task_id, w in waiting.items()}:
        return due  # the same timers wait as before the step: their rows stay as they are
    if step.timers_seen is not None and step.pending_timers is None and not step.defer_flush \
            and all(step.timers_seen[task_id] == w.fire_at for task_id, w in waiting.items()
                    if task_id in step.timers_seen):
        # The pending rows mirror the persisted state (timers_seen), and no timer that still waits was re-armed:
        # the rows need no read (issue 25). Those no longer waiting end in one set-based UPDATE, fired or cancelled
        # by each row's own due moment as below; the new ones in one INSERT.
        gone = sorted(task_id for task_id in step.timers_seen if task_id not in waiting)
        if gone:
            one = len(gone) == 1
            session.connection().execute(_END_TIMER if one else _END_TIMERS,
                                         {"c_id": case.id, "moment": moment, "gone": gone[0] if one else gone})
            for obj in list(session.identity_map.values()):  # a row loaded earlier in the session: read it again
                if isinstance(obj, Timer) and obj.case_id == case.id and obj.task_id in gone:
                    session.expire(obj)
        new = [{"case_id": case.id, "task_id": task_id, "element_id": w.element_id, "name": w.name, "kind": w.kind,
                "attached_to": w.attached_to, "fire_at": w.fire_at}
               for task_id, w in waiting.items() if task_id not in step.timers_seen]
        if new:
            session.connection().execute(_INSERT_TIMER, new)
        return due
    if step.pending_timers is not None:
        rows = {t.task_id: t for t in step.pending_timers if t.state == "pending"}
    else:
        rows = {t.task_id: t for t in session.execute(_PENDING_TIMERS, {"case_id": case.id}).scalars()}
    for task_id, row in rows.items():
        w = waiting.get(task_id)
        if w is None:
            row.state = "fired" if row.fire_at <= moment else "cancelled"
            if row.state == "fired":
                row.fired_at, row.fire_count = moment, row.fire_count + 1
        elif w.fire_at != row.fire_at:  # a cycle re-armed
            if w.fire_at > row.fire_at and row.fire_at <= moment:
                row.fired_at, row.fire_count = moment, row.fire_count + 1
            row.fire_at = w.fire_at
    new = [{"case_id": case.id, "task_id": task_id, "element_id": w.element_id, "name": w.name, "kind": w.kind,
            "attached_to": w.attached_to, "fire_at": w.fire_at} for task_id, w in waiting.items() if task_id not in rows]
    if new and step.defer_flush:  # the timer worker's batch: one flush for all its cases
        session.add_all([Timer(**values) for values in new])
    elif new:
        # One prebuilt INSERT for all of them (the ORM sent one per set of non-null columns); nothing in the step
        # reads these rows back, so no ORM object is made (none can go stale at a rollback). The table's defaults
        # (state, created_at, counters) apply as in the ORM's INSERT.
        session.connection().execute(_INSERT_TIMER, new)
    return due


def _sync_work_items(step: _Step, due: dict[str, datetime], completed_item: WorkItem | None) -> list[WorkItem]:
    session, case, parsed = step.session, step.case, step.parsed
    ready = {str(t.id): t for t in step.tasks().ready_user}
    if step.other_ready_before is False and completed_item is not None:
        existing = {completed_item.task_id: completed_item}
    elif step.open_work_items is not None:
        existing = {w.task_id: w for w in step.open_work_items if w.state == "open"}
    else:
        existing = {w.task_id: w for w in session.execute(_OPEN_ITEMS, {"case_id": case.id}).scalars()}
    for task_id, item in existing.items():
        if item is completed_item:
            continue
        if task_id not in ready:
            item.state, item.view = "cancelled", None
            audit.append(session=session, actor=step.actor, action="task.cancelled", case_id=case.id,
                         task_id=task_id, details={"element": item.element_id, "naam": item.name})
        elif task_id in due and item.due_at != due[task_id] and not _passed(item.due_at, due[task_id]):
            # A fired non-interrupting timer leaves the task open with its (passed) due date: a later
            # deadline on the same task (another legal clock) must not make an overdue task look on time.
            item.due_at = due[task_id]
        if task_id in ready:
            step.open_items.append((item, ready[task_id]))
    created = []
    for task_id, task in ready.items():
        if task_id in existing:
            continue
        meta = parsed.tasks.get(task.task_spec.bpmn_id or task.task_spec.name)
        role = meta.role if meta and meta.role else _fallback_role(task, parsed)
        item = WorkItem(case_id=case.id, task_id=task_id, element_id=task.task_spec.bpmn_id or task.task_spec.name,
                        name=task.task_spec.bpmn_name or task.task_spec.name, role=role,
                        slot=(meta.slot if meta and meta.slot else role), form=meta.form if meta else None,
                        due_at=due.get(task_id), priority=_priority(step, task, meta), created_at=now())
        item.view = _task_projection(step.parsed, _step_data(step), item, task)  # in the INSERT
        audit.append(session=session, actor=step.actor, action="task.created", case_id=case.id, task_id=task_id,
                     details={"element": item.element_id, "naam": item.name, "rol": role,
                              "termijn": item.due_at.isoformat() if item.due_at else None})
        if meta and meta.assignment in ("random", "random-workload"):
            _auto_assign(step, item, weighted=meta.assignment == "random-workload")  # adds the item once drawn
        else:
            session.add(item)
        notifications.task_ready(session, item)  # an outbox row in this step's transaction; mailed after commit
        created.append(item)
    _store_views(step)
    return created


def _task_projection(parsed: ParsedProcessSet, base: dict, item: WorkItem, task) -> dict:
    """What the form of an open task shows, as :func:`task_data` computes it from the workflow: the case data,
    the form's fields from the task itself, and the prefill the form declares. JSON-ready (stored in the row)."""
    schema = parsed.forms.get(item.form) if item.form else None
    fields = set((schema or {}).get("properties") or {})
    data = {k: v for k, v in base.items() if k != "instellingen"}  # the settings are never shown on a task
    data.update({k: v for k, v in task.data.items() if k in fields})
    if schema is not None:
        data.update(forms.prefill(schema, data))
    return json.loads(json.dumps(data, default=str))


def _step_data(step: _Step) -> dict:
    if step.latest is None:
        step.latest = _latest_data(step.wf, step.tasks())
    return step.latest


def _store_views(step: _Step) -> None:
    """Write the projection (``WorkItem.view``) of every open work item that was open before the step; an
    unchanged one costs no statement (a new item has its projection in its INSERT)."""
    for item, task in step.open_items:
        view = _task_projection(step.parsed, _step_data(step), item, task)
        if item.view != view:
            item.view = view


def _passed(current: datetime | None, new: datetime) -> bool:
    """True when ``current`` is a due date already passed and ``new`` lies after it."""
    if current is None:
        return False
    if current.tzinfo is None:  # SQLite hands back naive UTC
        current = current.replace(tzinfo=timezone.utc)
    return current <= now() and new > current


def _fallback_role(task, parsed: ParsedProcessSet) -> str:
    """A task in a called process without lanes takes the lane of the calling activity."""
    wf = task.workflow
    while getattr(wf, "parent_task_id", None) is not None:
        parent = wf.top_workflow.get_task_from_id(wf.parent_task_id)
        role = parsed.manifest.role_for_lane(getattr(parent.task_spec, "lane", None))
        if role:
            return role
        wf = parent.workflow
    raise WorkflowFailure(f"Taak {task.task_spec.bpmn_id} ligt in geen baan met een bekende rol.")


def _auto_assign(step: _Step, item: WorkItem, *, weighted: bool) -> None:
    # The new item joins the session only once drawn: the draw's queries flush what the step wrote so far, and the
    # item would go out as an INSERT followed by an UPDATE of its assignee; now it is one INSERT with it. (The
    # item itself cannot change the draw: it is neither completed nor assigned yet.)
    chosen, eligible, info = duties.draw_assignee(step.session, case_id=step.case.id, role=item.role,
                                                  slot=item.slot, manifest=step.parsed.manifest, weighted=weighted,
                                                  task=item, parsed=step.parsed)
    if chosen is not None:
        item.assignee_id = chosen.id
    step.session.add(item)
    audit.append(session=step.session, actor="system", action="task.auto_assigned", case_id=step.case.id,
                 task_id=item.task_id, details={"element": item.element_id, "kandidaten": [u.username for u in eligible],
                                                "gekozen": chosen.username if chosen else None, **info})
    if info.get("vervanger_geweigerd"):
        from engine.staff import service as staff

        step.session.flush()  # the new task's id, for the coordinators' notice
        staff.on_auto_assigned(step.session, item=item, info=info)


def _has_letters(parsed: ParsedProcessSet) -> bool:
    """Does any task of the set (its processes and subprocesses) name a letter? Cached on the parsed set."""
    known = getattr(parsed, "_names_letters", None)
    if known is None:
        specs = [parsed.spec, *parsed.subprocess_specs.values()]
        for spec, subs in parsed.other_specs.values():
            specs += [spec, *subs.values()]
        known = any(getattr(ts, "extensions", {}).get("properties", {}).get("letter")
                    for spec in specs for ts in spec.task_specs.values())
        parsed._names_letters = known
    return known


def _needs_completed_before(parsed: ParsedProcessSet) -> bool:
    """Must a timer's step know what completed before it (to tell what it completed itself)? For its letters, and
    for the written-notice rule (a set that declares it but names no letter still has a step to refuse)."""
    rules = parsed.manifest.legal_rules
    return _has_letters(parsed) or bool(rules is not None and rules.written_notices)


def _render_letters(step: _Step) -> list[LetterJob]:
    """Check the letter of every task that completed in this step and names one, and put it in the outbox; the
    outbox rows written (not yet flushed), for the written-notice rule (``legal_rules.check_written_notices``)."""
    made: list[LetterJob] = []
    if not _has_letters(step.parsed):  # nothing to look for: spare the walk over the completed tasks
        return made
    newly = step.tasks().completed_ids() - step.completed_before
    tasks = [step.wf.get_task_from_id(uuid.UUID(task_id)) for task_id in sorted(newly)]
    if step.completed_task is not None and str(step.completed_task.id) not in newly:
        # A round of a looped subprocess is replaced by the next one in the same step; its letter still goes.
        tasks.append(step.completed_task)
    if not tasks:
        return made
    guard = None
    for task in tasks:
        props = getattr(task.task_spec, "extensions", {}).get("properties", {})
        if not props.get("letter"):
            continue
        from documents import service as letters  # documents knows nothing about BPMN
        from documents.leakguard import vocabulary_of

        if guard is None:
            # A letter is rendered from its own task's data; a parallel branch (e.g. the reporter's feedback
            # while the measure is decided) does not see the rest. The leak check gets everything.
            guard = [t.data for t in step.tasks().all if t.data] + reporter_texts.party_names(
                step.session, step.case.id)
        recipient, data = props.get("letter_recipient", "onbekend"), confidential_merge(step.session, step.case,
                                                                                        task.data)
        try:
            # Checked here, in the step's transaction (placeholders, allow-list, leak guard over the letter's
            # text); the .docx is rendered after commit by the letter worker from the outbox row written here.
            made.append(letter_outbox.check_and_enqueue(
                session=step.session, case=step.case, version_id=step.case.process_version_id,
                step=task.task_spec.bpmn_id or task.task_spec.name, task_id=str(task.id), template=props["letter"],
                recipient=recipient, data=data, settings=step.parsed.manifest.settings,
                guard=guard, vocabulary=vocabulary_of(step.parsed),
                templates=step.parsed.templates or None,  # the case's version's letters, pinned with it
                catalogue=step.parsed.letter_catalogue,
            ))
        except LetterRenderError as exc:
            missing = _missing_for_form(step, str(task.id), exc, template=props["letter"], recipient=recipient,
                                        data=data)
            if not missing:
                raise
            # The form is refused as a whole, naming every value the letter lacks; the step (and whatever it
            # wrote in this transaction) rolls back, so the task stays open and the case unchanged.
            title = letters.letter_title(props["letter"], step.parsed.letter_catalogue)
            # named as the forms show them: the submitted form, else the process's form that asks the field
            item = step.completed_item
            errors = forms.labelled(step.parsed.forms.get(item.form) if item is not None and item.form else None,
                                    [FieldError(name, f"is nodig voor de brief ‘{title}’ en ontbreekt")
                                     for name in missing], *step.parsed.forms.values())
            raise InvalidData(errors, detail=f"De brief ‘{title}’ mist gegevens: "
                                             + ", ".join(f"‘{e.label}’" if e.label else e.field for e in errors)
                              ) from None
    return made


def _missing_for_form(step: _Step, task_id: str, exc: LetterRenderError, *, template: str, recipient: str,
                      data: dict) -> list[str]:
    """The case-data keys the letter of the task being submitted lacks, when that is why it failed (``[]`` for
    any other failure: a setting, a template fault, the leak guard, or a letter of another task)."""
    from documents import service as letters

    if task_id != step.submitted_task or not exc.placeholder or "." in exc.placeholder:
        return []
    try:
        return letters.missing_data(template=template, recipient=recipient, data=data,
                                    settings=step.parsed.manifest.settings, case_reference=step.case.reference,
                                    templates_dir=step.parsed.templates or None,
                                    catalogue=step.parsed.letter_catalogue)
    except LetterRenderError:
        return []


def confidential_merge(session: Session, case: Case, data: dict) -> dict:
    """Task data plus the case's confidential fields, for letters only: documents/ selects
    per recipient what a letter may contain (the reporter's identity only for the reporter)."""
    return {"zaaknummer": case.reference, **data, **confidential.read(session, case_id=case.id)}


def _project(step: _Step) -> None:
    case, data = step.case, _step_data(step)
    summary = dict(case.summary or {})
    for key in SUMMARY_KEYS:
        if key in data:
            summary[key] = data[key]
    case.summary = summary
    case.unit = data.get("dienstonderdeel") or case.unit
    case.category = data.get("categorie") or case.category
    if str(data.get("prioriteit", "")).lstrip("-").isdigit():
        case.priority = max(case.priority, int(data["prioriteit"]))
    if step.wf.is_completed() and case.status != "closed":
        case.status, case.closed_at = "closed", now()


def _latest_data(wf, sets: runtime.TaskSets | None = None) -> dict:
    """What the process knows now: the last completed task's data, overlaid by the
    data of the tasks that are ready or waiting (which inherited it). ``sets``: the step's walk of ``wf``."""
    if wf.is_completed():
        return dict(wf.data)
    completed = sets.completed_reached if sets is not None else wf.get_tasks(state=TaskState.COMPLETED)
    active = sets.active if sets is not None else wf.get_tasks(state=TaskState.READY | TaskState.WAITING)
    data: dict = {}
    if completed:
        data.update(max(completed, key=lambda t: t.last_state_change).data)
    for task in sorted(active, key=lambda t: t.last_state_change):
        data.update(task.data)
    return data


def _persist(step: _Step, *, completed_item: WorkItem | None = None, finish=None) -> None:
    """Write the step: letters, projection, state (version check first), timers, work
    items; ``finish`` (the step's own audit event) runs last, before the one flush of
    the new rows."""
    case = step.case
    legal_rules.check_step(step)  # the manifest's legal invariants; a violation rolls the whole step back
    # what must be made known in writing is in this step's outbox (read from the rows just queued)
    legal_rules.check_written_notices(step, _render_letters(step))
    was_open = case.status != "closed"
    _project(step)
    case.state = _dumps(step)  # refuses what the state cannot hold: nothing of the step is saved
    case.updated_at = now()
    if not step.defer_flush:
        _write_case(step.session, case)  # the version check: first write of the step, takes the row lock
    if was_open and case.status == "closed":  # the follow-up after closure the manifest declares
        from engine.contact import service as contact

        contact.case_closed(step.session, case, step.parsed.manifest.reporter_contact)
    due = _sync_timers(step)
    _sync_work_items(step, due, completed_item)
    if finish is not None:
        finish()
    if not step.defer_flush:
        step.session.flush()


def migrate_step(step: _Step, *, finish) -> None:
    """Persist a case moved onto another process version (``engine.processes.migration``) with the sync every step
    uses; an open work item or pending timer whose task now has another element id, name, form or lane follows it."""

    def resync_and_finish() -> None:
        wf, session, case = step.wf, step.session, step.case
        step.open_items.clear()
        for item in session.execute(_OPEN_ITEMS, {"case_id": case.id}).scalars():
            task = wf.get_task_from_id(uuid.UUID(item.task_id))
            spec = task.task_spec
            element = spec.bpmn_id or spec.name
            meta = step.parsed.tasks.get(element)
            role = meta.role if meta and meta.role else item.role
            item.element_id, item.name, item.role = element, spec.bpmn_name or spec.name, role
            item.slot, item.form = (meta.slot if meta and meta.slot else role), (meta.form if meta else None)
            step.open_items.append((item, task))
        _store_views(step)  # the projection follows the new version's form
        waiting = {w.task_id: w for w in step.tasks().timers()}
        for row in session.execute(select(Timer).where(Timer.case_id == case.id, Timer.state == "pending")).scalars():
            if row.task_id in waiting:
                row.element_id, row.name = waiting[row.task_id].element_id, waiting[row.task_id].name
        finish()

    _persist(step, finish=resync_and_finish)


def start_case(*, session: Session, actor: User | None, data: dict, parties: dict[str, list[int]] | None = None,
               unit: str | None = None, version_id: int | None = None, process: str | None = None) -> Case:
    """Start an integrity case; with ``process`` an instance of another process the manifest declares
    (``processes``; e.g. the risk inventory, ``engine.register``), which is no integrity case."""
    forms.refuse_reserved(data)  # whatever door the data came through: the case must stay loadable
    version_id = version_id or processes.latest_version(session=session).id
    parsed = processes.parsed_version(session=session, version_id=version_id)
    other = parsed.manifest.processes.get(process) if process is not None else None
    if process is not None and other is None:
        raise NotFound(f"Het proces '{process}' staat niet in deze procesversie.")
    case = Case(reference=f"tmp-{uuid.uuid4().hex[:20]}", process_version_id=version_id, status="open",
                unit=unit or data.get("dienstonderdeel"), category=data.get("categorie"),
                process_kind=process, created_by=actor_name(actor), created_at=now(), updated_at=now(), summary={})
    session.add(case)
    session.flush()
    case.reference = f"{other.prefix if other else 'MP'}-{case.created_at.year}-{case.id:06d}"
    if other is not None:
        return _start_other(session, case, parsed, actor=actor, data=data)
    for party, user_ids in (parties or {}).items():
        if party not in duties.PARTY_LABELS:
            raise NotFound(f"Onbekende partij '{party}'.")
        for user_id in set(user_ids):
            session.add(CaseParty(case_id=case.id, party=party, user_id=user_id))
    person_fields = persons.person_fields(parsed.forms)
    data = persons.link_persons(session=session, case_id=case.id, fields=person_fields, data=data,
                                actor=actor_name(actor))
    subjects = (parties or {}).get(persons.SUBJECT) or []
    if len(set(subjects)) == 1:  # a subject linked at intake (API betrokkene_id) fills the declared person field
        subject = session.get(User, subjects[0])
        for name, party in person_fields.items():
            if party == persons.SUBJECT and not data.get(name) and subject is not None:
                data = {**data, name: subject.username}
    if not data.get("datum_melding"):
        # The law's clocks run from receipt (DOMAIN §3): a case starts on the day its report came in.
        data = {**data, "datum_melding": local_date(now()).isoformat()}
    plain, secret = confidential.split(data, confidential.fields_of(parsed))
    confidential.store(session, case_id=case.id, values=secret)
    seed = {"zaaknummer": case.reference, "instellingen": dict(parsed.manifest.settings), **plain}
    wf = runtime.new_workflow(parsed, seed)
    step = _Step(session, case, parsed, wf, actor_name(actor))
    _run_engine(step)
    audit.append(session=session, actor=step.actor, action="case.started", case_id=case.id,
                 details={"zaaknummer": case.reference, "procesversie": version_id,
                          "velden": sorted(data), "partijen": sorted(parties or {})})
    _persist(step)
    return case


def _start_other(session: Session, case: Case, parsed: ParsedProcessSet, *, actor: User | None, data: dict) -> Case:
    """An instance of another declared process: no parties, no reporter, no receipt date; the set's settings and
    the process's own settings (manifest ``processes.<id>.instellingen``) are in its data."""
    other = parsed.manifest.processes[case.process_kind]
    seed = {"zaaknummer": case.reference, "instellingen": dict(parsed.manifest.settings),
            "procesinstellingen": dict(other.settings), **data}
    wf = runtime.new_workflow(parsed, seed, case.process_kind)
    step = _Step(session, case, parsed, wf, actor_name(actor))
    _run_engine(step)
    audit.append(session=session, actor=step.actor, action="case.started", case_id=case.id,
                 details={"zaaknummer": case.reference, "procesversie": case.process_version_id,
                          "proces": case.process_kind, "velden": sorted(data)})
    _persist(step)
    return case


def _load(session: Session, case: Case) -> tuple[ParsedProcessSet, Any]:
    parsed = processes.parsed_version(session=session, version_id=case.process_version_id)
    return parsed, runtime.loads(case.state, parsed, case.process_kind)


CASE_CHAIN = literal("case:") + cast(Case.id, String)  # engine.audit.chain_for, in SQL
# The step's reads, built once (issue 25: building a statement cost as much as running it on SQLite).
# (and whether the task has a draft: a completion deletes its drafts, and most tasks have none, issue 25)
_ITEM_CASE_HASH = (select(WorkItem, Case, ProcessVersion.content_hash,
                          exists().where(TaskDraft.work_item_id == WorkItem.id).label("has_draft"))
                   .join(Case, Case.id == WorkItem.case_id)
                   .join(ProcessVersion, ProcessVersion.id == Case.process_version_id)
                   .where(WorkItem.id == bindparam("item_id"))
                   # FOR NO KEY UPDATE (PostgreSQL; what the step's UPDATE of the row takes anyway): every other
                   # step and writer of the case waits, the foreign-key checks of rows pointing at it (letters,
                   # outbox jobs, audit events: FOR KEY SHARE) do not (tests/engine/test_step_lock.py)
                   .with_for_update(of=Case, key_share=True))
# The same with the case's audit head, locked as the step's first event would lock it (FOR NO KEY UPDATE: every
# other appender's FOR UPDATE waits for it; issue 25: one statement fewer; engine.audit.head_locked). Every step appends to its case's chain. A case without a head row
# (none is known to reach a step) finds no row here and is read by _ITEM_CASE_HASH.
_ITEM_CASE_HASH_HEAD = (_ITEM_CASE_HASH.add_columns(AuditHead.seq, AuditHead.hash)
                        .join(AuditHead, AuditHead.chain == CASE_CHAIN)
                        .with_for_update(of=(Case, AuditHead), key_share=True))
_INSERT_TIMER = insert(Timer.__table__)
_TIMERS = Timer.__table__
_ENDS = _TIMERS.c.fire_at <= bindparam("moment", type_=_TIMERS.c.fire_at.type)
# the pending timers of a case (``c_id``) that no longer wait (``gone``: task ids) end as _sync_timers ends them
# one by one: fired (counted, at ``moment``) when due, else cancelled. One timer (the usual case) by ``task_id ==``:
# an expanding IN is rendered into the statement anew on every execution.
_END_TIMERS, _END_TIMER = (
    update(_TIMERS)
    .where(_TIMERS.c.case_id == bindparam("c_id"), _TIMERS.c.state == "pending", which)
    .values(state=sql_case((_ENDS, "fired"), else_="cancelled"),
            fired_at=sql_case((_ENDS, bindparam("moment", type_=_TIMERS.c.fired_at.type)), else_=_TIMERS.c.fired_at),
            fire_count=sql_case((_ENDS, _TIMERS.c.fire_count + 1), else_=_TIMERS.c.fire_count))
    for which in (_TIMERS.c.task_id.in_(bindparam("gone", expanding=True)), _TIMERS.c.task_id == bindparam("gone")))
_PENDING_TIMERS = select(Timer).where(Timer.case_id == bindparam("case_id"), Timer.state == "pending")
_OPEN_ITEMS = (select(WorkItem).where(WorkItem.case_id == bindparam("case_id"), WorkItem.state == OPEN)
               .options(undefer(WorkItem.view)))  # the step compares each open item's projection


def complete_task(*, session: Session, work_item_id: int, user: User, data: dict, seen=None) -> Case:
    """``seen``: the user's ``access.task_access(..., for_step=True)`` of this task, asked in this transaction (the
    API's completion): that read was the step's locked read, so the step reads nothing again (issue 25)."""
    # The case row is locked as it is read (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers): the
    # step writes rows before its versioned UPDATE of the case (the submission, parties, confidential values), so a
    # concurrent completion of the same task must wait here and then see the task done (TaskNotReady), instead of
    # running into the winner's unique keys (a duplicate submission: an IntegrityError, a 500 over HTTP).
    if seen is not None and seen.step_read is not None and seen.item.id == work_item_id:
        row = (seen.item, seen.case, *seen.step_read) if seen.step_read[0] is not None else None
    else:
        with audit.reading_heads(session):
            row = session.execute(_ITEM_CASE_HASH_HEAD, {"item_id": work_item_id}).first()
        if row is not None:
            audit.head_locked(session, audit.chain_for(row[1].id), row[4], row[5])
        else:
            row = session.execute(_ITEM_CASE_HASH, {"item_id": work_item_id}).first()
    if row is None:
        raise NotFound("Taak niet gevonden.")
    item, case, digest, has_draft = row[:4]
    parsed = processes.parsed_version(session=session, version_id=case.process_version_id, content_hash=digest,
                                      hash_read_here=True)  # read with the item, just now: later asks need no read
    # the separation of duties is the step's (engine.cases.legal_rules, from these facts): refused there, as a legal
    # rule, with nothing saved
    facts = duties.ensure_can_act(session, case_id=case.id, user=user, role=item.role, slot=item.slot,
                                  manifest=parsed.manifest, assigned=item.assignee_id == user.id)
    if item.state != "open":
        raise TaskNotReady("Deze taak is al afgerond of vervallen.")
    if item.assignee_id is not None and item.assignee_id != user.id:
        raise duties.NotAuthorized("Deze taak is aan een andere medewerker toegewezen.")
    schema = parsed.forms.get(item.form) if item.form else None
    clean = forms.validate(schema, data) if schema is not None else dict(data)
    wf = runtime.loads(case.state, parsed, case.process_kind)
    task = wf.get_task_from_id(uuid.UUID(item.task_id))
    if task is None or task.state != TaskState.READY:
        raise TaskNotReady("Deze taak is niet meer uit te voeren.")
    loaded = runtime.walk(wf)  # the state as stored; the step walks the tree once more after the engine ran
    step = _Step(session, case, parsed, wf, user.username, completed_before=loaded.completed_ids(),
                 submitted_task=str(task.id), timers_before=bool(loaded.timers()),
                 timers_seen={w.task_id: w.fire_at for w in loaded.timers()},
                 other_ready_before=any(t is not task for t in loaded.ready_user))
    step.completed_task, step.completed_item, step.actor_id = task, item, user.id
    step.actor_earlier = facts.earlier
    before = loaded.position()["active"]
    if schema is not None:  # parties are persons: the fields the process declares with x-persoon
        try:
            clean = persons.link_persons(session=session, case_id=case.id, fields=persons.person_fields(schema),
                                         data=clean, actor=user.username, completing_item_id=item.id)
        except InvalidData as exc:  # named as the form shows the field
            raise InvalidData(forms.labelled(schema, exc.errors)) from None
    meta = parsed.tasks.get(item.element_id)
    if case.process_kind is None and schema is not None:  # the register's classification of the subject
        clean = register_triage.apply(session=session, manifest=parsed.manifest, schema=schema, data=clean,
                                      case_id=case.id, actor=user.username)
    elif meta is not None and register_records.records_inventory(meta.properties):  # all or nothing
        register_records.record(session=session, case=case, data=clean, actor=user.username,
                                settings=register_records.settings_of(parsed.manifest, case.process_kind))
    elif meta is not None and register_actions.decides_actions(meta.properties):  # checked and numbered
        clean = register_actions.decide(session=session, case=case, data=clean, schema=schema)
    if forms.has_data_choices(schema):  # after the process's own checks, which may word the refusal themselves
        forms.check_data_choices(schema, clean, task.data)
    clean, secret = confidential.split(clean, confidential.fields_of(parsed))
    field_classes.forget_stale_redactions(session, case_id=case.id, classes=field_classes.classes_of(parsed),
                                          changed=secret)
    confidential.store(session, case_id=case.id, values=secret)
    # Completed work stays readable (issue 16): what was submitted, the confidential part encrypted.
    _record_submission(session, item, user_id=user.id, clean=clean, secret=secret)
    task.set_data(**clean)
    try:
        try:
            task.run()
        except SpiffWorkflowException as exc:
            raise _workflow_failure(exc) from exc
        _run_engine(step)
    except WorkflowFailure as exc:  # the process model failed: nothing is saved, the process owner must know
        incidents.record_after_transaction(session, case_id=case.id, source="taak", exc=exc,
                                           work_item_id=item.id)
        raise
    _complete_item(session, item, user_id=user.id)
    if has_draft:  # the draft ends with the task (read with the item, under the case's lock)
        drafts.discard(session, work_item_id=item.id)
    duties.bind(session, case_id=case.id, user_id=user.id, slot=item.slot, held=facts.slots)

    def completed_event() -> None:
        audit.append(session=session, actor=user.username, action="task.completed", case_id=case.id,
                     task_id=item.task_id, details={"element": item.element_id, "naam": item.name, "rol": item.role,
                                                    "velden": sorted(clean), "vertrouwelijke_velden": sorted(secret),
                                                    "voor": before,
                                                    "na": step.tasks().position()["active"],
                                                    "status": case.status})

    try:
        _persist(step, completed_item=item, finish=completed_event)
    except DataNotStorable as exc:  # written by the process model, as above
        incidents.record_after_transaction(session, case_id=case.id, source="taak", exc=exc,
                                           work_item_id=item.id)
        raise
    return case


# Prebuilt Core statements on the completion's path (issue 25): an ORM insert or update of one row costs several
# times the statement itself (unit of work, identity map, flush); measured in bench/findings.md ("0f-audit").
_INSERT_SUBMISSION = insert(TaskSubmission.__table__)
_WORK_ITEMS = WorkItem.__table__
_COMPLETE_ITEM = (update(_WORK_ITEMS).where(_WORK_ITEMS.c.id == bindparam("item_id"))
                  .values(state="completed", completed_at=bindparam("at"), completed_by_id=bindparam("user_id"),
                          assignee_id=bindparam("user_id"), view=None))


def _record_submission(session: Session, item: WorkItem, *, user_id: int, clean: dict, secret: dict) -> None:
    """What was submitted (the confidential part encrypted by the column type): one prebuilt INSERT, nothing in the
    step reads the row back."""
    session.connection().execute(_INSERT_SUBMISSION, {
        "work_item_id": item.id, "case_id": item.case_id, "form": item.form,
        "data": json.loads(json.dumps(clean, default=str)),
        "confidential": json.dumps(secret, ensure_ascii=False, sort_keys=True, default=str) if secret else None,
        "submitted_by_id": user_id, "submitted_at": now()})


def _complete_item(session: Session, item: WorkItem, *, user_id: int) -> None:
    """Mark the work item completed by ``user_id``: one prebuilt UPDATE, and the loaded object told the same values
    as committed (so the unit of work has nothing left to write for them). Its projection is for open items only."""
    at = now()
    session.connection().execute(_COMPLETE_ITEM, {"item_id": item.id, "at": at, "user_id": user_id})
    for key, value in (("state", "completed"), ("completed_at", at), ("completed_by_id", user_id),
                       ("assignee_id", user_id), ("view", None)):
        set_committed_value(item, key, value)


@dataclass
class TimerBatch:
    """What the timer worker read for a batch of cases at once (``read_timer_batch``): per case the row with its
    version's hash, its pending timers and open work items. Each case's entry is used once (a second firing of
    the same case in the batch reads the tables again: the first one changed them)."""

    cases: dict[int, tuple[Case, str]]
    timers: dict[int, list[Timer]]
    items: dict[int, list[WorkItem]]

    def take(self, case_id: int):
        return self.cases.pop(case_id, None), self.timers.pop(case_id, []), self.items.pop(case_id, [])


def read_timer_batch(session: Session, case_ids) -> TimerBatch:
    """Three queries for a batch of cases instead of three per case: the cases (with their version's hash),
    their pending timers and their open work items."""
    ids = sorted(set(case_ids))
    cases = {c.id: (c, digest) for c, digest in session.execute(
        select(Case, ProcessVersion.content_hash).join(ProcessVersion, ProcessVersion.id == Case.process_version_id)
        .where(Case.id.in_(ids))).all()}
    timers: dict[int, list[Timer]] = {i: [] for i in ids}
    for t in session.execute(select(Timer).where(Timer.case_id.in_(ids), Timer.state == "pending")).scalars():
        timers[t.case_id].append(t)
    items: dict[int, list[WorkItem]] = {i: [] for i in ids}
    for w in session.execute(select(WorkItem).where(WorkItem.case_id.in_(ids), WorkItem.state == OPEN)
                             .options(undefer(WorkItem.view))).scalars():  # the steps compare the projections
        items[w.case_id].append(w)
    return TimerBatch(cases, timers, items)


_CASE_COLUMNS: dict[str, Any] = {}  # attribute key -> column of ``cases`` (filled at the first write)
_CASE_UPDATES: dict[tuple[str, ...], Any] = {}  # the changed attributes -> the versioned UPDATE, built once


def _case_update(changed: tuple[str, ...]):
    """``UPDATE cases SET <changed>, version = :v_version WHERE id = :w_id AND version = :w_seen``, built once per
    set of changed attributes."""
    stmt = _CASE_UPDATES.get(changed)
    if stmt is None:
        table = Case.__table__
        stmt = _CASE_UPDATES[changed] = (
            update(table).where(table.c.id == bindparam("w_id"), table.c.version == bindparam("w_seen"))
            .values({_CASE_COLUMNS[k].name: bindparam(f"v_{k}") for k in changed} | {"version": bindparam("v_version")}))
    return stmt


def _case_changes(case: Case) -> tuple[str, ...] | None:
    """The column attributes of a loaded case whose value the ORM's flush would write (sorted), or None when the
    ORM must write it itself (not persistent, a non-column attribute or the version changed by hand)."""
    from sqlalchemy import inspect

    if not _CASE_COLUMNS:
        _CASE_COLUMNS.update({a.key: a.columns[0] for a in inspect(Case).column_attrs})
    state = inspect(case)
    if not state.persistent:
        return None
    changed = []
    for key in state.committed_state:
        if key not in _CASE_COLUMNS or key == "version":
            return None
        if state.attrs[key].history.added:  # as the ORM decides: an equal value assigned again is not written
            changed.append(key)
    return tuple(sorted(changed))


def _write_case(session: Session, case: Case) -> None:
    """The step's versioned ``UPDATE cases`` as one prebuilt statement instead of the ORM's unit of work (issue 25):
    the same columns the flush would write, ``WHERE id = … AND version = …``, and :class:`StaleCase` when no row
    matched (a concurrent step won). The loaded case is then told the written values as committed, version one on,
    so the ORM has nothing left to send for it; it stays flagged modified, so a rollback expires it as before.
    Inside a savepoint, or for a case the ORM must write itself, the ORM's flush does it as before."""
    changed = None if session.in_nested_transaction() else _case_changes(case)
    if changed is None:
        try:
            session.flush()
        except StaleDataError as exc:
            raise StaleCase() from exc
        return
    if not changed:  # nothing to write: the ORM would send no UPDATE either
        return
    params = {"w_id": case.id, "w_seen": case.version, "v_version": case.version + 1,
              **{f"v_{k}": getattr(case, k) for k in changed}}
    if session.connection().execute(_case_update(changed), params).rowcount != 1:
        raise StaleCase()
    for k in changed:
        set_committed_value(case, k, getattr(case, k))
    set_committed_value(case, "version", case.version + 1)


def write_cases(session: Session, rows: list[Case]) -> None:
    """The versioned ``UPDATE cases`` of a timer batch's steps as one executemany per set of changed columns, instead
    of the ORM's one statement per case (the ORM never batches an UPDATE with a version check). The version check
    holds: each row's ``WHERE id = … AND version = …``, and the rows matched must add up to the batch (else
    :class:`StaleDataError`, as the ORM's flush raises; the caller's savepoint rolls back and **must expire** these
    cases, which the ORM then considers unchanged). A case with a changed relationship, a dialect without a reliable
    executemany row count, or a single case is left to the ORM's flush."""
    if len(rows) < 2 or not session.get_bind().dialect.supports_sane_multi_rowcount:
        return
    from sqlalchemy import inspect

    mapper, table = inspect(Case), Case.__table__
    columns = {a.key: a.columns[0] for a in mapper.column_attrs}
    groups: dict[tuple[str, ...], list[Case]] = {}
    for case in {id(c): c for c in rows}.values():
        changed = tuple(sorted(inspect(case).committed_state))
        if not changed or "version" in changed or any(k not in columns for k in changed):
            continue  # nothing to write, or something the ORM must write
        groups.setdefault(changed, []).append(case)
    for changed, group in groups.items():
        if len(group) < 2:
            continue
        stmt = (update(table).where(table.c.id == bindparam("w_id"), table.c.version == bindparam("w_seen"))
                .values({columns[k].name: bindparam(f"v_{k}") for k in changed} | {"version": bindparam("v_version")}))
        params = [{"w_id": c.id, "w_seen": c.version, "v_version": c.version + 1,
                   **{f"v_{k}": getattr(c, k) for k in changed}} for c in group]
        matched = session.connection().execute(stmt, params).rowcount
        if matched != len(group):
            raise StaleDataError(f"UPDATE cases matched {matched} of {len(group)} rows")
        for c in group:  # written: the ORM's flush has nothing left to send for these rows
            for k in changed:
                set_committed_value(c, k, getattr(c, k))
            set_committed_value(c, "version", c.version + 1)


def fire_timers(*, session: Session, case_id: int, timer_id: int | None = None,
                batch: TimerBatch | None = None) -> Case:
    """Fire whatever timers of the case are due (by the engine clock). With ``batch`` (the timer worker) the
    case, its timers and work items come from the batch's reads, and the step leaves the flush to the batch."""
    row, pending, open_items = batch.take(case_id) if batch is not None else (None, None, None)
    if row is None:
        pending = open_items = None
        row = session.execute(
            select(Case, ProcessVersion.content_hash).join(ProcessVersion, ProcessVersion.id == Case.process_version_id)
            .where(Case.id == case_id)
        ).first()
    if row is None:
        raise NotFound("Zaak niet gevonden.")
    case, digest = row
    parsed = processes.parsed_version(session=session, version_id=case.process_version_id, content_hash=digest)
    wf = runtime.loads(case.state, parsed, case.process_kind)
    loaded = runtime.walk(wf)
    step = _Step(session, case, parsed, wf, "system",
                 completed_before=loaded.completed_ids() if _needs_completed_before(parsed) else set(),
                 pending_timers=pending, open_work_items=open_items, defer_flush=batch is not None)
    before = {w.task_id for w in loaded.timers()}
    step.armed_before = before
    try:
        wf.refresh_timers()
    except DomainError:
        raise
    except SpiffWorkflowException as exc:
        raise _workflow_failure(exc) from exc
    except Exception as exc:
        raise _workflow_failure(exc) from exc
    _run_engine(step)
    fired = sorted(before - {w.task_id for w in step.tasks().timers()})
    _persist(step, finish=lambda: audit.append(session=session, actor="system", action="timer.fired",
                                               case_id=case.id, details={"timers": fired, "timer_id": timer_id}))
    return case


def case_data(*, session: Session, case_id: int) -> dict:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("Zaak niet gevonden.")
    _, wf = _load(session, case)
    return _latest_data(wf)


def task_data(*, session: Session, item: WorkItem, fields: set[str] | frozenset[str]) -> dict:
    """What a task's form shows: the case data, with ``fields`` taken from the task itself. A task in one instance
    of a multi-instance subprocess (one per witness) knows its own item; the case data hold only one of them."""
    case = session.get(Case, item.case_id)
    if case is None:
        raise NotFound("Zaak niet gevonden.")
    parsed, wf = _load(session, case)
    data = _latest_data(wf)
    try:
        task = wf.get_task_from_id(uuid.UUID(item.task_id)) if item.state == "open" else None
    except (TaskNotFoundException, ValueError):  # a work item whose task is gone (or never was) shows the case data
        task = None
    if task is not None:
        data.update({k: v for k, v in task.data.items() if k in fields})
    if item.state == "open" and item.form:  # prefill from earlier steps, as the form declares it
        data.update(forms.prefill(parsed.forms.get(item.form), data))
    return data


def task_view(*, session: Session, item: WorkItem, case: Case | None = None, has_state: bool | None = None) -> dict:
    """What a task's form shows (the same as :func:`task_data` with the form's fields), read from the projection
    the last step stored on an open work item; only an item without one (from before the projection, or not
    open) restores the workflow. Empty for a case without workflow state (imported or destroyed).

    ``has_state``: whether ``case`` has a workflow state, when the caller knows it without the state itself
    (``access.TaskAccess.has_state``: the access query does not read the state), so the projection is answered
    without loading it."""
    if case is None or case.id != item.case_id:
        case, has_state = session.get(Case, item.case_id), None
    if case is None:
        raise NotFound("Zaak niet gevonden.")
    if has_state is None:
        has_state = case.state is not None
    if not has_state or case.process_version_id is None:
        return {}
    if item.state == "open" and item.view is not None:
        return dict(item.view)
    parsed = processes.parsed_version(session=session, version_id=case.process_version_id)
    schema = parsed.forms.get(item.form) if item.form else None
    data = task_data(session=session, item=item, fields=set((schema or {}).get("properties") or {}))
    data.pop("instellingen", None)
    return data


def case_position(*, session: Session, case_id: int) -> dict[str, list[str]]:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("Zaak niet gevonden.")
    _, wf = _load(session, case)
    return runtime.position(wf)


def get_case(*, session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("Zaak niet gevonden.")
    return case
