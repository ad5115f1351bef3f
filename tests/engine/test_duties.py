"""Separation of duties and unpredictable (random) allocation, from the manifest's rules."""
from __future__ import annotations

from collections import Counter

import pytest

from engine.audit import service as audit
from engine.cases import service as cases
from engine.errors import ConflictOfInterest
from engine.identity.models import User
from engine.processes import service as processes
from engine.worklist import service as worklist
from tests.factories import REVIEW, deployed_review_team, review_to_investigation

pytestmark = pytest.mark.db


@pytest.fixture
def team(db, clock):
    return deployed_review_team(db)




def test_the_two_investigators_must_differ(db, clock, team):
    from datetime import timedelta

    from engine.timers import service as timers

    case_id = review_to_investigation(db, team)
    with db.session() as s:
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        first = s.get(User, item.assignee_id)
        cases.complete_task(session=s, work_item_id=item.id, user=first, data={"bevinding": "x"})
    clock.advance(timedelta(days=3))
    timers.fire_due(database=db)
    with db.session() as s:
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        with pytest.raises(ConflictOfInterest, match="onderzoeker_1"):
            worklist.claim(session=s, work_item_id=item.id, user=s.get(User, first.id))
        with pytest.raises(ConflictOfInterest):
            cases.complete_task(session=s, work_item_id=item.id, user=s.get(User, first.id), data={"bevinding": "y"})


def test_random_allocation_reaches_every_eligible_user_and_never_a_conflicted_one(db, clock, team):
    # onderzoeker3 is the subject's manager in every case: never drawn.
    chosen = Counter()
    for _ in range(45):
        case_id = review_to_investigation(db, team, parties={"leidinggevende": [team["o3"]]})
        with db.session() as s:
            item = worklist.items_of_case(session=s, case_id=case_id)[0]
            chosen[item.assignee_id] += 1
            draw = [e for e in audit.case_events(session=s, case_id=case_id) if e.action == "task.auto_assigned"][-1]
            assert sorted(draw.details["kandidaten"]) == ["onderzoeker1", "onderzoeker2"]
            assert draw.details["gekozen"] == s.get(User, item.assignee_id).username
            assert draw.details["methode"] == "loting"
    assert set(chosen) == {team["o1"], team["o2"]}  # P(miss one) = 2 * 0.5**45
    assert team["o3"] not in chosen


def test_an_exclusive_slot_stays_with_its_holder_unless_the_coordinator_assigns(db, clock, team, tmp_path):
    """Both investigator tasks of slot onderzoeker_1 go to one person; a colleague cannot
    take over by claiming, only by the coordinator's (audited) assignment."""
    from tests.factories import copy_process_set

    changed = copy_process_set(REVIEW, tmp_path / "review")
    bpmn = changed / "review.bpmn"
    # both investigation tasks in slot onderzoeker_1, pool tasks (no automatic draw)
    text = bpmn.read_text().replace('value="onderzoeker_2"', 'value="onderzoeker_1"')
    bpmn.write_text(text.replace('<spiffworkflow:property name="assignment" value="random"/>', ""))
    from datetime import timedelta

    from engine.timers import service as timers

    with db.session() as s:
        processes.deploy(session=s, directory=changed)
    case_id = review_to_investigation(db, team)
    with db.session() as s:
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        worklist.claim(session=s, work_item_id=item.id, user=s.get(User, team["o1"]))
        cases.complete_task(session=s, work_item_id=item.id, user=s.get(User, team["o1"]), data={"bevinding": "x"})
    clock.advance(timedelta(days=3))
    timers.fire_due(database=db)
    with db.session() as s:
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        with pytest.raises(ConflictOfInterest, match="al vervuld"):
            worklist.claim(session=s, work_item_id=item.id, user=s.get(User, team["o2"]))
        with pytest.raises(ConflictOfInterest, match="al vervuld"):
            cases.complete_task(session=s, work_item_id=item.id, user=s.get(User, team["o2"]), data={"bevinding": "y"})
        worklist.assign(session=s, work_item_id=item.id, by=s.get(User, team["coord"]),
                        assignee=s.get(User, team["o2"]), reason="Onderzoeker 1 langdurig afwezig")
    with db.session() as s:
        cases.complete_task(session=s, work_item_id=item.id, user=s.get(User, team["o2"]), data={"bevinding": "y"})
        assert worklist.items_of_case(session=s, case_id=case_id) == []
