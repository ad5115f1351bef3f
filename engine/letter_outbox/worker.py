"""The letter worker: renders the outbox's letters after commit (``meldpunt brieven run``; docs/LETTERS.md).

**Exactly once.** A job is taken, rendered, stored and marked ``klaar`` in ONE transaction: the job row is read
``FOR UPDATE SKIP LOCKED`` on PostgreSQL (another worker skips it while this one renders; SQLite takes the write
lock at BEGIN and serialises workers), the letter is rendered, the letter row and the job's ``klaar`` with its
``letter_id`` are written, and the transaction commits. A worker that dies mid-render (a crash, SIGKILL) leaves
an open transaction the database rolls back when its connection drops: the row is unlocked and still ``wacht``,
no letter was stored, and the next worker renders it. Nothing is ever stored twice because storing and marking
``klaar`` commit together, under the row's lock.

**Retries and incidents.** A failed render is rolled back to a savepoint, the job's attempts are raised and it
waits ``brieven_retry_seconds`` (doubling) before the next try; the failure opens (or counts on) an incident of
source ``brief`` for the case's step. After ``brieven_max_attempts`` the job is ``mislukt``: the incident stays
open, and its retry (after the template, the data or the storage is fixed) puts the job back and renders it.

**Waking.** ``na_commit`` (engine.config): the process that committed the step renders its letters right after
the commit. ``achtergrond``: the in-server thread is woken by every commit in its process that wrote a job
(:func:`wake`; no timed wait needed, which matters under libfaketime), ``meldpunt brieven run`` by PostgreSQL's
NOTIFY at commit; both also sweep every ``brieven_poll_seconds`` for retries and other processes' letters.
"""
from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Iterable

from sqlalchemy import bindparam, exists, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from engine.clock import now
from engine.config import get_settings
from engine.letter_outbox.models import DONE, FAILED, PENDING, LetterJob

log = logging.getLogger(__name__)

SOURCE = "brief"  # the incidents' source for a letter that could not be made


def _due(moment):
    return (LetterJob.state == PENDING) & or_(LetterJob.retry_at.is_(None), LetterJob.retry_at <= moment)


# The worker's statements, built once (issue 25: building them and their cache keys cost a letter more than
# running them); the values are bound parameters.
_STATEMENTS: dict = {}


def _statement(name: str, build):
    statement = _STATEMENTS.get(name)
    if statement is None:
        statement = _STATEMENTS[name] = build()
    return statement


def _next_job_statement(*, with_ids: bool, for_update: bool):
    def build():
        q = select(LetterJob).where(_due(bindparam("moment")))
        if with_ids:
            q = q.where(LetterJob.id.in_(bindparam("ids", expanding=True)))
        q = q.order_by(LetterJob.id).limit(1)
        return q.with_for_update(skip_locked=True) if for_update else q

    return _statement(f"next:{with_ids}:{for_update}", build)


def _case_reference_statement():
    from engine.cases.models import Case

    return _statement("reference", lambda: select(Case.reference).where(Case.id == bindparam("case_id")))


def _open_incidents_statement():
    """The step's open letter incidents, none while another of its letters still waits after a failure."""
    from engine.incidents.models import Incident

    def build():
        still_waiting = exists().where(
            LetterJob.case_id == bindparam("case_id"), LetterJob.step == bindparam("step"),
            LetterJob.id != bindparam("job_id"), LetterJob.state.in_((PENDING, FAILED)), LetterJob.attempts > 0)
        return select(Incident).where(Incident.case_id == bindparam("case_id"), Incident.source == SOURCE,
                                      Incident.state == "open", Incident.element_id == bindparam("step"),
                                      ~still_waiting)

    return _statement("incidents", build)


def _produce(session: Session, job: LetterJob):
    """Render and store the job's letter in ``session`` (the caller's transaction)."""
    from documents import service as letters
    from documents.leakguard import vocabulary_of
    from engine.letter_outbox.service import loads
    from engine.processes import service as processes

    # only the case's reference (its row holds the whole workflow state, which the letter does not need)
    reference = session.scalar(_case_reference_statement(), {"case_id": job.case_id})
    if reference is None:
        raise LookupError("the letter's case is not there")
    parsed = processes.parsed_version(session=session, version_id=job.process_version_id)
    # The reporter's leak guard over the whole case ran in the step's transaction on this same text; here the
    # letter's own data is checked again on the stored bytes (documents.service.render_letter).
    return letters.produce_letter(
        session=session, case_id=job.case_id, case_reference=reference, step=job.step,
        template=job.template, recipient=job.recipient, data=loads(job.payload),
        settings=parsed.manifest.settings, vocabulary=vocabulary_of(parsed),
        templates_dir=parsed.templates or None, catalogue=parsed.letter_catalogue)


def _backoff(attempts: int) -> timedelta:
    s = get_settings()
    return timedelta(seconds=min(s.brieven_retry_seconds * 2 ** min(attempts - 1, 30), s.brieven_retry_max_seconds))


def _failure_text(exc: BaseException) -> str:
    from documents.errors import LetterRenderError, NotInGeneralTerms

    if isinstance(exc, NotInGeneralTerms):
        # not the word the guard found (a name's initial, a measure): the job and its incident are read by the
        # process owner and the administrators, who see no case content; the case handler's form names it
        where = f"het veld '{exc.field}'" if exc.field else "de tekst van de brief"
        return (f"{where} is niet in algemene termen geschreven: het noemt een vertrouwelijk gegeven dat de "
                f"ontvanger niet mag krijgen")
    if isinstance(exc, LetterRenderError):
        return str(exc.detail if hasattr(exc, "detail") else exc)
    # only the class name, in the log (the message may quote case data); the text is for the people who see it
    log.error("letter job failed: %s", type(exc).__name__)
    return "onverwachte fout bij het maken van de brief; de technische melding staat in het serverlog"


def attempt(session: Session, job: LetterJob, *, by: str = "system") -> bool:
    """Render ``job`` inside ``session``'s transaction (a savepoint around the render). True: stored and
    ``klaar``; False: the failure is recorded on the job and on its incident."""
    from engine.incidents import service as incidents

    try:
        with session.begin_nested():
            letter = _produce(session, job)
    except Exception as exc:  # any failure: the letter is not there; the job says why, the incident too
        detail = _failure_text(exc)
        job.attempts += 1
        job.last_error = detail[:2000]
        if job.attempts >= get_settings().brieven_max_attempts:
            job.state, job.retry_at = FAILED, None
        else:
            job.retry_at = now() + _backoff(job.attempts)
        log.warning("letter job %s of case %s failed (attempt %s): %s", job.id, job.case_id, job.attempts,
                    type(exc).__name__)
        incident = incidents.record(session, case_id=job.case_id, source=SOURCE, exc=exc, element_id=job.step)
        incident.code = "brief-mislukt"
        incident.message = f"De brief ‘{_title(session, job)}’ kon niet worden aangemaakt: {detail}"[:4000]
        return False
    job.state, job.letter_id, job.done_at, job.retry_at = DONE, letter.id, now(), None
    _resolve_incidents(session, job, by=by)
    return True


def _title(session: Session, job: LetterJob) -> str:
    from documents import service as letters
    from engine.processes import service as processes

    try:
        parsed = processes.parsed_version(session=session, version_id=job.process_version_id)
        return letters.letter_title(job.template, parsed.letter_catalogue)
    except Exception:
        return letters.letter_title(job.template)


def _resolve_incidents(session: Session, job: LetterJob, *, by: str) -> None:
    from engine.incidents import service as incidents

    # one statement: no incident is resolved while another letter of the step still waits after a failure
    for incident in session.scalars(_open_incidents_statement(),
                                    {"case_id": job.case_id, "step": job.step, "job_id": job.id}).all():
        incidents._resolve(session, incident, by=by)


def render_one(*, bind: Engine, ids: Iterable[int] | None = None) -> bool | None:
    """Take one due job (of ``ids`` when given), render, store and mark it in one transaction. None: nothing
    due; else whether the letter was stored.

    On SQLite that transaction holds the database's write lock during the render. Rendering between two short
    transactions instead (read; render; store if still ``wacht``) was measured (bench/findings.md, 0f-deliver):
    under load the letter then queues twice for the lock and became visible later, with no measurable gain for
    the steps."""
    with Session(bind=bind, expire_on_commit=False) as session, session.begin():
        q = _next_job_statement(with_ids=ids is not None, for_update=bind.dialect.name == "postgresql")
        job = session.scalars(q, {"moment": now(), **({"ids": list(ids)} if ids is not None else {})}).first()
        if job is None:
            return None
        return attempt(session, job)


def render_due(*, bind: Engine, ids: Iterable[int] | None = None, limit: int | None = None) -> int:
    """Render what is due (only ``ids`` when given). Returns the letters stored. Never raises: a failure is on
    the job and its incident, a database error is logged and the next sweep tries again."""
    ids = list(ids) if ids is not None else None
    stored = tried = 0
    while limit is None or tried < limit:
        try:
            outcome = render_one(bind=bind, ids=ids)
        except Exception:
            log.exception("letter sweep failed")
            break
        if outcome is None:
            break
        tried += 1
        stored += bool(outcome)
        if ids is not None and tried >= len(ids):
            break
    return stored


def retry(session: Session, *, case_id: int, step: str | None, by: str) -> bool:
    """Retry the letters of a case's step that failed (an incident's retry, after a fix), now, in ``session``'s
    transaction. True when none of them is still missing."""
    q = select(LetterJob).where(LetterJob.case_id == case_id, LetterJob.state.in_((PENDING, FAILED)))
    if step is not None:
        q = q.where(LetterJob.step == step)
    ok = True
    for job in session.scalars(q.order_by(LetterJob.id)).all():
        job.state, job.retry_at, job.attempts = PENDING, None, 0
        ok = attempt(session, job, by=by) and ok
    return ok


def backlog(*, session: Session) -> dict[str, int]:
    """Jobs per state other than klaar (for `meldpunt brieven status` and monitoring)."""
    rows = session.execute(select(LetterJob.state, func.count()).where(LetterJob.state != DONE)
                           .group_by(LetterJob.state)).all()
    return {state: n for state, n in rows}


# --------------------------------------------------------------------------- the loop

_wakers: set[threading.Event] = set()
_wakers_lock = threading.Lock()


def wake() -> None:
    """A job was committed in this process: wake the in-server worker thread(s)."""
    with _wakers_lock:
        for event in _wakers:
            event.set()


def _listen(bind: Engine):
    """A PostgreSQL connection LISTENing on the outbox channel (``None`` on SQLite or when it fails)."""
    if bind.dialect.name != "postgresql":
        return None
    try:
        import psycopg

        from engine.letter_outbox.service import CHANNEL

        url = bind.url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = psycopg.connect(url, autocommit=True)
        conn.execute(f"LISTEN {CHANNEL}")
        return conn
    except Exception:
        log.warning("letter worker: LISTEN not available, polling only")
        return None


def run(*, bind: Engine, once: bool = False, poll_seconds: float | None = None,
        stop: threading.Event | None = None, listen: bool = True) -> int:
    """Render until stopped (or one sweep). Returns the letters stored."""
    poll = get_settings().brieven_poll_seconds if poll_seconds is None else poll_seconds
    stop = stop or threading.Event()
    woken = threading.Event()
    with _wakers_lock:
        _wakers.add(woken)
    conn = _listen(bind) if listen and not once else None
    total = 0
    try:
        while not stop.is_set():
            woken.clear()
            total += render_due(bind=bind)
            if once or stop.is_set():
                break
            if conn is not None:
                try:
                    for _ in conn.notifies(timeout=poll, stop_after=1):
                        pass
                    for _ in conn.notifies(timeout=0):  # the others that came meanwhile: one sweep takes them all
                        pass
                except Exception:
                    log.warning("letter worker: LISTEN connection lost, polling only")
                    conn = None
            else:
                woken.wait(poll)
    finally:
        with _wakers_lock:
            _wakers.discard(woken)
        if conn is not None:
            conn.close()
    return total


def start_background(*, bind: Engine, poll_seconds: float | None = None) -> tuple[threading.Thread, threading.Event]:
    """The letter worker as a daemon thread of this process (``MELDPUNT_BRIEVEN_IN_SERVER``); woken by this
    process's commits (:func:`wake`). Set the event and call :func:`wake` to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=run, kwargs={"bind": bind, "poll_seconds": poll_seconds, "stop": stop,
                                                  "listen": False},
                              name="meldpunt-brieven", daemon=True)
    thread.start()
    return thread, stop


def stop_background(handle: tuple[threading.Thread, threading.Event], timeout: float = 10.0) -> None:
    thread, stop = handle
    stop.set()
    wake()
    thread.join(timeout=timeout)
