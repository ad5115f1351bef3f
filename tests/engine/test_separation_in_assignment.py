"""Nobody is given a task its step would refuse under the separation of duties (DOMAIN §2).

The step refuses ``functiescheiding`` (tests/engine/test_separation_at_run_time.py). The automatic draw, the
coordinator's assignment (API and web page), the claim from the pool and the worklist apply the same rule
(``engine.cases.duties.separation_refusal``): otherwise the case would wait on someone who cannot do the work until
a coordinator noticed, with legal terms running.

The shipped set: the desk's tasks have no exclusive slot, so the slots let whoever registered the report as
Meldpunt and also holds Bevoegd gezag decide on its investigation; the rule does not.
"""
from __future__ import annotations

import re

from sqlalchemy import delete, select

from engine.audit.models import AuditEvent
from engine.cases import duties
from engine.cases.models import Case
from engine.identity import service as identity
from engine.identity.models import UserRole
from engine.processes import service as processes
from engine.worklist.models import WorkItem
from features.steps.afdoening import _do, by
from features.steps.common import World, _complete, step_demo, wereld  # noqa: F401
from tests.engine.test_separation_at_run_time import DECIDER, _person, _reported

DECIDING = "Beslissen over onderzoeksopdracht"
PASSWORD = "Functiescheiding-2026!"


def _registered_by_a_decider(w: World) -> dict:
    """'mila2' (Meldpunt and Bevoegd gezag) registered the report; the assessment chose an investigation, so the
    competent authority's decision is drawn. Returns that task."""
    step_demo(w)
    _person(w, "mila2", "meldpunt", "bevoegd_gezag")
    _reported(w)
    by(w, "mila2", "melding_registreren")
    _do(w, "meldpunt", "ontvangst_bevestigen")
    _do(w, "meldpunt", "terugkoppeling_melder")
    _do(w, "coordinator", "ernst_en_strafbaarheid")
    by(w, "coordinator", "Melding beoordelen en route kiezen", {
        "route": "feitenonderzoek", "onderzoek_soort": "intern", "beoordeling_motivering": "Ernstige verdenking."})
    return next(t for t in w.open_tasks(True) if t["naam"] == DECIDING)


def _assignments(w: World, item_id: int) -> list[dict]:
    with w.db.session() as s:
        task_id = s.get(WorkItem, item_id).task_id
        return [e.details for e in s.scalars(select(AuditEvent).where(AuditEvent.task_id == task_id,
                                                                       AuditEvent.action.like("task.%assigned"))
                                             .order_by(AuditEvent.id))]


def _refused(r, *words: str) -> str:
    assert r.status_code == 403, r.text
    body = r.json()
    assert body["reden"] == "functiescheiding", body
    for word in words:
        assert word in body["detail"], body["detail"]
    assert "Mila" not in body["detail"] and "mila2" not in body["detail"], body["detail"]
    return body["detail"]


def test_the_draw_never_picks_whom_the_step_would_refuse(wereld):
    task = _registered_by_a_decider(wereld)
    # the step's own draw: the decider who registered was no candidate; the only other holder of the role got it
    assert task["bij"] == "directeur"
    drawn = _assignments(wereld, task["id"])
    assert drawn[0]["kandidaten"] == ["directeur"], drawn
    _person(wereld, "dora", "bevoegd_gezag")  # a second holder the rule allows: the draw stays a draw
    with wereld.db.session() as s:
        item = s.get(WorkItem, task["id"])
        parsed = processes.parsed_version(session=s, version_id=s.get(Case, item.case_id).process_version_id)
        chosen = set()
        for weighted in (False, True):
            for _ in range(200):
                who, eligible, info = duties.draw_assignee(
                    s, case_id=item.case_id, role=item.role, slot=item.slot, manifest=parsed.manifest,
                    weighted=weighted, task=item, parsed=parsed)
                assert who is not None and who.username != "mila2", info
                assert sorted(u.username for u in eligible) == ["directeur", "dora"], info
                chosen.add(who.username)
        assert chosen == {"directeur", "dora"}  # 400 draws between two: both drawn (chance of not: 2**-399)
        assert sorted(u.username for u in duties.eligible_users(
            s, case_id=item.case_id, role=item.role, slot=item.slot, manifest=parsed.manifest, task=item,
            parsed=parsed)) == ["directeur", "dora"]
        # the slots alone would have allowed her: only the separation of duties keeps her out
        assert "mila2" in {u.username for u in duties.eligible_users(
            s, case_id=item.case_id, role=item.role, slot=item.slot, manifest=parsed.manifest)}


def test_nobody_left_to_draw_puts_the_task_in_the_pool(wereld):
    """Without another holder of the role: the task waits unassigned (the existing 'no one available'), no error."""
    step_demo(wereld)
    with wereld.db.session() as s:  # the demo's competent authority loses the role: the decider who registered remains
        s.execute(delete(UserRole).where(UserRole.user_id == wereld.users["directeur"]))
    _person(wereld, "mila2", "meldpunt", "bevoegd_gezag")
    _reported(wereld)
    by(wereld, "mila2", "melding_registreren")
    _do(wereld, "meldpunt", "ontvangst_bevestigen")
    _do(wereld, "meldpunt", "terugkoppeling_melder")
    _do(wereld, "coordinator", "ernst_en_strafbaarheid")
    r = _complete(wereld, "coordinator", "Melding beoordelen en route kiezen", {
        "route": "feitenonderzoek", "onderzoek_soort": "intern", "beoordeling_motivering": "Ernstige verdenking."})
    assert r.status_code == 200, r.text
    task = next(t for t in wereld.open_tasks(True) if t["naam"] == DECIDING)
    assert task["bij"] is None
    drawn = _assignments(wereld, task["id"])
    assert drawn[0]["kandidaten"] == [] and drawn[0]["gekozen"] is None, drawn
    assert drawn[0]["methode"] == "geen geschikte medewerker", drawn


def test_the_coordinator_cannot_assign_the_task_to_whom_the_step_would_refuse(wereld):
    task = _registered_by_a_decider(wereld)
    before = _assignments(wereld, task["id"])
    r = wereld.client.post(f"/api/v1/taken/{task['id']}/toewijzen", headers=wereld.h("coordinator"),
                           json={"medewerker_id": wereld.users["mila2"], "reden": "Werkverdeling"})
    _refused(r, DECIDER, "de gekozen medewerker deed in deze zaak eerder de taak 'Melding registreren' in de rol "
                         "'Meldpunt'", f"de taak '{DECIDING}' (besluit over de betrokkene) als 'Bevoegd gezag' niet "
                         "krijgen", "er is niets gewijzigd")
    assert next(t for t in wereld.open_tasks(True) if t["id"] == task["id"])["bij"] == "directeur"
    assert _assignments(wereld, task["id"]) == before


def test_the_web_page_refuses_the_assignment_in_dutch_too(wereld):
    task = _registered_by_a_decider(wereld)
    with wereld.db.session() as s:
        identity.set_password(session=s, user_id=wereld.users["coordinator"], password=PASSWORD)
    client = wereld.client
    r = client.post("/api/v1/auth/inloggen", json={"username": "coordinator", "password": PASSWORD})
    assert r.status_code == 200, r.text
    csrf = next(v for k, v in client.cookies.items() if "csrf" in k)
    r = client.post(f"/taken/{task['id']}/toewijzen", headers={"Authorization": ""},
                    data={"csrf_token": csrf, "medewerker": "mila2", "reden": "Werkverdeling", "terug": "/werkvoorraad"},
                    follow_redirects=False)
    assert r.status_code == 403, r.text[:500]
    text = re.sub(r"\s+", " ", r.text.replace("&#39;", "'").replace("&#x27;", "'"))
    assert "Functiescheiding: wie besluit, treedt in de zaak in geen andere rol op" in text, text[:3000]
    assert f"de taak '{DECIDING}' (besluit over de betrokkene) als 'Bevoegd gezag' niet krijgen" in text
    assert next(t for t in wereld.open_tasks(True) if t["id"] == task["id"])["bij"] == "directeur"


def test_the_pool_neither_offers_nor_lets_claim_the_task(wereld):
    task = _registered_by_a_decider(wereld)
    r = wereld.client.post(f"/api/v1/taken/{task['id']}/vrijgeven", headers=wereld.h("coordinator"))
    assert r.status_code == 200, r.text
    pool = wereld.client.get("/api/v1/taken/onverdeeld", headers=wereld.h("mila2"))
    assert pool.status_code == 200 and task["id"] not in [t["id"] for t in pool.json()], pool.text
    other = wereld.client.get("/api/v1/taken/onverdeeld", headers=wereld.h("directeur"))
    assert task["id"] in [t["id"] for t in other.json()], other.text  # still offered to whom it may go
    r = wereld.client.post(f"/api/v1/taken/{task['id']}/claimen", headers=wereld.h("mila2"))
    _refused(r, DECIDER, "u deed in deze zaak eerder de taak 'Melding registreren' in de rol 'Meldpunt'",
             "niet oppakken")
    r = wereld.client.post(f"/api/v1/taken/{task['id']}/claimen-en-openen", headers=wereld.h("mila2"))
    assert r.status_code == 403 and r.json()["reden"] == "functiescheiding", r.text
    assert next(t for t in wereld.open_tasks(True) if t["id"] == task["id"])["bij"] is None
    by(wereld, "directeur", DECIDING)


def test_a_decider_does_no_task_in_another_role_afterwards(wereld):
    """The competent authority acts in no other role on the case: after deciding, a task of the desk is refused to
    them at once (claim, assignment, step), not only at their next decision."""
    step_demo(wereld)
    _person(wereld, "dora2", "meldpunt", "bevoegd_gezag")
    _reported(wereld)
    _do(wereld, "meldpunt", "melding_registreren")
    _do(wereld, "meldpunt", "ontvangst_bevestigen")
    _do(wereld, "coordinator", "ernst_en_strafbaarheid")
    by(wereld, "coordinator", "Melding beoordelen en route kiezen", {
        "route": "feitenonderzoek", "onderzoek_soort": "intern", "beoordeling_motivering": "Ernstige verdenking."})
    by(wereld, "dora2", DECIDING)
    desk_task = next(t for t in wereld.open_tasks(True) if t["element_id"] == "terugkoppeling_melder")
    if desk_task["bij"] is not None:
        r = wereld.client.post(f"/api/v1/taken/{desk_task['id']}/vrijgeven", headers=wereld.h("coordinator"))
        assert r.status_code == 200, r.text
    pool = wereld.client.get("/api/v1/taken/onverdeeld", headers=wereld.h("dora2"))
    assert desk_task["id"] not in [t["id"] for t in pool.json()], pool.text
    r = wereld.client.post(f"/api/v1/taken/{desk_task['id']}/claimen", headers=wereld.h("dora2"))
    _refused(r, DECIDER, f"u deed in deze zaak eerder de taak '{DECIDING}' (besluit over de betrokkene) in de rol "
                         "'Bevoegd gezag'", "de taak 'Terugkoppeling aan melder' als 'Meldpunt' niet oppakken")
    r = wereld.client.post(f"/api/v1/taken/{desk_task['id']}/toewijzen", headers=wereld.h("coordinator"),
                           json={"medewerker_id": wereld.users["dora2"], "reden": "Werkverdeling"})
    _refused(r, DECIDER, "niet krijgen")
    # a task on their list from before (stored): the step refuses it, nothing saved
    with wereld.db.session() as s:
        s.get(WorkItem, desk_task["id"]).assignee_id = wereld.users["dora2"]
    r = _complete(wereld, "dora2", "terugkoppeling_melder", {})
    assert r.status_code == 422 and r.json()["reden"] == "functiescheiding", r.text
    assert DECIDER in r.json()["detail"] and "er is niets opgeslagen" in r.json()["detail"]
    assert desk_task["id"] in [t["id"] for t in wereld.open_tasks()]
