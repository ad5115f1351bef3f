"""Issue 24, layer 1: the risk inventory is a second process in the same deployment as the integrity process.

Real engine, real BPMN from processes/, real database; time moves only on the engine clock."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.cases import search
from engine.cases import service as cases
from engine.cases.models import Case
from engine.errors import InvalidData
from engine.identity import access
from engine.processes import service as processes
from engine.register import service as register
from engine.timers import service as timers
from engine.timers.models import Timer
from engine.worklist import service as worklist
from tests.factories import make_user
from tests.process.driver import PROCESSES

INVENTORY = "risicoinventarisatie"


def open_tasks(db, case_id):
    with db.session() as s:
        return sorted((i.name, i.role) for i in worklist.items_of_case(session=s, case_id=case_id))


def complete(db, case_id, role_user, name, data):
    with db.session() as s:
        item = next(i for i in worklist.items_of_case(session=s, case_id=case_id) if i.name == name)
        user = s.merge(role_user)
        cases.complete_task(session=s, work_item_id=item.id, user=user, data=data)


FUNCTIONS = [{"functie": "Douanier controle", "classificatie": "meest_risicovol",
              "risicotypen": ["Omkoping en belangenverstrengeling"], "maatregelen": "Vier-ogenprincipe",
              "bruto_risico": 5, "netto_risico": 4, "aanvaardbaar": False, "eigenaar": "Teamleider controle",
              "herziening_op": "2027-11-01"}]


@pytest.fixture
def staff(db):
    with db.session() as s:
        users = {"desk": make_user(s, "desk", "meldpunt"),
                 "coord": make_user(s, "coord", "integriteitscoordinator", unit=None),
                 "lg": make_user(s, "teamleider", "leidinggevende", unit="Douane Rotterdam"),
                 "adv": make_user(s, "adviseur", "beveiligingsadviseur", unit="Douane Rotterdam"),
                 "mt": make_user(s, "mtlid", "managementteam", unit="Douane Rotterdam"),
                 "other": make_user(s, "collega", "meldpunt", unit="Douane Schiphol")}
        s.expunge_all()
    return users


def test_one_deployment_holds_both_processes_and_each_instance_runs_its_own(db, staff):
    with db.session() as s:
        version = processes.deploy(session=s, directory=PROCESSES)
        parsed = processes.parsed_version(session=s, version_id=version.id)
        assert parsed.spec.name == "integriteitsmelding"
        assert set(parsed.other_specs) == {INVENTORY, "autorisatieherziening", "beheersmaatregelen_monitoring"}
        assert parsed.manifest.processes[INVENTORY].yearly_on == (1, 15)
        assert parsed.manifest.processes["autorisatieherziening"].function_change
        assert "risicoinventarisatie.bpmn" in {f.path for f in version.files}
        desk = s.merge(staff["desk"])
        case = cases.start_case(session=s, actor=desk, data={})
        inventory = register.start_on_request(session=s, actor=desk, process=INVENTORY, team="Douane Rotterdam",
                                              reason="reorganisatie")
        assert (case.process_version_id, inventory.process_version_id) == (version.id, version.id)
        assert case.process_kind is None and inventory.process_kind == INVENTORY
        assert inventory.reference.startswith("RI-2026-") and case.reference.startswith("MP-2026-")
        ids = (case.id, inventory.id)
    assert open_tasks(db, ids[1]) == [("Vragenlijst risicovolle functies invullen", "leidinggevende")]
    assert all(role != "leidinggevende" for _, role in open_tasks(db, ids[0]))


def test_yearly_inventories_start_per_team_on_the_configured_date_and_once(db, staff, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
        first = register.start_due(session=s)  # 2 November 2026: this year's date (15 January) has passed
    assert sorted(x.team for x in first) == ["Douane", "Douane Rotterdam", "Douane Schiphol"]
    with db.session() as s:
        assert register.start_due(session=s) == []  # once per team and year
    clock.set(datetime(2027, 1, 14, 22, 59, tzinfo=timezone.utc))  # 14 January, 23:59 in Amsterdam
    with db.session() as s:
        assert register.start_due(session=s) == []
    clock.set(datetime(2027, 1, 14, 23, 0, tzinfo=timezone.utc))  # 15 January, 00:00 in Amsterdam
    with db.session() as s:
        second = register.start_due(session=s)
        assert sorted(x.team for x in second) == ["Douane", "Douane Rotterdam", "Douane Schiphol"]
        labels = sorted(s.scalars(select(Case.category).where(Case.process_kind == INVENTORY)))
    assert labels == ["Periodieke inventarisatie 2026"] * 3 + ["Periodieke inventarisatie 2027"] * 3


def test_the_timer_worker_starts_the_due_inventories(db, staff):
    from engine.timers import worker

    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
    worker.run(database=db, once=True)
    with db.session() as s:
        assert len(s.scalars(select(Case.id).where(Case.process_kind == INVENTORY)).all()) == 3


FUNCTIONS_TWO = FUNCTIONS + [{"functie": "Teamleider", "classificatie": "kritiek",
                               "risicotypen": ["Uitval van een essentieel proces"], "maatregelen": "Vervanger",
                               "bruto_risico": 4, "netto_risico": 3, "aanvaardbaar": False, "eigenaar": "MT",
                               "herziening_op": "2027-11-01"}]
ACTIONS = [{"functie": "Douanier controle", "actie": "Functieroulatie invoeren", "uiterlijk": "2026-12-01"},
           {"functie": "Teamleider", "actie": "Vervanger opleiden", "uiterlijk": "2027-01-15"},
           {"functie": "Douanier controle", "actie": "Autorisaties opschonen", "uiterlijk": "2027-01-15"}]
DECISION = "Besluiten over onaanvaardbare risico's"
ACTION_TASK = "Vervolgactie uitvoeren"
ESCALATION = "Escalatie: vervolgactie te laat"


def to_mt(db, staff, functions=FUNCTIONS_TWO) -> int:
    with db.session() as s:
        rid = register.start_on_request(session=s, actor=s.merge(staff["coord"]), process=INVENTORY,
                                        team="Douane Rotterdam", reason="incident").id
    complete(db, rid, staff["lg"], "Vragenlijst risicovolle functies invullen", {"functies": functions})
    complete(db, rid, staff["adv"], "Inventarisatie beoordelen",
             {"oordeel_adviseur": "compleet", "onaanvaardbare_risicos": True})
    return rid


def action_items(db, case_id):
    """(name, role, action number, function, action, due date in UTC) of every open task of the inventory."""
    with db.session() as s:
        return sorted((i.name, i.role, (i.view or {}).get("actie_nummer"), (i.view or {}).get("actie_functie"),
                       (i.view or {}).get("vervolgactie"), i.due_at.astimezone(timezone.utc) if i.due_at else None)
                      for i in worklist.items_of_case(session=s, case_id=case_id))


def complete_action(db, case_id, user, name, number, data):
    with db.session() as s:
        item = next(i for i in worklist.items_of_case(session=s, case_id=case_id)
                    if i.name == name and (i.view or {}).get("actie_nummer") == number)
        cases.complete_task(session=s, work_item_id=item.id, user=s.merge(user), data=data)


def test_the_cycle_manager_adviser_mt_and_an_overdue_action_escalates(db, staff, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
        rid = register.start_on_request(session=s, actor=s.merge(staff["coord"]), process=INVENTORY,
                                        team="Douane Rotterdam", reason="incident").id
    complete(db, rid, staff["lg"], "Vragenlijst risicovolle functies invullen", {"functies": FUNCTIONS})
    # the adviser sends it back once: the manager fills it in again
    complete(db, rid, staff["adv"], "Inventarisatie beoordelen",
             {"oordeel_adviseur": "aanvullen", "onaanvaardbare_risicos": False})
    assert open_tasks(db, rid) == [("Vragenlijst risicovolle functies invullen", "leidinggevende")]
    complete(db, rid, staff["lg"], "Vragenlijst risicovolle functies invullen", {"functies": FUNCTIONS})
    complete(db, rid, staff["adv"], "Inventarisatie beoordelen",
             {"oordeel_adviseur": "compleet", "onaanvaardbare_risicos": True})
    assert open_tasks(db, rid) == [(DECISION, "managementteam")]
    complete(db, rid, staff["mt"], DECISION, {"mt_besluit": "maatregelen_treffen", "vervolgacties": [
        {"functie": "Douanier controle", "actie": "Functieroulatie invoeren", "uiterlijk": "2026-12-01"}]})
    assert open_tasks(db, rid) == [(ACTION_TASK, "leidinggevende")]
    with db.session() as s:
        item = worklist.items_of_case(session=s, case_id=rid)[0]
        assert item.due_at.astimezone(timezone.utc) == datetime(2026, 12, 1, 23, 0, tzinfo=timezone.utc)
        assert s.scalar(select(Timer.state).where(Timer.case_id == rid)) == "pending"
    clock.set(datetime(2026, 12, 1, 22, 59, tzinfo=timezone.utc))
    assert timers.fire_due(database=db) == 0
    clock.set(datetime(2026, 12, 1, 23, 0, 1, tzinfo=timezone.utc))
    assert timers.fire_due(database=db) == 1
    assert open_tasks(db, rid) == [(ESCALATION, "beveiligingsadviseur"), (ACTION_TASK, "leidinggevende")]
    complete(db, rid, staff["adv"], ESCALATION,
             {"escalatie_vervolgactie_actie": "Teamleider aangesproken; nieuwe datum 15 december"})
    complete(db, rid, staff["lg"], ACTION_TASK, {"actie_resultaat": "Roulatieschema vastgesteld"})
    with db.session() as s:
        assert s.get(Case, rid).status == "closed"


def test_each_decided_action_is_its_own_task_and_only_the_overdue_one_escalates(db, staff, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
    rid = to_mt(db, staff)
    complete(db, rid, staff["mt"], DECISION, {"mt_besluit": "maatregelen_treffen", "vervolgacties": ACTIONS,
                                              "mt_toelichting": "Drie acties"})
    dec1, jan15 = datetime(2026, 12, 1, 23, 0, tzinfo=timezone.utc), datetime(2027, 1, 15, 23, 0, tzinfo=timezone.utc)
    assert action_items(db, rid) == [
        (ACTION_TASK, "leidinggevende", 1, "Douanier controle", "Functieroulatie invoeren", dec1),
        (ACTION_TASK, "leidinggevende", 2, "Teamleider", "Vervanger opleiden", jan15),
        (ACTION_TASK, "leidinggevende", 3, "Douanier controle", "Autorisaties opschonen", jan15)]
    with db.session() as s:
        assert sorted(s.scalars(select(Timer.state).where(Timer.case_id == rid))) == ["pending"] * 3
    # the second action is done before its date: its timer goes, the others stay
    complete_action(db, rid, staff["lg"], ACTION_TASK, 2, {"actie_resultaat": "Vervanger is opgeleid"})
    with db.session() as s:
        assert sorted(s.scalars(select(Timer.state).where(Timer.case_id == rid))) == ["cancelled", "pending",
                                                                                      "pending"]
    clock.set(datetime(2026, 12, 1, 23, 0, 1, tzinfo=timezone.utc))  # 2 December: only action 1 is overdue
    assert timers.fire_due(database=db) == 1
    assert action_items(db, rid) == [
        (ESCALATION, "beveiligingsadviseur", 1, "Douanier controle", "Functieroulatie invoeren", None),
        (ACTION_TASK, "leidinggevende", 1, "Douanier controle", "Functieroulatie invoeren", dec1),
        (ACTION_TASK, "leidinggevende", 3, "Douanier controle", "Autorisaties opschonen", jan15)]
    complete_action(db, rid, staff["adv"], ESCALATION, 1,
                    {"escalatie_vervolgactie_actie": "Teamleider aangesproken over de roulatie"})
    complete_action(db, rid, staff["lg"], ACTION_TASK, 1, {"actie_resultaat": "Roulatieschema vastgesteld"})
    assert [x[:3] for x in action_items(db, rid)] == [(ACTION_TASK, "leidinggevende", 3)]
    clock.set(datetime(2027, 1, 15, 22, 59, tzinfo=timezone.utc))
    assert timers.fire_due(database=db) == 0
    complete_action(db, rid, staff["lg"], ACTION_TASK, 3, {"actie_resultaat": "Rechten van oud-medewerkers weg"})
    with db.session() as s:
        assert s.get(Case, rid).status == "closed"
        assert s.scalars(select(Timer.state).where(Timer.case_id == rid, Timer.state == "pending")).all() == []


@pytest.mark.parametrize("decision, errors", [
    ({"mt_besluit": "maatregelen_treffen"},
     [("vervolgacties", "noem ten minste één vervolgactie bij extra maatregelen")]),
    ({"mt_besluit": "maatregelen_treffen", "vervolgacties": [
        ACTIONS[0], {"functie": "Douanier controle", "actie": "Roulatie", "uiterlijk": "2026-11-01"}]},
     [("vervolgacties.1.uiterlijk", "actie 2: de uiterste datum 01-11-2026 ligt in het verleden")]),
    ({"mt_besluit": "maatregelen_treffen", "vervolgacties": [
        {"functie": "Kok", "actie": "Roulatie invoeren", "uiterlijk": "2026-12-01"}, ACTIONS[1]]},
     [("vervolgacties.0.functie", "actie 1: 'Kok' is geen functie uit de inventarisatie van dit team (kies uit: "
                                  "Douanier controle, Teamleider)")]),
    ({"mt_besluit": "maatregelen_treffen", "vervolgacties": [ACTIONS[0], ACTIONS[1], ACTIONS[0]]},
     [("vervolgacties.2.actie", "actie 3: dezelfde actie voor deze functie staat al bij actie 1")]),
    ({"mt_besluit": "maatregelen_treffen", "vervolgacties": [{"functie": "Teamleider", "actie": "Opleiden"}]},
     [("vervolgacties.0.uiterlijk", "is verplicht")]),
])
def test_a_bad_decision_names_row_and_field_and_saves_nothing(db, staff, decision, errors):
    from engine.cases.models import TaskSubmission

    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
    rid = to_mt(db, staff)
    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(TaskSubmission))
    with pytest.raises(InvalidData) as err:
        complete(db, rid, staff["mt"], DECISION, decision)
    assert [(e.field, e.message) for e in err.value.errors] == errors
    assert open_tasks(db, rid) == [(DECISION, "managementteam")]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(TaskSubmission)) == before
        assert s.scalars(select(Timer.id).where(Timer.case_id == rid)).all() == []


def test_accepting_the_risk_needs_no_actions_and_ends_the_inventory(db, staff):
    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
    rid = to_mt(db, staff)
    complete(db, rid, staff["mt"], DECISION, {"mt_besluit": "risico_aanvaarden", "mt_toelichting": "Aanvaard"})
    with db.session() as s:
        assert s.get(Case, rid).status == "closed"


def test_bad_request_names_the_field_and_starts_nothing(db, staff):
    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
        with pytest.raises(InvalidData) as err:
            register.start_on_request(session=s, actor=s.merge(staff["coord"]), process=INVENTORY,
                                      team="Onbekend team", reason="zomaar")
        assert {e.field for e in err.value.errors} == {"aanleiding", "team"}
        assert s.scalars(select(Case.id)).all() == []


def test_an_inventory_is_no_integrity_case_for_anyone(db, staff):
    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
        coord = s.merge(staff["coord"])
        case_id = cases.start_case(session=s, actor=s.merge(staff["desk"]), data={}).id
        rid = register.start_on_request(session=s, actor=coord, process=INVENTORY, team="Douane Rotterdam",
                                        reason="nieuwe_functie").id
    complete(db, rid, staff["lg"], "Vragenlijst risicovolle functies invullen", {"functies": FUNCTIONS})
    with db.session() as s:
        for user in (s.merge(staff["coord"]), s.merge(staff["lg"])):  # oversight of all units; involved
            found = [c.id for c in search.search_cases(session=s, user=user).items]
            assert rid not in found
            assert not access.can_see_case(session=s, user=user, case_id=rid)
        assert case_id in [c.id for c in search.search_cases(session=s, user=s.merge(staff["coord"])).items]


MONITORING = "beheersmaatregelen_monitoring"
ACCESS_THEME = "Autorisaties en toegangsrechten"
FOUR_EYES = "Vier-ogenprincipe bij de vrijgave van zendingen"


def monitoring(db):
    with db.session() as s:
        return sorted((c.category, c.id) for c in s.scalars(select(Case).where(Case.process_kind == MONITORING)))


def test_thematic_monitoring_starts_per_theme_on_its_date_once_and_escalates(db, staff, clock):
    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
        first = register.start_monitoring_due(session=s)  # 2 November 2026: September and June have passed
    assert sorted(x.team for x in first) == [ACCESS_THEME, FOUR_EYES]
    assert [label for label, _ in monitoring(db)] == [f"Monitoring {ACCESS_THEME} 2026-09",
                                                      f"Monitoring {FOUR_EYES} 2026-06"]
    with db.session() as s:
        assert register.start_monitoring_due(session=s) == []  # once per theme and month
    clock.set(datetime(2027, 2, 28, 22, 59, tzinfo=timezone.utc))  # 28 February 23:59 in Amsterdam
    with db.session() as s:
        assert register.start_monitoring_due(session=s) == []
    clock.set(datetime(2027, 2, 28, 23, 0, tzinfo=timezone.utc))  # 1 March 2027, 00:00 in Amsterdam
    from engine.timers import worker

    worker.run(database=db, once=True)  # the timer worker starts it (and this year's inventories)
    march = dict(monitoring(db))[f"Monitoring {ACCESS_THEME} 2027-03"]
    assert len(monitoring(db)) == 3
    with db.session() as s:
        item = worklist.items_of_case(session=s, case_id=march)[0]
        assert (item.name, item.role) == ("Beheersmaatregelen monitoren", "beveiligingsadviseur")
        # one month after 1 March: 1 April 2027, to its end in Amsterdam (summer time)
        assert item.due_at.astimezone(timezone.utc) == datetime(2027, 4, 1, 22, 0, tzinfo=timezone.utc)
    clock.set(datetime(2027, 4, 1, 22, 0, 1, tzinfo=timezone.utc))
    timers.fire_due(database=db)
    assert open_tasks(db, march) == [("Beheersmaatregelen monitoren", "beveiligingsadviseur"),
                                     ("Escalatie: monitoring niet tijdig gedaan", "managementteam")]
    complete(db, march, staff["mt"], "Escalatie: monitoring niet tijdig gedaan",
             {"escalatie_monitoring_actie": "Adviseur aangesproken"})
    complete(db, march, staff["adv"], "Beheersmaatregelen monitoren",
             {"monitoring_bevinding": "deels", "monitoring_toelichting": "Twee accounts met oude rechten"})
    with db.session() as s:
        assert s.get(Case, march).status == "closed"
        assert not access.can_see_case(session=s, user=s.merge(staff["coord"]), case_id=march)


V1 = Path(__file__).parent / "process_sets" / "register_v1"


def test_an_inventory_on_the_version_before_the_list_finishes_there_and_is_still_reported(db, staff, clock,
                                                                                           tmp_path):
    """Process-version migration leaves other processes' instances on their version (engine.processes.migration):
    an inventory waiting at the single action of the earlier version keeps its one task and its escalation, and
    the reports read its one action beside the listed actions of the new version."""
    from engine.processes import migration
    from engine.register import reports

    earlier = tmp_path / "processes"
    shutil.copytree(PROCESSES, earlier)
    shutil.copy(V1 / "risicoinventarisatie.bpmn", earlier / "risicoinventarisatie.bpmn")
    for form in (V1 / "forms").iterdir():
        shutil.copy(form, earlier / "forms" / form.name)
    with db.session() as s:
        v1 = processes.deploy(session=s, directory=earlier).id
    old = to_mt(db, staff)
    complete(db, old, staff["mt"], DECISION, {"mt_besluit": "maatregelen_treffen",
                                              "vervolgactie": "Functieroulatie invoeren",
                                              "actie_uiterlijk": "2026-12-01"})
    with db.session() as s:
        v2 = processes.deploy(session=s, directory=PROCESSES).id
        assert migration.dry_run(session=s, from_version=v1, to_version=v2).cases == []  # stays on v1
    new = to_mt(db, staff)
    complete(db, new, staff["mt"], DECISION, {"mt_besluit": "maatregelen_treffen", "vervolgacties": ACTIONS[:2]})
    with db.session() as s:
        assert (s.get(Case, old).process_version_id, s.get(Case, new).process_version_id) == (v1, v2)
        refs = {old: s.get(Case, old).reference, new: s.get(Case, new).reference}
    clock.set(datetime(2026, 12, 1, 23, 0, 1, tzinfo=timezone.utc))
    assert timers.fire_due(database=db) == 2  # the old inventory's one action and the new one's first
    assert open_tasks(db, old) == [(ESCALATION, "beveiligingsadviseur"), (ACTION_TASK, "leidinggevende")]
    with db.session() as s:
        assert [(x.reference, x.function, x.text, x.status) for x in reports.actions(session=s)] == [
            (refs[old], "", "Functieroulatie invoeren", "te laat"),
            (refs[new], "Douanier controle", "Functieroulatie invoeren", "te laat"),
            (refs[new], "Teamleider", "Vervanger opleiden", "open")]
    complete(db, old, staff["lg"], ACTION_TASK, {"actie_resultaat": "Roulatieschema vastgesteld"})
    with db.session() as s:
        assert [x.reference for x in reports.actions(session=s, only_open=True)] == [refs[new], refs[new]]


def test_the_actions_follow_the_declared_meaning_not_the_element_ids(db, staff, tmp_path):
    """The decision and the action task are found by their declared ``register`` property: with other element ids
    the list is still checked and numbered, and every action is still reported with its own state."""
    from engine.register import reports

    renamed = tmp_path / "processes"
    shutil.copytree(PROCESSES, renamed)
    path = renamed / "risicoinventarisatie.bpmn"
    text = path.read_text(encoding="utf-8")
    for old, new in (("vervolgactie_uitvoeren", "actie_doen"), ("mt_besluiten", "besluit_van_het_mt")):
        text = text.replace(f'"{old}"', f'"{new}"').replace(f">{old}<", f">{new}<").replace(f"_{old}", f"_{new}")
    path.write_text(text, encoding="utf-8")
    with db.session() as s:
        version = processes.deploy(session=s, directory=renamed)
        assert {"actie_doen", "besluit_van_het_mt"} <= set(processes.parsed_version(
            session=s, version_id=version.id).tasks)
    rid = to_mt(db, staff)
    with pytest.raises(InvalidData) as err:
        complete(db, rid, staff["mt"], DECISION, {"mt_besluit": "maatregelen_treffen", "vervolgacties": [
            {"functie": "Kok", "actie": "Koken", "uiterlijk": "2026-12-01"}]})
    assert [e.field for e in err.value.errors] == ["vervolgacties.0.functie"]
    complete(db, rid, staff["mt"], DECISION, {"mt_besluit": "maatregelen_treffen", "vervolgacties": ACTIONS[:2]})
    with db.session() as s:
        assert {i.element_id for i in worklist.items_of_case(session=s, case_id=rid)} == {"actie_doen"}
    complete_action(db, rid, staff["lg"], ACTION_TASK, 2, {"actie_resultaat": "Vervanger is opgeleid"})
    with db.session() as s:
        assert [(x.number, x.function, x.status) for x in reports.actions(session=s)] == [
            (1, "Douanier controle", "open"), (2, "Teamleider", "afgerond")]
