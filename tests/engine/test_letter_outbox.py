"""Letters out of the request (issue 25): a step checks its letter in its own transaction and writes an outbox
row; the letter worker renders and stores the .docx after commit, exactly once (also when a worker is killed
mid-render), with retries; a failure becomes an incident whose retry after a fix makes the letter; until it
exists the case shows the letter as "wordt aangemaakt"; a template that cannot render with the forms' data is
refused at deployment."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from documents import service as letters
from documents.build_templates import TemplateBuilder
from documents.errors import LetterRenderError
from documents.models import Letter
from documents.render import docx_text
from engine.cases import letters as case_letters
from engine.cases import service as cases
from engine.config import get_settings
from engine.errors import InvalidData, ProcessValidationError
from engine.identity.models import User
from engine.incidents import service as incidents
from engine.incidents.models import Incident
from engine.letter_outbox import worker
from engine.letter_outbox.models import DONE, FAILED, PENDING, LetterJob
from engine.processes import service as processes
from engine.worklist import service as worklist
from tests.factories import REVIEW, copy_process_set, make_user

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
LETTER = "intake_notitie"
TASK = '<spiffworkflow:property name="priority" value="1"/>'
DECLARATION = (TASK + f'\n          <spiffworkflow:property name="letter" value="{LETTER}"/>'
               '\n          <spiffworkflow:property name="letter_recipient" value="onderzoeker"/>')


def write_letter(directory: Path, body: str) -> None:
    builder = TemplateBuilder(LETTER)
    builder.p(body)
    (directory / "letters").mkdir(exist_ok=True)
    (directory / "letters" / f"{LETTER}.docx").write_bytes(builder.bytes())


@pytest.fixture
def process_set(tmp_path):
    """The review process with a letter of its own on the intake task."""
    target = copy_process_set(REVIEW, tmp_path / "review")
    bpmn = target / "review.bpmn"
    bpmn.write_text(bpmn.read_text().replace(TASK, DECLARATION, 1))
    write_letter(target, "Zaak {{ zaaknummer }}, dienstonderdeel {{ dienstonderdeel }}.")
    return target


@pytest.fixture
def in_worker(monkeypatch):
    """Production's mode: the step only writes the outbox row; the letter worker renders."""
    monkeypatch.setenv("MELDPUNT_BRIEVEN", "achtergrond")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def _case_at_intake(db, process_set) -> tuple[int, int]:
    with db.session() as s:
        processes.deploy(session=s, directory=process_set)
        desk = make_user(s, "desk", "meldpunt")
        make_user(s, "eigenaar", "procesbeheerder", unit=None)
        case = cases.start_case(session=s, actor=desk, data={})
        item = worklist.items_of_case(session=s, case_id=case.id)[0]
        return case.id, item.id


def _complete_intake(db, item_id: int) -> None:
    with db.session() as s:
        desk = s.execute(select(User).where(User.username == "desk")).scalar_one()
        cases.complete_task(session=s, work_item_id=item_id, user=desk,
                            data={"ernstig": False, "dienstonderdeel": "Douane"})


def _letters(db, case_id: int) -> list[Letter]:
    with db.session() as s:
        return letters.list_letters(session=s, case_id=case_id)


def test_the_letter_is_rendered_after_commit_by_the_worker_exactly_once(db, clock, process_set, in_worker):
    case_id, item_id = _case_at_intake(db, process_set)
    _complete_intake(db, item_id)
    assert _letters(db, case_id) == []  # committed step, no .docx yet: it is the worker's
    with db.session() as s:
        (job,) = s.scalars(select(LetterJob)).all()
        assert job.state == PENDING and job.case_id == case_id
        coordinator = make_user(s, "coordinator", "integriteitscoordinator")
        (waiting,) = case_letters.visible_waiting(session=s, user=coordinator, case_id=case_id)
        assert waiting.template == LETTER
    assert worker.render_due(bind=db.engine) == 1
    assert worker.render_due(bind=db.engine) == 0  # nothing rendered twice
    (letter,) = _letters(db, case_id)
    with db.session() as s:
        assert s.scalar(select(LetterJob.state)) == DONE
        assert s.scalar(select(LetterJob.letter_id)) == letter.id
        assert case_letters.visible_waiting(session=s, user=s.scalars(select(User).where(
            User.username == "coordinator")).one(), case_id=case_id) == []
        text = docx_text(letters.letter_content(session=s, letter=s.get(Letter, letter.id)))
    assert "dienstonderdeel Douane" in text


def test_in_the_suites_and_the_cli_the_committing_process_renders_right_after_commit(db, clock, process_set):
    """``na_commit`` (tests/conftest.py): the letter is there when the step's call has returned."""
    case_id, item_id = _case_at_intake(db, process_set)
    _complete_intake(db, item_id)
    (letter,) = _letters(db, case_id)
    with db.session() as s:
        assert s.scalar(select(LetterJob.state)) == DONE


def test_a_step_that_rolls_back_leaves_no_letter_job(db, clock, process_set, in_worker):
    case_id, item_id = _case_at_intake(db, process_set)
    with pytest.raises(RuntimeError):
        with db.session() as s:
            desk = s.execute(select(User).where(User.username == "desk")).scalar_one()
            cases.complete_task(session=s, work_item_id=item_id, user=desk,
                                data={"ernstig": False, "dienstonderdeel": "Douane"})
            raise RuntimeError("the request failed after the step")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(LetterJob)) == 0


def test_a_render_failure_becomes_an_incident_and_a_retry_after_the_fix_makes_the_letter(
        db, clock, process_set, in_worker, monkeypatch):
    case_id, item_id = _case_at_intake(db, process_set)
    _complete_intake(db, item_id)
    real = letters.render_docx_and_text

    def broken(*_args, **_kwargs):
        raise LetterRenderError("Sjabloon 'intake_notitie': de opslag is niet bereikbaar", template=LETTER)

    monkeypatch.setattr(letters, "render_docx_and_text", broken)
    assert worker.render_due(bind=db.engine) == 0
    with db.session() as s:
        job = s.scalars(select(LetterJob)).one()
        assert job.state == PENDING and job.attempts == 1 and job.retry_at is not None  # waits its backoff
        incident = s.scalars(select(Incident)).one()
        assert (incident.source, incident.state, incident.element_id) == ("brief", "open", job.step)
        assert "kon niet worden aangemaakt" in incident.message
        coordinator = make_user(s, "coordinator", "integriteitscoordinator")
        (waiting,) = case_letters.visible_waiting(session=s, user=coordinator, case_id=case_id)
        incident_id = incident.id
    assert worker.render_due(bind=db.engine) == 0  # not due again before its retry moment
    monkeypatch.setattr(letters, "render_docx_and_text", real)  # the fix
    with db.session() as s:
        owner = s.execute(select(User).where(User.username == "eigenaar")).scalar_one()
        incident, resolved = incidents.retry(session=s, by=owner, incident_id=incident_id)
        assert resolved and incident.state == "opgelost"
    (letter,) = _letters(db, case_id)
    with db.session() as s:
        assert s.scalar(select(LetterJob.state)) == DONE


def test_the_incident_stays_open_while_another_letter_of_the_step_still_waits_after_a_failure(
        db, clock, process_set, in_worker, monkeypatch):
    """Two letters of one step, the first fails: the second being made does not resolve the step's incident (the
    first still waits after its failure); the first made on its retry does."""
    from datetime import timedelta

    case_id, item_id = _case_at_intake(db, process_set)
    _complete_intake(db, item_id)
    with db.session() as s:
        first = s.scalars(select(LetterJob)).one()
        s.add(LetterJob(case_id=first.case_id, process_version_id=first.process_version_id, step=first.step,
                        task_id=first.task_id, template=first.template, recipient=first.recipient,
                        payload=first.payload))
    real, calls = letters.render_docx_and_text, []

    def fails_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise LetterRenderError("Sjabloon 'intake_notitie': de opslag is niet bereikbaar", template=LETTER)
        return real(*args, **kwargs)

    monkeypatch.setattr(letters, "render_docx_and_text", fails_once)
    assert worker.render_due(bind=db.engine) == 1
    with db.session() as s:
        states = s.execute(select(LetterJob.state, LetterJob.attempts).order_by(LetterJob.id)).all()
        assert [tuple(r) for r in states] == [(PENDING, 1), (DONE, 0)]
        assert s.scalars(select(Incident.state)).one() == "open"
    clock.advance(timedelta(days=1))  # past the first letter's retry moment
    assert worker.render_due(bind=db.engine) == 1
    with db.session() as s:
        assert s.scalars(select(LetterJob.state)).all() == [DONE, DONE]
        assert s.scalars(select(Incident.state)).one() == "opgelost"
    assert len(_letters(db, case_id)) == 2


def test_a_letter_given_up_after_its_attempts_stays_mislukt_until_the_incident_is_retried(
        db, clock, process_set, in_worker, monkeypatch):
    monkeypatch.setenv("MELDPUNT_BRIEVEN_MAX_ATTEMPTS", "1")
    get_settings.cache_clear()
    case_id, item_id = _case_at_intake(db, process_set)
    _complete_intake(db, item_id)
    monkeypatch.setattr(letters, "render_docx_and_text", lambda *a, **k: (_ for _ in ()).throw(OSError("disk")))
    assert worker.render_due(bind=db.engine) == 0
    with db.session() as s:
        job = s.scalars(select(LetterJob)).one()
        assert job.state == FAILED and job.last_error.startswith("onverwachte fout bij het maken van de brief")
        assert "OSError" not in job.last_error and "disk" not in job.last_error  # Dutch, no class, no message
        assert s.scalars(select(Incident.state)).one() == "open"


def test_a_letter_refused_at_run_time_for_its_terms_does_not_quote_the_word_in_the_incident(
        db, clock, process_set, in_worker, monkeypatch):
    # The refusal tells the case handler which word (the step's form shows it); the incident and the job are read
    # by the process owner and the administrators, who see no case content: the word (a measure) stays out.
    from documents.errors import NotInGeneralTerms

    case_id, item_id = _case_at_intake(db, process_set)
    _complete_intake(db, item_id)

    def refused(*_args, **_kwargs):
        raise NotInGeneralTerms("Het veld 'Terugkoppeling' (terugkoppeling_tekst) noemt 'berisping' (een maatregel): "
                                "dat vertrouwelijke gegeven krijgt de melder niet; schrijf in algemene termen.",
                                field="terugkoppeling_tekst", template=LETTER, placeholder="maatregel")

    monkeypatch.setattr(letters, "render_docx_and_text", refused)
    assert worker.render_due(bind=db.engine) == 0
    with db.session() as s:
        job = s.scalars(select(LetterJob)).one()
        incident = s.scalars(select(Incident)).one()
        for text in (job.last_error, incident.message):
            assert "berisping" not in text
            assert "niet in algemene termen" in text and "terugkoppeling_tekst" in text


def test_a_template_that_cannot_render_with_the_forms_data_is_refused_at_deployment(db, clock, process_set):
    # dienstonderdeel is free text in the form: a date filter on it fails for the data the form allows
    write_letter(process_set, "Zaak {{ zaaknummer }}, sinds {{ dienstonderdeel|nl_datum }}.")
    with db.session() as s, pytest.raises(ProcessValidationError) as refused:
        processes.deploy(session=s, directory=process_set)
    issues = [i for i in refused.value.issues if i.file == f"letters/{LETTER}.docx"]
    assert issues and "geen geldige datum" in issues[0].message and "voorbeeldgegevens" in issues[0].message
    assert processes.check(directory=process_set)  # the check without deploying says the same


def test_a_placeholder_the_steps_data_leaves_empty_refuses_the_step_in_its_transaction(db, clock, process_set,
                                                                                      in_worker):
    """What the deployment check cannot see: its sample case fills every form field, optional ones too, so the
    letter's ``{{ dienstonderdeel }}`` passes; the intake form lets the desk leave that field empty. At run time
    the step is refused in its transaction with the field named in Dutch, and nothing changes."""
    from engine.audit.models import AuditEvent
    from engine.cases.models import Case
    from engine.worklist.models import WorkItem

    case_id, item_id = _case_at_intake(db, process_set)

    def snapshot():
        with db.session() as s:
            return (s.get(Case, case_id).version, s.get(WorkItem, item_id).state,
                    s.scalar(select(func.count()).select_from(LetterJob)),
                    s.scalar(select(func.count()).select_from(Letter)),
                    s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case_id)),
                    s.scalar(select(func.count()).select_from(Incident)))

    before = snapshot()
    with pytest.raises(InvalidData) as refused:
        with db.session() as s:
            desk = s.execute(select(User).where(User.username == "desk")).scalar_one()
            cases.complete_task(session=s, work_item_id=item_id, user=desk, data={"ernstig": False})
    assert refused.value.status == 422  # the form is refused, naming the field the letter needs
    assert str(refused.value) == "De brief ‘van deze stap’ mist gegevens: ‘Dienstonderdeel’"  # by its label
    assert [(e.field, e.message, e.label) for e in refused.value.errors] == [
        ("dienstonderdeel", "is nodig voor de brief ‘van deze stap’ en ontbreekt", "Dienstonderdeel")]
    assert snapshot() == before
    _complete_intake(db, item_id)  # with the field filled in, the same step goes through and makes the letter
    assert worker.render_due(bind=db.engine) == 1
    assert len(_letters(db, case_id)) == 1


WORKER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from datetime import datetime
    from engine import clock
    from engine.db import Database
    from engine.letter_outbox import worker
    clock.set_clock(clock.FrozenClock(datetime.fromisoformat(sys.argv[2])))
    marker = os.environ.get("BLOCK_IN_RENDER")
    if marker:  # this worker stops inside the render, holding the job, until it is killed
        from documents import service as letters
        def stuck(*args, **kwargs):
            Path(marker).write_text("rendering")
            while True:
                time.sleep(1)
        letters.render_docx_and_text = stuck
    ready = os.environ.get("READY_AFTER_FIRST_SWEEP")
    if ready:  # LISTEN is up before the first sweep: from this marker on, only a NOTIFY (or the poll) wakes it
        first_sweep = worker.render_due
        def render_due(**kwargs):
            stored = first_sweep(**kwargs)
            Path(ready).write_text(str(stored))  # the letters the first sweep stored
            return stored
        worker.render_due = render_due
    worker.run(bind=Database(sys.argv[1]).engine, poll_seconds=float(os.environ.get("POLL_SECONDS", "0.2")))
""")


def _worker_process(db, moment, *, block: Path | None = None, ready: Path | None = None,
                    poll_seconds: float = 0.2) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MELDPUNT_BRIEVEN": "achtergrond",
           "POLL_SECONDS": str(poll_seconds)}
    if block is not None:
        env["BLOCK_IN_RENDER"] = str(block)
    if ready is not None:
        env["READY_AFTER_FIRST_SWEEP"] = str(ready)
    return subprocess.Popen([sys.executable, "-c", WORKER, db.url, moment.isoformat()], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_for(condition, proc_list, what: str) -> None:
    import time

    for _ in range(1200):  # a generous bound on a shared machine; the condition ends it
        if condition():
            return
        dead = [p for p in proc_list if p.poll() is not None]
        assert not dead, dead[0].stderr.read()
        time.sleep(0.1)
    pytest.fail(what)


@pytest.fixture
def shared_key(monkeypatch):
    """One encryption key for this process and the worker processes it starts (the outbox row is encrypted)."""
    from engine import crypto

    key = crypto.generate_key()
    monkeypatch.setenv(crypto.ENV_VAR, key)
    previous = crypto.set_keyring(crypto.KeyRing.from_string(key))
    yield
    crypto.set_keyring(previous)


@pytest.mark.postgres_only  # also run by .ci/run on the real date (skipped under libfaketime, below)
def test_two_letter_workers_one_killed_mid_render_the_letter_is_made_exactly_once(db, clock, process_set,
                                                                                    in_worker, shared_key, tmp_path):
    if db.dialect != "postgresql":
        pytest.skip("several letter worker processes need PostgreSQL (SQLite serialises them by its write lock)")
    if os.environ.get("FAKETIME"):  # `make test-on`: libfaketime moves CLOCK_MONOTONIC, which the poll's wait uses
        pytest.skip("the surviving worker's next sweep waits on the monotonic clock, which libfaketime moves; "
                    "this test runs on the machine's real date in `make test`")
    case_id, item_id = _case_at_intake(db, process_set)
    marker = tmp_path / "rendering"
    stuck = _worker_process(db, clock.now(), block=marker)
    other = None
    try:
        _complete_intake(db, item_id)  # committed: NOTIFY wakes the worker, it takes the job and hangs in render
        _wait_for(marker.exists, [stuck], "the first worker never started rendering")
        other = _worker_process(db, clock.now())  # the second worker: the job is locked, it skips it
        with db.session() as s:
            assert s.scalar(select(LetterJob.state)) == PENDING
        stuck.send_signal(signal.SIGKILL)
        stuck.wait(60)

        def made() -> bool:
            with db.session() as s:
                return s.scalar(select(LetterJob.state)) == DONE

        _wait_for(made, [other], "the surviving worker did not render the letter")
        with db.session() as s:
            attempts = s.scalar(select(LetterJob.attempts))
        swept = tmp_path / "restarted-swept"
        restarted = _worker_process(db, clock.now(), ready=swept)  # the killed one, restarted: nothing left for it
        try:
            # its first sweep has run (the marker holds the letters it stored) before anything is counted
            _wait_for(lambda: swept.exists() and swept.read_text(), [restarted], "the restarted worker never swept")
            assert swept.read_text() == "0"
            with db.session() as s:
                assert s.scalar(select(func.count()).select_from(Letter).where(Letter.case_id == case_id)) == 1
                assert (s.scalar(select(LetterJob.state)), s.scalar(select(LetterJob.attempts))) == (DONE, attempts)
        finally:
            restarted.send_signal(signal.SIGTERM)
            restarted.wait(60)
    finally:
        for proc in (stuck, other):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(60)
    assert len(_letters(db, case_id)) == 1


NEVER = 3600.0  # a poll interval no test waits for: only the wake-up can make the letter in time


def _letter_done(db) -> bool:
    with db.session() as s:
        return s.scalar(select(LetterJob.state)) == DONE


def test_the_in_server_worker_is_woken_by_the_steps_commit_not_by_its_poll(db, clock, process_set, in_worker,
                                                                           monkeypatch):
    """The worker thread of the server process (``MELDPUNT_BRIEVEN_IN_SERVER``) waits an hour between sweeps
    here; the step's commit in the same process wakes it at once (the after-commit hook)."""
    import threading

    case_id, item_id = _case_at_intake(db, process_set)
    swept = threading.Event()
    first_sweep = worker.render_due

    def render_due(**kwargs):
        stored = first_sweep(**kwargs)
        swept.set()
        return stored

    monkeypatch.setattr(worker, "render_due", render_due)
    handle = worker.start_background(bind=db.engine, poll_seconds=NEVER)
    try:
        assert swept.wait(120), "the worker thread never swept"  # from here on it waits for a wake-up
        _complete_intake(db, item_id)
        _wait_for(lambda: _letter_done(db), [], "the committed step did not wake the worker thread")
    finally:
        worker.stop_background(handle)
    assert not handle[0].is_alive()
    assert len(_letters(db, case_id)) == 1


def test_a_separate_letter_worker_is_woken_by_notify_at_commit_not_by_its_poll(db, clock, process_set, in_worker,
                                                                               shared_key, tmp_path):
    """``meldpunt brieven run`` in its own process, polling once an hour: the step's NOTIFY (sent in its
    transaction, delivered by PostgreSQL at commit) wakes it."""
    if db.dialect != "postgresql":
        pytest.skip("NOTIFY is PostgreSQL's; on SQLite the letter worker runs in the server's process")
    case_id, item_id = _case_at_intake(db, process_set)
    ready = tmp_path / "listening"
    proc = _worker_process(db, clock.now(), ready=ready, poll_seconds=NEVER)
    try:
        _wait_for(ready.exists, [proc], "the letter worker never started listening")
        _complete_intake(db, item_id)
        _wait_for(lambda: _letter_done(db), [proc], "the NOTIFY at commit did not wake the letter worker")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    assert len(_letters(db, case_id)) == 1


def test_a_second_worker_skips_the_letter_another_is_rendering(db, clock, process_set, in_worker,
                                                                             monkeypatch):
    """While one worker renders, a second one looks for due letters: the first holds the job's row lock, the
    second skips it (``FOR UPDATE SKIP LOCKED``) and renders nothing; the letter is stored once."""
    if db.dialect != "postgresql":
        pytest.skip("on SQLite the first worker holds the database's write lock: a second one waits for it")
    case_id, item_id = _case_at_intake(db, process_set)
    _complete_intake(db, item_id)
    real = letters.render_letter
    raced: dict[str, int] = {}

    def racing(**kwargs):
        if "second" not in raced:
            raced["second"] = -1
            raced["second"] = worker.render_due(bind=db.engine)  # another worker, in the middle of this render
        return real(**kwargs)

    monkeypatch.setattr(letters, "render_letter", racing)
    first = worker.render_due(bind=db.engine)
    assert (first, raced["second"]) == (1, 0)  # the second skipped the locked job
    assert worker.render_due(bind=db.engine) == 0
    assert len(_letters(db, case_id)) == 1
    assert _letter_done(db)
