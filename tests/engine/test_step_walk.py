"""One step walks the workflow tree once for its ready/waiting/completed sets (issue 25): the state as loaded once,
the state after the engine ran once, and no other ``get_tasks`` from the case service; the one walk yields exactly
what SpiffWorkflow's filtered iterations did (checked after every step of real processes: timers, boundary events,
gateways, the integrity route with its subprocesses)."""
from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.util.subworkflow import BpmnBaseWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.cases import runtime
from engine.cases import service as cases
from engine.identity.models import User
from engine.processes import service as processes
from engine.timers import service as timers
from engine.worklist import service as worklist
from tests.factories import REVIEW, make_user, review_team

pytestmark = pytest.mark.db

REMINDERS = Path(__file__).parent / "process_sets" / "reminders"
SPIFF = str(Path(sys.modules["SpiffWorkflow"].__file__).parent)
ENGINE = str(Path(runtime.__file__).parent.parent)


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


class Walks:
    """Counts the walks and the ``get_tasks`` calls the engine package makes itself, and checks every walk against
    SpiffWorkflow's own filtered iterations of the same tree."""

    def __init__(self, monkeypatch):
        self.walks = 0
        self.direct: list[str] = []  # engine code that asked SpiffWorkflow for tasks itself
        self.checked = 0
        self._checking = False
        real_walk, real_iter = runtime.walk, BpmnBaseWorkflow.get_tasks_iterator

        def walk(wf):
            self.walks += 1
            sets = real_walk(wf)
            self._checking = True
            try:
                ref = runtime._walk_by_filters(wf)
                position = runtime.position(wf)
            finally:
                self._checking = False
            for name in ("all", "completed", "completed_reached", "active", "ready_user", "waiting"):
                assert _same(getattr(sets, name), getattr(ref, name)), name
            assert [vars(t) for t in sets.timers()] == [vars(t) for t in ref.timers()]
            assert sets.position() == ref.position() == position
            self.checked += 1
            return sets

        def get_tasks_iterator(wf, first_task=None, **kwargs):
            if not self._checking:
                frame = sys._getframe(1)
                if frame.f_code.co_filename.startswith(SPIFF) and frame.f_code.co_name in ("get_tasks",
                                                                                           "get_next_task"):
                    frame = frame.f_back  # called through Workflow.get_tasks (SpiffWorkflow's own calls: not ours)
                if frame.f_code.co_filename.startswith(ENGINE):
                    self.direct.append(f"{frame.f_code.co_filename}:{frame.f_lineno}")
            return real_iter(wf, first_task, **kwargs)

        monkeypatch.setattr(runtime, "walk", walk)
        monkeypatch.setattr(BpmnBaseWorkflow, "get_tasks_iterator", get_tasks_iterator)

    def reset(self) -> None:
        self.walks, self.direct = 0, []


@pytest.fixture
def walks(monkeypatch):
    return Walks(monkeypatch)


def test_a_step_walks_the_tree_once_before_and_once_after_the_engine(db, clock, walks):
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        team = {k: u.id for k, u in review_team(s).items()}
    walks.reset()
    with db.session() as s:
        case_id = cases.start_case(session=s, actor=s.get(User, team["desk"]), data={"dienstonderdeel": "Douane"}).id
    assert (walks.walks, walks.direct) == (1, [])  # a new workflow: only the walk after the engine

    def complete(who: str, data: dict) -> None:
        walks.reset()
        with db.session() as s:
            (item,) = worklist.items_of_case(session=s, case_id=case_id)
            assignee = item.assignee_id or team[who]
            cases.complete_task(session=s, work_item_id=item.id, user=s.get(User, assignee), data=data)
        assert (walks.walks, walks.direct) == (2, [])

    complete("desk", {"ernstig": True, "samenvatting": "Vermoeden van lekken"})
    complete("coord", {"besluit": "onderzoek", "motivering": "Nader onderzoek nodig"})
    complete("o1", {"bevinding": "Aangetoond"})
    clock.advance(timedelta(days=2, seconds=1))
    walks.reset()
    assert timers.fire_due(database=db) == 1
    assert (walks.walks, walks.direct) == (2, [])
    assert walks.checked >= 8


def test_the_one_walk_equals_the_filtered_iterations_with_cycle_and_boundary_timers(db, clock, walks):
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
    assert walks.direct == [] and walks.checked >= 8


def test_the_one_walk_equals_the_filtered_iterations_along_the_integrity_route(db, clock, walks):
    from tests.process.driver import run_scenario
    from tests.process.engine_driver import EngineDriver
    from tests.process.scenarios import DEFAULTS, FEITENONDERZOEK

    driver = EngineDriver(db, clock, settings={"rechtspositie": "publiekrechtelijk"})
    run_scenario(driver, FEITENONDERZOEK, DEFAULTS, {})
    assert driver.finished()
    assert walks.checked >= 20  # (the driver reads the case data between steps: not counted here)


def test_a_tree_too_deep_for_spiffworkflows_iterator_falls_back_to_its_filters(db, clock, monkeypatch):
    """Above 1000 inner tasks SpiffWorkflow's iterator may stop descending (its depth counter): the walk then asks
    SpiffWorkflow itself, so the sets stay exactly its own."""
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        team = {k: u.id for k, u in review_team(s).items()}
        case_id = cases.start_case(session=s, actor=s.get(User, team["desk"]), data={"dienstonderdeel": "Douane"}).id
        case = cases.get_case(session=s, case_id=case_id)
        _, wf = cases._load(s, case)
    called = []
    real = runtime._walk_by_filters
    monkeypatch.setattr(runtime, "_walk_by_filters", lambda w: called.append(w) or real(w))
    runtime.walk(wf)
    assert called == []
    monkeypatch.setattr(runtime, "_MAX_DEPTH", 2)
    sets = runtime.walk(wf)
    assert called == [wf] and _same(sets.ready_user, wf.get_tasks(state=TaskState.READY, manual=True))


# ---- the state's JSON (orjson) ----------------------------------------------------------

@pytest.fixture
def loaded(db, clock):
    """(parsed version, workflow) of a fresh case of the review process."""
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        team = review_team(s)
        case_id = cases.start_case(session=s, actor=team["desk"], data={"dienstonderdeel": "Douane"}).id
        return cases._load(s, cases.get_case(session=s, case_id=case_id))


def _stdlib_dumps(wf) -> str:
    """The state as the standard library wrote it before orjson."""
    dct = runtime._serializer.to_dict(wf)
    dct[runtime._serializer.VERSION_KEY] = runtime._serializer.VERSION
    return json.dumps(dct, cls=runtime._serializer._encoder_cls, separators=(",", ":"))


def test_the_state_written_with_orjson_holds_the_same_values_and_older_states_still_load(loaded):
    parsed, wf = loaded
    wf.task_tree.data.update({"omschrijving": "Één melding — ‘lekken’ 🙂", "bedrag": 1234.5, "klein": 1e-7,
                              "groot": 1e16, "lijst": [1, "twee", None, True], "set": {3}, "tupel": (1, 2)})
    new, old = runtime.dumps(wf), _stdlib_dumps(wf)
    assert new.endswith(runtime._MARK) and not old.endswith(runtime._MARK)
    assert "Één" in new and "\\u00c9" in old  # UTF-8 now, escapes before: the same text
    as_new = json.loads(new)
    assert as_new.pop(runtime._MARK_KEY) == runtime._MARK_VALUE and as_new == json.loads(old)
    for state in (new, old):  # a state from before orjson loads and writes as a new one does
        again = runtime.loads(state, parsed)
        assert again.task_tree.data == {**wf.task_tree.data, "set": [3], "tupel": [1, 2]}
        assert runtime.dumps(again) == runtime.dumps(runtime.loads(new, parsed))


def test_what_orjson_would_write_otherwise_goes_through_the_standard_library(loaded):
    parsed, wf = loaded
    wf.task_tree.data["enorm"] = 2 ** 70  # beyond 64 bits: orjson refuses it, and would read it back as a float
    state = runtime.dumps(wf)
    assert not state.endswith(runtime._MARK) and state == _stdlib_dumps(wf)
    assert runtime.loads(state, parsed).task_tree.data["enorm"] == 2 ** 70
    wf.task_tree.data["enorm"] = date(2026, 1, 1)  # a type the serializer does not know: refused, the field named
    with pytest.raises(TypeError):
        _stdlib_dumps(wf)
    with pytest.raises(runtime.UnstorableData) as refused:
        runtime.dumps(wf)
    assert refused.value.field == "enorm" and not refused.value.reserved
