"""Drive the process files with bare SpiffWorkflow, until the engine runtime takes over.

The route tests talk to a *driver* with a handful of calls (start, ready, complete,
expire, finished, data). `SpiffDriver` implements them on bare SpiffWorkflow; an
engine-backed driver (engine.cases.service.start_case / complete_task, the timer
table for `expire`) only has to implement the same calls to run the same scenarios.
"""
from __future__ import annotations

import calendar
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jsonschema import Draft202012Validator, FormatChecker
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, VALIDATOR
from SpiffWorkflow.util.task import TaskState

from engine import clock as engine_clock

# The process set the scenarios and process tests run on: the shipped processes/, or a draft being rehearsed
# (engine/processes/rehearsal.py sets MELDPUNT_REPETITIE_PROCESSEN for the scenario run it starts).
PROCESSES = Path(os.environ.get("MELDPUNT_REPETITIE_PROCESSEN") or Path(__file__).resolve().parents[2] / "processes")


# --------------------------------------------------------------------------- engine functions
# Stand-ins for the engine's sandbox functions (engine/legal_terms.py will provide the real
# Algemene termijnenwet). Here: calendar arithmetic plus "a term ending on a Saturday or Sunday
# moves to Monday" - enough to run the process files.

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_DUR = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def _parse_start(start) -> datetime:
    if start is None:
        return engine_clock.now()
    if isinstance(start, datetime):
        return start if start.tzinfo else start.replace(tzinfo=timezone.utc)
    if isinstance(start, date):
        return datetime.combine(start, time(), timezone.utc)
    dt = datetime.fromisoformat(str(start))
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def add_duration(duration: str, start=None) -> str:
    m = _DUR.match(duration)
    if not m:
        raise ValueError(f"Ongeldige ISO-duur: {duration!r} (schrijf bijvoorbeeld \"P14D\")")
    years, months, weeks, days = (int(g or 0) for g in m.groups())
    dt = _parse_start(start)
    months_total = dt.month - 1 + months + 12 * years
    year, month = dt.year + months_total // 12, months_total % 12 + 1
    day = min(dt.day, calendar.monthrange(year, month)[1])
    dt = dt.replace(year=year, month=month, day=day)
    return (dt + timedelta(weeks=weeks, days=days)).isoformat()


def legal_term(duration: str, start=None) -> str:
    """Fires when the term's last day has fully passed: 00:00 Europe/Amsterdam the next day (as the engine)."""
    return end_of_day(legal_date(duration, start))


def legal_date(duration: str, start=None) -> str:
    """The last day (JJJJ-MM-DD) of a legal term (stand-in: weekends move it to Monday)."""
    end = datetime.fromisoformat(add_duration(duration, start)).date()
    while end.weekday() >= 5:
        end += timedelta(days=1)
    return end.isoformat()


def end_of_day(value) -> str:
    """Fire time for a deadline date: 00:00 Europe/Amsterdam after that day, in UTC."""
    day = date.fromisoformat(str(value)[:10])
    return datetime.combine(day + timedelta(days=1), time(0), AMSTERDAM).astimezone(timezone.utc).isoformat()


def now() -> str:
    return engine_clock.now().isoformat()


def today() -> str:
    return engine_clock.now().date().isoformat()


def parse_date(value) -> str:
    return _parse_start(value).date().isoformat()


def days_between(a, b) -> int:
    return (_parse_start(b).date() - _parse_start(a).date()).days


def dutch_date(value) -> str:
    months = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
              "oktober", "november", "december")
    d = _parse_start(value).date()
    return f"{d.day} {months[d.month - 1]} {d.year}"


# Same names and signatures as engine/functions.py (ENGINE_FUNCTIONS) on main; the real ones
# (with the Algemene termijnenwet and its holidays) are used when the engine is importable.
ENGINE_FUNCTIONS = dict(legal_term=legal_term, legal_date=legal_date, end_of_day=end_of_day,
                        add_duration=add_duration, now=now, today=today, parse_date=parse_date,
                        days_between=days_between, dutch_date=dutch_date)
try:
    from engine.functions import ENGINE_FUNCTIONS as _REAL  # noqa: N811
except ImportError:
    pass
else:
    if "legal_date" in _REAL:  # the engine this file was written against
        ENGINE_FUNCTIONS = dict(_REAL)
        legal_term, legal_date, end_of_day = _REAL["legal_term"], _REAL["legal_date"], _REAL["end_of_day"]
        add_duration = _REAL["add_duration"]


# --------------------------------------------------------------------------- loading
def load_manifest(directory: Path = PROCESSES) -> dict:
    return json.loads((directory / "manifest.json").read_text(encoding="utf-8"))


def parse_processes(directory: Path = PROCESSES):
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_files([str(p) for p in sorted(directory.glob("*.bpmn"))])
    parser.add_dmn_files([str(p) for p in sorted(directory.glob("*.dmn"))])
    main = load_manifest(directory)["main_process"]
    return parser.get_spec(main), parser.get_subprocess_specs(main)


@dataclass
class ReadyTask:
    id: str            # runtime id (the engine's work item id later)
    element: str       # BPMN element id
    name: str
    lane: str | None
    properties: dict
    data: dict


@dataclass
class Expire:
    """Scenario answer: instead of (or before) completing a task, move one of its timers past due."""
    timer: str
    then: dict | None = None  # complete the task afterwards (non-interrupting timers)


class SpiffDriver:
    def __init__(self, directory: Path = PROCESSES, settings: dict | None = None, deadline_terms: dict | None = None):
        # deadline_terms: the manifest's declared terms, which only the engine's check reads (see EngineDriver)
        self.directory = directory
        self.manifest = load_manifest(directory)
        self.settings = json.loads(json.dumps(self.manifest.get("settings", {})))
        self.settings.update(settings or {})
        self.spec, self.subprocess_specs = parse_processes(directory)
        self.validators: dict[str, Draft202012Validator] = {}
        self.wf: BpmnWorkflow | None = None
        self.trail: list[str] = []  # completed user tasks in order

    # -- the driver interface ------------------------------------------------------------------
    def start(self, data: dict | None = None) -> None:
        engine_clock.install_spiff_clock()  # SpiffWorkflow's timers read the engine clock, as in the engine
        engine = PythonScriptEngine(environment=TaskDataEnvironment(dict(ENGINE_FUNCTIONS)))
        self.wf = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=engine)
        self.wf.task_tree.data["instellingen"] = json.loads(json.dumps(self.settings))
        self.wf.task_tree.data.update({"datum_melding": today(), **(data or {})})  # as cases.start_case
        self.wf.do_engine_steps()

    def ready(self) -> list[ReadyTask]:
        out = []
        for t in self.wf.get_tasks(state=TaskState.READY, manual=True):
            spec = t.task_spec
            out.append(ReadyTask(str(t.id), spec.bpmn_id, spec.bpmn_name, spec.lane,
                                 dict(getattr(spec, "extensions", {}).get("properties", {})), t.data))
        return out

    def complete(self, element: str, data: dict) -> None:
        task = self._ready_task(element)
        form = task.task_spec.extensions["properties"]["form"]
        errors = sorted(self._validator(form).iter_errors(data), key=lambda e: list(e.path))
        if errors:
            raise AssertionError(f"{element}: form data refused by {form}: "
                                 + "; ".join(f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors))
        task.set_data(**json.loads(json.dumps(data)))
        task.run()
        self.trail.append(element)
        self.wf.refresh_timers()
        self.wf.do_engine_steps()

    def waiting_timers(self) -> dict[str, str]:
        """BPMN id of every waiting timer -> its ISO due time."""
        return {t.task_spec.bpmn_id: t.internal_data.get("event_value")
                for t in self.wf.get_tasks(state=TaskState.WAITING)
                if "event_value" in t.internal_data}

    def expire(self, timer: str) -> None:
        """Move one waiting timer into the past and let the workflow react (time travel)."""
        tasks = [t for t in self.wf.get_tasks(state=TaskState.WAITING) if t.task_spec.bpmn_id == timer]
        assert tasks, f"timer {timer} is not waiting; waiting: {sorted(self.waiting_timers())}"
        past = (engine_clock.now() - timedelta(minutes=1)).isoformat()
        for t in tasks:
            t.internal_data["event_value"] = past
        self.wf.refresh_timers()
        self.wf.do_engine_steps()

    def finished(self) -> bool:
        return self.wf.is_completed()

    def data(self) -> dict:
        """The case data as far as known: the data of the most recently completed task."""
        done = [t for t in self.wf.get_tasks(state=TaskState.COMPLETED)]
        if self.wf.is_completed():
            return self.wf.data or done[-1].data
        return max(done, key=lambda t: t.last_state_change).data if done else {}

    def completed_elements(self) -> set[str]:
        return {t.task_spec.bpmn_id for t in self.wf.get_tasks(state=TaskState.COMPLETED)}

    # -- helpers -------------------------------------------------------------------------------
    def _ready_task(self, element):
        tasks = [t for t in self.wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == element]
        assert tasks, f"{element} is not ready; ready: {[t.element for t in self.ready()]}"
        return tasks[0]

    def _validator(self, form: str) -> Draft202012Validator:
        if form not in self.validators:
            schema = json.loads((self.directory / form).read_text(encoding="utf-8"))
            self.validators[form] = Draft202012Validator(schema, format_checker=FormatChecker())
        return self.validators[form]


# --------------------------------------------------------------------------- scenario runner
def run_scenario(driver, answers: dict[str, Any], defaults: dict[str, dict], start_data: dict,
                 max_steps: int = 200) -> list[str]:
    """Complete ready user tasks until the case ends.

    answers[element] is a dict (merged over defaults[element]), an Expire, or a list of those
    used one per occurrence (loops); a None value drops a default field. Returns the trail of completed user tasks.
    """
    driver.start(start_data)
    queues = {k: list(v) if isinstance(v, list) else [v] for k, v in answers.items()}
    for _ in range(max_steps):
        if driver.finished():
            return driver.trail
        ready = driver.ready()
        assert ready, f"stuck: no ready task, waiting timers {driver.waiting_timers()}, trail {driver.trail}"
        task = ready[0]
        el = task.element
        q = queues.get(el)
        if q:
            # an Expire is used once; the last dict answer is reused for repeated occurrences
            answer = q.pop(0) if (len(q) > 1 or isinstance(q[0], Expire)) else q[0]
        else:
            answer = {}
        if isinstance(answer, Expire):
            driver.expire(answer.timer)
            if answer.then is not None:
                driver.complete(el, _merge(defaults[el], answer.then))
            continue
        driver.complete(el, _merge(defaults[el], answer))
    raise AssertionError(f"did not finish in {max_steps} steps; trail {driver.trail}")


def _merge(default: dict, answer: dict) -> dict:
    return {k: v for k, v in {**default, **answer}.items() if v is not None}
