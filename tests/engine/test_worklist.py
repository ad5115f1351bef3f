"""Worklist queries and the claim / unclaim / assign rules; conflicts of interest."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.audit import service as audit
from engine.cases import service as cases
from engine.errors import ConflictOfInterest, InvalidData, NotAuthorized, NotFound, TaskTaken
from engine.processes import service as processes
from engine.worklist import service as worklist
from tests.factories import REVIEW, make_user, review_team

pytestmark = pytest.mark.db


@pytest.fixture
def setup(db, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        team = review_team(s)
        team["desk2"] = make_user(s, "desk2", "meldpunt")
        team["coord2"] = make_user(s, "coord2", "integriteitscoordinator")
        return {k: u.id for k, u in team.items()}


def U(s, ids, key):
    from engine.identity.models import User

    return s.get(User, ids[key])


def new_case(db, ids, parties=None):
    with db.session() as s:
        return cases.start_case(session=s, actor=U(s, ids, "desk"), data={}, parties=parties).id


@pytest.mark.postgres_only
def test_of_n_concurrent_claims_exactly_one_wins(db, setup):
    """N people claim one task at the same moment, each in a transaction of their own (on PostgreSQL
    truly concurrent: row locks; on SQLite the write lock serialises them): one winner, N-1 TaskTaken
    (409), one ``task.claimed`` event."""
    import threading

    from sqlalchemy import select

    from engine.audit.models import AuditEvent

    n = 8
    with db.session() as s:
        claimers = [make_user(s, f"desk_c{i}", "meldpunt").id for i in range(n)]
    case_id = new_case(db, setup)
    with db.session() as s:
        item_id = worklist.items_of_case(session=s, case_id=case_id)[0].id
    barrier = threading.Barrier(n, timeout=30)
    outcomes: list[str] = []

    sqlite = db.dialect == "sqlite"  # there a transaction holds the write lock from BEGIN: meet before it

    def claim(user_id: int) -> None:
        try:
            if sqlite:
                barrier.wait()
            with db.session() as s:
                user = U(s, {"u": user_id}, "u")
                if not sqlite:
                    barrier.wait()
                worklist.claim(session=s, work_item_id=item_id, user=user)
            outcomes.append("won")
        except TaskTaken:
            outcomes.append("taken")

    threads = [threading.Thread(target=claim, args=(u,)) for u in claimers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert sorted(outcomes) == ["taken"] * (n - 1) + ["won"]
    with db.session() as s:
        assert worklist.items_of_case(session=s, case_id=case_id)[0].assignee_id in claimers
        claimed = s.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id,
                                                     AuditEvent.action == "task.claimed")).all()
        assert len(claimed) == 1
        assert audit.verify(session=s).ok


def test_role_filtering(db, setup):
    case_id = new_case(db, setup)
    with db.session() as s:
        assert [i.case_id for i in worklist.unassigned_in_my_roles(session=s, user=U(s, setup, "desk2"))] == [case_id]
        assert worklist.unassigned_in_my_roles(session=s, user=U(s, setup, "coord")) == []
        assert worklist.unassigned_in_my_roles(session=s, user=U(s, setup, "o1")) == []
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        # without the task's role nor sight of the case: what the doors answer (404), not the task's role
        with pytest.raises(NotFound, match="Taak niet gevonden"):
            worklist.claim(session=s, work_item_id=item.id, user=U(s, setup, "coord"))
        with pytest.raises(NotFound, match="Taak niet gevonden"):
            cases.complete_task(session=s, work_item_id=item.id, user=U(s, setup, "o1"), data={"ernstig": True})


def test_claim_unclaim_and_completion_by_the_claimant_only(db, setup):
    case_id = new_case(db, setup)
    with db.session() as s:
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        worklist.claim(session=s, work_item_id=item.id, user=U(s, setup, "desk"))
        assert [i.id for i in worklist.my_tasks(session=s, user=U(s, setup, "desk"))] == [item.id]
        assert worklist.unassigned_in_my_roles(session=s, user=U(s, setup, "desk2")) == []
    with db.session() as s:
        with pytest.raises(TaskTaken, match="andere medewerker"):  # 409: a conflict, not a missing right
            worklist.claim(session=s, work_item_id=item.id, user=U(s, setup, "desk2"))
        with pytest.raises(NotAuthorized, match="toegewezen"):
            cases.complete_task(session=s, work_item_id=item.id, user=U(s, setup, "desk2"), data={"ernstig": False})
        with pytest.raises(NotAuthorized, match="eigen taak"):
            worklist.unclaim(session=s, work_item_id=item.id, user=U(s, setup, "desk2"))
    with db.session() as s:
        worklist.unclaim(session=s, work_item_id=item.id, user=U(s, setup, "desk"))
        assert worklist.my_tasks(session=s, user=U(s, setup, "desk")) == []
        worklist.claim(session=s, work_item_id=item.id, user=U(s, setup, "desk2"))
        cases.complete_task(session=s, work_item_id=item.id, user=U(s, setup, "desk2"), data={"ernstig": False})
    with db.session() as s:
        actions = [e.action for e in audit.case_events(session=s, case_id=case_id)]
        assert actions.count("task.claimed") == 2 and "task.unclaimed" in actions


def test_coordinator_assigns_with_reason(db, setup):
    case_id = new_case(db, setup)
    with db.session() as s:
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        with pytest.raises(NotAuthorized, match="coördinator"):
            worklist.assign(session=s, work_item_id=item.id, by=U(s, setup, "desk"), assignee=U(s, setup, "desk2"),
                            reason="drukte")
        with pytest.raises(InvalidData):
            worklist.assign(session=s, work_item_id=item.id, by=U(s, setup, "coord"), assignee=U(s, setup, "desk2"),
                            reason="  ")
        with pytest.raises(NotAuthorized):  # the assignee must hold the task's role
            worklist.assign(session=s, work_item_id=item.id, by=U(s, setup, "coord"), assignee=U(s, setup, "o1"),
                            reason="vervanging")
        worklist.assign(session=s, work_item_id=item.id, by=U(s, setup, "coord"), assignee=U(s, setup, "desk2"),
                        reason="Vervanging tijdens verlof")
        assert [i.id for i in worklist.my_tasks(session=s, user=U(s, setup, "desk2"))] == [item.id]
        event = audit.case_events(session=s, case_id=case_id)[-1]
        assert event.action == "task.assigned" and event.details["reden"] == "Vervanging tijdens verlof"
        assert event.actor == "coord"


def test_overdue_lists_open_tasks_past_due_sorted_by_due_date(db, setup, clock):
    first = new_case(db, setup)
    clock.advance(timedelta(days=1))
    second = new_case(db, setup)
    with db.session() as s:
        assert worklist.overdue(session=s) == []
    clock.advance(timedelta(days=6, minutes=1))  # first is due at day 7, second at day 8
    with db.session() as s:
        assert [i.case_id for i in worklist.overdue(session=s)] == [first]
        assert [i.case_id for i in worklist.overdue(session=s, user=U(s, setup, "desk"))] == [first]
        assert worklist.overdue(session=s, user=U(s, setup, "o1")) == []
    clock.advance(timedelta(days=1))
    with db.session() as s:
        assert [i.case_id for i in worklist.overdue(session=s)] == [first, second]


def test_case_parties_never_see_or_act_on_their_case(db, setup):
    with db.session() as s:
        manager = make_user(s, "chef", "meldpunt")
        subject = make_user(s, "betrokkene", "meldpunt", manager=manager)
        ids = {**setup, "chef": manager.id, "subject": subject.id}
    case_id = new_case(db, ids, parties={"betrokkene": [ids["subject"]], "leidinggevende": [ids["chef"]],
                                         "melder": [ids["desk2"]]})
    with db.session() as s:
        for who in ("subject", "chef", "desk2"):
            assert worklist.unassigned_in_my_roles(session=s, user=U(s, ids, who)) == []
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        for who in ("subject", "chef", "desk2"):  # the engine answers as the doors do: never "U bent betrokkene"
            with pytest.raises(NotFound, match="Taak niet gevonden"):
                worklist.claim(session=s, work_item_id=item.id, user=U(s, ids, who))
            with pytest.raises(NotFound, match="Taak niet gevonden"):
                cases.complete_task(session=s, work_item_id=item.id, user=U(s, ids, who), data={"ernstig": True})
        assert [i.id for i in worklist.unassigned_in_my_roles(session=s, user=U(s, ids, "desk"))] == [item.id]


def test_sorting_by_due_date_then_priority(db, setup):
    a = new_case(db, setup)
    with db.session() as s:
        items = worklist.unassigned_in_my_roles(session=s, user=U(s, setup, "desk"))
        assert [i.case_id for i in items] == [a]
        assert items[0].priority == 1  # from the task's priority property


def test_worklists_over_several_roles_merge_in_order_and_page_without_gaps(db, setup, clock):
    """unassigned_in_my_roles and overdue combine one index range per role (and "mine");
    the merged pages must equal one global sort, page after page, with parties excluded."""
    import random

    from engine.cases.models import CaseParty
    from engine.worklist.models import WorkItem

    rng = random.Random(7)
    case_ids = [new_case(db, setup) for _ in range(3)]
    start = clock.now()
    with db.session() as s:
        multi = make_user(s, "multi", "meldpunt", "integriteitscoordinator", "onderzoeker")
        s.add(CaseParty(case_id=case_ids[2], party="melder", user_id=multi.id))  # never shown to multi
        for n in range(60):
            s.add(WorkItem(case_id=case_ids[n % 3], task_id=f"t{n}", element_id=f"e{n}", name=f"Taak {n}",
                           role=rng.choice(["meldpunt", "integriteitscoordinator", "onderzoeker", "jurist"]),
                           slot="x", state=rng.choice(["open", "open", "open", "completed"]),
                           assignee_id=rng.choice([None, None, multi.id, setup["o1"]]),
                           due_at=rng.choice([None, start - timedelta(days=rng.randint(1, 5)),
                                              start + timedelta(days=rng.randint(1, 5))]),
                           priority=rng.randint(0, 2), created_at=start - timedelta(minutes=n)))
        multi_id = multi.id
    clock.advance(timedelta(seconds=1))
    far = clock.now().replace(year=2100)

    def key(w):
        return (w.due_at is None, w.due_at or far, -w.priority, w.created_at, w.id)

    with db.session() as s:
        user = s.get(type(U(s, setup, "desk")), multi_id)
        rows = s.query(WorkItem).filter(WorkItem.state == "open", WorkItem.case_id != case_ids[2]).all()
        roles = user.role_codes
        pool = sorted((w for w in rows if w.assignee_id is None and w.role in roles), key=key)
        late = sorted((w for w in rows if w.due_at is not None and w.due_at < clock.now()
                       and (w.assignee_id == multi_id or (w.assignee_id is None and w.role in roles))), key=key)
        assert len(pool) > 8 and len(late) > 8
        for fn, expected in ((worklist.unassigned_in_my_roles, pool), (worklist.overdue, late)):
            pages = [fn(session=s, user=user, limit=4, offset=o) for o in range(0, len(expected) + 4, 4)]
            assert [w.id for page in pages for w in page] == [w.id for w in expected], fn.__name__


def test_mine_in_case_is_the_cases_part_of_the_own_worklists(db, setup, clock):
    """The completion's answer (mine_in_case, one statement built once per set of roles) lists exactly the case's
    items that my_tasks and unassigned_in_my_roles show the user, in worklist order: team-bound pools, parties
    and a subject's manager excluded as there."""
    import random

    from engine.cases.models import Case, CaseParty
    from engine.worklist.models import WorkItem

    rng = random.Random(11)
    case_ids = [new_case(db, setup) for _ in range(4)]
    start = clock.now()
    with db.session() as s:
        s.get(Case, case_ids[3]).unit = "Belastingdienst"
        boss = make_user(s, "boss", "leidinggevende", "onderzoeker")
        users = [make_user(s, "multi", "meldpunt", "integriteitscoordinator", "onderzoeker"),
                 make_user(s, "lead", "leidinggevende", "meldpunt"),
                 make_user(s, "nounit", "leidinggevende", "onderzoeker", unit=None),
                 boss, make_user(s, "plain", "jurist")]
        sub = make_user(s, "sub", "meldpunt", manager=boss)
        s.add(CaseParty(case_id=case_ids[0], party="melder", user_id=users[0].id))
        s.add(CaseParty(case_id=case_ids[1], party="betrokkene", user_id=sub.id))  # boss manages the subject
        for n in range(120):
            s.add(WorkItem(case_id=case_ids[n % 4], task_id=f"m{n}", element_id=f"e{n}", name=f"Taak {n}",
                           role=rng.choice(["meldpunt", "integriteitscoordinator", "onderzoeker", "jurist",
                                            "leidinggevende"]),
                           slot="x", state=rng.choice(["open", "open", "completed"]),
                           assignee_id=rng.choice([None, None] + [u.id for u in users]),
                           due_at=rng.choice([None, start + timedelta(days=rng.randint(-3, 3))]),
                           priority=rng.randint(0, 2), created_at=start - timedelta(minutes=n)))
        user_ids = [u.id for u in users]
    with db.session() as s:
        from engine.identity.models import User

        shown = 0
        for uid in user_ids:
            user = s.get(User, uid)
            lists = (worklist.my_tasks(session=s, user=user, limit=1000)
                     + worklist.unassigned_in_my_roles(session=s, user=user, limit=1000))
            for case_id in case_ids:
                got = worklist.mine_in_case(session=s, user=user, case_id=case_id)
                want = [i for i in lists if i.case_id == case_id]
                assert sorted(i.id for i in got) == sorted(i.id for i in want), (user.username, case_id)
                key = [(i.due_at is None, i.due_at or start, -i.priority, i.created_at, i.id) for i in got]
                assert key == sorted(key)
                shown += len(got)
        assert shown > 20


def test_the_access_after_a_claim_is_what_the_database_answers(db, setup):
    """Issue 25: claim-and-open derives the access after the claim (``access.claimed_task_access``) instead of
    asking again; it is what ``access.task_access`` answers after the claim, and refused for a task not claimed by
    the user."""
    from engine.identity import access

    case_id = new_case(db, setup)
    with db.session() as s:
        user = U(s, setup, "desk2")
        item_id = worklist.items_of_case(session=s, case_id=case_id)[0].id
        before = access.task_access(session=s, user=user, work_item_id=item_id, claiming=True)
        assert not before.sees_case  # the pool: no sight of the case yet
        with pytest.raises(ValueError):
            access.claimed_task_access(before, user=user)
        worklist.claim(session=s, work_item_id=item_id, user=user)
        derived = access.claimed_task_access(before, user=user)
        asked = access.task_access(session=s, user=user, work_item_id=item_id)
        assert (derived.item, derived.case, derived.sees_case, derived.excluded) == \
            (asked.item, asked.case, asked.sees_case, asked.excluded)
        assert derived.sees_case
        assert access.may_see_reporter_identity(session=s, user=user, case_id=case_id, seen=derived) == \
            access.may_see_reporter_identity(session=s, user=user, case_id=case_id)
