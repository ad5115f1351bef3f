"""Staff changes (issue 22): blocking returns work to the pool and tells the coordinators; the coordinator hands
over all open work of a person; absence with a delegate, under exclusions and separation of duties; an absence ends
on its date by the engine clock."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.audit import service as audit
from engine.cases import service as cases
from engine.errors import ConflictOfInterest, InvalidData
from engine.identity import admin
from engine.identity.models import User
from engine.processes import service as processes
from engine.staff import service as staff
from engine.timers import service as timers
from engine.worklist import service as worklist
from tests.factories import REVIEW, copy_process_set, deployed_review_team, make_user, review_to_investigation

pytestmark = pytest.mark.db


@pytest.fixture
def team(db, clock):
    return deployed_review_team(db, admin=("beheer", "functioneel_beheerder"))




def give(db, team, case_id: int, who: str) -> int:
    """The coordinator assigns the case's open task to ``who``; returns the work item id."""
    with db.session() as s:
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        worklist.assign(session=s, work_item_id=item.id, by=s.get(User, team["coord"]),
                        assignee=s.get(User, team[who]), reason="Werkverdeling")
        return item.id


def actions(s, case_id: int) -> list:
    return [e for e in audit.case_events(session=s, case_id=case_id)]


def system_events(s) -> list:
    from sqlalchemy import select

    from engine.audit.models import AuditEvent

    return list(s.scalars(select(AuditEvent).where(AuditEvent.chain == "system").order_by(AuditEvent.id)))


def test_blocking_a_user_returns_their_tasks_to_the_pool_and_tells_the_coordinators(db, clock, team):
    first, second = review_to_investigation(db, team), review_to_investigation(db, team)
    items = [give(db, team, first, "o1"), give(db, team, second, "o1")]
    with db.session() as s:
        s.get(User, team["coord"]).email = "coordinator@example.org"  # only users with an address get e-mail
    with db.session() as s:
        admin.disable_user(session=s, by=s.get(User, team["admin"]), user_id=team["o1"])
    with db.session() as s:  # the coordinator is also told by e-mail: only that there is something, and a link
        from engine.notifications.models import Notification

        mails = s.scalars(select(Notification).where(Notification.kind == "werk_teruggegeven")).all()
        assert [(m.user_id, m.link) for m in mails] == [(team["coord"], "/werkvoorraad")]
    with db.session() as s:
        for item_id in items:
            item = worklist.get_item(session=s, work_item_id=item_id)
            assert item.state == "open" and item.assignee_id is None
        handed_back = [e for e in actions(s, first) if e.action == "task.unclaimed"][-1]
        assert handed_back.actor == "beheer" and handed_back.details["reden"] == "gebruiker geblokkeerd"
        # the pool of the role offers them to the colleagues again
        pool = {i.id for i in worklist.unassigned_in_my_roles(session=s, user=s.get(User, team["o2"]))}
        assert set(items) <= pool
        notices = staff.notices_for(session=s, user=s.get(User, team["coord"]))
        assert len(notices) == 1
        assert notices[0]["text"] == "Taken teruggezet in de pool na het blokkeren van Onderzoeker1: 2 taken."
        assert sorted(i["taak_id"] for i in notices[0]["items"]) == sorted(items)
        assert {i["naar"] for i in notices[0]["items"]} == {"pool"}
        system = [e.action for e in system_events(s)]
        assert "gebruiker_geblokkeerd" in system and "staff.coordinators_notified" in system
        # not for anyone but the coordinators
        assert staff.notices_for(session=s, user=s.get(User, team["o2"])) == []
        staff.mark_notice_seen(session=s, by=s.get(User, team["coord"]), notice_id=notices[0]["id"])
    with db.session() as s:
        assert staff.notices_for(session=s, user=s.get(User, team["coord"])) == []


def test_which_party_a_colleague_is_is_never_said_to_the_coordinator_nor_written_in_the_case(db, clock, team):
    """The coordinator assigns a task, or hands someone's work over, to a colleague who is a party of the case: the
    refusal is the same text whether that colleague is the reporter or the subject's line manager. Naming the party
    would tell a coordinator who may not know it that the colleague they picked reported (and an assignment tried on
    every colleague would find her); the hand-over's reason is written in the case's audit chain, read by the auditor
    and on the timeline, for good."""
    from engine.cases.duties import PARTY_TO_OTHERS
    from engine.errors import ConflictOfInterest

    reported = review_to_investigation(db, team, parties={"melder": [team["o2"]]})
    managed = review_to_investigation(db, team, parties={"leidinggevende": [team["o2"]]})
    said = {}
    for case_id in (reported, managed):
        with db.session() as s:
            item = worklist.items_of_case(session=s, case_id=case_id)[0]
            with pytest.raises(ConflictOfInterest) as refused:
                worklist.assign(session=s, work_item_id=item.id, by=s.get(User, team["coord"]),
                                assignee=s.get(User, team["o2"]), reason="Werkverdeling")
            said[case_id] = refused.value.detail
    assert said[reported] == said[managed] == f"De gekozen medewerker {PARTY_TO_OTHERS}"
    items = [give(db, team, case_id, "o1") for case_id in (reported, managed)]
    with db.session() as s:
        result = staff.reassign_all_work(session=s, by=s.get(User, team["coord"]), user_id=team["o1"],
                                         to_user_id=team["o2"], reason="Vertrek van een collega")
        assert sorted(m["taak_id"] for m in result.to_pool) == sorted(items)
        assert {m["reden"] for m in result.to_pool} == {f"Onderzoeker2 {PARTY_TO_OTHERS}"}
    with db.session() as s:
        written = [str(e.details) for case_id in (reported, managed) for e in actions(s, case_id)]
    assert not [d for d in written if "is melder" in d or "leidinggevende van" in d], written
    # the reason the product wrote names her account as the colleague who was to get the task: the auditor (no need
    # to know who reported) reads the case's pseudonym there, and the event's hash is withheld (it would betray her)
    from engine.audit import trail
    from engine.identity.access import reporter_pseudonym

    with db.session() as s:
        auditor = make_user(s, "auditor1", "auditor")
        unclaimed = [e for e in trail.case_trail(session=s, user=auditor, case_id=reported)
                     if e.action == "task.unclaimed"]
        assert unclaimed and all("Onderzoeker2" not in str(e.details) and e.hash is None for e in unclaimed)
        assert all(e.details["reden"].endswith(f"{reporter_pseudonym(reported)} {PARTY_TO_OTHERS}") for e in unclaimed)


def test_the_coordinator_hands_over_all_work_and_a_refused_task_goes_to_the_pool_with_the_reason(db, clock, team):
    plain = review_to_investigation(db, team)
    # onderzoeker2 is the subject's line manager in this case: excluded
    excluded = review_to_investigation(db, team, parties={"leidinggevende": [team["o2"]]})
    ok_item, refused_item = give(db, team, plain, "o1"), give(db, team, excluded, "o1")
    with db.session() as s:
        with pytest.raises(InvalidData, match="reden"):
            staff.reassign_all_work(session=s, by=s.get(User, team["coord"]), user_id=team["o1"],
                                    to_user_id=team["o2"], reason=" ")
        with pytest.raises(Exception, match="integriteitscoördinator"):
            staff.reassign_all_work(session=s, by=s.get(User, team["o3"]), user_id=team["o1"],
                                    to_user_id=team["o2"], reason="Vertrek")
    with db.session() as s:
        result = staff.reassign_all_work(session=s, by=s.get(User, team["coord"]), user_id=team["o1"],
                                         to_user_id=team["o2"], reason="Onderzoeker 1 vertrekt")
        assert [m["taak_id"] for m in result.moved] == [ok_item]
        assert [m["taak_id"] for m in result.to_pool] == [refused_item]
        assert result.to_pool[0]["reden"] == ("Onderzoeker2 mag in deze zaak niet optreden (partij in de zaak of "
                                              "door de melder uitgesloten).")  # never which party
    with db.session() as s:
        assert worklist.get_item(session=s, work_item_id=ok_item).assignee_id == team["o2"]
        assert worklist.get_item(session=s, work_item_id=refused_item).assignee_id is None
        assert worklist.my_tasks(session=s, user=s.get(User, team["o1"])) == []
        moved = [e for e in actions(s, plain) if e.action == "task.assigned"][-1]
        assert moved.details["aan"] == "onderzoeker2" and moved.details["reden"] == "Onderzoeker 1 vertrekt"
        pooled = [e for e in actions(s, excluded) if e.action == "task.unclaimed"][-1]
        assert "uitgesloten" in pooled.details["reden"]
        summary = [e for e in system_events(s) if e.action == "werk_overgedragen"][-1]
        assert summary.details["overgedragen"] == 1 and summary.details["naar_pool"] == 1


def _sticky_set(tmp_path):
    """The review set with both investigation tasks in slot onderzoeker_1, both drawn automatically: the second
    goes to whoever holds the slot (sticky)."""
    changed = copy_process_set(REVIEW, tmp_path / "review")
    bpmn = changed / "review.bpmn"
    text = bpmn.read_text().replace('value="onderzoeker_2"/>', 'value="onderzoeker_1"/>\n          '
                                    '<spiffworkflow:property name="assignment" value="random"/>')
    bpmn.write_text(text)
    return changed


def _finish_first(db, team, case_id, who="o1"):
    item_id = give(db, team, case_id, who)
    with db.session() as s:
        cases.complete_task(session=s, work_item_id=item_id, user=s.get(User, team[who]), data={"bevinding": "x"})


def test_an_absent_holders_new_task_goes_to_the_delegate_unless_the_delegate_is_excluded(db, clock, team, tmp_path):
    with db.session() as s:
        processes.deploy(session=s, directory=_sticky_set(tmp_path))
    allowed = review_to_investigation(db, team)
    excluded = review_to_investigation(db, team, parties={"leidinggevende": [team["o2"]]})
    _finish_first(db, team, allowed)
    _finish_first(db, team, excluded)
    today = staff.today()
    with db.session() as s:  # the person records it themselves
        staff.record_absence(session=s, by=s.get(User, team["o1"]), user_id=team["o1"], starts_on=today.isoformat(),
                             ends_on=(today + timedelta(days=14)).isoformat(), delegate_id=team["o2"])
    clock.advance(timedelta(days=3))
    timers.fire_due(database=db)
    with db.session() as s:
        delegated = worklist.items_of_case(session=s, case_id=allowed)[0]
        assert delegated.assignee_id == team["o2"]
        draw = [e for e in actions(s, allowed) if e.action == "task.auto_assigned"][-1]
        assert draw.details["afwezig"] == "onderzoeker1" and draw.details["vervanger"] == "onderzoeker2"
        pooled = worklist.items_of_case(session=s, case_id=excluded)[0]
        assert pooled.assignee_id is None  # never to the excluded delegate, nor to the absent holder
        notice = staff.notices_for(session=s, user=s.get(User, team["coord"]))[0]
        assert notice["kind"] == "vervanging_geweigerd"
        assert notice["items"][0]["taak_id"] == pooled.id
        assert "vervanger: Onderzoeker2 mag in deze zaak niet optreden (partij" in notice["items"][0]["reden"]


def _party_coordinator(db, team) -> int:
    """A second coordinator, who records absences for the unit; made a party of some cases below."""
    with db.session() as s:
        return make_user(s, "coord-partij", "integriteitscoordinator").id


def test_an_absence_recorded_by_a_party_of_a_case_gives_its_delegate_none_of_that_cases_work(db, clock, team,
                                                                                            tmp_path):
    with db.session() as s:
        processes.deploy(session=s, directory=_sticky_set(tmp_path))
    party = _party_coordinator(db, team)
    plain = review_to_investigation(db, team)
    own = review_to_investigation(db, team, parties={"betrokkene": [party]})  # the recorder is this case's subject
    _finish_first(db, team, plain)
    _finish_first(db, team, own)
    today = staff.today()
    with db.session() as s:  # the subject records the absence of the case's investigator, with a delegate they chose
        staff.record_absence(session=s, by=s.get(User, party), user_id=team["o1"], starts_on=today.isoformat(),
                             ends_on=(today + timedelta(days=14)).isoformat(), delegate_id=team["o2"])
    clock.advance(timedelta(days=3))
    timers.fire_due(database=db)
    with db.session() as s:
        assert worklist.items_of_case(session=s, case_id=plain)[0].assignee_id == team["o2"]  # elsewhere it holds
        pooled = worklist.items_of_case(session=s, case_id=own)[0]
        assert pooled.assignee_id is None  # never to the delegate the subject chose (nor to the absent holder)
        notice = staff.notices_for(session=s, user=s.get(User, team["coord"]))[0]
        assert notice["kind"] == "vervanging_geweigerd" and notice["items"][0]["taak_id"] == pooled.id
        assert staff.PARTY_RECORDED in notice["items"][0]["reden"]
        # a coordinator who is no party assigning it to the absent holder: not to the party's delegate either
        with pytest.raises(ConflictOfInterest, match=staff.PARTY_RECORDED):
            worklist.assign(session=s, work_item_id=pooled.id, by=s.get(User, team["coord"]),
                            assignee=s.get(User, team["o1"]), reason="Werkverdeling")


def test_an_absence_recorded_by_a_party_of_a_case_does_not_steer_its_draw(db, clock, team):
    party = _party_coordinator(db, team)
    today = staff.today()
    with db.session() as s:  # two of the three investigators 'away', by the hand of a coordinator
        for who in ("o2", "o3"):
            staff.record_absence(session=s, by=s.get(User, party), user_id=team[who], starts_on=today,
                                 ends_on=today + timedelta(days=5), delegate_id=None)
    plain = review_to_investigation(db, team)
    own = review_to_investigation(db, team, parties={"leidinggevende": [party]})  # the recorder manages the subject
    with db.session() as s:
        assert worklist.items_of_case(session=s, case_id=plain)[0].assignee_id == team["o1"]  # absences count elsewhere
        pooled = worklist.items_of_case(session=s, case_id=own)[0]
        assert pooled.assignee_id is None  # the party's absences would have drawn onderzoeker1: the pool instead
        draw = [e for e in actions(s, own) if e.action == "task.auto_assigned"][-1]
        assert draw.details["gekozen"] is None and "partij" in draw.details["methode"]
        notice = staff.notices_for(session=s, user=s.get(User, team["coord"]))[0]
        assert notice["items"][0]["taak_id"] == pooled.id and staff.PARTY_RECORDED in notice["items"][0]["reden"]
        # the party learns nothing of it: the case is not theirs to see
        assert all(i["zaak_id"] != own for n in staff.notices_for(session=s, user=s.get(User, party))
                   for i in n["items"])


def test_a_delegate_never_breaks_the_separation_of_duties(db, clock, team):
    case_id = review_to_investigation(db, team)
    _finish_first(db, team, case_id, who="o2")  # onderzoeker2 is the first investigator of this case
    clock.advance(timedelta(days=3))
    timers.fire_due(database=db)
    second = give(db, team, case_id, "o1")  # the second investigation is onderzoeker1's
    today = staff.today()
    with db.session() as s:  # the coordinator records the absence, with onderzoeker2 as delegate, moving the work
        absence, moved = staff.record_absence(session=s, by=s.get(User, team["coord"]), user_id=team["o1"],
                                              starts_on=today, ends_on=today + timedelta(days=5),
                                              delegate_id=team["o2"], move_claimed=True)
        assert moved.moved == [] and [i["taak_id"] for i in moved.to_pool] == [second]
        assert "Functiescheiding: Onderzoeker2 treedt in deze zaak al op als onderzoeker_1" in moved.to_pool[0]["reden"]
    with db.session() as s:
        assert worklist.get_item(session=s, work_item_id=second).assignee_id is None
        notice = staff.notices_for(session=s, user=s.get(User, team["coord"]))[0]
        assert notice["items"][0]["taak_id"] == second and "Functiescheiding" in notice["items"][0]["reden"]
        # assigning it to the absent person again is refused with the reason, nothing changes
        with pytest.raises(ConflictOfInterest, match="afwezig tot en met .*Functiescheiding"):
            worklist.assign(session=s, work_item_id=second, by=s.get(User, team["coord"]),
                            assignee=s.get(User, team["o1"]), reason="Werkverdeling")
        system = [e.action for e in system_events(s)]
        assert "afwezigheid_vastgelegd" in system


def test_an_absence_ends_on_its_date_by_the_engine_clock(db, clock, team):
    case_id = review_to_investigation(db, team)
    today = staff.today()
    with db.session() as s:
        with pytest.raises(InvalidData) as refused:
            staff.record_absence(session=s, by=s.get(User, team["o1"]), user_id=team["o1"], starts_on="morgen",
                                 ends_on=(today - timedelta(days=1)).isoformat(), delegate_id=team["o1"])
        assert {e.field for e in refused.value.errors} == {"van", "vervanger_id"}
        with pytest.raises(Exception, match="Alleen de medewerker zelf"):
            staff.record_absence(session=s, by=s.get(User, team["o2"]), user_id=team["o1"], starts_on=today,
                                 ends_on=today, delegate_id=None)
        staff.record_absence(session=s, by=s.get(User, team["o1"]), user_id=team["o1"], starts_on=today,
                             ends_on=today + timedelta(days=1), delegate_id=team["o3"])
    with db.session() as s:
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        worklist.assign(session=s, work_item_id=item.id, by=s.get(User, team["coord"]),
                        assignee=s.get(User, team["o1"]), reason="Werkverdeling")
        assert item.assignee_id == team["o3"]  # flows to the delegate while the absence runs
        assert staff.active_absence(s, team["o1"]) is not None
    clock.advance(timedelta(days=1))  # the last day of the absence: still away
    with db.session() as s:
        assert staff.active_absence(s, team["o1"]) is not None
    clock.advance(timedelta(days=1))  # the day after: back
    with db.session() as s:
        assert staff.active_absence(s, team["o1"]) is None
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        worklist.assign(session=s, work_item_id=item.id, by=s.get(User, team["coord"]),
                        assignee=s.get(User, team["o1"]), reason="Terug van afwezigheid")
        assert item.assignee_id == team["o1"]


def test_a_handover_that_did_not_go_as_asked_leaves_a_notice_with_the_reasons(db, clock, team):
    plain = review_to_investigation(db, team)
    excluded = review_to_investigation(db, team, parties={"leidinggevende": [team["o2"]]})
    give(db, team, plain, "o1")
    refused_item = give(db, team, excluded, "o1")
    with db.session() as s:
        staff.reassign_all_work(session=s, by=s.get(User, team["coord"]), user_id=team["o1"],
                                to_user_id=team["o2"], reason="Onderzoeker 1 vertrekt")
    with db.session() as s:
        notice = staff.notices_for(session=s, user=s.get(User, team["coord"]))[0]
        assert notice["kind"] == "overdracht" and notice["subject_user_id"] == team["o1"]
        assert notice["text"] == "Niet al het werk van Onderzoeker1 ging naar Onderzoeker2."
        assert [i["taak_id"] for i in notice["items"]] == [refused_item]
        assert "uitgesloten" in notice["items"][0]["reden"]
    with db.session() as s:  # everything to the pool as asked: nothing to explain, no notice
        staff.mark_notice_seen(session=s, by=s.get(User, team["coord"]), notice_id=notice["id"])
    give(db, team, plain, "o1")
    with db.session() as s:
        staff.reassign_all_work(session=s, by=s.get(User, team["coord"]), user_id=team["o1"], to_user_id=None,
                                reason="Naar de pool")
        assert staff.notices_for(session=s, user=s.get(User, team["coord"])) == []


def test_the_coordinators_staff_list_counts_claimed_tasks_and_shows_todays_absence(db, clock, team):
    first, second = review_to_investigation(db, team), review_to_investigation(db, team)
    give(db, team, first, "o1")
    give(db, team, second, "o1")
    today = staff.today()
    with db.session() as s:
        make_user(s, "elders", "onderzoeker", unit="Belastingdienst")
        blocked = make_user(s, "weg", "onderzoeker")
        blocked.active = False
        staff.record_absence(session=s, by=s.get(User, team["coord"]), user_id=team["o2"], starts_on=today,
                             ends_on=today + timedelta(days=2), delegate_id=team["o3"])
        staff.record_absence(session=s, by=s.get(User, team["coord"]), user_id=team["o3"],
                             starts_on=today + timedelta(days=7), ends_on=today + timedelta(days=9), delegate_id=None)
    with db.session() as s:
        rows = {r["gebruikersnaam"]: r for r in staff.staff_overview(session=s, by=s.get(User, team["coord"]))}
        # the coordinator of Douane: the active people of Douane only
        assert set(rows) == {"beheer", "coord", "desk", "onderzoeker1", "onderzoeker2", "onderzoeker3"}
        assert rows["onderzoeker1"]["opgepakt"] == 2 and rows["onderzoeker2"]["opgepakt"] == 0
        assert (rows["onderzoeker2"]["afwezig_tot"], rows["onderzoeker2"]["vervanger"]) == (
            today + timedelta(days=2), "Onderzoeker3")
        assert rows["onderzoeker3"]["afwezig_tot"] is None  # not yet
        with pytest.raises(Exception, match="integriteitscoördinator"):
            staff.staff_overview(session=s, by=s.get(User, team["admin"]))
        s.get(User, team["coord"]).unit = None  # a coordinator of the whole organisation sees everyone
        everyone = {r["gebruikersnaam"] for r in staff.staff_overview(session=s, by=s.get(User, team["coord"]))}
        assert "elders" in everyone and "weg" not in everyone


def test_someone_linked_as_a_party_hands_back_the_tasks_of_that_case_they_had_claimed(db, clock, team):
    """A task claimed by someone who then becomes a party of the case (here linked as its subject) could be
    completed by nobody: the claim kept it from the colleagues and the duties refused its holder. It goes back to
    the pool at the link; the same person's task in another case stays theirs."""
    from engine.cases import persons

    case_id, other_case = review_to_investigation(db, team), review_to_investigation(db, team)
    item_id, other_item = give(db, team, case_id, "o1"), give(db, team, other_case, "o1")
    with db.session() as s:
        persons.link_persons(session=s, case_id=case_id, fields={"betrokkene_persoon": persons.SUBJECT},
                             data={"betrokkene_persoon": "onderzoeker1"}, actor="desk")
    with db.session() as s:
        item = worklist.get_item(session=s, work_item_id=item_id)
        assert item.state == "open" and item.assignee_id is None
        assert worklist.get_item(session=s, work_item_id=other_item).assignee_id == team["o1"]
        back = [e for e in actions(s, case_id) if e.action == "task.unclaimed"][-1]
        assert back.details["reden"] == staff.PARTY_REASON and back.details["was_toegewezen_aan"] == team["o1"]
        assert item_id in {i.id for i in worklist.unassigned_in_my_roles(session=s, user=s.get(User, team["o2"]))}
        notices = staff.notices_for(session=s, user=s.get(User, team["coord"]))
        assert [i["taak_id"] for i in notices[0]["items"]] == [item_id]
        # the notice names neither the person nor what kind of party they became
        assert "Onderzoeker1" not in notices[0]["text"] and "betrokkene" not in notices[0]["text"]


def test_a_new_manager_of_a_subject_hands_back_the_tasks_of_the_subjects_cases(db, clock, team):
    """Made the subject's manager in the organisation data, a colleague becomes a party of every case about that
    subject (access.EXCLUDED_PARTIES): their claimed tasks there go back to the pool."""
    with db.session() as s:
        subject = make_user(s, "medewerker", "meldpunt").id
    case_id, other_case = review_to_investigation(db, team, parties={"betrokkene": [subject]}), review_to_investigation(db, team)
    item_id, other_item = give(db, team, case_id, "o2"), give(db, team, other_case, "o2")
    with db.session() as s:
        _user, released = admin.change_user(session=s, by=s.get(User, team["admin"]), user_id=subject,
                                            roles=["meldpunt"], manager_id=team["o2"])
        assert released == 1
    with db.session() as s:
        assert worklist.get_item(session=s, work_item_id=item_id).assignee_id is None
        assert worklist.get_item(session=s, work_item_id=other_item).assignee_id == team["o2"]
