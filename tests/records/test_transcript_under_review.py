"""A transcript of an oral report under review holds its case back (engine.records.service.postponement) and keeps
the anonymous reporter's receipt code (``_last_contact_day``): while the reporter can still check, correct and sign
it within its term (EU 2019/1937 art. 18), or her corrections wait for the desk's new version. Once the term passed
unsigned, the timer worker's task for the desk holds the case in its turn; once she signed, or the desk recorded that
she did not, the receipt code's term runs from that last contact after closure (she can still see what she signed,
read and answer the last message) and then nothing holds it.

Time travel with the ``clock`` fixture only. Real process, real database (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from engine.contact import service as contact
from engine.contact.models import OralReport
from engine.functions import dutch_date
from engine.identity.models import ReceiptCode, User
from engine.legal_terms import add_calendar, legal_deadline, local_date, parse_duration
from engine.records import service as records

from .helpers import NO_ACTION, at_noon, closed_case, closed_on

TRANSCRIPT = "De melder belt na over het besluit en vertelt wat zij sindsdien zag."


def _user(s, name: str) -> User:
    return s.scalar(select(User).where(User.username == name))


def _day_after(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


def _unfounded(db, clock, tag: str) -> tuple[int, date]:
    """An unfounded case (kept one year) closed with the reporter's receipt code; returns (case id, its last day)."""
    case_id, _ = closed_case(db, clock, tag, resolutions=[NO_ACTION], outcome="niet_aangetoond")
    return case_id, add_calendar(closed_on(db, case_id), parse_duration("P1Y"))


def _register(db, clock, case_id: int) -> tuple[int, date]:
    """The desk registers an oral report today and offers its transcript; returns (its id, its review term's end)."""
    with db.session() as s:
        report = contact.register_oral_report(session=s, user=_user(s, "meldpunt1"), case_id=case_id,
                                              channel="telefoon", held_on=clock.now().date().isoformat(),
                                              transcript=TRANSCRIPT)
        assert report.review_due == legal_deadline(clock.now().date(), "P14D")
        return report.id, report.review_due


def _postponed(db, case_id: int) -> records.Postponement | None:
    with db.session() as s:
        return records.case_retention(session=s, user=_user(s, "coordinator1"), case_id=case_id).postponed


def _listed(db) -> list[int]:
    with db.session() as s:
        return [case.id for case, *_ in records.due_cases(session=s)]


def _code_term_end(db, day: date) -> date:
    """The last day of the ``ontvangstcodes`` term (the reporter's way in after closure) that runs from ``day``."""
    with db.session() as s:
        return records.current_rules(s).part_end_of_term("ontvangstcodes", day)


def _today(clock) -> date:
    return local_date(clock.now())


def _review(db, case_id: int) -> date:
    with db.session() as s:
        return s.scalar(select(OralReport.review_due).where(OralReport.case_id == case_id))


def test_a_transcript_under_review_keeps_the_case_off_the_list_until_the_reporter_signs(db, clock):
    """Offered three days before the case's term ends: the day after the term the case is not listed, and its
    retention page says until when the reporter can sign. Her corrections hold it until the desk's new version,
    whose new term holds it again; once she signed, the case is listed."""
    case_id, end = _unfounded(db, clock, "Roerdomp")
    at_noon(clock, date.fromordinal(end.toordinal() - 3))
    report_id, review_due = _register(db, clock, case_id)
    at_noon(clock, _day_after(end))
    assert _listed(db) == []
    postponed = _postponed(db, case_id)
    assert (postponed.code, postponed.until) == ("verslag_ter_controle", review_due)
    assert postponed.text == (f"Het verslag van een mondelinge melding ligt bij de melder ter controle en "
                              f"ondertekening tot en met {dutch_date(review_due)}; de zaak wordt niet eerder "
                              f"vernietigd.")
    with db.session() as s:
        contact.correct(session=s, case_id=case_id, oral_report_id=report_id, text="Het was dinsdag, niet maandag.")
    at_noon(clock, _day_after(review_due))  # the first term is over; the corrections still wait for the desk
    assert _listed(db) == []
    postponed = _postponed(db, case_id)
    assert (postponed.code, postponed.until) == ("verslag_ter_controle", None)
    assert postponed.text.startswith("De melder stuurde correcties op het verslag van een mondelinge melding")
    with db.session() as s:
        contact.revise(session=s, user=_user(s, "meldpunt1"), case_id=case_id, oral_report_id=report_id,
                       transcript=TRANSCRIPT.replace("zag", "op dinsdag zag"))
    second_due = _review(db, case_id)
    assert second_due > review_due
    assert _listed(db) == []
    assert (_postponed(db, case_id).code, _postponed(db, case_id).until) == ("verslag_ter_controle", second_due)
    with db.session() as s:
        contact.sign(session=s, case_id=case_id, oral_report_id=report_id, version=3, agreed=True)
    signed, code_end = _today(clock), _code_term_end(db, _today(clock))
    postponed = _postponed(db, case_id)
    assert (postponed.code, postponed.until) == ("nazorg_termijn", code_end)
    assert postponed.text == (f"De melder kan tot en met {dutch_date(code_end)} het verslag van een mondelinge "
                              f"melding inzien dat op {dutch_date(signed)} werd ondertekend; de zaak wordt niet "
                              f"eerder vernietigd.")
    assert _listed(db) == []
    at_noon(clock, code_end)
    assert _listed(db) == []
    at_noon(clock, _day_after(code_end))
    assert _postponed(db, case_id) is None
    assert _listed(db) == [case_id]


def test_after_the_term_the_desks_task_holds_the_case_and_a_transcript_not_signed_does_not(db, clock):
    """The last day of the review term still holds the case (``until``). The day after, the timer worker opens the
    desk's task, which holds it; once the desk records that the reporter did not sign (which tells her so in her
    mailbox), the receipt code's term from that message holds it, and then nothing does."""
    case_id, end = _unfounded(db, clock, "Visdief")
    at_noon(clock, end)
    report_id, review_due = _register(db, clock, case_id)
    at_noon(clock, review_due)
    assert _listed(db) == []
    assert (_postponed(db, case_id).code, _postponed(db, case_id).until) == ("verslag_ter_controle", review_due)
    at_noon(clock, _day_after(review_due))
    assert contact.sweep_in(db) == 1
    assert _listed(db) == [] and _postponed(db, case_id).code == "contacttaak"
    with db.session() as s:
        desk = _user(s, "meldpunt1")
        [(task, _case)] = contact.open_tasks(session=s, user=desk)
        contact.claim_task(session=s, user=desk, case_id=case_id, task_id=task.id)
        contact.complete_task(session=s, user=desk, case_id=case_id, task_id=task.id, outcome="niet_ondertekend",
                              motivation="De melder reageert niet.")
    # the last contact after closure: the message telling her the transcript was recorded as not signed by her
    told = _today(clock)
    assert told == _day_after(review_due)
    code_end = _code_term_end(db, told)
    postponed = _postponed(db, case_id)
    assert (postponed.code, postponed.until) == ("nazorg_termijn", code_end)
    assert postponed.text == (f"De melder kan tot en met {dutch_date(code_end)} het laatste bericht in de "
                              f"berichtenbox (van {dutch_date(told)}) lezen en beantwoorden; de zaak wordt niet "
                              f"eerder vernietigd.")
    at_noon(clock, _day_after(code_end))
    assert _postponed(db, case_id) is None
    assert _listed(db) == [case_id]


def test_a_transcript_offered_after_approval_takes_the_case_off_the_list(db, clock):
    """The case is listed, proposed and approved; then the desk registers an oral report of its reporter. The case
    leaves the list at once with the reason in Dutch, and the destruction run does not destroy it."""
    case_id, end = _unfounded(db, clock, "Woudaap")
    at_noon(clock, _day_after(end))
    with db.session() as s:
        list_id = records.build_list(session=s).id
        records.propose(session=s, user=_user(s, "coordinator1"), list_id=list_id)
    with db.session() as s:
        records.approve(session=s, user=_user(s, "coordinator2"), list_id=list_id)
    _report_id, review_due = _register(db, clock, case_id)
    with db.session() as s:
        (item,) = records.items(s, list_id)
        assert item.status == "overgeslagen"
        assert item.note == (f"Aangehouden: Het verslag van een mondelinge melding ligt bij de melder ter controle en "
                             f"ondertekening tot en met {dutch_date(review_due)}; de zaak wordt niet eerder "
                             f"vernietigd.")
    assert records.execute_approved(database=db) == 0
    with db.session() as s:
        assert not records.is_destroyed(s, case_id)


def test_the_receipt_code_stays_while_the_reporter_can_sign_or_her_corrections_wait(db, clock):
    """The receipt code's own term (P3M from closing) has passed, but the reporter signs the transcript with it:
    it is not purged while the review term runs, nor while her corrections wait for the desk or the new version's
    term runs. Once she signed, the code stays for the term from her signature (she can still see what she signed),
    and goes the day after."""
    case_id, _end = _unfounded(db, clock, "Lepelaar")
    code_end = add_calendar(closed_on(db, case_id), parse_duration("P3M"))

    def codes() -> int:
        with db.session() as s:
            return s.scalar(select(func.count()).select_from(ReceiptCode).where(ReceiptCode.case_id == case_id))

    at_noon(clock, code_end)  # the code's last day: the reporter called, the desk registers the transcript
    report_id, review_due = _register(db, clock, case_id)
    at_noon(clock, _day_after(code_end))
    assert records.run(database=db).receipt_codes_purged == 0 and codes() == 1
    at_noon(clock, review_due)
    assert records.run(database=db).receipt_codes_purged == 0 and codes() == 1
    with db.session() as s:
        contact.correct(session=s, case_id=case_id, oral_report_id=report_id, text="Het was dinsdag, niet maandag.")
    clock.advance(timedelta(days=10))  # the corrections wait for the desk (its task's term passed too)
    assert records.run(database=db).receipt_codes_purged == 0 and codes() == 1
    with db.session() as s:
        contact.revise(session=s, user=_user(s, "meldpunt1"), case_id=case_id, oral_report_id=report_id,
                       transcript=TRANSCRIPT.replace("zag", "op dinsdag zag"))
    clock.advance(timedelta(days=1))
    assert records.run(database=db).receipt_codes_purged == 0 and codes() == 1
    with db.session() as s:
        contact.sign(session=s, case_id=case_id, oral_report_id=report_id, version=3, agreed=True)
    signed_end = _code_term_end(db, _today(clock))
    clock.advance(timedelta(days=1))
    assert records.run(database=db).receipt_codes_purged == 0 and codes() == 1  # was purged here before
    at_noon(clock, signed_end)
    assert records.run(database=db).receipt_codes_purged == 0 and codes() == 1
    at_noon(clock, _day_after(signed_end))
    assert records.run(database=db).receipt_codes_purged == 1 and codes() == 0
