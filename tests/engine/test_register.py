"""Issue 24, layers 2-5: the register written by the inventory's questionnaire (all or nothing, history kept),
the most risky functions (rotation, change of function), the triage link of a report about someone in such a
function, and the reports, checked cell by cell. Real engine, real BPMN from processes/, real database."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from engine.cases import service as cases
from engine.cases.models import Case, TaskSubmission
from engine.demo import _advance, _registration
from engine.errors import InvalidData
from engine.identity import access
from engine.intake import service as intake
from engine.processes import service as processes
from engine.register import holders, reports
from engine.register import service as register
from engine.register.models import FunctionHolder, RegisterAssessment, RegisterFunction
from engine.reports import word
from engine.staff.models import StaffNotice
from engine.timers import service as timers
from engine.worklist import service as worklist
from tests.factories import make_user
from tests.process.driver import PROCESSES

INVENTORY = "risicoinventarisatie"
TEAM = "Douane Rotterdam"
QUESTIONNAIRE = "Vragenlijst risicovolle functies invullen"


def row(name, klass, **over):
    base = {"functie": name, "classificatie": klass, "risicotypen": ["Fraude"], "maatregelen": "Vier-ogenprincipe",
            "bruto_risico": 4, "netto_risico": 2, "aanvaardbaar": True, "eigenaar": "Teamleider",
            "herziening_op": "2027-11-01"}
    return {**base, **over}


@pytest.fixture
def staff(db):
    with db.session() as s:
        processes.deploy(session=s, directory=PROCESSES)
        users = {"desk": make_user(s, "meldpunt", "meldpunt", unit=TEAM),
                 "coord": make_user(s, "coord", "integriteitscoordinator", unit=None),
                 "bvi": make_user(s, "bvi", "bureau_vi", unit=None),
                 "lg": make_user(s, "teamleider", "leidinggevende", unit=TEAM),
                 "adv": make_user(s, "adviseur", "beveiligingsadviseur", unit=None),
                 "mt": make_user(s, "mtlid", "managementteam", unit=TEAM),
                 "reporter": make_user(s, "melder", unit=TEAM)}
        users["inspector"] = make_user(s, "inspecteur", unit=TEAM, manager=users["lg"])
        users["clerk"] = make_user(s, "administrateur", unit=TEAM, manager=users["lg"])
        s.expunge_all()
    return users


def inventory(db, staff, reason="incident") -> int:
    with db.session() as s:
        return register.start_on_request(session=s, actor=s.merge(staff["coord"]), process=INVENTORY, team=TEAM,
                                         reason=reason).id


def do(db, case_id, who, name, data):
    with db.session() as s:
        item = next(i for i in worklist.items_of_case(session=s, case_id=case_id) if i.name == name)
        return cases.complete_task(session=s, work_item_id=item.id, user=s.merge(who), data=data)


def functions_filled(db, staff, rows, *, unacceptable=False, actions=None) -> int:
    rid = inventory(db, staff)
    do(db, rid, staff["lg"], QUESTIONNAIRE, {"functies": rows, "organisatieonderdeel": "Douane"})
    do(db, rid, staff["adv"], "Inventarisatie beoordelen",
       {"oordeel_adviseur": "compleet", "onaanvaardbare_risicos": unacceptable})
    if actions:  # (function, action, due date) per follow-up action
        do(db, rid, staff["mt"], "Besluiten over onaanvaardbare risico's",
           {"mt_besluit": "maatregelen_treffen",
            "vervolgacties": [{"functie": f, "actie": a, "uiterlijk": d} for f, a, d in actions]})
    return rid


def test_the_questionnaire_fills_the_register_and_every_assessment_is_kept(db, staff):
    first = functions_filled(db, staff, [row("Douanier controle", "meest_risicovol", netto_risico=3),
                                         row("Administratief medewerker", "geen", risicotypen=[], maatregelen="")])
    second = functions_filled(db, staff, [row("Douanier controle", "meest_risicovol", netto_risico=2,
                                              maatregelen="Vier-ogenprincipe; roulatie")])
    with db.session() as s:
        (control,) = s.scalars(select(RegisterFunction).where(RegisterFunction.name == "Douanier controle"))
        assert (control.unit, control.team) == ("Douane", TEAM)
        kept = reports.history(session=s, function_id=control.id)
        assert [(a.case_id, a.net, a.measures) for a in kept] == [
            (first, 3, "Vier-ogenprincipe"), (second, 2, "Vier-ogenprincipe; roulatie")]
        assert s.scalar(select(func.count()).select_from(RegisterFunction)) == 2


@pytest.mark.parametrize("bad, field, message", [
    (row("Douanier", "risicovol", bruto_risico=2, netto_risico=4), "functies.0.toelichting_netto",
     "is verplicht: het netto risico is hoger dan het bruto risico"),
    (row("Douanier", "risicovol", herziening_op="2026-11-01"), "functies.0.herziening_op", "ligt in het verleden"),
    (row("Douanier", "kritiek", risicotypen=[]), "functies.0.risicotypen",
     "noem ten minste één risico bij een kritieke of risicovolle functie"),
    (row("Douanier", "kritiek", maatregelen=" "), "functies.0.maatregelen",
     "beschrijf de beheersmaatregelen bij een kritieke of risicovolle functie"),
])
def test_a_bad_inventory_names_the_field_and_saves_nothing(db, staff, bad, field, message):
    rid = inventory(db, staff)
    good = row("Teamleider", "kritiek")
    with pytest.raises(InvalidData) as err:
        do(db, rid, staff["lg"], QUESTIONNAIRE, {"functies": [bad, good]})
    assert [(e.field, e.message) for e in err.value.errors] == [(field, message)]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(RegisterFunction)) == 0
        assert s.scalar(select(func.count()).select_from(RegisterAssessment)) == 0
        assert s.scalar(select(func.count()).select_from(TaskSubmission)) == 0
        assert [i.name for i in worklist.items_of_case(session=s, case_id=rid)] == [QUESTIONNAIRE]
    with pytest.raises(InvalidData) as err:  # an incomplete inventory: the form says which field
        do(db, rid, staff["lg"], QUESTIONNAIRE, {"functies": [{"functie": "Douanier"}]})
    assert "functies.0.classificatie" in {e.field for e in err.value.errors}


def test_a_net_risk_above_the_gross_risk_with_an_explanation_is_accepted(db, staff):
    functions_filled(db, staff, [row("Douanier", "risicovol", bruto_risico=2, netto_risico=4,
                                     toelichting_netto="Nieuwe scanner nog niet in gebruik")])
    with db.session() as s:
        assert s.scalar(select(RegisterAssessment.net_explanation)) == "Nieuwe scanner nog niet in gebruik"


def hold(db, staff, who, function, since, screening=""):
    with db.session() as s:
        fid = s.scalar(select(RegisterFunction.id).where(RegisterFunction.name == function))
        holders.assign(session=s, actor=s.merge(staff["coord"]), user_id=staff[who].id, function_id=fid,
                       since=since, screening=screening)


def test_rotation_overview_longest_first_and_a_change_of_function_asks_for_an_authorisation_review(db, staff):
    functions_filled(db, staff, [row("Douanier controle", "meest_risicovol"), row("Teamleider", "kritiek"),
                                 row("Administratief medewerker", "geen", risicotypen=[], maatregelen="")])
    hold(db, staff, "clerk", "Douanier controle", "2023-02-01", "vertrouwensfunctie, VGB B 2023")
    hold(db, staff, "inspector", "Douanier controle", "2020-06-01", "vertrouwensfunctie, VGB B 2020")
    hold(db, staff, "lg", "Teamleider", "2019-01-01")
    with db.session() as s:
        rows = holders.rotation(session=s, settings={"roulatietermijn": "P5Y"})
        assert [(r.username, r.since, r.rotate_by, r.overdue, r.screening) for r in rows] == [
            ("inspecteur", date(2020, 6, 1), date(2025, 6, 1), True, "vertrouwensfunctie, VGB B 2020"),
            ("administrateur", date(2023, 2, 1), date(2028, 2, 1), False, "vertrouwensfunctie, VGB B 2023")]
        assert s.scalar(select(func.count()).select_from(StaffNotice)) == 0
    hold(db, staff, "inspector", "Administratief medewerker", "2026-11-02")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(StaffNotice)) == 0  # a real task instead (below)
        review = s.scalar(select(Case).where(Case.process_kind == REVIEW))
        assert review.reference.startswith("AH-2026-") and review.unit == TEAM
        assert [r.username for r in holders.rotation(session=s, settings={})] == ["administrateur"]
        ended = s.scalar(select(FunctionHolder.until).where(FunctionHolder.user_id == staff["inspector"].id,
                                                             FunctionHolder.until.is_not(None)))
        assert ended == date(2026, 11, 2)


REVIEW = "autorisatieherziening"
REVIEW_TASK = "Autorisaties herzien na functiewisseling"
REVIEW_ESCALATION = "Escalatie: autorisaties niet tijdig herzien"


def review_case(db, staff) -> int:
    functions_filled(db, staff, [row("Douanier controle", "meest_risicovol"),
                                 row("Administratief medewerker", "geen", risicotypen=[], maatregelen="")])
    hold(db, staff, "inspector", "Douanier controle", "2020-06-01")
    hold(db, staff, "inspector", "Administratief medewerker", "2026-11-02")
    with db.session() as s:
        return s.scalar(select(Case.id).where(Case.process_kind == REVIEW))


def review_tasks(db, case_id):
    with db.session() as s:
        return sorted((i.name, i.role, i.due_at.astimezone(timezone.utc) if i.due_at else None)
                      for i in worklist.items_of_case(session=s, case_id=case_id))


def test_a_change_of_function_starts_the_authorisation_review_task_with_due_date_and_escalation(db, staff, clock):
    rid = review_case(db, staff)
    # 14 days after 2 November: Monday 16 November 2026, to its end in Amsterdam
    due = datetime(2026, 11, 16, 23, 0, tzinfo=timezone.utc)
    assert review_tasks(db, rid) == [(REVIEW_TASK, "beveiligingsadviseur", due)]
    with db.session() as s:
        for user in (s.merge(staff["coord"]), s.merge(staff["lg"]), s.merge(staff["adv"])):
            assert not access.can_see_case(session=s, user=user, case_id=rid)  # no integrity case
    with db.session() as s, pytest.raises(InvalidData) as err:
        item = worklist.items_of_case(session=s, case_id=rid)[0]
        cases.complete_task(session=s, work_item_id=item.id, user=s.merge(staff["adv"]),
                            data={"autorisaties_uitkomst": "vergeten", "autorisaties_toelichting": ""})
    assert {e.field for e in err.value.errors} >= {"autorisaties_uitkomst", "autorisaties_toelichting"}
    clock.set(datetime(2026, 11, 16, 22, 59, tzinfo=timezone.utc))
    assert timers.fire_due(database=db) == 0
    clock.set(datetime(2026, 11, 16, 23, 0, 1, tzinfo=timezone.utc))
    assert timers.fire_due(database=db) == 1
    assert [(n, r) for n, r, _ in review_tasks(db, rid)] == [(REVIEW_TASK, "beveiligingsadviseur"),
                                                             (REVIEW_ESCALATION, "managementteam")]
    do(db, rid, staff["mt"], REVIEW_ESCALATION, {"escalatie_autorisaties_actie": "Adviseur aangesproken"})
    do(db, rid, staff["adv"], REVIEW_TASK, {"autorisaties_uitkomst": "ingetrokken",
                                            "autorisaties_toelichting": "Scanrechten en vrijgave ingetrokken"})
    with db.session() as s:
        assert s.get(Case, rid).status == "closed"


def test_without_a_declared_review_process_the_coordinators_get_a_notice(db, staff, tmp_path):
    import json
    import shutil

    copy = tmp_path / "processes"
    shutil.copytree(PROCESSES, copy)
    (copy / "autorisatieherziening.bpmn").unlink()
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    del manifest["processes"][REVIEW]
    (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    for form in ("autorisaties_herzien.json", "escalatie_autorisaties.json"):
        (copy / "forms" / form).unlink()
    with db.session() as s:
        processes.deploy(session=s, directory=copy)
    functions_filled(db, staff, [row("Douanier controle", "meest_risicovol"),
                                 row("Administratief medewerker", "geen", risicotypen=[], maatregelen="")])
    hold(db, staff, "inspector", "Douanier controle", "2020-06-01")
    hold(db, staff, "inspector", "Administratief medewerker", "2026-11-02")
    with db.session() as s:
        notice = s.scalar(select(StaffNotice))
        assert notice.kind == "autorisaties_herzien"
        assert notice.text == ("Inspecteur wisselt per 2026-11-02 van functie (Douanier controle, Douane Rotterdam → "
                               "Administratief medewerker, Douane Rotterdam): laat de autorisaties van de oude "
                               "functie intrekken.")
        assert s.scalar(select(func.count()).select_from(Case).where(Case.process_kind == REVIEW)) == 0


def report_about(db, staff, subject: str, **over) -> int:
    with db.session() as s:
        submitted = intake.submit_report(session=s, actor=s.merge(staff["desk"]), data={},
                                         reporter_user_id=staff["reporter"].id)
        case_id = submitted.case.id
        _advance(s, case_id, {"intake": _registration(
            betrokkene_persoon=subject, betrokkene_naam=subject, dienstonderdeel=TEAM, risicofunctie="geen",
            melder_naam="Marja Melder", melder_email="marja@voorbeeld.example", **over)})
    return case_id


def test_a_report_about_someone_in_a_most_risky_function_gets_the_declared_priority_and_notice(db, staff):
    functions_filled(db, staff, [row("Douanier controle", "meest_risicovol"), row("Teamleider", "risicovol")])
    hold(db, staff, "inspector", "Douanier controle", "2021-01-01")
    case_id = report_about(db, staff, "inspecteur")
    plain = report_about(db, staff, "administrateur")  # no function in the register: nothing changes
    with db.session() as s:
        case = s.get(Case, case_id)
        assert case.summary["risicofunctie"] == "meest_risicovol" and case.priority == 3
        signal = [i for i in worklist.items_of_case(session=s, case_id=case_id) if i.role == "bureau_vi"]
        assert [(i.name, i.priority) for i in signal] == [("Signaal meest risicovolle functie behandelen", 3)]
        assert s.get(Case, plain).summary["risicofunctie"] == "geen" and s.get(Case, plain).priority == 1
        assert not [i for i in worklist.items_of_case(session=s, case_id=plain) if i.role == "bureau_vi"]


def test_the_manager_who_fills_the_register_never_sees_the_case(db, staff):
    functions_filled(db, staff, [row("Douanier controle", "meest_risicovol")])
    hold(db, staff, "inspector", "Douanier controle", "2021-01-01")
    with db.session() as s:
        before = reports.overview(session=s)
    case_id = report_about(db, staff, "inspecteur")
    with db.session() as s:
        manager = s.merge(staff["lg"])
        assert not access.can_see_case(session=s, user=manager, case_id=case_id)
        tasks = worklist.my_tasks(session=s, user=manager) + worklist.unassigned_in_my_roles(session=s, user=manager)
        assert case_id not in {i.case_id for i in tasks}
        # the register learnt nothing of the case
        assert reports.overview(session=s) == before
        assert s.scalar(select(func.count()).select_from(RegisterAssessment)
                        .where(RegisterAssessment.case_id == case_id)) == 0


def test_reports_cell_by_cell(db, staff, clock):
    rid = functions_filled(db, staff, [row("Douanier controle", "meest_risicovol",
                                           risicotypen=["Fraude", "Lekken van informatie"], netto_risico=4,
                                           aanvaardbaar=False),
                                       row("Teamleider", "kritiek", risicotypen=["Uitval van een essentieel proces"],
                                           maatregelen="Vervanger aangewezen"),
                                       row("Administratief medewerker", "geen", risicotypen=[], maatregelen="")],
                           unacceptable=True, actions=[("Douanier controle", "Roulatie invoeren", "2026-12-01"),
                                                       ("Teamleider", "Vervanger opleiden", "2027-02-01"),
                                                       ("Douanier controle", "Autorisaties opschonen", "2027-02-01")])
    hold(db, staff, "inspector", "Douanier controle", "2020-06-01")
    expected = [
        ["Douane", TEAM, "Douanier controle", "Meest risicovolle functie", "Fraude; Lekken van informatie",
         "Vier-ogenprincipe", "4", "nee", "Roulatie invoeren (uiterlijk 01-12-2026, open); "
                                          "Autorisaties opschonen (uiterlijk 01-02-2027, open)"],
        ["Douane", TEAM, "Teamleider", "Kritieke functie", "Uitval van een essentieel proces",
         "Vervanger aangewezen", "2", "ja", "Vervanger opleiden (uiterlijk 01-02-2027, open)"]]
    with db.session() as s:
        assert reports.overview(session=s) == expected
        assert reports.overview(session=s, unit="Elders") == []
        reference = s.get(Case, rid).reference
    # the third action is done; then the first one's date passes
    with db.session() as s:
        item = next(i for i in worklist.items_of_case(session=s, case_id=rid) if (i.view or {}).get("actie_nummer") == 3)
        cases.complete_task(session=s, work_item_id=item.id, user=s.merge(staff["lg"]),
                            data={"actie_resultaat": "Oude rechten ingetrokken"})
    clock.set(datetime(2026, 12, 1, 23, 0, 1, tzinfo=timezone.utc))
    assert timers.fire_due(database=db) == 1
    with db.session() as s:
        open_ = reports.actions(session=s, only_open=True)
        assert reports.action_cells(open_) == [
            [TEAM, reference, "Douanier controle", "Roulatie invoeren", "01-12-2026", "te laat"],
            [TEAM, reference, "Teamleider", "Vervanger opleiden", "01-02-2027", "open"]]
        assert [x.status for x in reports.actions(session=s)] == ["te laat", "open", "afgerond"]
        assert reports.tile(session=s)["acties_open"] == 1 and reports.tile(session=s)["acties_te_laat"] == 1
        text = reports.self_analysis(session=s, settings={"roulatietermijn": "P5Y"}, year=2026)
        assert text == ("Stand van het register kritieke en risicovolle functies (2026): 1 team heeft zijn functies "
                        "geïnventariseerd. Het register telt 1 kritieke, 0 risicovolle en 1 meest risicovolle "
                        "functies; bij 1 daarvan is het netto risico niet aanvaardbaar. Van de vervolgacties staan "
                        "er 1 open en zijn er 1 over hun uiterste datum. 0 functies zijn niet op tijd herzien. "
                        "1 medewerker vervult een meest risicovolle functie, van wie 1 langer dan de "
                        "roulatietermijn.")
        rows = reports.overview(session=s)
        csv_text = reports.to_csv(rows)
        assert csv_text.splitlines()[0] == ",".join(reports.COLUMNS)
        assert csv_text.splitlines()[1] == ("Douane,Douane Rotterdam,Douanier controle,Meest risicovolle functie,"
                                            "Fraude; Lekken van informatie,Vier-ogenprincipe,4,nee,"
                                            "\"Roulatie invoeren (uiterlijk 01-12-2026, te laat); Autorisaties "
                                            "opschonen (uiterlijk 01-02-2027, afgerond)\"")
        assert reports.to_csv(reports.action_cells(open_), reports.ACTION_COLUMNS).splitlines() == [
            "Team,Kenmerk,Functie,Vervolgactie,Uiterlijk,Stand",
            f"{TEAM},{reference},Douanier controle,Roulatie invoeren,01-12-2026,te laat",
            f"{TEAM},{reference},Teamleider,Vervanger opleiden,01-02-2027,open"]
        tables = word.read_tables(reports.to_docx(session=s, settings={}, year=2026))
        assert tables[0] == [reports.COLUMNS, *rows]
        assert tables[1] == [reports.ACTION_COLUMNS, *reports.action_cells(open_)]


def test_a_manager_works_on_the_inventory_of_the_own_team_only(db, staff):
    from engine.errors import NotAuthorized
    from engine.identity import access as identity_access

    with db.session() as s:
        other = make_user(s, "teamleider_schiphol", "leidinggevende", unit="Douane Schiphol")
        s.expunge(other)
    rid = inventory(db, staff)
    with db.session() as s:
        mine = [i.case_id for i in worklist.unassigned_in_my_roles(session=s, user=s.merge(staff["lg"]))]
        theirs = [i.case_id for i in worklist.unassigned_in_my_roles(session=s, user=s.merge(other))]
        assert rid in mine and rid not in theirs
        item = worklist.items_of_case(session=s, case_id=rid)[0]
        assert not identity_access.may_work_on_task(session=s, user=s.merge(other), item=item)
        with pytest.raises(NotAuthorized):
            worklist.claim(session=s, work_item_id=item.id, user=s.merge(other))
