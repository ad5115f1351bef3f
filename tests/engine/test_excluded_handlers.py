"""A report about someone who handles reports: the reporter excludes them (``engine.intake.exclusions``) and the one
access decision (``engine.identity.access``, party ``uitgesloten``) keeps them out from the first moment.

The organisation: two desk officers, two integrity coordinators of the unit, the organisation-wide bureau VI, and
an employee. Real engine, real database; mails through a real SMTP server on loopback."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.audit.models import AuditEvent
from engine.cases import duties, search
from engine.cases.models import Case, CaseParty
from engine.errors import ConflictOfInterest, InvalidData, NotAuthorized, NotFound
from engine.identity import access
from engine.identity.models import User
from engine.intake import exclusions
from engine.intake import service as intake
from engine.notifications import sender
from engine.notifications.models import Notification
from engine.processes import service as processes
from engine.worklist import service as worklist
from tests.engine.test_notifications import settings_for, smtp, staff  # noqa: F401 (smtp: the fixture)
from tests.factories import make_user

pytestmark = pytest.mark.db

REPORT = {"categorie": "Financiële schendingen", "dienstonderdeel": "Douane",
          "omschrijving": "De coördinator past zelf de declaraties van zijn team aan."}


@pytest.fixture
def org(db, clock):
    with db.session() as s:
        processes.deploy(session=s)
        people = {"desk": staff(s, "desk", "meldpunt"), "balie": staff(s, "balie", "meldpunt"),
                  "coord": staff(s, "coord", "integriteitscoordinator"),
                  "coord2": staff(s, "coord2", "integriteitscoordinator"),
                  "bvi": staff(s, "bvi", "bureau_vi", unit=None), "medewerker": staff(s, "medewerker")}
        return {k: u.id for k, u in people.items()}


def _user(s, uid: int) -> User:
    return s.get(User, uid)


def _report(db, excluded, **kw) -> int:
    with db.session() as s:
        return intake.submit_report(session=s, actor=None, data=REPORT, excluded_user_ids=excluded, **kw).case.id


def test_an_excluded_coordinator_does_not_see_the_report_that_colleagues_see(db, org):
    case_id = _report(db, [org["coord"]])
    with db.session() as s:
        coord, coord2, bvi = (_user(s, org[k]) for k in ("coord", "coord2", "bvi"))
        assert not access.can_see_case(session=s, user=coord, case_id=case_id)
        assert access.is_excluded(session=s, user=coord, case_id=case_id)
        with pytest.raises(NotFound):  # not visible and not existing look the same
            access.require_visible_case(session=s, user=coord, case_id=case_id)
        assert search.search_cases(session=s, user=coord).total == 0
        assert search.search_cases(session=s, user=coord, filters=search.CaseFilters(q="declaraties")).total == 0
        # the colleagues who oversee the unit see it as any report
        for colleague in (coord2, bvi):
            assert access.can_see_case(session=s, user=colleague, case_id=case_id)
            assert [c.id for c in search.search_cases(session=s, user=colleague).items] == [case_id]
        assert list(s.scalars(select(CaseParty.party).where(CaseParty.case_id == case_id,
                                                            CaseParty.user_id == org["coord"]))) == ["uitgesloten"]


def test_an_excluded_desk_officer_never_gets_the_task_in_pool_draw_or_assignment(db, org):
    case_id = _report(db, [org["desk"]])
    with db.session() as s:
        desk, balie, coord = (_user(s, org[k]) for k in ("desk", "balie", "coord"))
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        assert item.role == "meldpunt"
        assert [i.id for i in worklist.unassigned_in_my_roles(session=s, user=desk)] == []
        assert [i.id for i in worklist.unassigned_in_my_roles(session=s, user=balie)] == [item.id]
        with pytest.raises(NotFound):
            access.task_access(session=s, user=desk, work_item_id=item.id)
        assert not access.may_work_on_task(session=s, user=desk, item=item)
        manifest = processes.parsed_version(session=s, version_id=s.get(Case, case_id).process_version_id).manifest
        eligible = duties.eligible_users(s, case_id=case_id, role="meldpunt", slot=item.slot, manifest=manifest)
        assert [u.id for u in eligible] == [balie.id]
        for _ in range(5):
            drawn, pool, _info = duties.draw_assignee(s, case_id=case_id, role="meldpunt", slot=item.slot,
                                                      manifest=manifest, weighted=False)
            assert drawn is not None and drawn.id == balie.id and desk.id not in {u.id for u in pool}
        with pytest.raises(ConflictOfInterest):  # the coordinator cannot hand it to them either
            worklist.assign(session=s, work_item_id=item.id, by=coord, assignee=desk, reason="Vakantie collega")
        with pytest.raises(NotFound):  # as the doors answer: the engine does not confirm the case to them
            worklist.claim(session=s, work_item_id=item.id, user=desk)
        assert s.get(type(item), item.id).assignee_id is None


def test_the_coordinator_assigning_the_task_reads_why_about_the_chosen_person_not_about_herself(db, org):
    """A refusal of the coordinator's assignment names the person she chose, never "U bent ...": she is not the one
    excluded, nor the one lacking the role (engine.cases.duties.ensure_can_act, worded for who reads it)."""
    case_id = _report(db, [org["desk"]])
    with db.session() as s:
        desk, coord, medewerker = (_user(s, org[k]) for k in ("desk", "coord", "medewerker"))
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        with pytest.raises(ConflictOfInterest) as excluded:
            worklist.assign(session=s, work_item_id=item.id, by=coord, assignee=desk, reason="Vakantie collega")
        assert excluded.value.detail == ("De gekozen medewerker mag in deze zaak niet optreden (partij in de zaak of "
                                         "door de melder uitgesloten)."), excluded.value.detail
        with pytest.raises(NotAuthorized) as no_role:
            worklist.assign(session=s, work_item_id=item.id, by=coord, assignee=medewerker, reason="Drukte")
        assert no_role.value.detail == "Deze taak hoort bij de rol 'Meldpunt', die de gekozen medewerker niet heeft."
        assert s.get(type(item), item.id).assignee_id is None
        # who acts herself and may not know the case reads what the doors answer: no such task
        with pytest.raises(NotFound) as own:
            worklist.claim(session=s, work_item_id=item.id, user=desk)
        assert own.value.detail == "Taak niet gevonden.", own.value.detail


def test_the_engine_alone_does_not_tell_an_excluded_handler_or_an_outsider_the_case_exists(db, org):
    """Every door asks ``task_access`` first and answers 404 to who may not see the case. Called directly, the engine
    answers the same (``duties.ensure_can_act``): never "U bent door de melder uitgesloten behandelaar" (the case
    exists and the reporter excluded them) nor the role of a task in a case they may not know. What a coordinator
    assigning work reads about a chosen colleague stays ``PARTY_TO_OTHERS``."""
    case_id = _report(db, [org["desk"]])
    with db.session() as s:
        desk, balie, medewerker = (_user(s, org[k]) for k in ("desk", "balie", "medewerker"))
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        manifest = processes.parsed_version(session=s, version_id=s.get(Case, case_id).process_version_id).manifest
        for outsider in (desk, medewerker):
            with pytest.raises(NotFound) as refused:
                duties.ensure_can_act(s, case_id=case_id, user=outsider, role=item.role, slot=item.slot,
                                      manifest=manifest)
            assert refused.value.detail == "Taak niet gevonden.", refused.value.detail
        with pytest.raises(ConflictOfInterest) as about_her:
            duties.ensure_can_act(s, case_id=case_id, user=desk, role=item.role, slot=item.slot, manifest=manifest,
                                  who="de gekozen medewerker")
        assert about_her.value.detail == f"De gekozen medewerker {duties.PARTY_TO_OTHERS}", about_her.value.detail
        duties.ensure_can_act(s, case_id=case_id, user=balie, role=item.role, slot=item.slot, manifest=manifest)


def test_an_excluded_handler_gets_no_mail_about_the_report_at_any_step(db, org, clock, smtp):  # noqa: F811
    """New task in the desk's pool, the reporter's message, a deadline near and passed: the excluded desk officer
    and coordinator get nothing, their colleagues get their mails."""
    config = settings_for(smtp)
    case_id = _report(db, [org["desk"], org["coord"]])
    with db.session() as s:
        item = worklist.items_of_case(session=s, case_id=case_id)[0]
        intake.message_from_reporter(session=s, case_id=case_id, text="Ik heb ook de bonnetjes bewaard.")
        due = item.due_at
    clock.set(due - timedelta(days=3))
    with db.session() as s:
        from engine.notifications import service as notifications

        notifications.scan_deadlines(s, working_days=2)
    clock.set(due + timedelta(hours=1))
    with db.session() as s:
        notifications.scan_deadlines(s, working_days=2)
        # the late tasks: the coordinator who watches the deadlines sees this one, the excluded one does not
        assert [i.id for i in worklist.overdue(session=s, user=_user(s, org["coord2"]))] == [item.id]
        assert worklist.overdue(session=s, user=_user(s, org["coord"])) == []
        assert worklist.overdue(session=s, user=_user(s, org["desk"])) == []
    sender.send_due(database=db, settings=config)
    with db.session() as s:
        rows = list(s.scalars(select(Notification)))
        by_user = {(r.user_id, r.kind) for r in rows}
    assert {uid for uid, _ in by_user} & {org["desk"], org["coord"]} == set()
    assert (org["balie"], "nieuwe_taak") in by_user and (org["balie"], "termijn_verstreken") in by_user
    assert (org["coord2"], "bericht_melder") in by_user and (org["coord2"], "termijn_verstreken") in by_user
    received = {m.rcpt[0] for m in smtp.messages()}
    assert received and not received & {"desk@voorbeeld.nl", "coord@voorbeeld.nl"}


def test_a_named_public_report_and_a_staff_report_exclude_likewise_and_the_anonymous_one_keeps_its_code(db, org):
    with db.session() as s:
        anonymous = intake.submit_report(session=s, actor=None, data=REPORT, excluded_user_ids=[org["coord"]])
        named = intake.submit_report(session=s, actor=None, public_way="vertrouwelijk",
                                     data={**REPORT, "melder_naam": "Rina Rapport"}, excluded_user_ids=[org["coord"]])
        desk = _user(s, org["balie"])
        by_staff = intake.submit_report(session=s, actor=desk, data=REPORT, excluded_user_ids=[org["coord"]])
        assert anonymous.receipt_code and len(anonymous.receipt_code) == 16 and named.receipt_code
        ids = [anonymous.case.id, named.case.id, by_staff.case.id]
    with db.session() as s:
        coord, coord2 = _user(s, org["coord"]), _user(s, org["coord2"])
        assert [access.can_see_case(session=s, user=coord, case_id=i) for i in ids] == [False] * 3
        assert [access.can_see_case(session=s, user=coord2, case_id=i) for i in ids] == [True] * 3
        details = [e.details for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "report.submitted"))]
        assert [d.get("uitgesloten") for d in details] == [1, 1, 1]


def _nothing_stored(db):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Case)), s.scalar(select(func.count()).select_from(AuditEvent))


def test_excluding_every_desk_officer_files_nothing_and_says_where_to_report_instead(db, org):
    before = _nothing_stored(db)
    with db.session() as s, pytest.raises(InvalidData) as refused:
        intake.submit_report(session=s, actor=None, data=REPORT, excluded_user_ids=[org["desk"], org["balie"]])
    (error,) = refused.value.errors
    assert error.field == "uitgesloten"
    assert "blijft er niemand van het meldpunt over" in error.message and "Huis voor Klokkenluiders" in error.message
    assert "bevoegd gezag" in error.message and "niet verstuurd" in error.message
    with db.session() as s, pytest.raises(InvalidData) as refused:
        intake.submit_report(session=s, actor=None, data=REPORT, excluded_user_ids=[org["coord"], org["coord2"]])
    assert "blijft er geen integriteitscoördinator over" in refused.value.errors[0].message
    assert _nothing_stored(db) == before
    # one of each left: filed
    assert _report(db, [org["desk"], org["coord"], org["bvi"]])


@pytest.mark.parametrize("raw, says", [
    (["abc"], "kies personen uit de lijst"),
    ("1; DROP TABLE", "kies personen uit de lijst"),
    ({"id": 1}, "kies personen uit de lijst"),
    ([True], "kies personen uit de lijst"),
    ([-3], "kies personen uit de lijst"),
    ([999_999], "alleen personen uit de lijst"),
    (["medewerker"], "kies personen uit de lijst"),
    (list(range(1, 13)), "hoogstens 10 personen"),
])
def test_bad_exclusions_are_refused_in_dutch_naming_the_field_and_nothing_is_stored(db, org, raw, says):
    before = _nothing_stored(db)
    with db.session() as s, pytest.raises(InvalidData) as refused:
        intake.submit_report(session=s, actor=None, data=REPORT, excluded_user_ids=raw)
    (error,) = refused.value.errors
    assert error.field == "uitgesloten" and says in error.message and "Wie mag deze melding niet zien?" in error.message
    assert _nothing_stored(db) == before


def test_only_who_would_see_a_new_report_may_be_excluded_and_only_their_names_are_offered(db, org):
    with db.session() as s:
        offered = exclusions.candidates(s)
        assert {i for i, _ in offered} == {org[k] for k in ("desk", "balie", "coord", "coord2", "bvi")}
        assert all(set(entry) == {entry[0], entry[1]} and isinstance(entry[1], str) for entry in offered)
        with pytest.raises(InvalidData):  # an employee who handles no reports: the same answer as an unknown id
            intake.submit_report(session=s, actor=None, data=REPORT, excluded_user_ids=[org["medewerker"]])
    with db.session() as s:  # an account switched off is not offered
        _user(s, org["balie"]).active = False
    with db.session() as s:
        assert org["balie"] not in {i for i, _ in exclusions.candidates(s)}
