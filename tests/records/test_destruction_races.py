"""The destruction of a case and contact with its reporter, in two PostgreSQL transactions at the same time.

A case is never destroyed while contact with the reporter runs (a signal of retaliation, an open contact task, a
transcript of an oral report under review or with corrections waiting for the desk, a legal hold). Both sides
serialise on the case's row: the destruction (``records.execute_approved`` / ``destroy_case``) locks it and then
checks :func:`records.postponement`; answering a check-in, opening a contact task, the reporter's corrections of a
transcript (which open the desk's task), the worker's round of check-ins (``engine.contact``) and placing a legal
hold lock the same row first, and so do (shared) the reporter's message, request for a meeting and signature of a
transcript, and the desk registering a transcript (``records.lock_live_case``). So the two never cross: either the
contact committed first and the case is skipped on its list with the reason (a message, meeting request or signed
transcript does not hold a case back: it is destroyed with it), or the contact waits and then finds the case
destroyed and writes nothing.

Each test holds one transaction open at the point where it holds the lock (a session this test controls, or a pause
before the commit of the destroying transaction), starts the other in a thread, proves that the other *waits on that
lock* (``pg_stat_activity``: waiting on a ``Lock``, blocked by the first one's backend, in the statement that locks
the case row), then lets the first commit and checks what the second did. PostgreSQL only: on SQLite one writer holds
the whole database, there is nothing to interleave.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.audit.models import AuditEvent, AuditHead
from engine.cases.models import Case
from engine.contact import service as contact
from engine.contact.models import ContactTask, FollowUp, MeetingRequest, OralReport
from engine.errors import NotFound
from engine.identity.models import User
from engine.intake import service as intake
from engine.intake.models import CaseMessage
from engine.clock import now
from engine.legal_terms import add_calendar, local_date, parse_duration
from engine.records import service as records
from engine.records.models import DestructionItem, LegalHold

from .helpers import AMSTERDAM, NO_ACTION, at_noon, closed_case, closed_on
from .test_retention import _checked_in, _deploy_receipt_term

pytestmark = pytest.mark.postgres_only

WAIT = 20.0  # seconds: the bound of every wait here (a lock wait itself ends at the connection's lock_timeout)


@pytest.fixture
def pg(db):
    if db.dialect != "postgresql":
        pytest.skip("row locks between two transactions at once need PostgreSQL; on SQLite one writer holds the "
                    "whole database")
    return db


def _user(s, name: str) -> User:
    return s.scalar(select(User).where(User.username == name))


def _on_approved_list(db, clock, tmp_path, tag: str, kind: str | None = None) -> tuple[int, int, int]:
    """A closed case whose check-ins went out unanswered, on an approved destruction list; the reporter keeps "Mijn
    melding" as long as the case ("zaak"), so she can still answer the last check-in while the list waits. Returns
    (case id, list id, what the step of ``kind`` acts on: the last check-in, or the transcript of an oral report).

    For the steps on a transcript (:data:`ON_A_TRANSCRIPT`) the desk offered one at the last check-in, and its term
    passed unsigned before the case was listed: a transcript under review holds the case back
    (``records.postponement``), so only then is the case listed with it - the reporter can still sign or correct it
    late, and the worker has not yet opened the desk's task for it."""
    case_id, _last = _checked_in(db, clock, tag)
    _deploy_receipt_term(db, tmp_path, "zaak")
    listing_day = date.fromordinal(add_calendar(closed_on(db, case_id), parse_duration("P1Y")).toordinal() + 1)
    report_id = None
    if kind in ON_A_TRANSCRIPT:
        report_id, review_due = _offered_transcript(db, clock, case_id)
        listing_day = max(listing_day, review_due + timedelta(days=1))
    at_noon(clock, listing_day)
    with db.session() as s:
        list_id = records.build_list(session=s).id
        assert [i.case_id for i in records.items(s, list_id)] == [case_id]
        records.propose(session=s, user=_user(s, "coordinator1"), list_id=list_id)
    with db.session() as s:
        records.approve(session=s, user=_user(s, "coordinator2"), list_id=list_id)
        follow_up = s.scalars(select(FollowUp).where(FollowUp.case_id == case_id, FollowUp.state == "verstuurd")
                              .order_by(FollowUp.due_at.desc())).first()
    return case_id, list_id, report_id if report_id is not None else follow_up.id


class _Thread(threading.Thread):
    """Runs ``fn`` and keeps its result or the exception it raised (the test checks both)."""

    def __init__(self, fn, name: str):
        super().__init__(name=name, daemon=True)
        self.fn, self.result, self.error = fn, None, None

    def run(self):
        try:
            self.result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test, which asserts on it
            self.error = exc

    def outcome(self):
        self.join(WAIT)
        assert not self.is_alive(), f"{self.name} did not finish within {WAIT} s"
        return self.result, self.error


_WAITING = text("SELECT pid, query FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
               "AND :by = ANY(pg_blocking_pids(pid)) AND (CAST(:pid AS integer) IS NULL OR pid = :pid)")


def _blocked(db, *, pid: int | None = None, by: int) -> str:
    """Wait until a backend (``pid``, or any) waits on a lock that backend ``by`` holds; returns its statement.
    Polls ``pg_stat_activity`` in a fresh transaction each time (its figures are a per-transaction snapshot).

    A backend found waiting is read once more: PostgreSQL copies the statement texts when a transaction first asks
    but reads the wait itself live, so a backend that began its waiting statement in between shows the statement
    before it (seen once on a loaded machine: the destruction's plain read of its list item, then its wait on the
    case row). While ``by`` holds the lock the backend cannot move on, so the second read names the statement that
    waits."""
    deadline = time.monotonic() + WAIT
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        while time.monotonic() < deadline:
            row = conn.execute(_WAITING, {"by": by, "pid": pid}).first()
            if row is not None:
                again = conn.execute(_WAITING, {"by": by, "pid": row.pid}).first()
                if again is not None:
                    return " ".join(again.query.split())
            time.sleep(0.005)  # the poll's pace; the proof is the row above
    pytest.fail(f"no backend waited on a lock of backend {by} within {WAIT} s")


def _locks_the_case_row(statement: str) -> bool:
    return statement.startswith("SELECT") and "FROM cases" in statement and statement.endswith(("FOR UPDATE",
                                                                                                "FOR SHARE"))


@contextmanager
def _pause_before_commit(thread_name: str, *, only_if=None, pid_key: str | None = None):
    """While active, the transaction of thread ``thread_name`` (one for which ``only_if(session)`` holds, when
    given) stops just before its commit - everything written, its locks held - until ``go`` is set. Yields
    (reached, go, pids); its backend's pid under ``pid_key`` (default: the thread's name)."""
    reached, go, pids = threading.Event(), threading.Event(), {}

    def hold(session: Session):
        if threading.current_thread().name != thread_name or session.in_nested_transaction():
            return
        if only_if is not None and not only_if(session):
            return
        session.flush()
        pids[pid_key or thread_name] = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        reached.set()
        go.wait(WAIT)

    event.listen(Session, "before_commit", hold)
    try:
        yield reached, go, pids
    finally:
        go.set()
        event.remove(Session, "before_commit", hold)


def _pause_before_destruction_commits(thread_name: str):
    """The destroying transaction of ``execute_approved`` in thread ``thread_name`` stops just before its commit -
    everything written, the case row still locked - until ``go`` is set. Yields (locked, go, pids)."""
    return _pause_before_commit(thread_name, pid_key="destruction", only_if=lambda session: any(
        isinstance(o, DestructionItem) and o.status == "vernietigd" for o in session.dirty))


def _answer_yes(s, case_id, follow_up_id):
    """The reporter answers the check-in through "Mijn melding": yes, adverse consequences (a signal of retaliation
    and its contact task open)."""
    return contact.answer(session=s, case_id=case_id, follow_up_id=follow_up_id, adverse="ja",
                          text="Ik ben overgeplaatst.")


def _place_hold(s, case_id, _follow_up_id):
    return records.place_hold(session=s, user=_user(s, "coordinator1"), case_id=case_id,
                              reason="Rechtszaak aangekondigd door de advocaat van de betrokkene.")


def _sweep(s, _case_id, _follow_up_id):
    """The timer worker's round for reporter contact: the transcript's term passed unsigned, so it opens a task."""
    return contact.sweep(session=s)


def _offered_transcript(db, clock, case_id: int) -> tuple[int, date]:
    """The desk registers an oral report of the reporter and offers its transcript (version 1) to sign or correct.
    Returns the oral report's id and the last day of its term (P14D)."""
    with db.session() as s:
        report = contact.register_oral_report(session=s, user=_user(s, "meldpunt1"), case_id=case_id,
                                              channel="telefoon", held_on=clock.now().date().isoformat(),
                                              transcript="De melder belt na over het besluit.")
        return report.id, report.review_due


def _register(s, case_id, _follow_up_id):
    """The desk registers an oral report of the reporter (she called today, on the engine clock) and offers its
    transcript to check, correct and sign."""
    return contact.register_oral_report(session=s, user=_user(s, "meldpunt1"), case_id=case_id, channel="telefoon",
                                        held_on=local_date(now()), transcript="De melder belt na over het besluit.")


def _sign(s, case_id, oral_report_id):
    """The reporter signs the transcript through "Mijn melding"."""
    return contact.sign(session=s, case_id=case_id, oral_report_id=oral_report_id, version=1, agreed=True)


def _correct(s, case_id, oral_report_id):
    """The reporter sends corrections to the transcript through "Mijn melding"."""
    return contact.correct(session=s, case_id=case_id, oral_report_id=oral_report_id,
                           text="Ik belde op dinsdag, niet op maandag.")


def _message(s, case_id, _follow_up_id):
    """The reporter writes the desk through "Mijn melding"."""
    return intake.message_from_reporter(session=s, case_id=case_id, text="Ik wil nog iets aanvullen over mijn melding.")


def _meeting(s, case_id, _follow_up_id):
    """The reporter asks for a phone call through "Mijn melding"."""
    return contact.request_meeting(session=s, case_id=case_id, kind="telefoon", wish="Na vijf uur, op mijn mobiel.",
                                   source="inbox")


# what reopens contact -> (the step, what it ends with when the case was destroyed while it waited: the Dutch
# refusal, or for the worker's round, nothing opened)
CONTACT = {
    "nazorgantwoord": (_answer_yes, (NotFound, "Deze vraag staat niet (meer) voor u open.")),
    "bewaarplicht": (_place_hold, (records.RecordsRefused, "Deze zaak is al vernietigd.")),
    "verslagtaak": (_sweep, 0),
    "verslag": (_register, (NotFound, "Zaak niet gevonden.")),
    "bericht": (_message, (NotFound, "Zaak niet gevonden.")),
    "gespreksverzoek": (_meeting, (NotFound, "Zaak niet gevonden.")),
    "ondertekening": (_sign, (NotFound, "Zaak niet gevonden.")),
    "correctie": (_correct, (NotFound, "Zaak niet gevonden.")),
}
# the steps on a transcript the desk offered before the case was listed, whose term passed unsigned (see
# _on_approved_list): the worker's task for it, the reporter's late signature or corrections
ON_A_TRANSCRIPT = ("verslagtaak", "ondertekening", "correctie")
# what reopens contact -> the reason the destruction skips the case with, when the contact committed first. The
# reporter's corrections hold the case (they wait for the desk's new version, and open its task); so does a new
# transcript under review. Her signature does not: a signed transcript is destroyed with the case.
HELD_BACK = {"nazorgantwoord": "signaal van benadeling", "bewaarplicht": "bewaarplicht",
             "verslagtaak": "taak bij het contact met de melder", "correctie": "correcties op het verslag",
             "verslag": "ter controle en ondertekening"}
# what contact leaves behind on the case it held back: (contact tasks, legal holds)
LEFT = {"bewaarplicht": (0, 1), "verslag": (0, 0)}


def _case_rows(db, case_id: int) -> dict[str, int]:
    """What a case still has that contact could write: its check-ins, contact tasks, holds, messages, meeting
    requests, oral reports and audit events/head."""
    with db.session() as s:
        count = lambda model, cond: s.scalar(select(func.count()).select_from(model).where(cond))  # noqa: E731
        return {"nazorg": count(FollowUp, FollowUp.case_id == case_id),
                "contacttaken": count(ContactTask, ContactTask.case_id == case_id),
                "bewaarplichten": count(LegalHold, LegalHold.case_id == case_id),
                "berichten": count(CaseMessage, CaseMessage.case_id == case_id),
                "gespreksverzoeken": count(MeetingRequest, MeetingRequest.case_id == case_id),
                "verslagen": count(OralReport, OralReport.case_id == case_id),
                "auditregels": count(AuditEvent, AuditEvent.case_id == case_id),
                "auditketen": count(AuditHead, AuditHead.chain == audit.chain_for(case_id))}


@pytest.mark.parametrize("kind", sorted(CONTACT))
def test_contact_that_comes_while_the_case_is_destroyed_waits_and_then_writes_nothing(pg, clock, tmp_path, kind):
    """Destruction first: the run has destroyed the case and holds its row, not yet committed. The reporter's answer
    to a check-in, message, request for a call, signature or corrections of a transcript, the worker opening a task
    for an unsigned transcript, or the coordinator's legal hold, in another transaction, waits on that row lock; once
    the destruction commits it fails with the product's Dutch message (the worker opens nothing) and leaves no row
    behind: no check-in, message, meeting request, transcript, contact task, hold or audit chain of the destroyed
    case."""
    db = pg
    case_id, list_id, target = _on_approved_list(db, clock, tmp_path, "Grutto", kind)
    act, expected = CONTACT[kind]
    with _pause_before_destruction_commits("vernietiging") as (locked, go, pids):
        destruction = _Thread(lambda: records.execute_approved(database=db), "vernietiging")
        destruction.start()
        assert locked.wait(WAIT), "the destruction did not reach its commit"
        started, own = threading.Event(), {}

        def contact_side():
            with db.session() as s:
                own["pid"] = s.scalar(text("SELECT pg_backend_pid()"))
                started.set()
                return act(s, case_id, target)

        other = _Thread(contact_side, kind)
        other.start()
        assert started.wait(WAIT)
        statement = _blocked(db, pid=own["pid"], by=pids["destruction"])
        assert _locks_the_case_row(statement), f"{kind} waited elsewhere than on the case row: {statement}"
        assert other.is_alive()
        go.set()
        assert destruction.outcome() == (1, None)
    result, err = other.outcome()
    if isinstance(expected, tuple):
        assert isinstance(err, expected[0]) and err.detail == expected[1], repr(err)
    else:
        assert (result, err) == (expected, None)
    assert _destroyed(db, case_id)
    assert set(_case_rows(db, case_id).values()) == {0}, _case_rows(db, case_id)
    with db.session() as s:
        (item,) = records.items(s, list_id)
        assert item.status == "vernietigd"
        assert audit.verify(session=s).ok


@pytest.mark.parametrize("kind", sorted(HELD_BACK))
def test_a_destruction_that_comes_while_contact_reopens_waits_and_then_skips_the_case(pg, clock, tmp_path, kind):
    """Contact first: the reporter's "yes" (a signal of retaliation), the worker's task for an unsigned transcript or
    a legal hold is written and holds the case row, not yet committed. The destruction run waits on that lock in its
    own transaction; once the contact commits it finds the postponement, skips the case on the list with the reason
    ("overgeslagen") and destroys nothing."""
    db = pg
    case_id, list_id, target = _on_approved_list(db, clock, tmp_path, "Tureluur", kind)
    act, _expected = CONTACT[kind]
    with db.session() as s:
        contact_pid = s.scalar(text("SELECT pg_backend_pid()"))
        act(s, case_id, target)
        destruction = _destruction_waiting_on(db, contact_pid)
    assert destruction.outcome() == (0, None)
    assert not _destroyed(db, case_id)
    with db.session() as s:
        (item,) = records.items(s, list_id)
        assert item.status == "overgeslagen" and HELD_BACK[kind] in item.note
        assert s.get(Case, case_id).state is not None  # the case itself is whole
        info = records.case_retention(session=s, user=_user(s, "coordinator1"), case_id=case_id)
        assert info.status == "bewaard" and HELD_BACK[kind] in info.postponed.text
        assert audit.verify(session=s).ok
    rows = _case_rows(db, case_id)
    assert rows["nazorg"] == 2 and rows["auditketen"] == 1
    assert (rows["contacttaken"], rows["bewaarplichten"]) == LEFT.get(kind, (1, 0))


def _destruction_waiting_on(db, pid: int) -> "_Thread":
    """Start the destruction run in its own transaction and prove it waits on the case row that ``pid`` holds."""
    destruction = _Thread(lambda: records.execute_approved(database=db), "vernietiging")
    destruction.start()
    statement = _blocked(db, by=pid)
    assert _locks_the_case_row(statement), f"the destruction waited elsewhere than on the case row: {statement}"
    assert destruction.is_alive()
    return destruction


def _destroyed(db, case_id) -> bool:
    with db.session() as s:
        return records.is_destroyed(s, case_id)


def test_a_destruction_that_comes_while_the_reporter_signs_waits_and_then_destroys_the_case(pg, clock, tmp_path):
    """The reporter first: her late signature of the transcript (its term passed, the worker had not yet opened the
    desk's task) is written and her transaction holds the case row (shared), not yet committed. The destruction run
    waits on that lock in its own transaction; once hers commits, it checks the postponement, which a signed
    transcript is not, and destroys the case with the transcript and the reporter's audit line. (Her corrections,
    in the same race, hold the case back: they wait for the desk's new version -
    test_a_destruction_that_comes_while_contact_reopens_waits_and_then_skips_the_case[correctie].)"""
    db = pg
    case_id, list_id, report_id = _on_approved_list(db, clock, tmp_path, "Scholekster", "ondertekening")
    with db.session() as s:
        contact_pid = s.scalar(text("SELECT pg_backend_pid()"))
        _sign(s, case_id, report_id)
        destruction = _destruction_waiting_on(db, contact_pid)
    assert destruction.outcome() == (1, None)
    assert _destroyed(db, case_id)
    assert set(_case_rows(db, case_id).values()) == {0}, _case_rows(db, case_id)
    with db.session() as s:
        (item,) = records.items(s, list_id)
        assert item.status == "vernietigd"
        tombstone = s.scalar(select(AuditEvent).where(AuditEvent.action == audit.TOMBSTONE_ACTION))
        # what the reporter signed went with the case
        assert tombstone.details["verwijderd"]["oral_reports"] == 1
        assert tombstone.details["verwijderd"]["transcript_versions"] == 1
        assert audit.verify(session=s).ok


@pytest.mark.parametrize("surface", ["pagina", "api"])
@pytest.mark.parametrize("kind", ["ondertekening", "correctie"])
def test_the_reporter_who_signs_or_corrects_while_the_case_is_destroyed_reads_why_in_dutch(
        pg, clock, tmp_path, kind, surface):
    """The same race from outside: the reporter signs or corrects the transcript in "Mijn melding" (the page's form,
    or the API) late, while the case is being destroyed (listed once the transcript's term passed unsigned, before
    the worker opened the desk's task). The request waits on the case row, then the refusal reaches the
    reporter in Dutch: the page shows the code form (the receipt code went with the case) saying the case is not
    found, the API answers 404 with the same text - never an error page of the server."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.deps import CSRF_HEADER, reporter_cookie_name
    from api.settings import ApiSettings
    from engine.identity import receipts
    from engine.identity.models import ReceiptCode

    db = pg
    case_id, _list_id, report_id = _on_approved_list(db, clock, tmp_path, "Bonte", kind)
    with db.session() as s:  # the reporter entered the receipt code before the run began
        receipt_id = s.scalar(select(ReceiptCode.id).where(ReceiptCode.case_id == case_id))
        session_id, reporter = receipts.start_reporter_session(session=s, receipt_id=receipt_id)
        csrf = reporter.csrf_token
    client = TestClient(create_app(ApiSettings(cookie_secure=False)), follow_redirects=False,
                        raise_server_exceptions=False)
    client.cookies.set(reporter_cookie_name(False), session_id)
    requests = {
        ("ondertekening", "pagina"): lambda: client.post(f"/mijn-melding/verslagen/{report_id}/ondertekenen",
                                                        data={"versie": "1", "akkoord": "ja", "csrf_token": csrf}),
        ("correctie", "pagina"): lambda: client.post(f"/mijn-melding/verslagen/{report_id}/correcties",
                                                    data={"correcties": "Dinsdag, niet maandag.", "csrf_token": csrf}),
        ("ondertekening", "api"): lambda: client.post(f"/api/v1/melder/verslagen/{report_id}/ondertekening",
                                                     json={"versie": 1, "akkoord": True}, headers={CSRF_HEADER: csrf}),
        ("correctie", "api"): lambda: client.post(f"/api/v1/melder/verslagen/{report_id}/correcties",
                                                 json={"tekst": "Dinsdag, niet maandag."}, headers={CSRF_HEADER: csrf}),
    }
    with _pause_before_destruction_commits("vernietiging") as (locked, go, pids):
        destruction = _Thread(lambda: records.execute_approved(database=db), "vernietiging")
        destruction.start()
        assert locked.wait(WAIT), "the destruction did not reach its commit"
        request = _Thread(requests[kind, surface], f"melder-{surface}")
        request.start()
        statement = _blocked(db, by=pids["destruction"])
        assert _locks_the_case_row(statement), f"the request waited elsewhere than on the case row: {statement}"
        go.set()
        assert destruction.outcome() == (1, None)
    response, err = request.outcome()
    assert err is None, repr(err)
    if surface == "api":
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == "Zaak niet gevonden."
    else:
        assert response.status_code == 401, response.text
        assert "Zaak niet gevonden." in response.text and 'name="ontvangstcode"' in response.text
    assert set(_case_rows(db, case_id).values()) == {0}, _case_rows(db, case_id)


# --------------------------------------------------------------------------- the worker's round of check-ins

def _closed_with_check_ins(db, clock, tag: str, today: date | None = None) -> tuple[int, date]:
    """A case closed ``today`` (where the clock stands) through the real process (unfounded: kept one year) with its
    check-ins after closure (3 and 12 months) planned as at a real closing. Returns (case id, closing day)."""
    case_id, _ = closed_case(db, clock, tag, resolutions=[NO_ACTION], outcome="niet_aangetoond", today=today)
    with db.session() as s:  # the helper issues the code after closing; plan the check-ins as at a real closing
        s.execute(FollowUp.__table__.delete().where(FollowUp.case_id == case_id))
        case = s.get(Case, case_id)
        contact.case_closed(s, case, contact.rules_of(s, case))
    return case_id, closed_on(db, case_id)


def _check_in_days(db, case_id: int) -> list[date]:
    with db.session() as s:
        return [d.astimezone(AMSTERDAM).date() for d in s.scalars(
            select(FollowUp.due_at).where(FollowUp.case_id == case_id).order_by(FollowUp.due_at))]


def _reporter_check_ins(db, case_id: int) -> list[tuple[str, int | None]]:
    """(state, the case of its message) of every check-in of the case, in order."""
    with db.session() as s:
        return [(row.state, s.get(CaseMessage, row.message_id).case_id if row.message_id else None)
                for row in s.scalars(select(FollowUp).where(FollowUp.case_id == case_id)
                                     .order_by(FollowUp.due_at))]


@contextmanager
def _pause_after_reading_due_check_ins(db, thread_name: str):
    """While active, the round of thread ``thread_name`` stops right after it read which check-ins are due (its
    first statement on ``follow_ups``), until ``go`` is set. Yields (read, go, pids)."""
    read, go, pids = threading.Event(), threading.Event(), {}

    def hold(conn, cursor, statement, parameters, context, executemany):
        if threading.current_thread().name != thread_name or read.is_set() or "FROM follow_ups" not in statement:
            return
        pids[thread_name] = cursor.connection.info.backend_pid
        read.set()
        go.wait(WAIT)

    event.listen(db.engine, "after_cursor_execute", hold)
    try:
        yield read, go, pids
    finally:
        go.set()
        event.remove(db.engine, "after_cursor_execute", hold)


def test_a_round_of_check_ins_that_meets_a_case_destroyed_meanwhile_skips_it_and_sends_the_others(
        pg, clock, tmp_path):
    """A case with a check-in still planned is never destroyed (records.postponement), so a round of check-ins meets
    a destroyed case only when it read its due check-ins before another timer worker's round sent that case's last
    check-in, and the case was listed, approved and destroyed before it got to it. Then the round waits on the case
    row the destruction holds, finds the case destroyed, skips its check-in without writing anything onto it, and
    still sends the other case's check-in that is due - no error, nothing half written."""
    db = pg
    x_case, x_closed = _closed_with_check_ins(db, clock, "Wulp")
    x_first, x_last = _check_in_days(db, x_case)
    at_noon(clock, x_first)
    assert contact.send_due_in(db) == 1
    later_day = date.fromordinal(add_calendar(x_closed, parse_duration("P9M")).toordinal() + 1)
    at_noon(clock, later_day)
    other, _ = _closed_with_check_ins(db, clock, "Kluut", later_day)
    other_first, _ = _check_in_days(db, other)
    assert x_last < other_first  # the other case's first check-in falls due after the listed case's last
    _deploy_receipt_term(db, tmp_path, "zaak")  # the reporter keeps "Mijn melding" as long as the case

    at_noon(clock, x_last)
    with _pause_before_commit("nazorgronde-1") as (sent, go_first, first_pids):
        first = _Thread(lambda: contact.send_due_in(db), "nazorgronde-1")
        first.start()
        assert sent.wait(WAIT), "the first round did not reach its commit"  # it sent the listed case's check-in
        at_noon(clock, other_first)
        with _pause_after_reading_due_check_ins(db, "nazorgronde-2") as (read, go_round, round_pids):
            later = _Thread(lambda: contact.send_due_in(db), "nazorgronde-2")
            later.start()
            assert read.wait(WAIT), "the second round did not read its due check-ins"
            go_first.set()
            assert first.outcome() == (1, None)
            # the term passed; the case is listed, proposed and approved while the second round has not got to it
            at_noon(clock, date.fromordinal(add_calendar(x_closed, parse_duration("P1Y")).toordinal() + 1))
            with db.session() as s:
                list_id = records.build_list(session=s).id
                assert [i.case_id for i in records.items(s, list_id)] == [x_case]
                records.propose(session=s, user=_user(s, "coordinator1"), list_id=list_id)
            with db.session() as s:
                records.approve(session=s, user=_user(s, "coordinator2"), list_id=list_id)
            with _pause_before_destruction_commits("vernietiging") as (locked, go, pids):
                destruction = _Thread(lambda: records.execute_approved(database=db), "vernietiging")
                destruction.start()
                assert locked.wait(WAIT), "the destruction did not reach its commit"
                go_round.set()
                statement = _blocked(db, pid=round_pids["nazorgronde-2"], by=pids["destruction"])
                assert _locks_the_case_row(statement), f"the round waited elsewhere than on the case row: {statement}"
                assert later.is_alive()
                go.set()
                assert destruction.outcome() == (1, None)
    assert later.outcome() == (1, None)  # the other case's check-in, and nothing for the destroyed case
    assert _destroyed(db, x_case)
    assert set(_case_rows(db, x_case).values()) == {0}, _case_rows(db, x_case)
    assert _reporter_check_ins(db, other) == [("verstuurd", other), ("gepland", None)]
    with db.session() as s:
        assert audit.verify(session=s).ok


def test_two_rounds_of_check_ins_at_once_send_a_check_in_once(pg, clock):
    """Two timer workers (docs/DEPLOYMENT.md runs several) whose rounds read the same due check-in: the first sends
    it and holds the case row, not yet committed; the second waits on that row, then reads the check-in again, finds
    it sent and sends nothing. The reporter gets the question once."""
    db = pg
    case_id, _closed = _closed_with_check_ins(db, clock, "Plevier")
    first_day, _last = _check_in_days(db, case_id)
    at_noon(clock, first_day)
    with _pause_before_commit("nazorgronde-1") as (sent, go, pids):
        first = _Thread(lambda: contact.send_due_in(db), "nazorgronde-1")
        first.start()
        assert sent.wait(WAIT), "the first round did not reach its commit"
        second = _Thread(lambda: contact.send_due_in(db), "nazorgronde-2")
        second.start()
        statement = _blocked(db, by=pids["nazorgronde-1"])
        assert _locks_the_case_row(statement), f"the second round waited elsewhere than on the case row: {statement}"
        assert second.is_alive()
        go.set()
        assert first.outcome() == (1, None)
    assert second.outcome() == (0, None)
    assert _reporter_check_ins(db, case_id) == [("verstuurd", case_id), ("gepland", None)]
    with db.session() as s:
        question = contact.question_of(s, s.get(Case, case_id))
        to_reporter = [m.body for m in s.scalars(select(CaseMessage).where(CaseMessage.case_id == case_id,
                                                                          CaseMessage.direction == "naar_melder"))]
        assert sum(question in body for body in to_reporter) == 1
        sent_events = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.case_id == case_id, AuditEvent.action == "follow_up.sent"))
        assert sent_events == 1
