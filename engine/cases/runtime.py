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


def dumps(wf: BpmnWorkflow) -> str:
    with _serializer_lock:
        dct = _serializer.to_dict(wf)
        dct[_serializer.VERSION_KEY] = _serializer.VERSION
        return json.dumps(dct, cls=_serializer._encoder_cls, separators=(",", ":"))


def loads(state: str, parsed: ParsedProcessSet, process: str | None = None) -> BpmnWorkflow:
    install_spiff_clock()
    dct = json.loads(state, cls=_serializer.json_decoder_cls)
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
    out = []
    for task in wf.get_tasks(state=TaskState.WAITING):
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
    completed, active = set(), set()
    for task in wf.get_tasks():
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        if task.state == TaskState.COMPLETED:
            completed.add(bpmn_id)
        elif task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
            active.add(bpmn_id)
    return {"completed": sorted(completed - active), "active": sorted(active)}
