"""A runaway script answers a Dutch problem (not a bare 500) and the case stays as it was."""
from __future__ import annotations

from engine.cases import service as cases
from engine.cases.models import Case
from engine.identity import service as identity
from engine.processes import service as processes
from engine.worklist import service as worklist
from tests.engine.test_script_bounds import BOUNDS


def test_completing_a_task_whose_next_script_runs_away_answers_a_dutch_problem(db, clock, client):
    with db.session() as s:
        processes.deploy(session=s, directory=BOUNDS)
        desk = identity.create_user(session=s, username="desk", display_name="Desk", roles=["meldpunt"], unit="Douane")
        case = cases.start_case(session=s, actor=desk, data={"dienstonderdeel": "Douane"})
        case_id, state = case.id, case.state
        item_id = worklist.items_of_case(session=s, case_id=case_id)[0].id
        token = identity.issue_token(session=s, user=desk, name="test")[0]
    r = client.post(f"/api/v1/taken/{item_id}/afronden", headers={"Authorization": f"Bearer {token}"},
                    json={"gegevens": {"soort": "macht"}})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"].endswith("/script-limit")
    assert body["title"] == "Script in het procesmodel afgebroken"
    assert body["detail"].startswith("Script in 'Grote macht' maakte een te grote waarde (**: meer dan")
    with db.session() as s:
        assert s.get(Case, case_id).state == state
        assert worklist.items_of_case(session=s, case_id=case_id)[0].state == "open"
