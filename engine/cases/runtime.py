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

from copy import copy
from types import ModuleType
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from engine.clock import install_spiff_clock
from engine.forms import RESERVED_KEY  # read back from a state as one of SpiffWorkflow's own objects
from engine.functions import ENGINE_FUNCTIONS
from engine.processes.sandbox import SandboxedScriptEngine
from engine.processes.validation import ParsedProcessSet

_local = threading.local()


class SpecRefWorkflowConverter(BpmnWorkflowConverter):
    """Writes no spec into the state; restores it from the parsed version in scope. SpiffWorkflow's own conversion
    of everything else (the reference the fast converters below are tested against)."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec, subprocess_specs = _local.specs
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


# ---- the same conversion without SpiffWorkflow's generic recursion (issue 25) -------------------------------------
#
# SpiffWorkflow's registry converts and restores every value through one generic recursion (a call, a kwargs dict
# and a clean per value), parses every task id, parent and child reference into a new UUID and writes every one back
# with str(), and builds each task through Task.__init__. The converters below produce exactly what SpiffWorkflow's
# TaskConverter, WorkflowConverter and BpmnSubWorkflowConverter produce (the same dicts in the same key order, the
# same task objects with the same attributes, the same sharing between task data), tested step by step against
# them in tests/engine/test_state_serializer.py: plain JSON values (str, int, float, bool, None in dicts and lists)
# take a short path; anything else is handed to the registry as before. Ids are parsed and written once per
# workflow (equal UUIDs give equal strings, so one object per id is indistinguishable from one per reference).

_PLAIN = frozenset((str, int, float, bool, type(None)))


def _convert(registry, obj):
    """``registry.convert(obj)`` (a DefaultRegistry outside encoder mode): new dicts and lists, callables and
    modules left out of every dict, registered types converted."""
    t = type(obj)
    if t is dict:
        out = {}
        for k, v in obj.items():
            tv = type(v)
            if tv in _PLAIN:
                out[k] = v
            elif tv is dict or tv is list:
                out[k] = _convert(registry, v)
            elif not callable(v) and not isinstance(v, ModuleType):
                out[k] = registry.convert(v)
        return out
    if t is list:
        return [v if type(v) in _PLAIN else _convert(registry, v) for v in obj]
    if t in _PLAIN:
        return obj
    return registry.convert(obj)


def _restore(registry, val):
    """``registry.restore(val)``: new dicts and lists, dicts with a typename restored by the registry."""
    t = type(val)
    if t is dict:
        if not val:
            return {}
        if "typename" in val:
            return registry.restore(val)
        return {k: v if type(v) in _PLAIN else _restore(registry, v) for k, v in val.items()}
    if t is list:
        return [v if type(v) in _PLAIN else _restore(registry, v) for v in val]
    if t in _PLAIN:
        return val
    return registry.restore(val)


class UnstorableData(ValueError):
    """Task data the stored state cannot hold (a process owner's script or decision table can write it): ``field``
    of ``task``'s data (a data object's name when ``task`` is None) holds a dict with the reserved key (``reserved``;
    read back, the state would not load) or a value that is no JSON."""

    def __init__(self, task, field: str, *, reserved: bool):
        super().__init__(field)
        self.task, self.field, self.reserved = task, field, reserved


def _holds_reserved(value) -> bool:
    t = type(value)
    if t is dict or (t is not list and isinstance(value, dict)):
        if RESERVED_KEY in value:
            return True
        value = value.values()
    elif t is not list and not isinstance(value, (list, tuple)):
        return False
    for v in value:
        if type(v) not in _PLAIN and _holds_reserved(v):
            return True
    return False


def _refuse_reserved(task, values: dict) -> None:
    """Raise UnstorableData for the first of ``values`` (new task data) that holds the reserved key."""
    for key, value in values.items():
        if type(value) not in _PLAIN and _holds_reserved(value):
            raise UnstorableData(task, key, reserved=True)


def _inherited(data):
    """``DeepMerge.merge({}, data)``: a new dict, its dicts, lists and sets copied one level deep."""
    if type(data) is not dict:
        return DeepMerge.merge({}, data)
    out = data.copy()
    for k in [k for k, v in data.items() if type(v) not in _PLAIN]:
        v = data[k]
        t = type(v)
        if t is dict or t is list or t is set:
            out[k] = v.copy()  # what copy() does for these three
        elif isinstance(v, (dict, list, set)):
            out[k] = copy(v)
    return out


def _uuid(ids: dict, s):
    u = ids.get(s) if type(s) is str else None
    if u is None:
        u = UUID(s)
        if type(s) is str:
            ids[s] = u
    return u


def _name(names: dict, u) -> str:
    s = names.get(u)
    if s is None:
        s = names[u] = str(u)
    return s


class FastTaskConverter(TaskConverter):
    """SpiffWorkflow's TaskConverter (registered for its Task class): the same dicts and the same tasks."""

    def to_dict(self, task, names=None):
        registry = self.registry
        if registry._encoder_mode:
            return super().to_dict(task)
        if names is None:
            names = {}
        parent_id = task._parent
        parent = task.workflow.tasks.get(parent_id)
        if parent is None:
            data, delta = task.data, {}
        else:
            a, b = parent.data, task.data
            data = {}
            delta = {
                "updates": {key: b[key] for key in b if key not in a or b[key] != a[key]},
                "deletions": [key for key in a if key not in b],
            }
        changed = delta["updates"] if delta else data
        if changed:
            _refuse_reserved(task, changed)  # what the task wrote
        return {
            "id": _name(names, task.id),
            "parent": _name(names, parent_id) if parent is not None else None,
            "children": [_name(names, child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": _convert(registry, task.internal_data),
            "data": data,
            "delta": delta,
        }

    def from_dict(self, dct, workflow, ids=None):
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        if task_spec is None:  # Task.__init__ gives it a StartTask spec
            return super().from_dict(dct, workflow)
        if ids is None:
            ids = {}
        registry = self.registry
        cls = self.target_class
        task_id = _uuid(ids, dct["id"])
        parent_id = dct["parent"]
        # the attributes in the order Task.__init__ sets them, then as TaskConverter.from_dict leaves them
        task = cls.__new__(cls)
        task.id = task_id
        tasks = workflow.tasks
        tasks[task_id] = task
        task.workflow = workflow
        task._parent = _uuid(ids, parent_id) if parent_id is not None else None
        task._children = [_uuid(ids, child) for child in dct["children"]]
        task._state = dct["state"]
        task.triggered = dct["triggered"]
        task.task_spec = task_spec
        task.thread_id = cls.thread_id_pool
        task.data = {}
        task.internal_data = _restore(registry, dct["internal_data"])
        task.last_state_change = dct["last_state_change"]
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        parent = tasks.get(task._parent)
        if delta and parent is not None:
            data = _inherited(parent.data)
            data.update(_restore(registry, delta.get("updates", {})))
            for key in delta.get("deletions", {}):
                if key in data:
                    del data[key]
        else:
            data = _restore(registry, dct["data"])
        task.data = data
        return task


class _FastWorkflowMixin:
    """The parts WorkflowConverter and its subclasses share, through FastTaskConverter without the registry."""

    def _fast_task_converter(self):
        typename = self.registry.typenames.get(Task)
        converter = getattr(self.registry.convert_to_dict.get(typename), "args", (None, None))[1]
        owner = getattr(converter, "__self__", None)
        return typename, owner if isinstance(owner, FastTaskConverter) else None

    def _workflow_to_dict(self, workflow) -> dict:
        """``WorkflowConverter.to_dict``."""
        registry = self.registry
        typename, converter = self._fast_task_converter()
        if converter is None or registry._encoder_mode:
            return WorkflowConverter.to_dict(self, workflow)
        names: dict = {}
        tasks = {}
        for key, task in workflow.tasks.items():
            if task.__class__ is Task:
                dct = converter.to_dict(task, names)
                dct["typename"] = typename
                tasks[_name(names, key)] = dct
            else:
                tasks[str(key)] = registry.convert(task)
        _refuse_reserved(None, workflow.data.get("data_objects") or {})
        return {
            "data": _convert(registry, registry.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": _name(names, workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": tasks,
            "root": _name(names, workflow.task_tree.id),
        }

    def _tasks_from_dict(self, mapping: dict, workflow) -> tuple[dict, dict]:
        """``mapping_from_dict(mapping, UUID, workflow=workflow)``, and the ids it parsed."""
        registry = self.registry
        typename, converter = self._fast_task_converter()
        ids: dict = {}
        tasks = {}
        for key, dct in mapping.items():
            task_id = _uuid(ids, key)
            if converter is not None and type(dct) is dict and dct.get("typename", None) == typename:
                tasks[task_id] = converter.from_dict(dct, workflow, ids)
            else:
                tasks[task_id] = registry.restore(dct, workflow=workflow)
        return tasks, ids

    def _set_default_attributes(self, workflow, dct, ids: dict):
        """``WorkflowConverter.set_default_attributes``."""
        workflow.success = dct["success"]
        workflow.completed = dct.get("completed", False)
        workflow.correlations = dct.pop("correlations", {})
        if isinstance(dct["last_task"], str):
            workflow.last_task = workflow.tasks.get(_uuid(ids, dct["last_task"]))
        workflow.data = _restore(self.registry, dct.pop("data", {}))


class FastSpecRefWorkflowConverter(_FastWorkflowMixin, SpecRefWorkflowConverter):
    """SpecRefWorkflowConverter through the fast task conversion."""

    def to_dict(self, workflow):
        dct = self._workflow_to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec, subprocess_specs = _local.specs
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks, ids = self._tasks_from_dict(dct["tasks"], workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(ids, dct["root"]))
        self._set_default_attributes(workflow, dct, ids)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class FastSubWorkflowConverter(_FastWorkflowMixin, BpmnSubWorkflowConverter):
    """SpiffWorkflow's BpmnSubWorkflowConverter through the fast task conversion."""

    def to_dict(self, workflow):
        dct = self._workflow_to_dict(workflow)
        dct["parent_task_id"] = str(workflow.parent_task_id)
        dct["spec"] = workflow.spec.name
        return dct

    def from_dict(self, dct, task, top_workflow):
        spec = top_workflow.subprocess_specs.get(task.task_spec.spec)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        subprocess.tasks, ids = self._tasks_from_dict(dct["tasks"], subprocess)
        subprocess.task_tree = subprocess.tasks.get(_uuid(ids, dct["root"]))
        self._set_default_attributes(subprocess, dct, ids)
        return subprocess


def _make_serializer(fast: bool = True) -> BpmnWorkflowSerializer:
    """The state's serializer; ``fast=False``: SpiffWorkflow's own converters (spec-less), for tests and benches."""
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    if fast:
        FastTaskConverter(Task, registry)
        FastSubWorkflowConverter(BpmnSubWorkflow, registry)
        FastSpecRefWorkflowConverter(BpmnWorkflow, registry)
    else:
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
            try:
                return json.dumps(dct, cls=_serializer._encoder_cls, separators=(",", ":"))
            except (TypeError, ValueError) as exc:
                raise _no_json(wf) or exc


def _no_json(wf: BpmnWorkflow) -> UnstorableData | None:
    """After the state failed to encode: the first value no JSON can hold that a task (or data object) wrote."""
    for workflow in (wf, *wf.subprocesses.values()):
        places = [(None, workflow.data.get("data_objects") or {}, {})]
        places += [(t, t.data, t.parent.data if t.parent is not None else {}) for t in workflow.tasks.values()]
        for task, data, inherited in places:
            for key, value in data.items():
                if type(value) in _PLAIN or (key in inherited and inherited[key] == value):
                    continue
                try:
                    _encoder.encode(value)
                except (TypeError, ValueError):
                    return UnstorableData(task, key, reserved=False)
    return None


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
