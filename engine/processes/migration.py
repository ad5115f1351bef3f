"""Moving running cases from one process version to another (issue 18).

SpiffWorkflow aligns the two versions (``SpiffWorkflow.bpmn.util.diff``: ``SpecDiff`` matches task specs by element
id, then by position for an id it cannot find) and moves a workflow onto the new specs (``migrate_workflow``). What
it does not decide is whether that is *safe* for a case; this module does, per case:

- a task that is ready or waiting and has no counterpart in the new version → not migratable;
- a timer that is already armed and whose definition changed → not migratable (re-arming it from today would
  move a legal term);
- a completed step that no longer exists → not migratable (SpiffWorkflow cannot keep its history: the stored
  state names the step, and the new version cannot restore it);
- a called process that no longer exists → not migratable;
- the new version reads the hearing the case had otherwise (``engine.cases.legal_rules.hearing_state``: a voornemen
  and zienswijze that happened, and the penalties heard) → not migratable (it would forget a hearing, or make one up);
- a field the case holds confidential values of (its encrypted record, its completed tasks) that the new version marks
  less strictly (``x-vertrouwelijk``; ``engine.cases.field_classes.marking_lost``) → not migratable (who reads a field
  is read from the case's own version: moving would show what the reporter gave in confidence to more people);
- earlier work or a binding to a slot that counts for the separation of duties (investigating, advising, deciding)
  and counts no more, or otherwise, on the new version (``engine.cases.duties.duties_lost``) → not migratable (the
  investigator could advise);
- anything else SpiffWorkflow refuses while moving, running or restoring the case → not migratable, with its reason
  as an incident gives it (the kind of error and the step; never the error's own text, which can quote case data).

A dry run moves every case in memory and throws the result away; a migration does the same and persists it
through the case service's own step (letters, state, timers, work items), each case in its own transaction and
with an audit event on the case's chain. A case that cannot migrate is left untouched on its version.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Callable, ContextManager, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin, BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from engine.errors import DomainError, InvalidData, NotFound
from engine.processes.models import ProcessVersion

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
PREDICTED = TaskState.PREDICTED_MASK | TaskState.FUTURE


class MigrationRefused(Exception):
    """One reason (Dutch) why a case cannot move."""


@dataclass
class CaseVerdict:
    case_id: int
    reference: str
    migratable: bool
    reasons: list[str] = field(default_factory=list)  # why not (Dutch)
    changes: list[str] = field(default_factory=list)  # what moving changes for the case (Dutch)
    migrated: bool = False

    def line(self) -> str:
        if self.migrated:
            return f"{self.reference}: gemigreerd" + (f" ({'; '.join(self.changes)})" if self.changes else "")
        if self.migratable:
            return f"{self.reference}: migreerbaar" + (f" ({'; '.join(self.changes)})" if self.changes else "")
        return f"{self.reference}: niet migreerbaar omdat {'; '.join(self.reasons)}"


@dataclass
class MigrationReport:
    from_version: int
    to_version: int
    dry_run: bool
    cases: list[CaseVerdict]

    @property
    def migratable(self) -> int:
        return sum(1 for c in self.cases if c.migratable)

    @property
    def migrated(self) -> int:
        return sum(1 for c in self.cases if c.migrated)


def _element(spec):
    """The spec of the BPMN element ``spec`` stands for: itself, or for SpiffWorkflow's own control steps around a
    task with boundary events (``<id>.BoundaryEventSplit``, ``<id>.BoundaryEventJoin``) the task; None for a step
    of no element (a process's start or end join)."""
    if getattr(spec, "bpmn_id", None):
        return spec
    if isinstance(spec, (BoundaryEventSplit, BoundaryEventJoin)):
        host = getattr(spec, "_wf_spec", None)
        host = host.task_specs.get(spec.name.rsplit(".", 1)[0]) if host is not None else None
        if host is not None and getattr(host, "bpmn_id", None):
            return host
    return None


def _label(spec) -> str:
    """A step as the process owner knows it: the BPMN element's name, else its id as in the file; never a
    SpiffWorkflow-internal spec name (a control step is named by its task, a process's own steps by the process)."""
    if isinstance(spec, BpmnProcessSpec):
        return f"‘{spec.description or spec.name}’"
    element = _element(spec)
    if element is not None:
        return f"‘{getattr(element, 'bpmn_name', None) or element.bpmn_id}’"
    process = getattr(spec, "_wf_spec", None)
    return f"het proces {_label(process)}" if isinstance(process, BpmnProcessSpec) else "‘(zonder naam)’"


def _is_timer(spec) -> bool:
    return isinstance(getattr(spec, "event_definition", None), TimerEventDefinition)


class _Differ:
    """Spec diffs per (old spec, new spec) pair, computed once per run (specs are shared by all cases)."""

    def __init__(self, old, new) -> None:
        from engine.cases import runtime

        self.old, self.new = old, new
        self.registry = runtime.serializer_registry()
        self._diffs: dict[tuple[int, int], SpecDiff] = {}

    def spec_diff(self, old_spec, new_spec) -> SpecDiff:
        key = (id(old_spec), id(new_spec))
        if key not in self._diffs:
            self._diffs[key] = SpecDiff(self.registry, old_spec, new_spec)
        return self._diffs[key]


def _move(wf, differ: _Differ) -> list[str]:
    """Move ``wf`` (in memory) onto the new version; raises MigrationRefused; returns the changes it made."""
    from engine.cases import legal_rules, runtime

    new = differ.new
    pairs = [(wf, new.spec)]
    for sp in wf.subprocesses.values():
        target = new.subprocess_specs.get(sp.spec.name)
        if target is None:
            raise MigrationRefused(f"het deelproces {_label(sp.spec)} in de nieuwe versie niet meer bestaat")
        pairs.append((sp, target))
    reasons, changes, diffs = [], [], []
    for workflow, target in pairs:
        spec_diff = differ.spec_diff(workflow.spec, target)
        diff = WorkflowDiff(workflow, spec_diff)
        diffs.append((workflow, target, diff))
        removed_elements = {id(task.task_spec) for task in diff.removed if task.task_spec is _element(task.task_spec)}
        for task in diff.removed:
            element = _element(task.task_spec)
            if element is not None and element is not task.task_spec and id(element) in removed_elements:
                continue  # SpiffWorkflow's control step of a removed task: the task's own reason names it
            if task.has_state(ACTIVE):
                reasons.append(f"de zaak wacht in {_label(task.task_spec)}, dat in de nieuwe versie niet meer bestaat")
            elif task.has_state(TaskState.COMPLETED):
                reasons.append(f"de afgeronde stap {_label(task.task_spec)} in de nieuwe versie niet meer bestaat "
                               "(SpiffWorkflow kan die geschiedenis niet overzetten)")
        for task in diff.changed:
            if task.has_state(TaskState.WAITING) and _is_timer(task.task_spec):
                reasons.append(f"de timer {_label(task.task_spec)} al loopt en in de nieuwe versie is gewijzigd")
            elif task.has_state(TaskState.READY | TaskState.WAITING):
                now_spec = diff.alignment.get(task)
                if now_spec is not None and now_spec.name != task.task_spec.name:
                    changes.append(f"{_label(task.task_spec)} wordt {_label(now_spec)}")
                elif now_spec is not None and getattr(now_spec, "bpmn_name", None) != task.task_spec.bpmn_name:
                    changes.append(f"{_label(task.task_spec)} heet nu {_label(now_spec)}")
    if reasons:
        raise MigrationRefused("; ".join(dict.fromkeys(reasons)))
    history = runtime.completed_tasks(wf)
    heard = legal_rules.hearing_state(differ.old.manifest.legal_rules, history)
    for workflow, target, diff in diffs:
        _drop_removed_predictions(workflow, diff)
        # Only ready tasks are reset (and their predicted branch redrawn); a waiting timer keeps its armed time.
        migrate_workflow(diff, workflow, target, reset_mask=TaskState.READY)
    wf.subprocess_specs = new.subprocess_specs
    # The hoorplicht reads the case's history through the specs and rules of its version: the same steps must read
    # the same on the new one (a hearing that happened stays heard, with the penalties it was about; none appears).
    now_heard = legal_rules.hearing_state(new.manifest.legal_rules, history)
    if now_heard != heard:
        raise MigrationRefused(f"de nieuwe versie het voornemen en de zienswijze van de zaak anders leest "
                               f"(nu: {heard}; in de nieuwe versie: {now_heard})")
    return list(dict.fromkeys(changes))  # a task and its control steps read as one step


def _drop_removed_predictions(workflow, diff: WorkflowDiff) -> None:
    """Predicted tasks whose spec is gone: SpiffWorkflow keeps them (and could not restore them); they are only a
    forecast, so they are dropped; the tree regrows them from the new spec when their parent runs."""
    for task in list(diff.removed):
        if task.id not in workflow.tasks or not task.has_state(PREDICTED):
            continue
        parent = task.parent
        for gone in list(task):
            workflow.tasks.pop(gone.id, None)
            diff.alignment.pop(gone, None)
        if parent is not None and task in parent.children:
            parent.children.remove(task)


def _candidates(session: Session, from_version: int) -> list[tuple[int, str]]:
    from engine.cases.models import Case

    return list(session.execute(select(Case.id, Case.reference).where(
        Case.process_version_id == from_version, Case.status != "closed",
        Case.process_kind.is_(None)).order_by(Case.id)).all())  # other processes' instances stay on their version


def _neutral(exc: BaseException) -> str:
    """What went wrong, for the process owner, as an incident says it (``engine.incidents.service.describe``): the
    kind of error in Dutch and the step, never the exception's own text, which can quote case data (a script error
    names the value that would not convert; ``WorkflowFailure`` carries that text). The process owner may not see
    case content."""
    from engine.incidents.service import describe

    return describe(exc)[1].rstrip(".")


def _versions(session: Session, from_version: int, to_version: int):
    from engine.processes import service as processes

    for field_name, version_id in (("van", from_version), ("naar", to_version)):
        if session.get(ProcessVersion, version_id) is None:
            raise NotFound(f"Procesversie {version_id} ({field_name}) bestaat niet.")
    if from_version == to_version:
        from engine.errors import FieldError

        raise InvalidData([FieldError("naar", "moet een andere versie zijn dan de huidige")],
                          detail="De zaken staan al op deze versie.")
    return (processes.parsed_version(session=session, version_id=from_version),
            processes.parsed_version(session=session, version_id=to_version))


def _try_case(session: Session, case, differ: _Differ, to_version: int, *, persist: bool, actor: str) -> CaseVerdict:
    from engine.cases import duties, field_classes, runtime
    from engine.cases import service as cases

    verdict = CaseVerdict(case.id, case.reference, migratable=False)
    try:
        wf = runtime.loads(case.state, differ.old)
        loaded = runtime.walk(wf)
        before = loaded.position()["active"]
        step = cases._Step(session, case, differ.new, wf, actor, completed_before=loaded.completed_ids(),
                           armed_before={w.task_id for w in loaded.timers()})
        lost = duties.duties_lost(session, case_id=case.id, old=differ.old, new=differ.new)
        lost += field_classes.marking_lost(session, case_id=case.id, old=differ.old, new=differ.new)
        if lost:
            raise MigrationRefused("; ".join(lost))
        verdict.changes = _move(wf, differ)
        cases._run_engine(step)
        state = runtime.dumps(wf)
        runtime.loads(state, differ.new)  # what is stored must restore on the new version
    except MigrationRefused as exc:
        verdict.reasons = [str(exc)]
        return verdict
    except DomainError as exc:
        verdict.reasons = [f"de zaak op de nieuwe versie niet verder kan: {_neutral(exc)}"]
        return verdict
    except Exception as exc:  # SpiffWorkflow could not map or restore the state
        verdict.reasons = [f"SpiffWorkflow de toestand niet kan overzetten: {_neutral(exc)}"]
        return verdict
    verdict.migratable = True
    if not persist:
        return verdict
    old_version = case.process_version_id
    case.process_version_id = to_version

    def migrated_event() -> None:
        from engine.audit import service as audit

        audit.append(session=session, actor=actor, action="case.migrated", case_id=case.id,
                     details={"van": old_version, "naar": to_version, "voor": before,
                              "na": step.tasks().position()["active"], "wijzigingen": verdict.changes})

    cases.migrate_step(step, finish=migrated_event)
    verdict.migrated = True
    return verdict


def dry_run(*, session: Session, from_version: int, to_version: int) -> MigrationReport:
    """Per running case of ``from_version``: could it move to ``to_version``, and if not, why. Changes nothing."""
    from engine.cases.models import Case

    old, new = _versions(session, from_version, to_version)
    differ = _Differ(old, new)
    verdicts = []
    for case_id, _ in _candidates(session, from_version):
        verdicts.append(_try_case(session, session.get(Case, case_id), differ, to_version, persist=False,
                                  actor="system"))
    return MigrationReport(from_version, to_version, True, verdicts)


def migrate(*, scope: Callable[[], ContextManager[Session]], from_version: int, to_version: int,
            actor: str) -> MigrationReport:
    """Move every migratable running case; ``scope()`` opens one transaction per case (the case is re-checked
    inside it). A case that fails is rolled back alone and reported; it stays on its version."""
    from engine.cases.models import Case

    with scope() as session:
        old, new = _versions(session, from_version, to_version)
        candidates = _candidates(session, from_version)
    differ = _Differ(old, new)
    verdicts = []
    for case_id, reference in candidates:
        try:
            with scope() as session:
                case = session.get(Case, case_id)
                if case is None or case.process_version_id != from_version or case.status == "closed":
                    continue
                verdict = _try_case(session, case, differ, to_version, persist=True, actor=actor)
        except Exception as exc:  # rolled back alone; the error's text may quote case data, its kind does not
            verdict = CaseVerdict(case_id, reference, False, [f"het opslaan mislukte: {_neutral(exc)}"])
        verdicts.append(verdict)
    report = MigrationReport(from_version, to_version, False, verdicts)
    with scope() as session:
        from engine.audit import service as audit

        audit.append(session=session, actor=actor, action="process.cases_migrated",
                     details={"van": from_version, "naar": to_version,
                              "gemigreerd": [v.case_id for v in verdicts if v.migrated],
                              "niet_migreerbaar": [v.case_id for v in verdicts if not v.migrated]})
    return report


def savepoints(session: Session) -> Callable[[], ContextManager[Session]]:
    """A ``scope`` for :func:`migrate` inside one request's transaction: a savepoint per case."""

    @contextlib.contextmanager
    def scope() -> Iterator[Session]:
        with session.begin_nested():
            yield session

    return scope
