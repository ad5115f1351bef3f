"""Need to know: case visibility and reporter-identity visibility rules."""
from __future__ import annotations

import pytest

from engine import access
from engine.cases import service as cases
from engine.errors import NotFound
from engine.identity.models import User
from engine.processes import service as processes
from engine.worklist import service as worklist
from tests.factories import REVIEW, make_user

pytestmark = pytest.mark.db


@pytest.fixture
def org(db, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=REVIEW)
        u = {
            "desk": make_user(s, "desk", "meldpunt"),
            "desk_other": make_user(s, "desk2", "meldpunt"),
            "coord_all": make_user(s, "coord", "integriteitscoordinator", unit=None),
            "coord_douane": make_user(s, "coord_d", "integriteitscoordinator", unit="Douane"),
            "coord_fiod": make_user(s, "coord_f", "integriteitscoordinator", unit="FIOD"),
            "o1": make_user(s, "o1", "onderzoeker"),
            "stranger": make_user(s, "vreemde", "hr_adviseur"),
        }
        u["subject"] = make_user(s, "betrokkene", "meldpunt")
        case = cases.start_case(session=s, actor=u["desk"], data={"dienstonderdeel": "Douane"},
                                parties={"betrokkene": [u["subject"].id]})
        return case.id, {k: v.id for k, v in u.items()}


def sees(db, ids, who, case_id) -> bool:
    with db.session() as s:
        return access.can_see_case(s, user=s.get(User, ids[who]), case_id=case_id)


def test_visibility_by_task_role_and_oversight(db, org):
    case_id, ids = org
    assert sees(db, ids, "desk", case_id)             # can pick up the open registration task
    assert sees(db, ids, "desk_other", case_id)
    assert sees(db, ids, "coord_all", case_id)        # oversight over every unit
    assert sees(db, ids, "coord_douane", case_id)     # oversight over the case's unit
    assert not sees(db, ids, "coord_fiod", case_id)   # another unit
    assert not sees(db, ids, "o1", case_id)           # no task of theirs
    assert not sees(db, ids, "stranger", case_id)
    assert not sees(db, ids, "subject", case_id)      # party: excluded although they hold the role
    with db.session() as s, pytest.raises(NotFound):
        access.visible_case(s, user=s.get(User, ids["stranger"]), case_id=case_id)


def test_having_done_a_task_keeps_the_case_visible(db, org):
    case_id, ids = org
    with db.session() as s:
        item = worklist.for_case(session=s, case_id=case_id)[0]
        cases.complete_task(session=s, work_item_id=item.id, user=s.get(User, ids["desk"]), data={"ernstig": True})
    assert sees(db, ids, "desk", case_id)            # held a task
    assert not sees(db, ids, "desk_other", case_id)  # no open task in their role any more
    with db.session() as s:
        visible = s.execute(access_query(s.get(User, ids["desk"]))).scalars().all()
        assert visible == [case_id]


def access_query(user):
    from sqlalchemy import select

    from engine.cases.models import Case

    return select(Case.id).where(access.visible_filter(user))


def test_reporter_identity_only_for_desk_and_coordinator(db, org):
    case_id, ids = org
    with db.session() as s:
        def may(who):
            return access.may_see_reporter_identity(s, user=s.get(User, ids[who]), case_id=case_id)

        assert may("desk") and may("coord_all")
        assert not may("o1") and not may("stranger") and not may("subject") and not may("coord_fiod")
