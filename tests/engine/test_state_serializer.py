"""The case state is (de)serialised by ``engine.cases.runtime``'s fast converters (issue 25) exactly as SpiffWorkflow's
own converters do it: on every step of real routes (timers and boundary events, subprocesses, a multi-instance
subprocess, form data with lists of dicts and dates) every state written is the same dict and the same text, and
every state read gives the same workflow: the same tasks with the same attributes, the same waiting events, and
the same objects shared between task data (SpiffWorkflow copies a parent's data into its child one level deep)."""
from __future__ import annotations

import json
import math
import os
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.task import Task

from engine.cases import runtime
from engine.cases import service as cases
from engine.identity.models import User
from engine.processes import service as processes
from engine.timers import service as timers
from engine.worklist import service as worklist
from tests.factories import REVIEW, make_user, review_team

pytestmark = pytest.mark.db

REMINDERS = Path(__file__).parent / "process_sets" / "reminders"
STOCK = runtime._make_serializer(fast=False)  # SpiffWorkflow's own converters (spec-less, as the state is)
DUMPS, LOADS = runtime.dumps, runtime.loads  # (the checks below wrap them)


@contextmanager
def _stock():
    fast = runtime._serializer
    runtime._serializer = STOCK
    try:
        yield
    finally:
        runtime._serializer = fast


def _typed(obj):
    """A value with its types and dict key order spelled out (``==`` alone takes 1 == 1.0 == True, (1,) != [1])."""
    if isinstance(obj, dict):
        return (type(obj).__name__, tuple((_typed(k), _typed(v)) for k, v in obj.items()))
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, tuple(_typed(v) for v in obj))
    if isinstance(obj, set):
        return ("set", tuple(sorted(repr(v) for v in obj)))
    if isinstance(obj, float) and math.isnan(obj):
        return ("float", "nan")
    if callable(obj):
        return ("callable", id(obj))
    return (type(obj).__name__, obj)


def _containers(obj, out: set) -> set:
    if isinstance(obj, (dict, list, set, tuple)):
        if not isinstance(obj, tuple):
            out.add(id(obj))
        for v in (obj.values() if isinstance(obj, dict) else obj):
            _containers(v, out)
    return out


def _workflows(wf):
    return [(None, wf)] + [(str(k), sp) for k, sp in wf.subprocesses.items()]


def _live_containers(wf) -> set:
    out: set = set()
    for _, w in _workflows(wf):
        _containers(w.data, out)
        for task in w.tasks.values():
            _containers(task.data, out)
            _containers(task.internal_data, out)
    return out


def _sharing(wf) -> set:
    """Which places of the workflow's data hold the same dict, list or set (as sets of paths)."""
    where = defaultdict(list)

    def visit(obj, path):
        if isinstance(obj, (dict, list, set)):
            where[id(obj)].append(path)
            if isinstance(obj, set):
                return
        if isinstance(obj, (dict, list, set, tuple)):
            for k, v in (obj.items() if isinstance(obj, dict) else enumerate(obj)):
                visit(v, path + (repr(k),))

    for key, w in _workflows(wf):
        visit(w.data, (key, "data"))
        for task_id, task in w.tasks.items():
            visit(task.data, (key, str(task_id), "data"))
            visit(task.internal_data, (key, str(task_id), "internal_data"))
    return {frozenset(paths) for paths in where.values() if len(paths) > 1}


def assert_same_dict(wf) -> None:
    """(a) the fast converters write what SpiffWorkflow's write, share no more with the live workflow, and the
    stored text is the same."""
    fast, stock = runtime._serializer.to_dict(wf), STOCK.to_dict(wf)
    assert _typed(fast) == _typed(stock)
    live = _live_containers(wf)
    assert _containers(fast, set()) & live == _containers(stock, set()) & live
    state = DUMPS(wf)
    with _stock():
        assert DUMPS(wf) == state
    assert runtime._serializer.serialize_json(wf) == STOCK.serialize_json(wf)  # the registry's encoder mode


def assert_same_workflow(a, b) -> None:
    """(b) and (c): two restored workflows (fast, stock) are the same."""
    assert _typed(STOCK.to_dict(a)) == _typed(STOCK.to_dict(b))
    assert [k for k, _ in _workflows(a)] == [k for k, _ in _workflows(b)]
    tasks_a = {}
    for (_, wa), (_, wb) in zip(_workflows(a), _workflows(b)):
        assert type(wa) is type(wb) and wa.spec is wb.spec
        assert _typed(wa.data) == _typed(wb.data) and wa.correlations == wb.correlations
        assert (wa.success, wa.completed) == (wb.success, wb.completed)
        assert getattr(wa.last_task, "id", None) == getattr(wb.last_task, "id", None)
        assert wa.task_tree.id == wb.task_tree.id and wa.task_tree is wa.tasks[wa.task_tree.id]
        assert getattr(wa, "parent_task_id", None) == getattr(wb, "parent_task_id", None)
        assert list(wa.tasks) == list(wb.tasks)
        for (ka, ta), (kb, tb) in zip(wa.tasks.items(), wb.tasks.items()):
            assert ka == kb == ta.id == tb.id and type(ta) is type(tb)
            assert list(vars(ta)) == list(vars(tb))  # the same attributes, set in the same order
            assert ta.workflow is wa and tb.workflow is wb
            assert (ta._parent, ta._children, ta._state, ta.last_state_change, ta.triggered, ta.thread_id) == \
                   (tb._parent, tb._children, tb._state, tb.last_state_change, tb.triggered, tb.thread_id)
            assert ta.task_spec is tb.task_spec
            assert _typed(ta.data) == _typed(tb.data)
            assert _typed(ta.internal_data) == _typed(tb.internal_data)
            tasks_a[ta.id] = ta
        assert len(wa.completed_event.__dict__) == len(wb.completed_event.__dict__)
    assert list(a.event_manager.tasks) == list(b.event_manager.tasks)
    assert all(task is tasks_a[k] for k, task in a.event_manager.tasks.items())
    assert _typed(STOCK.to_dict(a.bpmn_events)) == _typed(STOCK.to_dict(b.bpmn_events))
    assert _sharing(a) == _sharing(b)


class Checks:
    """Checks every state the engine writes and reads against SpiffWorkflow's own converters."""

    def __init__(self, monkeypatch):
        self.written = self.read = 0
        self.seen: set[str] = set()  # what the states read held: subprocesses, multi-instance, waiting events
        def dumps(wf):
            assert_same_dict(wf)
            self.written += 1
            return DUMPS(wf)

        def loads(state, parsed, process=None):
            fast = LOADS(state, parsed, process)
            with _stock():
                stock = LOADS(state, parsed, process)
            assert_same_workflow(fast, stock)
            self.read += 1
            if fast.subprocesses:
                self.seen.add("subprocess")
            if fast.event_manager.tasks:
                self.seen.add("waiting event")
            if any(isinstance(t.task_spec, MultiInstanceTask) for _, w in _workflows(fast) for t in w.tasks.values()):
                self.seen.add("multi-instance")
            return fast

        monkeypatch.setattr(runtime, "dumps", dumps)
        monkeypatch.setattr(runtime, "loads", loads)


@pytest.fixture
def checks(monkeypatch):
    assert runtime._serializer is not STOCK
    return Checks(monkeypatch)


def test_review_route_with_its_timer(db, clock, checks):
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        team = {k: u.id for k, u in review_team(s).items()}
        case_id = cases.start_case(session=s, actor=s.get(User, team["desk"]), data={"dienstonderdeel": "Douane"}).id
    for who, data in (("desk", {"ernstig": True, "samenvatting": "Vermoeden van lekken"}),
                      ("coord", {"besluit": "onderzoek", "motivering": "Nader onderzoek nodig"}),
                      ("o1", {"bevinding": "Aangetoond"})):
        with db.session() as s:
            (item,) = worklist.items_of_case(session=s, case_id=case_id)
            cases.complete_task(session=s, work_item_id=item.id, user=s.get(User, item.assignee_id or team[who]),
                                data=data)
    clock.advance(timedelta(days=2, seconds=1))
    assert timers.fire_due(database=db) == 1
    assert checks.written >= 5 and checks.read >= 4 and "waiting event" in checks.seen


def test_cycle_and_boundary_timers(db, clock, checks):
    with db.session() as s:
        processes.deploy(session=s, directory=REMINDERS)
        desk = make_user(s, "desk", "meldpunt")
        case_id = cases.start_case(session=s, actor=desk, data={}).id
        desk_id = desk.id
    for _ in range(3):
        clock.advance(timedelta(days=1, seconds=1))
        assert timers.fire_due(database=db) == 1
    with db.session() as s:
        item = next(i for i in worklist.items_of_case(session=s, case_id=case_id) if i.name == "Werk afmaken")
        cases.complete_task(session=s, work_item_id=item.id, user=s.get(User, desk_id), data={"klaar": True})
    assert checks.written >= 5 and checks.read >= 4


def test_integrity_route_with_witnesses(db, clock, checks):
    """Subprocesses, the witnesses' multi-instance subprocess, waiting boundary timers, lists of dicts with dates in
    the form data."""
    from tests.process.driver import run_scenario
    from tests.process.engine_driver import EngineDriver
    from tests.process.scenarios import DEFAULTS, FEITENONDERZOEK, with_

    driver = EngineDriver(db, clock)
    today = DEFAULTS["melding_registreren"]["datum_melding"]
    answers = with_(FEITENONDERZOEK, {
        "onderzoek_starten": {"getuigen_horen_nodig": True},
        "getuigen_horen": {"getuigenverhoren": [
            {"getuige": "G. Getuige", "datum": today, "verslag": "Zag de betrokkene vertrekken."},
            {"getuige": "H. Getuige", "datum": today, "verslag": "Was er niet bij."}]},
        "zaak_registreren": {"uitkomst": "aangetoond", "soort_onderzoek": "feitenonderzoek_intern",
                             "afdoeningen": ["Schriftelijke berisping"]},
    })
    run_scenario(driver, answers, DEFAULTS, {})
    assert driver.finished()
    assert checks.written >= 20 and checks.read >= 20
    assert checks.seen == {"subprocess", "waiting event", "multi-instance"}


def test_the_bench_scenario_route(db, clock, checks, monkeypatch):
    """The route issue 25 measures (bench.experiments.state_serializer), driven as the bench drives it."""
    monkeypatch.setenv("MELDPUNT_REPETITIE", "uit")
    from bench.m1_baseline import route_steps, setup_service
    from bench.scenarios import INTEGRITY_NO_LETTERS_SCENARIO as SCENARIO

    for at in route_steps(db, SCENARIO, *setup_service(db, SCENARIO)):
        with db.session() as s:
            cases.complete_task(session=s, work_item_id=at.item_id, user=s.get(User, at.user_id), data=at.data)
    assert checks.written >= 30 and checks.read >= 30


@pytest.fixture
def loaded(db, clock):
    """(parsed version, workflow) of a case of the review process one step in (a root, tasks with a parent)."""
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        team = review_team(s)
        case_id = cases.start_case(session=s, actor=team["desk"], data={"dienstonderdeel": "Douane"}).id
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        cases.complete_task(session=s, work_item_id=item.id, user=team["desk"],
                            data={"ernstig": True, "samenvatting": "Vermoeden van lekken"})
    with db.session() as s:
        return cases._load(s, cases.get_case(session=s, case_id=case_id))


def _odd_values(*, typed: bool = True) -> dict:
    """``typed``: with a dict that is itself a serialised type (task data holding one is refused when written:
    tests/engine/test_unstorable_step_data.py)."""
    return {
        "lijst": [1, 1.0, True, None, "twee", [{"datum": datetime(2026, 12, 7, 9, 30)}], {"genest": [[], {}]}],
        "dict": {"a": {"b": {"c": [timedelta(days=3), UUID(int=7)]}}, "weg": print, "module": os},
        "tupel": (1, [2, 3]), "set": {3, 4}, "leeg": {}, "lege_lijst": [],
        **({"getypt": {"typename": "datetime", "value": "2026-12-07T10:00:00"}} if typed else {}),
        "nan": math.nan, "weg_ook": lambda: None,
    }


def test_odd_values_in_data_and_internal_data(loaded, checks, monkeypatch):
    """Values the routes above do not hold: callables and modules (left out of dicts), tuples and sets, registered
    types nested in lists and dicts, a dict that is itself a serialised type (not in task data), NaN; in a task's
    data (inherited by its children, partly deleted) and internal data, and in the workflow's data. And SpiffWorkflow's process-wide
    thread id counter moved on (by parallel splits run earlier): restored tasks take its value."""
    parsed, wf = loaded
    monkeypatch.setattr(Task, "thread_id_pool", 41)
    tasks = list(wf.tasks.values())
    root, middle = tasks[0], tasks[len(tasks) // 2]
    root.data.update(_odd_values(typed=False))
    middle.data.update(_odd_values(typed=False))
    middle.data["lijst"].append("anders")
    del middle.data["set"]
    middle.internal_data.update(_odd_values())
    wf.data.update(_odd_values())
    for task in tasks[1:]:  # children inherit the root's values (and share what SpiffWorkflow's copy shares)
        if task is not middle:
            task.data = {**root.data, **task.data}
    assert_same_dict(wf)
    state = runtime.dumps(wf)
    runtime.loads(state, parsed)  # (restored through both and compared by the checks)
    assert checks.read == 1


def test_a_child_stored_before_its_parent_restores_as_spiffworkflow_restores_it(loaded, checks):
    """SpiffWorkflow looks a task's parent up among the tasks restored so far: a child stored before its parent gets
    its stored data rather than its parent's (an order SpiffWorkflow never writes, restored the same anyway)."""
    parsed, wf = loaded
    dct = json.loads(runtime.dumps(wf))
    del dct[runtime._MARK_KEY]
    items = list(dct["tasks"].items())
    dct["tasks"] = dict(items[-1:] + items[:-1])
    runtime.loads(json.dumps(dct), parsed)
    assert checks.read == 1
