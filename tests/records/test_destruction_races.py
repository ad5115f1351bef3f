"""The destruction of a case and contact with its reporter, in two PostgreSQL transactions at the same time.

A case is never destroyed while contact with the reporter runs (a signal of retaliation, an open contact task, a
legal hold). Both sides serialise on the case's row: the destruction (``records.execute_approved`` /
``destroy_case``) locks it and then checks :func:`records.postponement`; answering a check-in, opening a contact
task (``engine.contact``) and placing a legal hold lock the same row first, and so do (shared) the reporter's message
and request for a meeting (``records.lock_live_case``). So the two never cross: either the contact committed first
and the case is skipped on its list with the reason (a message or meeting request does not hold a case back: it is
destroyed with it), or the contact waits and then finds the case destroyed and writes nothing.

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
from engine.contact.models import ContactTask, FollowUp, MeetingRequest
from engine.errors import NotFound
from engine.identity.models import User
from engine.intake import service as intake
from engine.intake.models import CaseMessage
from engine.legal_terms import add_calendar, parse_duration
from engine.records import service as records
from engine.records.models import DestructionItem, LegalHold

from .helpers import at_noon, closed_on
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


def _on_approved_list(db, clock, tmp_path, tag: str) -> tuple[int, int, int]:
    """A closed case whose check-ins went out unanswered, on an approved destruction list; the reporter keeps "Mijn
    melding" as long as the case ("zaak"), so she can still answer the last check-in while the list waits. Returns
    (case id, list id, the id of the last check-in)."""
    case_id, _last = _checked_in(db, clock, tag)
    _deploy_receipt_term(db, tmp_path, "zaak")
    at_noon(clock, date.fromordinal(add_calendar(closed_on(db, case_id), parse_duration("P1Y")).toordinal() + 1))
    with db.session() as s:
        list_id = records.build_list(session=s).id
        assert [i.case_id for i in records.items(s, list_id)] == [case_id]
        records.propose(session=s, user=_user(s, "coordinator1"), list_id=list_id)
    with db.session() as s:
        records.approve(session=s, user=_user(s, "coordinator2"), list_id=list_id)
        follow_up = s.scalars(select(FollowUp).where(FollowUp.case_id == case_id, FollowUp.state == "verstuurd")
                              .order_by(FollowUp.due_at.desc())).first()
    return case_id, list_id, follow_up.id


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


def _blocked(db, *, pid: int | None = None, by: int) -> str:
    """Wait until a backend (``pid``, or any) waits on a lock that backend ``by`` holds; returns its statement.
    Polls ``pg_stat_activity`` in a fresh transaction each time (its figures are a per-transaction snapshot)."""
    deadline = time.monotonic() + WAIT
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        while time.monotonic() < deadline:
            row = conn.execute(text(
                "SELECT pid, query FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND :by = ANY(pg_blocking_pids(pid)) AND (CAST(:pid AS integer) IS NULL OR pid = :pid)"),
                {"by": by, "pid": pid}).first()
            if row is not None:
                return " ".join(row.query.split())
            time.sleep(0.005)  # the poll's pace; the proof is the row above
    pytest.fail(f"no backend waited on a lock of backend {by} within {WAIT} s")


def _locks_the_case_row(statement: str) -> bool:
    return statement.startswith("SELECT") and "FROM cases" in statement and statement.endswith(("FOR UPDATE",
                                                                                                "FOR SHARE"))


@contextmanager
def _pause_before_destruction_commits(thread_name: str):
    """While active, the destroying transaction of ``execute_approved`` in thread ``thread_name`` stops just before
    its commit - everything written, the case row still locked - until ``go`` is set. Yields (locked, go, pids)."""
    locked, go, pids = threading.Event(), threading.Event(), {}

    def hold(session: Session):
        if threading.current_thread().name != thread_name or session.in_nested_transaction():
            return
        if not any(isinstance(o, DestructionItem) and o.status == "vernietigd" for o in session.dirty):
            return
        session.flush()
        pids["destruction"] = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        locked.set()
        go.wait(WAIT)

    event.listen(Session, "before_commit", hold)
    try:
        yield locked, go, pids
    finally:
        go.set()
        event.remove(Session, "before_commit", hold)


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


def _unsigned_transcript(db, clock, case_id: int) -> None:
    """The desk registers an oral report of the reporter on the listed case; its term (P14D) passes unsigned."""
    with db.session() as s:
        contact.register_oral_report(session=s, user=_user(s, "meldpunt1"), case_id=case_id, channel="telefoon",
                                     held_on=clock.now().date().isoformat(),
                                     transcript="De melder belt na over het besluit.")
    clock.advance(timedelta(days=15))


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
    "bericht": (_message, (NotFound, "Zaak niet gevonden.")),
    "gespreksverzoek": (_meeting, (NotFound, "Zaak niet gevonden.")),
}
# what reopens contact -> the reason the destruction skips the case with, when the contact committed first
HELD_BACK = {"nazorgantwoord": "signaal van benadeling", "bewaarplicht": "bewaarplicht",
             "verslagtaak": "taak bij het contact met de melder"}


def _case_rows(db, case_id: int) -> dict[str, int]:
    """What a case still has that contact could write: its check-ins, contact tasks, holds and audit events/head."""
    with db.session() as s:
        count = lambda model, cond: s.scalar(select(func.count()).select_from(model).where(cond))  # noqa: E731
        return {"nazorg": count(FollowUp, FollowUp.case_id == case_id),
                "contacttaken": count(ContactTask, ContactTask.case_id == case_id),
                "bewaarplichten": count(LegalHold, LegalHold.case_id == case_id),
                "berichten": count(CaseMessage, CaseMessage.case_id == case_id),
                "gespreksverzoeken": count(MeetingRequest, MeetingRequest.case_id == case_id),
                "auditregels": count(AuditEvent, AuditEvent.case_id == case_id),
                "auditketen": count(AuditHead, AuditHead.chain == audit.chain_for(case_id))}


@pytest.mark.parametrize("kind", sorted(CONTACT))
def test_contact_that_comes_while_the_case_is_destroyed_waits_and_then_writes_nothing(pg, clock, tmp_path, kind):
    """Destruction first: the run has destroyed the case and holds its row, not yet committed. The reporter's answer
    to a check-in, message or request for a call, the worker opening a task for an unsigned transcript, or the
    coordinator's legal hold, in another transaction, waits on that row lock; once the destruction commits it fails
    with the product's Dutch message (the worker opens nothing) and leaves no row behind: no check-in, message,
    meeting request, contact task, hold or audit chain of the destroyed case."""
    db = pg
    case_id, list_id, follow_up_id = _on_approved_list(db, clock, tmp_path, "Grutto")
    if kind == "verslagtaak":
        _unsigned_transcript(db, clock, case_id)
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
                return act(s, case_id, follow_up_id)

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
    case_id, list_id, follow_up_id = _on_approved_list(db, clock, tmp_path, "Tureluur")
    if kind == "verslagtaak":
        _unsigned_transcript(db, clock, case_id)
    act, _expected = CONTACT[kind]
    with db.session() as s:
        contact_pid = s.scalar(text("SELECT pg_backend_pid()"))
        act(s, case_id, follow_up_id)
        destruction = _Thread(lambda: records.execute_approved(database=db), "vernietiging")
        destruction.start()
        statement = _blocked(db, by=contact_pid)
        assert _locks_the_case_row(statement), f"the destruction waited elsewhere than on the case row: {statement}"
        assert destruction.is_alive()
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
    assert (rows["contacttaken"], rows["bewaarplichten"]) == ((0, 1) if kind == "bewaarplicht" else (1, 0))


def _destroyed(db, case_id) -> bool:
    with db.session() as s:
        return records.is_destroyed(s, case_id)
