"""The audit trail's record of a draw (``task.auto_assigned``) to who may not know who reported.

The draw skips the parties of the case. Its list of candidates, read by the auditor (no need to know who reported),
would show every holder of the role but one: a colleague who reported is the name that is missing, so a guess
("did Onderzoeker2 report this?") is confirmed by reading one event. Their number would do the same for a role of
two holders (one drawn, one missing). Who may not see the reporter's identity reads that the candidates are withheld;
the event's hash is withheld too, since the few holders of a role would let anyone try every list until one
matches."""
from __future__ import annotations

import pytest

from engine.audit import trail
from engine.identity.models import User
from tests.factories import deployed_review_team, review_to_investigation

pytestmark = pytest.mark.db


@pytest.fixture
def team(db, clock):
    return deployed_review_team(db, auditor=("auditor1", "auditor"))




def _draws(s, user, case_id):
    return [e for e in trail.case_trail(session=s, user=user, case_id=case_id) if e.action == "task.auto_assigned"]


def test_the_auditor_cannot_read_who_was_left_out_of_a_draw(db, clock, team):
    reported = review_to_investigation(db, team, parties={"melder": [team["o2"]]})
    plain = review_to_investigation(db, team)
    with db.session() as s:
        auditor = s.get(User, team["auditor"])
        for case_id in (reported, plain):  # the same shape whether or not a colleague reported
            draws = _draws(s, auditor, case_id)
            assert draws, "the review process draws its investigator"
            for e in draws:
                assert e.details["kandidaten"] == "achtergehouden", e.details  # neither who nor how many
                assert e.hash is None
            assert "onderzoeker" not in str([{k: v for k, v in e.details.items() if k != "gekozen"} for e in draws])
        # the coordinator, who may know who reported, reads the trail's event as written
        from engine.audit import service as audit

        written = [e for e in audit.case_events(session=s, case_id=reported) if e.action == "task.auto_assigned"]
        assert any(set(e.details["kandidaten"]) == {"onderzoeker1", "onderzoeker3"} for e in written)
