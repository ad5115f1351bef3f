"""The small review process runs start to end through the service layer (SQLite and PostgreSQL)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.audit import service as audit
from engine.audit.models import AuditEvent
from engine.cases import service as cases
from engine.cases.models import Case
from engine.errors import InvalidData, NotFound, TaskNotReady
from engine.processes import service as processes
from engine.timers import service as timers
from engine.timers.models import Timer
from engine.worklist import service as worklist
from engine.worklist.models import WorkItem
from tests.factories import REVIEW, review_team

pytestmark = pytest.mark.db


@pytest.fixture
def team(db, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        users = review_team(s)
        return {k: u.id for k, u in users.items()}


def user(s, team, key):
    from engine.identity.models import User

    return s.get(User, team[key])


def start(db, team, **data):
    with db.session() as s:
        return cases.start_case(session=s, actor=user(s, team, "desk"), data={"dienstonderdeel": "Douane", **data}).id


def only_open(s, case_id) -> WorkItem:
    items = worklist.items_of_case(session=s, case_id=case_id)
    assert len(items) == 1, [i.name for i in items]
    return items[0]


def complete(db, team, who, case_id, data):
    with db.session() as s:
        item = only_open(s, case_id)
        return cases.complete_task(session=s, work_item_id=item.id, user=user(s, team, who), data=data)


def test_a_completed_task_ends_its_timers_fired_when_due_and_cancelled_when_not(db, clock, team):
    """The step ends the timers that no longer wait (one UPDATE without reading them first, issue 25) as before: a
    timer whose moment passed before the worker came counts as fired then; one still ahead is cancelled; another
    case's timer of the same task stays pending."""
    due = start(db, team)
    with db.session() as s:
        intake_at = s.scalar(select(Timer.fire_at).where(Timer.case_id == due, Timer.element_id == "intake_timer"))
    clock.set(intake_at + timedelta(minutes=5))  # due, but no worker fired it
    ahead, other = start(db, team), start(db, team)  # their intake timers lie a week ahead
    complete(db, team, "desk", due, {"ernstig": True, "samenvatting": "Vermoeden van lekken"})
    complete(db, team, "desk", ahead, {"ernstig": True, "samenvatting": "Vermoeden van lekken"})
    with db.session() as s:
        rows = {(t.case_id, t.element_id): (t.state, t.fire_count, t.fired_at)
                for t in s.scalars(select(Timer).where(Timer.element_id == "intake_timer"))}
    assert rows == {(due, "intake_timer"): ("fired", 1, intake_at + timedelta(minutes=5)),
                    (ahead, "intake_timer"): ("cancelled", 0, None),
                    (other, "intake_timer"): ("pending", 0, None)}, rows


def test_serious_report_runs_to_the_end_with_both_lanes_gateway_and_timer(db, clock, team):
    case_id = start(db, team)
    with db.session() as s:
        item = only_open(s, case_id)
        assert (item.name, item.role) == ("Melding registreren", "meldpunt")
        # The due date comes from the boundary timer on the task (P7D).
        assert item.due_at == clock.now() + timedelta(days=7)
    complete(db, team, "desk", case_id, {"ernstig": True, "samenvatting": "Vermoeden van lekken"})
    with db.session() as s:
        item = only_open(s, case_id)
        assert (item.name, item.role) == ("Melding beoordelen", "integriteitscoordinator")
        assert item.due_at == clock.now() + timedelta(days=14)
        # The intake timer was cancelled when the intake task completed.
        states = dict(s.execute(select(Timer.element_id, Timer.state).where(Timer.case_id == case_id)).all())
        assert states == {"intake_timer": "cancelled", "assess_timer": "pending"}
    complete(db, team, "coord", case_id, {"besluit": "onderzoek", "motivering": "Nader onderzoek nodig"})
    with db.session() as s:
        item = only_open(s, case_id)
        assert item.assignee_id in (team["o1"], team["o2"], team["o3"])  # drawn at random
        first = item.assignee_id
        cases.complete_task(session=s, work_item_id=item.id, user=s.get(type(user(s, team, "o1")), first),
                            data={"bevinding": "Aangetoond"})
    with db.session() as s:
        assert worklist.items_of_case(session=s, case_id=case_id) == []  # waiting on the intermediate timer
    clock.advance(timedelta(days=2, seconds=1))
    assert timers.fire_due(database=db) == 1
    with db.session() as s:
        item = only_open(s, case_id)
        assert item.name == "Onderzoek tweede onderzoeker"
        second = next(team[k] for k in ("o1", "o2", "o3") if team[k] != first)
    with db.session() as s:
        from engine.identity.models import User

        cases.complete_task(session=s, work_item_id=item.id, user=s.get(User, second), data={"bevinding": "Bevestigd"})
    with db.session() as s:
        case = s.get(Case, case_id)
        assert case.status == "closed" and case.closed_at == clock.now()
        data = cases.case_data(session=s, case_id=case_id)
        assert data["niveau"] == 2 and data["besluit"] == "onderzoek" and data["bevinding"] == "Bevestigd"
        assert case.unit == "Douane"
        actions = [e.action for e in audit.case_events(session=s, case_id=case_id)]
        assert actions.count("task.completed") == 4 and "timer.fired" in actions and "task.auto_assigned" in actions
        assert audit.verify(session=s).ok


def test_light_report_takes_the_default_flow_and_closes(db, clock, team):
    case_id = start(db, team)
    case = complete(db, team, "desk", case_id, {"ernstig": False})
    assert case.status == "closed"
    with db.session() as s:
        assert worklist.items_of_case(session=s, case_id=case_id) == []
        assert s.execute(select(func.count()).select_from(Timer).where(Timer.state == "pending")).scalar() == 0


def test_non_interrupting_boundary_timer_escalates_and_leaves_the_task_open(db, clock, team):
    case_id = start(db, team)
    clock.advance(timedelta(days=6, hours=23))
    assert timers.fire_due(database=db) == 0  # not yet due
    clock.advance(timedelta(hours=2))
    assert timers.fire_due(database=db) == 1
    with db.session() as s:
        names = sorted(i.name for i in worklist.items_of_case(session=s, case_id=case_id))
        assert names == ["Melding registreren", "Termijn ontvangstbevestiging overschreden"]
        coord = user(s, team, "coord")
        assert [i.name for i in worklist.unassigned_in_my_roles(session=s, user=coord)] == [
            "Termijn ontvangstbevestiging overschreden"]
        overdue = worklist.overdue(session=s)
        assert [i.name for i in overdue] == ["Melding registreren"]
    assert timers.fire_due(database=db) == 0  # fired once, not again


def test_task_done_in_time_never_escalates(db, clock, team):
    case_id = start(db, team)
    clock.advance(timedelta(days=6))
    complete(db, team, "desk", case_id, {"ernstig": True})
    clock.advance(timedelta(days=5))
    assert timers.fire_due(database=db) == 0
    with db.session() as s:
        assert [i.name for i in worklist.items_of_case(session=s, case_id=case_id)] == ["Melding beoordelen"]


def test_interrupting_boundary_timer_cancels_the_task(db, clock, team):
    case_id = start(db, team)
    complete(db, team, "desk", case_id, {"ernstig": True})
    clock.advance(timedelta(days=15))
    assert timers.fire_due(database=db) == 1
    with db.session() as s:
        case = s.get(Case, case_id)
        assert case.status == "closed"
        states = {i.name: i.state for i in worklist.items_of_case(session=s, case_id=case_id, include_closed=True)}
        assert states["Melding beoordelen"] == "cancelled"
        assert "end_expired" in cases.case_position(session=s, case_id=case_id)["completed"]


def test_timer_due_while_the_worker_was_stopped_fires_at_the_next_run(db, clock, team):
    ids = [start(db, team) for _ in range(3)]
    clock.advance(timedelta(days=40))  # nothing ran for 40 days
    assert timers.fire_due(database=db) == 3
    with db.session() as s:
        for case_id in ids:
            assert len(worklist.items_of_case(session=s, case_id=case_id)) == 2


def test_invalid_form_data_is_refused_and_changes_nothing(db, clock, team):
    case_id = start(db, team)
    with db.session() as s:
        before = s.get(Case, case_id).version
        item_id = only_open(s, case_id).id
    with pytest.raises(InvalidData) as err, db.session() as s:
        cases.complete_task(session=s, work_item_id=item_id, user=user(s, team, "desk"),
                            data={"ernstig": "misschien", "onbekend": 1})
    fields = {e.field: e.message for e in err.value.errors}
    assert set(fields) == {"ernstig", "onbekend"}
    assert "ja/nee" in fields["ernstig"]
    with pytest.raises(InvalidData) as err, db.session() as s:
        cases.complete_task(session=s, work_item_id=item_id, user=user(s, team, "desk"), data={})
    assert [(e.field, e.message) for e in err.value.errors] == [("ernstig", "is verplicht")]
    with db.session() as s:
        assert s.get(Case, case_id).version == before
        assert only_open(s, case_id).state == "open"


def test_completed_task_cannot_be_completed_again(db, clock, team):
    case_id = start(db, team)
    with db.session() as s:
        item_id = only_open(s, case_id).id
    complete(db, team, "desk", case_id, {"ernstig": False})
    with pytest.raises(TaskNotReady), db.session() as s:
        cases.complete_task(session=s, work_item_id=item_id, user=user(s, team, "desk"), data={"ernstig": True})
    with pytest.raises(NotFound), db.session() as s:
        cases.complete_task(session=s, work_item_id=999999, user=user(s, team, "desk"), data={})


def test_state_holds_a_version_reference_not_the_spec(db, clock, team):
    case_id = start(db, team)
    with db.session() as s:
        case = s.get(Case, case_id)
        state = json.loads(case.state)
        assert "spec" not in state and "subprocess_specs" not in state
        assert "Melding registreren" not in case.state  # names live in the spec only
        assert case.process_version_id is not None


def test_state_is_stored_compressed_and_an_uncompressed_legacy_state_still_loads(db, clock, team):
    from sqlalchemy import text

    case_id = start(db, team)
    with db.session() as s:
        plain = s.get(Case, case_id).state
        stored = s.execute(text("SELECT state FROM cases WHERE id = :id"), {"id": case_id}).scalar_one()
        assert stored.startswith("z1:") and len(stored) < len(plain) / 2
        assert json.loads(plain)  # the application sees the JSON
        # a row written before compression existed: plain JSON in the column
        s.execute(text("UPDATE cases SET state = :state WHERE id = :id"), {"state": plain, "id": case_id})
    complete(db, team, "desk", case_id, {"ernstig": False})
    with db.session() as s:
        assert s.get(Case, case_id).status == "closed"


def test_legal_term_in_a_timer_moves_past_christmas_and_the_weekend(db, clock, tmp_path):
    """A process owner writes legal_term("P7D") in a timeDate timer: Algemene termijnenwet applies."""
    from datetime import datetime, timezone

    from tests.factories import copy_process_set, make_user

    changed = copy_process_set(REVIEW, tmp_path / "review")
    bpmn = changed / "review.bpmn"
    bpmn.write_text(bpmn.read_text().replace(
        '<bpmn:timeDuration>"P7D"</bpmn:timeDuration>', '<bpmn:timeDate>legal_term("P7D")</bpmn:timeDate>'))
    clock.set(datetime(2026, 12, 18, 10, 0, tzinfo=timezone.utc))  # Friday; +7 days = Christmas Day
    with db.session() as s:
        processes.deploy(session=s, directory=changed)
        desk = make_user(s, "desk", "meldpunt")
        case_id = cases.start_case(session=s, actor=desk, data={}).id
        item = only_open(s, case_id)
        # 25 Dec (holiday) → 26 Dec (holiday, Saturday) → 27 Dec (Sunday) → Monday 28 Dec, until midnight in The Hague.
        assert item.due_at == datetime(2026, 12, 28, 23, 0, tzinfo=timezone.utc)
    clock.set(datetime(2026, 12, 28, 22, 59, tzinfo=timezone.utc))
    assert timers.fire_due(database=db) == 0
    clock.set(datetime(2026, 12, 28, 23, 1, tzinfo=timezone.utc))
    assert timers.fire_due(database=db) == 1
