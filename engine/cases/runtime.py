"""SpiffWorkflow in memory: build, (de)serialise without the spec, and read its state.

The stored state holds the workflow instance only; the spec comes from the
per-version cache (``engine.processes.service.parsed_version``). This keeps the
per-case state small and avoids re-serialising the spec on every task.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime

import orjson
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.clock import install_spiff_clock
from engine.functions import ENGINE_FUNCTIONS
from engine.processes.sandbox import SandboxedScriptEngine
from engine.processes.validation import ParsedProcessSet

_local = threading.local()


class SpecRefWorkflowConverter(BpmnWorkflowConverter):
    """Writes no spec into the state; restores it from the parsed version in scope."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec, subprocess_specs = _local.specs
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        from uuid import UUID

        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer() -> BpmnWorkflowSerializer:
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    SpecRefWorkflowConverter(BpmnWorkflow, registry)
    return BpmnWorkflowSerializer(registry)


_serializer = _make_serializer()
_serializer_lock = threading.Lock()  # the registry keeps an encoder-mode flag


def serializer_registry():
    """The serializer's converter registry (SpiffWorkflow's spec diff compares specs through it)."""
    return _serializer.registry


def script_engine_for(parsed: ParsedProcessSet) -> SandboxedScriptEngine:
    """One sandboxed script engine per parsed version (compiled code is cached by source)."""
    engine = getattr(parsed, "_script_engine", None)
    if engine is None:
        engine = SandboxedScriptEngine(functions=ENGINE_FUNCTIONS)
        parsed._script_engine = engine
    return engine


def new_workflow(parsed: ParsedProcessSet, data: dict, process: str | None = None) -> BpmnWorkflow:
    """A new instance of the main process, or of another declared process of the set (``process``)."""
    install_spiff_clock()
    spec, subprocess_specs = parsed.specs_for(process)
    wf = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine_for(parsed))
    wf.task_tree.data.update(data)
    return wf


# orjson for the state (issue 25: up to ~100 KB of JSON at the end of a long route, written every step and read at
# the next; orjson parses it ~5x and writes it ~1.2x faster than the standard library). What it writes reads back
# as what the standard library wrote: the same values (non-ASCII as UTF-8 rather than \u escapes, floats in their
# shortest form as before). Whatever it would treat otherwise goes through the standard library as before: a value
# the serializer's encoder converts or refuses (sets, callables; dates and dataclasses are passed to it, an unknown
# type raises the same TypeError), integers beyond 64 bits, lone surrogates. Such a state, and every state written
# before, lacks the closing mark and is read by the standard library (orjson would read a 20-digit integer as a
# float). One difference: NaN and the infinities (not JSON) are written as null.
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_MARK_KEY, _MARK_VALUE = "_json", "orjson"
_MARK = f',"{_MARK_KEY}":"{_MARK_VALUE}"}}'  # the end of every state orjson wrote
_encoder = _serializer._encoder_cls(separators=(",", ":"))


def dumps(wf: BpmnWorkflow) -> str:
    with _serializer_lock:
        dct = _serializer.to_dict(wf)
        dct[_serializer.VERSION_KEY] = _serializer.VERSION
        dct[_MARK_KEY] = _MARK_VALUE
        try:
            return orjson.dumps(dct, default=_encoder.default, option=_ORJSON_OPTIONS).decode("utf-8")
        except TypeError:  # orjson.JSONEncodeError: see above; the standard library decides (or raises) as before
            del dct[_MARK_KEY]
            return json.dumps(dct, cls=_serializer._encoder_cls, separators=(",", ":"))


def _loads_json(state: str) -> dict:
    if state.endswith(_MARK):
        dct = orjson.loads(state)
        del dct[_MARK_KEY]
        return dct
    return json.loads(state, cls=_serializer.json_decoder_cls)


def loads(state: str, parsed: ParsedProcessSet, process: str | None = None) -> BpmnWorkflow:
    install_spiff_clock()
    dct = _loads_json(state)
    version = dct.pop(_serializer.VERSION_KEY)
    if version in MIGRATIONS:  # pragma: no cover - only for states from older SpiffWorkflow
        MIGRATIONS[version](dct)
    _local.specs = parsed.specs_for(process)
    try:
        wf = _serializer.from_dict(dct)
    finally:
        _local.specs = None
    wf.script_engine = script_engine_for(parsed)
    return wf


# ---- reading the in-memory workflow -------------------------------------------------

def completed_tasks(wf: BpmnWorkflow) -> list:
    """Every completed task, also inside a multi-instance subprocess that is still running (SpiffWorkflow's state
    filter does not descend into the instances of an unfinished multi-instance activity) and inside subprocesses
    that already finished."""
    return [t for t in wf.get_tasks(state=TaskState.ANY_MASK) if t.state == TaskState.COMPLETED]


def ready_user_tasks(wf: BpmnWorkflow):
    return wf.get_tasks(state=TaskState.READY, manual=True)


@dataclass
class WaitingTimer:
    task_id: str
    element_id: str
    name: str | None
    kind: str
    fire_at: datetime
    attached_to: str | None  # task id of the user task a boundary timer is attached to


def waiting_timers(wf: BpmnWorkflow) -> list[WaitingTimer]:
    """The timers that have not fired yet: waiting, or due and not yet run. SpiffWorkflow's ``do_engine_steps``
    refreshes the timers after its last round, so a timer that fell due before a step (a task completed, a case
    migrated) while the timer worker had not fired it yet ends that step READY but not run: it still has to fire, its
    row stays pending and the worker runs it (``engine.cases.service.fire_timers``), or its escalation would wait for
    whatever next step the case happens to take."""
    return _timers(wf.get_tasks(state=TaskState.WAITING | TaskState.READY))


def _timers(waiting) -> list[WaitingTimer]:
    out = []
    for task in waiting:
        spec = task.task_spec
        ev = getattr(spec, "event_definition", None)
        if not isinstance(spec, CatchingEvent) or not isinstance(ev, TimerEventDefinition):
            continue
        value = task.internal_data.get("event_value")
        if value is None:
            continue
        if isinstance(ev, CycleTimerEventDefinition):
            if not isinstance(value, dict) or value.get("cycles") == 0:
                continue
            fire_at, kind = datetime.fromisoformat(value["next"]), "cycle"
        else:
            fire_at = TimerEventDefinition.get_datetime(value)
            kind = "date" if isinstance(ev, TimeDateEventDefinition) else "duration"
        attached = None
        if task.parent is not None and task.parent.task_spec.__class__.__name__ == "BoundaryEventSplit":
            for sibling in task.parent.children:
                if sibling is not task and not isinstance(sibling.task_spec, CatchingEvent):
                    attached = str(sibling.id)
        out.append(WaitingTimer(str(task.id), spec.bpmn_id or spec.name, spec.bpmn_name, kind, fire_at, attached))
    return out


def position(wf: BpmnWorkflow) -> dict[str, list[str]]:
    """Element ids completed and active (for drawing the case on its diagram)."""
    return _position(wf.get_tasks())


def _position(tasks) -> dict[str, list[str]]:
    completed, active = set(), set()
    for task in tasks:
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        if task.state == TaskState.COMPLETED:
            completed.add(bpmn_id)
        elif task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
            active.add(bpmn_id)
    return {"completed": sorted(completed - active), "active": sorted(active)}


# ---- one walk of the tree per step ----------------------------------------------------

_FUTURE, _COMPLETED, _READY, _WAITING = TaskState.FUTURE, TaskState.COMPLETED, TaskState.READY, TaskState.WAITING
_MAX_DEPTH = 1000  # SpiffWorkflow's TaskIterator default


class TaskSets:
    """The task sets a step reads, from one walk of the tree (issue 25: each ``get_tasks`` is a full walk, and a
    step took seven or eight of them). Every list is exactly what the ``get_tasks`` call named beside it returns,
    in the same (depth-first) order: SpiffWorkflow's iterator does not descend below a task whose state is lower
    than the filter's minimum (``FUTURE`` for the definite states, ``COMPLETED`` for the finished ones; always into
    a subprocess), so the walk carries both reachabilities down the tree. Task objects, not copies: read them
    before the workflow runs again."""

    __slots__ = ("all", "completed", "completed_reached", "active", "ready_user", "waiting", "_timers",
                 "_position")

    def __init__(self, all_, completed, completed_reached, active, ready_user, waiting):
        self.all = all_  # wf.get_tasks()
        self.completed = completed  # completed_tasks(wf)
        self.completed_reached = completed_reached  # wf.get_tasks(state=COMPLETED)
        self.active = active  # wf.get_tasks(state=READY | WAITING)
        self.ready_user = ready_user  # ready_user_tasks(wf)
        self.waiting = waiting  # wf.get_tasks(state=WAITING)
        self._timers = self._position = None

    def completed_ids(self) -> set[str]:
        return {str(t.id) for t in self.completed}

    def timers(self) -> list[WaitingTimer]:
        """``waiting_timers(wf)``: the waiting timers, and the due ones not yet run (READY)."""
        if self._timers is None:
            self._timers = _timers([t for t in self.active if t._state in (_WAITING, _READY)])
        return self._timers

    def position(self) -> dict[str, list[str]]:
        """``position(wf)``."""
        if self._position is None:
            self._position = _position(self.all)
        return self._position


def walk(wf: BpmnWorkflow) -> TaskSets:
    """All the sets of :class:`TaskSets` in one depth-first walk (the order of SpiffWorkflow's iterator: a
    subprocess's tree before the owning task's children)."""
    subprocesses = wf.subprocesses
    all_, completed, completed_reached, active, ready_user, waiting = [], [], [], [], [], []
    expanded = 0
    # (task, reached by a definite-state filter, reached by the COMPLETED filter)
    stack = [(wf.task_tree, True, True)]
    pop, push = stack.pop, stack.append
    while stack:
        task, definite, finished = pop()
        state = task._state
        all_.append(task)
        if state == _COMPLETED:
            completed.append(task)
            if finished:
                completed_reached.append(task)
        elif definite:
            if state == _READY:
                active.append(task)
                if task.task_spec.manual == True:  # noqa: E712 - TaskFilter(manual=True) compares so
                    ready_user.append(task)
            elif state == _WAITING:
                active.append(task)
                waiting.append(task)
        subprocess = subprocesses.get(task.id)
        if subprocess is None:
            if not task._children:
                continue
            child_definite, child_finished = definite and state >= _FUTURE, finished and state >= _COMPLETED
        else:
            child_definite, child_finished = definite, finished
        expanded += 1
        for child in reversed(task.children):
            push((child, child_definite, child_finished))
        if subprocess is not None:
            push((subprocess.task_tree, definite, finished))
    if expanded >= _MAX_DEPTH:
        # SpiffWorkflow's iterator stops descending at a depth counter of 1000, which only a tree with that many
        # inner tasks can reach: ask it, so the sets stay exactly its own.
        return _walk_by_filters(wf)
    return TaskSets(all_, completed, completed_reached, active, ready_user, waiting)


def _walk_by_filters(wf: BpmnWorkflow) -> TaskSets:
    """The same sets from SpiffWorkflow's own filtered iterations (one walk each)."""
    all_ = wf.get_tasks()
    return TaskSets(all_, completed_tasks(wf), wf.get_tasks(state=TaskState.COMPLETED),
                    wf.get_tasks(state=TaskState.READY | TaskState.WAITING), ready_user_tasks(wf),
                    wf.get_tasks(state=TaskState.WAITING))
