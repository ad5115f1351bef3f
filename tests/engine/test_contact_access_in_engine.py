"""The engine decides who reads a case's contact with the reporter, its reveals and its work items (issue 16): the
functions take the user and refuse inside, so a new caller in api/ or web/ that forgets a gate exposes nothing.

Oral reports, meeting requests, follow-up questions (``engine.contact.service``), identity reveals
(``engine.cases.reveal.list_reveals``) and the case's work items (``engine.worklist.service.for_case``): 404
(:class:`NotFound`) for who may not see the case (an outsider, the subject, the subject's manager), 403
(:class:`NotAuthorized`) for a handler of the case who may not see the reporter's words, the rows for the desk.
"""
from __future__ import annotations

import pytest

from engine.cases import reveal
from engine.contact import service as contact
from engine.errors import NotAuthorized, NotFound
from engine.identity import access
from engine.identity.seed import ensure_demo_users
from engine.identity.service import get_user
from engine.intake import service as intake
from engine.processes import service as processes
from engine.worklist import service as worklist
from tests.web import flow

pytestmark = pytest.mark.db

REPORT = {"categorie": "Financiële schendingen", "omschrijving": "Declaraties voor reizen die niet zijn gemaakt.",
          "dienstonderdeel": "Douane", "betrokkene_naam": "M. Medewerker"}


@pytest.fixture
def case_id(db, clock):
    with db.session() as s:
        processes.deploy(session=s)
        ensure_demo_users(session=s, password="wachtwoord-voor-tests")
        subject = get_user(session=s, username="medewerker")
        case_id = intake.submit_report(session=s, actor=None, data=REPORT, subject_user_id=subject.id).case.id
        desk = get_user(session=s, username="meldpunt")
        worklist.claim(session=s, work_item_id=worklist.items_of_case(session=s, case_id=case_id)[0].id, user=desk)
        contact.request_meeting(session=s, case_id=case_id, kind="gesprek", wish="Liefst 's ochtends.",
                                source="inbox")
    flow.complete(db, case_id, "melding_registreren", username="meldpunt")
    with db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        contact.register_oral_report(session=s, user=desk, case_id=case_id, channel="gesprek",
                                     held_on="2026-11-02", transcript="De melder vertelt over de reizen.")
    return case_id


READERS = {
    "oral_reports": lambda s, u, c: contact.oral_reports(session=s, user=u, case_id=c),
    "meeting_requests": lambda s, u, c: contact.meeting_requests(session=s, user=u, case_id=c),
    "follow_ups": lambda s, u, c: contact.follow_ups(session=s, user=u, case_id=c),
    "review_deadlines": lambda s, u, c: contact.review_deadlines(session=s, user=u, case_id=c),
    "list_reveals": lambda s, u, c: reveal.list_reveals(session=s, user=u, case_id=c),
    "for_case": lambda s, u, c: worklist.for_case(session=s, user=u, case_id=c, include_closed=True),
}
# What a handler of the case gets who may not see the reporter's words (Bureau V&I sees every case, not the identity)
HANDLER_REFUSED = {"oral_reports", "meeting_requests", "follow_ups"}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_who_may_not_see_the_case_is_refused_by_the_engine(db, case_id, reader):
    with db.session() as s:
        for username in ("hr", "medewerker", "teamleider", "onderzoeker1"):  # outsider, subject, manager, outsider
            user = get_user(session=s, username=username)
            assert not access.can_see_case(session=s, user=user, case_id=case_id)
            with pytest.raises(NotFound):
                READERS[reader](s, user, case_id)
        with pytest.raises(NotFound):  # no such case: the same answer
            READERS[reader](s, get_user(session=s, username="meldpunt"), 10**6)


@pytest.mark.parametrize("reader", sorted(READERS))
def test_the_desk_reads_and_a_handler_without_the_identity_only_what_is_theirs(db, case_id, reader):
    with db.session() as s:
        desk, bvi = get_user(session=s, username="meldpunt"), get_user(session=s, username="bvi")
        assert access.can_see_case(session=s, user=bvi, case_id=case_id)
        got = READERS[reader](s, desk, case_id)
        if reader in ("oral_reports", "meeting_requests", "review_deadlines", "for_case"):
            assert got, reader
        if reader in HANDLER_REFUSED:
            with pytest.raises(NotAuthorized):
                READERS[reader](s, bvi, case_id)
        else:
            assert READERS[reader](s, bvi, case_id) == got


def test_the_reporter_reads_her_own_contact_through_her_session_only(db, case_id):
    """The reporter's channel: a live reporter session opens exactly its one case; a session without a case (a
    receipt not linked to a report) opens nothing."""
    from engine.identity.models import ReceiptCode, ReporterSession

    with db.session() as s:
        own = ReporterSession(receipt=ReceiptCode(case_id=case_id))
        assert [v.report.case_id for v in contact.reporter_oral_reports(session=s, reporter=own)] == [case_id]
        assert [m.case_id for m in contact.reporter_meeting_requests(session=s, reporter=own)] == [case_id]
        assert contact.reporter_follow_ups(session=s, reporter=own) == []  # none sent yet
        with pytest.raises(NotFound):
            contact.reporter_oral_reports(session=s, reporter=ReporterSession(receipt=ReceiptCode(case_id=None)))
        s.expunge_all()
