"""Need to know: case visibility, exclusions, and who sees the reporter's identity."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.cases.models import Case, CaseActor, CaseParty
from engine.errors import NotFound
from engine.identity import access
from engine.identity import service as identity
from engine.worklist.models import WorkItem

pytestmark = pytest.mark.db


@pytest.fixture
def world(db, clock):
    """Two cases in two units and a cast of users."""
    with db.session() as s:
        def user(name, roles, unit=None, manager=None):
            return identity.create_user(session=s, username=name, display_name=name.title(), roles=roles, unit=unit,
                                        manager_id=manager.id if manager else None)

        u = {}
        u["coord_douane"] = user("coord_douane", ["integriteitscoordinator"], "Douane")
        u["coord_all"] = user("coord_all", ["integriteitscoordinator"])
        u["bvi"] = user("bvi", ["bureau_vi"])
        u["desk"] = user("desk", ["meldpunt"], "Douane")
        u["desk_other"] = user("desk_other", ["meldpunt"], "Douane")
        u["onderzoeker"] = user("onderzoeker", ["onderzoeker"], "Douane")
        u["jurist"] = user("jurist", ["jurist"])
        u["bg"] = user("bg", ["bevoegd_gezag"])
        u["auditor"] = user("auditor", ["auditor"])
        u["chef"] = user("chef", ["onderzoeker", "integriteitscoordinator"], "Douane")
        u["subject"] = user("subject", ["onderzoeker"], "Douane", manager=u["chef"])
        u["reporter"] = user("reporter", ["integriteitscoordinator"], "Douane")

        c1 = Case(reference="2026-0001", unit="Douane", state=None)
        c2 = Case(reference="2026-0002", unit="Toeslagen", state=None)
        s.add_all([c1, c2])
        s.flush()
        s.add_all([
            WorkItem(case_id=c1.id, task_id="t1", element_id="registreren", name="Registreren", role="meldpunt",
                     slot="meldpunt", state="completed", completed_by_id=u["desk"].id),
            WorkItem(case_id=c1.id, task_id="t2", element_id="onderzoeken", name="Onderzoeken", role="onderzoeker",
                     slot="onderzoeker_1", state="open", assignee_id=u["onderzoeker"].id),
            WorkItem(case_id=c1.id, task_id="t3", element_id="advies", name="Advies", role="jurist",
                     slot="jurist", state="open", assignee_id=None),  # pool task
            # the slot's next decision waits in the pool; bg is bound to the slot (decided earlier in the case)
            WorkItem(case_id=c1.id, task_id="t4", element_id="besluiten", name="Besluiten", role="bevoegd_gezag",
                     slot="bevoegd_gezag", state="open", assignee_id=None),
            CaseActor(case_id=c1.id, slot="bevoegd_gezag", user_id=u["bg"].id),
            CaseParty(case_id=c1.id, party="melder", user_id=u["reporter"].id),
            CaseParty(case_id=c1.id, party="betrokkene", user_id=u["subject"].id),
        ])
        ids = {k: v.id for k, v in u.items()}
        return ids, c1.id, c2.id


def _visible(db, user_id):
    with db.session() as s:
        user = identity.get_user(session=s, user_id=user_id)
        return set(s.scalars(select(Case.reference).where(access.visible_cases_condition(user))))


def test_visibility_matrix(db, world):
    ids, c1, c2 = world
    expected = {
        "coord_douane": {"2026-0001"},               # oversight of own unit
        "coord_all": {"2026-0001", "2026-0002"},     # organisation-wide oversight
        "bvi": {"2026-0001", "2026-0002"},
        "desk": {"2026-0001"},                       # held (completed) a task
        "desk_other": set(),                          # same role and unit, no task
        "onderzoeker": {"2026-0001"},                # holds a task
        "jurist": set(),                              # only an unclaimed pool task
        "bg": {"2026-0001"},                         # bound to a slot
        "auditor": set(),
        "chef": set(),                                # coordinator of the unit but the subject's manager
        "subject": set(),                             # the subject, although onderzoeker in Douane
        "reporter": set(),                            # the reporter, although coordinator in Douane
    }
    for name, refs in expected.items():
        assert _visible(db, ids[name]) == refs, name


def test_not_visible_is_not_found(db, world):
    ids, c1, c2 = world
    with db.session() as s:
        desk = identity.get_user(session=s, user_id=ids["desk"])
        assert access.require_visible_case(session=s, user=desk, case_id=c1).reference == "2026-0001"
        for case_id in (c2, 999999):  # invisible and non-existent: the same answer
            with pytest.raises(NotFound) as exc:
                access.require_visible_case(session=s, user=desk, case_id=case_id)
            assert exc.value.status == 404 and exc.value.detail == "Zaak niet gevonden."


def test_exclusion_follows_manager_changes(db, world):
    ids, c1, _ = world
    with db.session() as s:
        assert access.is_excluded(session=s, user=identity.get_user(session=s, user_id=ids["chef"]), case_id=c1)
        identity.get_user(session=s, user_id=ids["subject"]).manager_id = ids["coord_douane"]
    assert _visible(db, ids["chef"]) == {"2026-0001"}
    assert _visible(db, ids["coord_douane"]) == set()


def test_involvement_counts_only_while_the_role_of_the_work_is_held(db, world):
    """A task held or completed, or a slot bound, in a role the user no longer holds gives no sight of the case;
    another role does not stand in for it. Roles are read live from ``user_roles``."""
    ids, c1, _ = world
    from engine.identity.models import UserRole

    with db.session() as s:
        for name, other in (("desk", "vertrouwenspersoon"), ("onderzoeker", None), ("bg", "jurist")):
            user = identity.get_user(session=s, user_id=ids[name])
            user.roles = [UserRole(role=other)] if other else []
    for name in ("desk", "onderzoeker", "bg"):
        assert _visible(db, ids[name]) == set(), name
        with db.session() as s:
            user = identity.get_user(session=s, user_id=ids[name])
            assert not access.can_see_case(session=s, user=user, case_id=c1), name
    with db.session() as s:  # the role given back: the work counts again
        identity.get_user(session=s, user_id=ids["bg"]).roles = [UserRole(role="bevoegd_gezag")]
    assert _visible(db, ids["bg"]) == {"2026-0001"}


def test_a_slot_counts_only_with_the_role_of_the_cases_work_in_it(db, world):
    """The slot's role is the role of the case's work in that slot (as the process declares it): holding a role of
    the same name as another slot does not make a binding count."""
    ids, c1, _ = world
    with db.session() as s:
        s.add(CaseActor(case_id=c1, slot="onderzoeker_1", user_id=ids["jurist"]))  # the slot of an onderzoeker task
    assert _visible(db, ids["jurist"]) == set()


def test_disabled_user_sees_nothing(db, world):
    ids, *_ = world
    with db.session() as s:
        identity.disable_user(session=s, user_id=ids["coord_all"])
    assert _visible(db, ids["coord_all"]) == set()


def test_reporter_identity_only_for_desk_and_coordinator(db, world):
    ids, c1, c2 = world
    with db.session() as s:
        def may(name, case_id=c1):
            return access.may_see_reporter_identity(session=s, user=identity.get_user(session=s, user_id=ids[name]),
                                                    case_id=case_id)
        assert may("desk") and may("coord_douane") and may("coord_all")
        for name in ("onderzoeker", "bg", "bvi", "jurist", "auditor", "desk_other", "chef", "reporter", "subject"):
            assert not may(name), name
        assert not may("coord_douane", c2)


def test_excluded_among_is_is_excluded_for_many_users_at_once(db):
    """The notification pool asks for all holders of a role at once: the same answer as one by one."""
    from engine.cases import service as cases
    from engine.processes import service as processes
    from tests.factories import REVIEW, make_user

    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        chef = make_user(s, "chef_x", "meldpunt")
        subject = make_user(s, "subject_x", "onderzoeker", manager=chef)
        reporter, bystander = make_user(s, "melder_x", "meldpunt"), make_user(s, "omstander_x", "meldpunt")
        other_chef = make_user(s, "chef_y", "meldpunt")
        make_user(s, "subject_y", "onderzoeker", manager=other_chef)
        case = cases.start_case(session=s, actor=bystander, data={},
                                parties={"melder": [reporter.id], "betrokkene": [subject.id]})
        users = [chef, subject, reporter, bystander, other_chef]
        expected = {u.id for u in users if access.is_excluded(session=s, user=u, case_id=case.id)}
        assert expected == {chef.id, subject.id, reporter.id}
        assert access.excluded_among(session=s, user_ids=[u.id for u in users], case_id=case.id) == expected
        assert access.excluded_among(session=s, user_ids=[], case_id=case.id) == set()


def _case_of(db, door, user_id, task_id):
    """The reference of the case a door gives ``user_id`` for the work item ``task_id`` of the world, or None."""
    with db.session() as s:
        user = identity.get_user(session=s, user_id=user_id)
        item = s.scalar(select(WorkItem).where(WorkItem.task_id == task_id))
        try:
            if door in ("work_on", "work_on_by_id"):
                return access.task_to_work_on(session=s, user=user, work_item_id=item.id)[1].reference
            if door == "open":  # the task page and GET /taken/{id}: the one decision, work or read
                seen = access.task_access(session=s, user=user, work_item_id=item.id)
                assert seen.item.id == item.id
                assert seen.works == access.may_work_on_task(session=s, user=user, item=item)
                return seen.decision if item.state == "open" else f"afgerond:{seen.decision}"
            return access.case_of_task_done_by(session=s, user=user, work_item_id=item.id).reference
        except NotFound:
            return None


def test_the_case_of_a_task_goes_to_who_may_work_on_it_not_to_who_only_sees_the_case(db, world):
    """``task_to_work_on``: the task pages read a task's case to work on only through it (issue 16)."""
    ids, _, _ = world
    assert _case_of(db, "work_on", ids["onderzoeker"], "t2") == "2026-0001"  # assigned, holds the role
    assert _case_of(db, "work_on", ids["jurist"], "t3") == "2026-0001"  # the pool of their role
    assert _case_of(db, "work_on", ids["coord_all"], "t2") is None  # sees the case, but the task is someone else's
    assert _case_of(db, "work_on", ids["subject"], "t3") is None  # not their role's pool
    assert _case_of(db, "work_on", ids["desk"], "t1") is None  # completed: nothing to work on
    with db.session() as s:  # a party of the case never works on it, not even in the pool of their role
        s.add(CaseParty(case_id=world[1], party="betrokkene", user_id=ids["jurist"]))
    assert _case_of(db, "work_on", ids["jurist"], "t3") is None


def test_the_task_page_addressed_by_id_has_one_door_in_the_engine(db, world):
    """``task_access`` (its ``decision``) / ``task_to_work_on``: the web's task page and the API's task read their
    work item only through them (the pages never query ``WorkItem`` themselves,
    ``tests/api/test_access_in_engine.py``). Work: an open task assigned to them or in their role's pool; read: any
    other task of a case they may see (a colleague's open task too, read only); a completed task is read only."""
    ids, _, _ = world
    assert _case_of(db, "work_on_by_id", ids["onderzoeker"], "t2") == "2026-0001"  # assigned, holds the role
    assert _case_of(db, "work_on_by_id", ids["jurist"], "t3") == "2026-0001"  # the pool of their role
    assert _case_of(db, "work_on_by_id", ids["coord_all"], "t2") is None  # sees the case, the task is someone else's
    assert _case_of(db, "work_on_by_id", ids["subject"], "t3") is None  # not their role's pool
    assert _case_of(db, "open", ids["onderzoeker"], "t2") == "work"
    assert _case_of(db, "open", ids["jurist"], "t3") == "work"
    assert _case_of(db, "open", ids["coord_all"], "t2") == "read"  # a colleague's open task, read only
    assert _case_of(db, "open", ids["subject"], "t3") is None
    assert _case_of(db, "work_on_by_id", ids["desk"], "t1") is None  # completed: nothing to work on
    assert _case_of(db, "open", ids["desk"], "t1") == "afgerond:read"  # completed, the case visible: read only
    assert _case_of(db, "open", ids["coord_all"], "t1") == "afgerond:read"
    assert _case_of(db, "open", ids["jurist"], "t1") is None  # completed in a case they may not see
    with db.session() as s:
        user = identity.get_user(session=s, user_id=ids["desk"])
        for door in (access.task_access, access.task_to_work_on):
            with pytest.raises(NotFound):  # no such task: the same answer as one not allowed
                door(session=s, user=user, work_item_id=10**6)
        t1 = s.scalar(select(WorkItem.id).where(WorkItem.task_id == "t1"))
        assert access.done_by(session=s, user=user, work_item_id=t1)
        assert not access.done_by(session=s, user=identity.get_user(session=s, user_id=ids["coord_all"]),
                                  work_item_id=t1)
        assert not access.done_by(session=s, user=user, work_item_id=10**6)


def test_the_case_of_a_completed_task_goes_only_to_who_completed_it(db, world):
    """``case_of_task_done_by``: the page after a step shows its case's reference and next tasks to who did it."""
    ids, _, _ = world
    assert _case_of(db, "done_by", ids["desk"], "t1") == "2026-0001"
    assert _case_of(db, "done_by", ids["coord_all"], "t1") is None  # sees the case, did not complete the task
    assert _case_of(db, "done_by", ids["onderzoeker"], "t2") is None  # their own task, not completed
