"""Cycle and date timers are durable too: a cycle re-arms after each firing, a date timer fires once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from engine.cases import service as cases
from engine.cases.models import Case
from engine.identity.models import User
from engine.processes import service as processes
from engine.timers import service as timers
from engine.timers.models import Timer
from engine.worklist import service as worklist
from tests.factories import make_user

REMINDERS = Path(__file__).parent / "process_sets" / "reminders"


def names(db, case_id):
    with db.session() as s:
        return sorted(i.name for i in worklist.items_of_case(session=s, case_id=case_id))


def test_cycle_timer_fires_each_period_up_to_its_count_and_a_date_timer_once(db, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=REMINDERS)
        desk = make_user(s, "desk", "meldpunt")
        case_id = cases.start_case(session=s, actor=desk, data={}).id
        cycle = s.execute(select(Timer).where(Timer.case_id == case_id)).scalar_one()
        assert (cycle.kind, cycle.fire_at) == ("cycle", clock.now() + timedelta(days=1))
    fired = []
    for day in range(1, 6):
        clock.advance(timedelta(days=1, seconds=1))
        fired.append(timers.fire_due(database=db))
    assert fired == [1, 1, 1, 0, 0]  # R3: three reminders, then the cycle is spent
    assert names(db, case_id) == ["Herinnering opvolgen"] * 3 + ["Werk afmaken"]
    with db.session() as s:
        row = s.execute(select(Timer).where(Timer.element_id == "cycle")).scalar_one()
        assert row.fire_count == 3 and row.state == "fired"
        item = next(i for i in worklist.items_of_case(session=s, case_id=case_id) if i.name == "Werk afmaken")
        cases.complete_task(session=s, work_item_id=item.id, user=s.get(User, 1) or s.scalars(select(User)).first(),
                            data={"klaar": True})
    with db.session() as s:
        # SpiffWorkflow ends the open paths of a non-interrupting boundary event when the task it is
        # attached to completes (documented for process owners in docs/PROCESS_OWNERS.md).
        states = [i.state for i in worklist.items_of_case(session=s, case_id=case_id, include_closed=True)
                  if i.name == "Herinnering opvolgen"]
        assert states == ["cancelled"] * 3
        date_timer = s.execute(select(Timer).where(Timer.element_id == "at_date")).scalar_one()
        assert date_timer.kind == "date"
        assert date_timer.fire_at == datetime(2027, 1, 4, 8, 0, tzinfo=timezone.utc)
    clock.set(datetime(2027, 1, 4, 8, 0, 1, tzinfo=timezone.utc))
    assert timers.fire_due(database=db) == 1
    with db.session() as s:
        assert s.get(Case, case_id).status == "closed"
    assert timers.fire_due(database=db) == 0


def test_a_case_whose_timer_cannot_fire_keeps_its_error_and_does_not_hold_up_the_others(db, clock):
    from tests.factories import REVIEW

    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        desk = make_user(s, "desk", "meldpunt")
        ids = [cases.start_case(session=s, actor=desk, data={}).id for _ in range(4)]
    with db.session() as s:  # one case's stored state is damaged
        s.get(Case, ids[1]).state = '{"kapot": '
    clock.advance(timedelta(days=8))
    assert timers.fire_due(database=db, batch=3) == 3
    with db.session() as s:
        rows = {t.case_id: t for t in s.execute(select(Timer).where(Timer.element_id == "intake_timer")).scalars()}
        assert [rows[i].state for i in ids] == ["fired", "pending", "fired", "fired"]
        assert rows[ids[1]].last_error == "De opgeslagen zaakstatus is beschadigd en kan niet worden gelezen."
        assert all(rows[i].last_error is None for i in ids if i != ids[1])
        for i in (ids[0], ids[2], ids[3]):
            assert "Termijn ontvangstbevestiging overschreden" in [w.name for w in worklist.items_of_case(session=s, case_id=i)]
        assert worklist.items_of_case(session=s, case_id=ids[1])[0].name == "Melding registreren"
        from engine.audit import service as audit
        assert audit.verify(session=s).ok
