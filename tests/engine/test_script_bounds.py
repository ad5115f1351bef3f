"""Runaway scripts and expressions are stopped by their bounds; the step fails and nothing changes.

The process set ``process_sets/bounds`` has one runaway per branch: a loop in a script task, a
huge string, a huge power, a huge range in a gateway condition, a user task's pre- and
post-script, a loop behind a timer. Each must fail its step with a Dutch incident message,
leave the case as it was, and leave the server (here: the next call) and the other cases alone.
The bounds are the defaults from engine/config.py.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.audit import service as audit
from engine.audit.models import AuditEvent
from engine.cases import service as cases
from engine.cases.models import Case
from engine.config import get_settings
from engine.errors import ScriptLimitExceeded
from engine.identity.models import User
from engine.processes import service as processes
from engine.processes.bounds import ScriptBudgetExceeded, ScriptLimits
from engine.processes.sandbox import SandboxEnvironment
from engine.timers import service as timers
from engine.timers.models import Timer
from engine.worklist import service as worklist
from engine.worklist.models import WorkItem
from tests.factories import make_user

BOUNDS = Path(__file__).parent / "process_sets" / "bounds"


# -- the sandbox alone (small bounds, no database) ---------------------------------------------

SMALL = ScriptLimits(cpu_ms=100, wall_ms=5000, max_size=100_000, memory_mb=256)


@pytest.mark.parametrize(("source", "kind"), [
    ("while True:\n    pass", "cpu"),
    ("x = len('a' * 10**10)", "size"),
    ("x = 10**(10**7)", "size"),
    ("x = sum(range(10**12))", "size"),
    ("x = 1 << 10**10", "size"),
    ("x = [1]\nfor i in range(100):\n    x.extend(x)", "size"),
    ("s = 'a' * 1000\ns = s.replace('a', s)", "size"),
    ("s = ''.join(['a' * 1000] * 1000)", "size"),
    ("s = 'x'.ljust(10**10)", "size"),
    ("s = '%0999999999d' % 1", "size"),
    ("s = f'{1:>9999999999}'", "size"),
    ("a = []\nfor i in range(60):\n    a = [a, a]\ns = str(a)", "size"),
    ("a = []\nfor i in range(60):\n    a = [a, a]", "size"),  # would be written to the case data
    ("x = 2\nwhile True:\n    x = x * x", "size"),
    ("f = lambda n: f(n - 1) + f(n - 1) if n else 1\nx = f(60)", "cpu"),
    ("def f(n):\n    return f(n - 1) + f(n - 1) if n else 1\nx = f(60)", "cpu"),
    ("x = [sum(range(10**5)) for i in range(10**5) for j in range(10**5)]", "cpu"),
    ("x = list(map(sorted, [list(range(10**5))] * 10**5))", "cpu"),
    ("try:\n    while True:\n        pass\nexcept:\n    pass\nklaar = True", "cpu"),
    ("while True:\n    try:\n        while True:\n            pass\n    finally:\n        continue", "cpu"),
])
def test_a_runaway_script_is_stopped_by_its_bound_and_changes_no_data(source, kind):
    env = SandboxEnvironment({}, SMALL)
    data = {"bestaand": 1}
    with pytest.raises(ScriptBudgetExceeded) as caught:
        env.execute(source, data)
    assert caught.value.kind == kind
    assert data == {"bestaand": 1}


def test_memory_growth_is_bounded_too():
    env = SandboxEnvironment({}, ScriptLimits(cpu_ms=60_000, wall_ms=300_000, max_size=1_000_000, memory_mb=32))
    with pytest.raises(ScriptBudgetExceeded) as caught:
        env.execute("x = []\nwhile True:\n    x.append('a' * 100000)", {})
    assert caught.value.kind == "memory"
    assert "gebruikte te veel geheugen (meer dan 32 MB)" in caught.value.dutch("Script in 'X'")


def test_expressions_are_bounded_and_ordinary_code_still_works():
    env = SandboxEnvironment({}, SMALL)
    with pytest.raises(ScriptBudgetExceeded):
        env.evaluate("sum(range(10**12)) > 0", {})
    with pytest.raises(ScriptBudgetExceeded):
        env.evaluate("[1 for i in range(10**5) for j in range(10**5)]", {})
    data = {"regels": [{"bedrag": 5}, {"bedrag": 7}]}
    env.execute("totaal = sum(r['bedrag'] for r in regels)\nx = 1\nx += 2\nx *= 3\n"
                "kwadraten = [i ** 2 for i in range(5) if i]\ntekst = f'{totaal:>4}|{kwadraten!r}'\n"
                "naam = '-'.join(['a', 'b']).replace('-', '+').ljust(4)\nprocent = '%d%%' % 5\n"
                "def dubbel(n):\n    return n * 2\nd = dubbel(4)\nh = list(map(lambda n: n + 1, [1, 2]))", data)
    assert {k: data[k] for k in ("totaal", "x", "kwadraten", "tekst", "naam", "procent", "d", "h")} == {
        "totaal": 12, "x": 9, "kwadraten": [1, 4, 9, 16], "tekst": "  12|[1, 4, 9, 16]", "naam": "a+b ",
        "procent": "5%", "d": 8, "h": [2, 3]}
    assert env.evaluate("2 ** 10 + len('ab' * 3)", {}) == 1030


# -- in the engine, with the database ---------------------------------------------------------

@pytest.fixture
def desk(db, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=BOUNDS)
        return make_user(s, "desk", "meldpunt").id


def start(db, desk) -> int:
    with db.session() as s:
        return cases.start_case(session=s, actor=s.get(User, desk), data={}).id


def open_item(db, case_id, name) -> int:
    with db.session() as s:
        return next(i.id for i in worklist.items_of_case(session=s, case_id=case_id) if i.name == name)


def snapshot(db, case_id) -> tuple:
    with db.session() as s:
        case = s.get(Case, case_id)
        items = sorted((w.name, w.state) for w in s.execute(select(WorkItem).where(WorkItem.case_id == case_id)).scalars())
        pending = sorted((t.element_id, t.state) for t in s.execute(select(Timer).where(Timer.case_id == case_id)).scalars())
        # the failure itself is recorded as an incident (engine.incidents), in a transaction of its own; the case,
        # its tasks, timers and every other event stay as they were
        events = s.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.case_id == case_id, AuditEvent.action.not_like("incident.%"))).scalar_one()
        return case.state, case.version, case.status, items, pending, events


def incidents_of(db, case_id) -> list[tuple[str, str, int]]:
    from engine.incidents.models import Incident

    with db.session() as s:
        return [(i.source, i.code, i.count) for i in s.scalars(select(Incident).where(Incident.case_id == case_id))]


def complete(db, desk, item_id, data):
    with db.session() as s:
        cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, desk), data=data)


@pytest.mark.parametrize(("soort", "message"), [
    # the CPU bound or, on a loaded machine, the wall-time bound: either stops it
    ("script", "Script in 'Lus in script' duurde te lang (meer dan "),
    ("geheugen", "Script in 'Groot geheugen' maakte een te grote waarde (*: meer dan"),
    ("macht", "Script in 'Grote macht' maakte een te grote waarde (**: meer dan"),
    ("voorwaarde", "Expressie in 'Som te groot?' maakte een te grote waarde (range: meer dan"),
    ("voorscript", "Script in 'Taak met voorscript' duurde te lang (meer dan "),
])
def test_a_runaway_step_fails_with_a_dutch_message_and_leaves_the_case_as_it_was(db, clock, desk, soort, message):
    case_id = start(db, desk)
    item = open_item(db, case_id, "Keuze maken")
    before = snapshot(db, case_id)
    with pytest.raises(ScriptLimitExceeded) as caught:
        complete(db, desk, item, {"soort": soort})
    assert message in caught.value.detail
    assert caught.value.code == "script-limit"
    assert snapshot(db, case_id) == before
    assert incidents_of(db, case_id) == [("taak", "script-grens", 1)]
    # the engine (and this database connection) carries on: another case goes its ordinary way
    other = start(db, desk)
    complete(db, desk, open_item(db, other, "Keuze maken"), {"soort": "geen"})
    with db.session() as s:
        assert s.get(Case, other).status == "closed"
        assert audit.verify(session=s).ok


def test_a_runaway_post_script_of_a_user_task_fails_its_completion_only(db, clock, desk):
    case_id = start(db, desk)
    complete(db, desk, open_item(db, case_id, "Keuze maken"), {"soort": "naschrift"})
    item = open_item(db, case_id, "Taak met naschrift")
    before = snapshot(db, case_id)
    with pytest.raises(ScriptLimitExceeded) as caught:
        complete(db, desk, item, {"klaar": True})
    assert "Script in 'Taak met naschrift' maakte een te grote waarde" in caught.value.detail
    assert snapshot(db, case_id) == before


def test_a_runaway_script_behind_a_timer_fails_that_timer_with_backoff_and_the_others_keep_firing(db, clock, desk):
    bad, good = start(db, desk), [start(db, desk) for _ in range(2)]
    complete(db, desk, open_item(db, bad, "Keuze maken"), {"soort": "timer"})
    for case_id in good:
        complete(db, desk, open_item(db, case_id, "Keuze maken"), {"soort": "timer_ok"})
    bad_before = snapshot(db, bad)

    clock.advance(timedelta(days=1, seconds=1))
    assert timers.fire_due(database=db) == 2
    for case_id in good:
        assert open_item(db, case_id, "Na de timer")
    with db.session() as s:
        row = s.execute(select(Timer).where(Timer.case_id == bad)).scalar_one()
        assert (row.state, row.failures, row.last_error) == ("pending", 1,
                                                             "script-limit: Script in het procesmodel afgebroken")
        assert row.retry_at == clock.now() + timedelta(seconds=get_settings().timer_retry_seconds)
    assert snapshot(db, bad) == bad_before
    assert incidents_of(db, bad) == [("timer", "script-grens", 1)]  # for the process owner, once

    # A new sweep (as after a restart of the worker) does not pick the failed timer up before its retry time,
    clock.advance(timedelta(seconds=30))
    assert timers.fire_due(database=db) == 0
    # and a timer of another case that falls due later fires while the failed one is retried with a longer wait.
    later = start(db, desk)
    complete(db, desk, open_item(db, later, "Keuze maken"), {"soort": "timer_ok"})
    clock.advance(timedelta(days=1, seconds=1))
    assert timers.fire_due(database=db) == 1
    assert open_item(db, later, "Na de timer")
    with db.session() as s:
        row = s.execute(select(Timer).where(Timer.case_id == bad)).scalar_one()
        assert (row.state, row.failures) == ("pending", 2)
        assert row.retry_at == clock.now() + timedelta(seconds=2 * get_settings().timer_retry_seconds)
        assert audit.verify(session=s).ok
    assert snapshot(db, bad) == bad_before
