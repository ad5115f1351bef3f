"""Oral reports with a transcript the reporter signs (EU 2019/1937 art. 9(2), art. 18) and the follow-up after
closure (engine.contact), on the real engine, process set and database."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from engine.cases.models import Case
from engine.contact import service as contact
from engine.contact.models import ContactTask, OralReport
from engine.errors import InvalidData, NotAuthorized, NotFound
from engine.identity.models import User
from engine.identity.seed import ensure_demo_users
from engine.identity.service import get_user
from engine.intake import service as intake
from engine.processes import service as processes
from engine.worklist import service as worklist
from tests.web import flow

REPORT = {"categorie": "Financiële schendingen", "omschrijving": "Er verdwijnt geld uit de kas.",
          "dienstonderdeel": "Douane"}
TRANSCRIPT = "De melder vertelt dat er sinds maart geld uit de kas verdwijnt."


@pytest.fixture
def org(db, clock):
    with db.session() as s:
        processes.deploy(session=s)
        ensure_demo_users(session=s, password="wachtwoord-voor-tests")


def _anonymous_case(db) -> int:
    with db.session() as s:
        case_id = intake.submit_report(session=s, actor=None, data=REPORT).case.id
        desk = get_user(session=s, username="meldpunt")
        worklist.claim(session=s, work_item_id=worklist.items_of_case(session=s, case_id=case_id)[0].id, user=desk)
    return case_id


def _close(db, case_id: int) -> None:
    """Walk the real process to its end by the short route (no investigation)."""
    for _ in range(30):
        ids = [i[1] for i in flow.ready(db, case_id)]
        if not ids:
            return
        data = None
        if ids[0] == "melding_beoordelen":
            data = {**flow.ANSWERS.get(ids[0], {}), "route": "geen_onderzoek",
                    "beoordeling_motivering": "Geen nadere eisen."}
        flow.complete(db, case_id, ids[0], data)
    raise AssertionError("the case did not close")


def test_meeting_request_oral_report_corrections_and_signature(db, org, clock):
    case_id = _anonymous_case(db)
    with db.session() as s:
        request = contact.request_meeting(session=s, case_id=case_id, kind="telefoon",
                                          wish="Bel mij liefst na vijf uur.", source="formulier")
        request_id = request.id
        with pytest.raises(InvalidData) as err:
            contact.request_meeting(session=s, case_id=case_id, kind="brief", wish="", source="inbox")
        assert err.value.errors[0].field == "gesprek"
    with db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        with pytest.raises(InvalidData) as err:  # not yet held: a date in the future
            contact.register_oral_report(session=s, user=desk, case_id=case_id, channel="telefoon",
                                         held_on=date(2026, 11, 3), transcript=TRANSCRIPT)
        assert err.value.errors[0].field == "datum"
        with pytest.raises(NotAuthorized):  # who may not write the reporter does not register their words
            contact.register_oral_report(session=s, user=get_user(session=s, username="onderzoeker1"),
                                         case_id=case_id, channel="telefoon", held_on="2026-11-02",
                                         transcript=TRANSCRIPT)
        report = contact.register_oral_report(session=s, user=desk, case_id=case_id, channel="telefoon",
                                              held_on="2026-11-02", transcript=TRANSCRIPT,
                                              meeting_request_id=request_id)
        report_id = report.id
        # the term is declared in the manifest (P14D, Algemene termijnenwet): 2 + 14 = 16 November 2026
        assert report.review_due == date(2026, 11, 16) and report.status == "ter_controle"
        assert "16 november 2026" in intake.messages(session=s, case_id=case_id)[-1].body
    with db.session() as s:
        with pytest.raises(contact.NotSigned):  # the engine never treats it as signed before the reporter signs
            contact.signed_transcript(session=s, oral_report_id=report_id)
        contact.correct(session=s, case_id=case_id, oral_report_id=report_id,
                        text="Het was sinds februari, niet maart.")
        with pytest.raises(NotAuthorized):  # a correction waits for the desk's new version
            contact.sign(session=s, case_id=case_id, oral_report_id=report_id, version=1, agreed=True)
    with db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        contact.revise(session=s, user=desk, case_id=case_id, oral_report_id=report_id,
                       transcript=TRANSCRIPT.replace("maart", "februari"))
    with db.session() as s:
        with pytest.raises(InvalidData):  # the version read must be the latest
            contact.sign(session=s, case_id=case_id, oral_report_id=report_id, version=1, agreed=True)
        with pytest.raises(InvalidData) as err:
            contact.sign(session=s, case_id=case_id, oral_report_id=report_id, version=3, agreed=False)
        assert err.value.errors[0].field == "akkoord"
        contact.sign(session=s, case_id=case_id, oral_report_id=report_id, version=3, agreed=True)
    with db.session() as s:
        signed = contact.signed_transcript(session=s, oral_report_id=report_id)
        assert signed.number == 3 and "februari" in signed.body
        view = contact.oral_reports(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id)[0]
        assert [(v.number, v.kind) for v in view.versions] == [(1, "verslag"), (2, "correctie"), (3, "verslag")]
        assert view.status_text == "Ondertekend door de melder"
        with pytest.raises(NotAuthorized):  # the signed version stays as it is
            contact.revise(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id,
                           oral_report_id=report_id, transcript="Iets anders.")
        assert contact.meeting_requests(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id)[0].oral_report_id == report_id
    with db.engine.connect() as conn:  # every text is encrypted at rest; the audit trail carries no text
        dump = "\n".join(str(r) for t in ("transcript_versions", "meeting_requests", "audit_events")
                         for r in conn.execute(text(f"SELECT * FROM {t}")).all())
    assert "kas" not in dump and "februari" not in dump and "vijf uur" not in dump


def test_no_oral_report_without_an_inbox(db, org):
    with db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        case_id = intake.submit_report(session=s, actor=desk, data={**REPORT, "melder_naam": "Bo de Vries"},
                                       reporter_user_id=get_user(session=s, username="medewerker").id).case.id
        worklist.claim(session=s, work_item_id=worklist.items_of_case(session=s, case_id=case_id)[0].id, user=desk)
        with pytest.raises(NotAuthorized) as err:
            contact.register_oral_report(session=s, user=desk, case_id=case_id, channel="gesprek",
                                         held_on="2026-11-02", transcript=TRANSCRIPT)
        assert "Mijn melding" in err.value.detail


def test_follow_up_after_closure_and_a_signal_of_retaliation(db, org, clock):
    case_id = _anonymous_case(db)
    _close(db, case_id)
    with db.session() as s:
        rows = contact.follow_ups(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id)
        assert [(r.term, r.state) for r in rows] == [("P3M", "gepland"), ("P12M", "gepland")]
        assert contact.send_due(session=s) == 0
    clock.advance(timedelta(days=92))  # the engine clock, never the wall clock
    assert contact.send_due_in(db) == 1
    with db.session() as s:
        first = contact.follow_ups(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id)[0]
        assert first.state == "verstuurd"
        assert intake.messages(session=s, case_id=case_id)[-1].body.startswith(
            "Heeft u na uw melding nadelige gevolgen ervaren?")
        with pytest.raises(InvalidData) as err:
            contact.answer(session=s, case_id=case_id, follow_up_id=first.id, adverse="misschien", text="")
        assert err.value.errors[0].field == "nadelige_gevolgen"
        assert contact.open_tasks(session=s, user=get_user(session=s, username="coordinator")) == []
        contact.answer(session=s, case_id=case_id, follow_up_id=first.id, adverse="ja",
                       text="Ik word niet meer uitgenodigd voor overleg.")
    with db.session() as s:  # a real task: in the coordinator's pool, not the desk's, with the manifest's term
        coordinator = get_user(session=s, username="coordinator")
        tasks = contact.open_tasks(session=s, user=coordinator)
        assert [(t.kind, t.follow_up_id, c.id, t.assignee_id) for t, c in tasks] == [
            ("represaille", first.id, case_id, None)]
        task_id = tasks[0][0].id
        assert tasks[0][0].due_at is not None and tasks[0][0].due_at > clock.now()  # signal_task_term P10D
        assert contact.open_tasks(session=s, user=get_user(session=s, username="meldpunt")) == []
        assert contact.reporter_signals_retaliation(session=s, case_id=case_id)
        with pytest.raises(NotAuthorized):  # the desk has not the task's role
            contact.claim_task(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id,
                               task_id=task_id)
        with pytest.raises(NotAuthorized) as err:  # complete only after claiming it
            contact.complete_task(session=s, user=coordinator, case_id=case_id, task_id=task_id,
                                  outcome="doorverwezen", motivation="Doorverwezen.")
        assert "Pak de taak eerst op" in err.value.detail
        contact.claim_task(session=s, user=coordinator, case_id=case_id, task_id=task_id)
    with db.session() as s:
        coordinator = get_user(session=s, username="coordinator")
        with pytest.raises(InvalidData) as err:  # an outcome from the list and a motivation
            contact.complete_task(session=s, user=coordinator, case_id=case_id, task_id=task_id,
                                  outcome="weet_niet", motivation="")
        assert [e.field for e in err.value.errors] == ["uitkomst"]
        with pytest.raises(InvalidData) as err:
            contact.complete_task(session=s, user=coordinator, case_id=case_id, task_id=task_id,
                                  outcome="doorverwezen", motivation=" ")
        assert [e.field for e in err.value.errors] == ["motivering"]
        contact.complete_task(session=s, user=coordinator, case_id=case_id, task_id=task_id,
                              outcome="doorverwezen", motivation="Melder gewezen op het Huis voor Klokkenluiders.")
    with db.session() as s:
        coordinator = get_user(session=s, username="coordinator")
        assert contact.open_tasks(session=s, user=coordinator) == []
        done = contact.tasks_of_case(session=s, user=coordinator, case_id=case_id)
        assert [(t.state, t.outcome, t.completed_by_id, t.motivation) for t in done] == [
            ("afgerond", "doorverwezen", coordinator.id, "Melder gewezen op het Huis voor Klokkenluiders.")]
        assert contact.follow_ups(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id)[0].signal == "afgehandeld"
        assert contact.tasks_of_case(session=s, user=get_user(session=s, username="onderzoeker1"),
                                     case_id=case_id) == []
        actions = [a for (a,) in s.execute(text("SELECT action FROM audit_events WHERE case_id = :c ORDER BY id"),
                                           {"c": case_id})]
        assert {"contact_task.opened", "contact_task.claimed", "contact_task.completed"} <= set(actions)
    with db.engine.connect() as conn:  # the motivation is encrypted at rest
        dump = "\n".join(str(r) for r in conn.execute(text("SELECT * FROM contact_tasks")).all())
    assert "Klokkenluiders" not in dump


def _offered(db, clock) -> tuple[int, int]:
    """An anonymous case with an oral report offered on 2 November 2026 (term to 16 November)."""
    case_id = _anonymous_case(db)
    with db.session() as s:
        report = contact.register_oral_report(session=s, user=get_user(session=s, username="meldpunt"),
                                              case_id=case_id, channel="gesprek", held_on="2026-11-02",
                                              transcript=TRANSCRIPT)
        return case_id, report.id


def _unsigned_tasks(db, username: str, case_id: int):
    with db.session() as s:
        return [t.id for t, c in contact.open_tasks(session=s, user=get_user(session=s, username=username))
                if c.id == case_id]


def test_a_passed_term_without_signature_opens_a_task_and_a_reminder_restarts_it(db, org, clock):
    case_id, report_id = _offered(db, clock)
    clock.advance(timedelta(days=14))  # 16 November: the last day of the term, nothing yet
    assert contact.sweep_in(db) == 0
    assert _unsigned_tasks(db, "meldpunt", case_id) == []
    clock.advance(timedelta(days=1))  # 17 November: the term passed (the engine clock; the worker's sweep)
    assert contact.sweep_in(db) == 1
    assert contact.sweep_in(db) == 0  # once per term
    [task_id] = _unsigned_tasks(db, "meldpunt", case_id)
    assert _unsigned_tasks(db, "coordinator", case_id) == []  # the manifest's unsigned_role: the desk
    assert _unsigned_tasks(db, "onderzoeker1", case_id) == []
    with db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        task = contact.get_task(session=s, user=desk, case_id=case_id, task_id=task_id)
        assert task.kind == "verslag_niet_ondertekend" and task.oral_report_id == report_id
        assert contact.oral_reports(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id)[0].overdue
        with pytest.raises(NotFound):  # who sees the case but may not write the reporter: not even found
            contact.claim_task(session=s, user=get_user(session=s, username="onderzoeker1"), case_id=case_id,
                               task_id=task_id)
        contact.claim_task(session=s, user=desk, case_id=case_id, task_id=task_id)
        before = len(intake.messages(session=s, case_id=case_id))
    with db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        contact.complete_task(session=s, user=desk, case_id=case_id, task_id=task_id, outcome="herinnerd",
                              motivation="")
        report = s.get(OralReport, report_id)
        # a new legal term from today (17 November + 14 days = 1 December 2026), through the inbox
        assert report.status == "ter_controle" and report.review_due == date(2026, 12, 1)
        messages = intake.messages(session=s, case_id=case_id)
        assert len(messages) == before + 1 and messages[-1].body.startswith("Herinnering:")
        assert "1 december 2026" in messages[-1].body
    assert _unsigned_tasks(db, "meldpunt", case_id) == []
    clock.advance(timedelta(days=15))  # 2 December: the new term passed too
    assert contact.sweep_in(db) == 1
    [second] = _unsigned_tasks(db, "meldpunt", case_id)
    assert second != task_id
    with db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        contact.claim_task(session=s, user=desk, case_id=case_id, task_id=second)
        with pytest.raises(InvalidData) as err:  # not signed: a reason is required
            contact.complete_task(session=s, user=desk, case_id=case_id, task_id=second,
                                  outcome="niet_ondertekend", motivation="")
        assert [e.field for e in err.value.errors] == ["motivering"]
        contact.complete_task(session=s, user=desk, case_id=case_id, task_id=second, outcome="niet_ondertekend",
                              motivation="Melder reageert niet op herinnering.")
    with db.session() as s:
        view = contact.oral_reports(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id)[0]
        assert view.report.status == "niet_ondertekend" and not view.overdue
        assert contact.review_deadlines(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id) == []
        with pytest.raises(contact.NotSigned):
            contact.signed_transcript(session=s, oral_report_id=report_id)
        with pytest.raises(NotAuthorized):  # recorded as not signed: the reporter no longer signs
            contact.sign(session=s, case_id=case_id, oral_report_id=report_id, version=1, agreed=True)
        actions = [a for (a,) in s.execute(text("SELECT action FROM audit_events WHERE case_id = :c ORDER BY id"),
                                           {"c": case_id})]
        for action in ("oral_report.term_passed", "contact_task.opened", "contact_task.claimed",
                       "oral_report.reminded", "contact_task.completed", "oral_report.not_signed"):
            assert action in actions
    assert contact.sweep_in(db) == 0


def test_signing_after_the_term_cancels_the_open_task(db, org, clock):
    case_id, report_id = _offered(db, clock)
    clock.advance(timedelta(days=15))
    from engine.timers.worker import run

    run(database=db, once=True)  # the timer worker itself
    [task_id] = _unsigned_tasks(db, "meldpunt", case_id)
    with db.session() as s:
        report = contact.sign(session=s, case_id=case_id, oral_report_id=report_id, version=1, agreed=True)
        assert report.status == "ondertekend"
    assert _unsigned_tasks(db, "meldpunt", case_id) == []
    with db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        assert contact.get_task(session=s, user=desk, case_id=case_id, task_id=task_id).state == "vervallen"
        from engine.errors import TaskNotReady

        with pytest.raises(TaskNotReady):
            contact.claim_task(session=s, user=desk, case_id=case_id, task_id=task_id)


def test_no_check_in_without_an_inbox_and_that_is_visible(db, org, clock):
    with db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        case_id = intake.submit_report(session=s, actor=desk, data=REPORT,
                                       reporter_user_id=get_user(session=s, username="medewerker").id).case.id
    _close(db, case_id)
    with db.session() as s:
        assert s.get(Case, case_id).status == "closed"
        assert [r.state for r in contact.follow_ups(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id)] == ["geen_inbox", "geen_inbox"]
        before = len(intake.messages(session=s, case_id=case_id))
    clock.advance(timedelta(days=400))
    contact.send_due_in(db)
    with db.session() as s:
        assert len(intake.messages(session=s, case_id=case_id)) == before
        assert all(r.sent_at is None for r in contact.follow_ups(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id))


def test_the_transcript_passes_the_leak_guard(db, org):
    from engine.errors import DomainError

    case_id = _anonymous_case(db)
    with db.session() as s:
        with pytest.raises(DomainError) as err:  # a measure named in a text to the reporter: refused, nothing kept
            contact.register_oral_report(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id,
                                         channel="gesprek", held_on="2026-11-02",
                                         transcript="De betrokkene krijgt ontslag op staande voet.")
        assert err.value.status == 422
    with db.session() as s:
        assert contact.oral_reports(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id) == []


@pytest.mark.parametrize("block, message", [
    ({"oral_report": {"name": "x", "source": "y", "review_term": "PT2H"}}, "review_term"),
    ({"follow_up": {"source": "y", "after_closure": ["P3M"], "question": "q", "signal_role": "nobody"}},
     "onbekende rol"),
    ({"follow_up": {"source": "y", "after_closure": [], "question": "q", "signal_role": "meldpunt"}}, "after_closure"),
    ({"oral_report": {"name": "x", "source": "y", "review_term": "P14D", "unsigned_role": "niemand"}},
     "unsigned_role"),
    ({"oral_report": {"name": "x", "source": "y", "review_term": "P14D", "unsigned_task_term": "PT5H"}},
     "unsigned_task_term"),
    ({"oral_report": {"name": "x", "source": "y", "review_term": "P14D", "corrections_task_term": "P0D"}},
     "corrections_task_term"),
    ({"oral_report": {"name": "x", "source": "y", "review_term": "P14D", "corrections_task_term": None}},
     "corrections_task_term"),
    ({"follow_up": {"source": "y", "after_closure": ["P3M"], "question": "q", "signal_role": "meldpunt",
                    "signal_task_term": "vijf dagen"}}, "signal_task_term"),
])
def test_the_manifest_declaration_is_checked(block, message):
    from engine.contact.rules import parse_reporter_contact
    from engine.errors import ProcessValidationError

    with pytest.raises(ProcessValidationError) as err:
        parse_reporter_contact(block, {"meldpunt": "Meldpunt"})
    assert message in str(err.value.issues[0].message)


def test_the_corrections_task_term_defaults_to_five_days_and_is_read_from_the_manifest():
    from engine.contact.rules import parse_reporter_contact

    block = {"name": "x", "source": "y", "review_term": "P14D"}
    assert parse_reporter_contact({"oral_report": block}, {"meldpunt": "Meldpunt"}).oral_report \
        .corrections_task_term == "P5D"
    assert parse_reporter_contact({"oral_report": {**block, "corrections_task_term": "P2W"}},
                                  {"meldpunt": "Meldpunt"}).oral_report.corrections_task_term == "P2W"


@pytest.mark.parametrize("key, value, message", [
    ("unsigned_role", "niemand", "'oral_report.unsigned_role' noemt een onbekende rol: niemand"),
    ("unsigned_task_term", "PT4H", "'oral_report.unsigned_task_term' moet een termijn"),
    ("corrections_task_term", "vijf werkdagen", "'oral_report.corrections_task_term' moet een termijn"),
])
def test_the_deployment_check_refuses_a_wrong_unsigned_setting(tmp_path, key, value, message):
    """The process owner's settings for the unsigned-transcript task are checked by ``processes check`` (and so by
    ``deploy``), with the file named."""
    import json
    import shutil

    from engine.processes import service as processes_service
    from tests.process.driver import PROCESSES

    target = tmp_path / "processes"
    shutil.copytree(PROCESSES, target)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert processes_service.check(directory=target) == []
    manifest["reporter_contact"]["oral_report"][key] = value
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    issues = processes_service.check(directory=target)
    assert [i.file for i in issues] == ["manifest.json"] and message in issues[0].message


# --------------------------------------------------------------------------- the reporter's corrections (a task)

def _correct(db, case_id: int, report_id: int, text: str = "Het was sinds februari, niet maart.") -> None:
    with db.session() as s:
        contact.correct(session=s, case_id=case_id, oral_report_id=report_id, text=text)


def _tasks(db, case_id: int, kind: str = "correcties_verwerken") -> list[tuple[str, str | None, int | None]]:
    """(state, outcome, completed by) of the case's contact tasks of ``kind``, as the desk sees them."""
    with db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        return [(t.state, t.outcome, t.completed_by_id)
                for t in contact.tasks_of_case(session=s, user=desk, case_id=case_id) if t.kind == kind]


def test_corrections_open_a_task_for_the_desk_that_only_the_new_version_completes(db, org, clock):
    """The reporter's corrections do not sit unanswered: they open a contact task for the desk (the manifest's
    ``unsigned_role``, within ``corrections_task_term``: P5D, a legal term), once per round of corrections. Saying it
    is done is refused in Dutch; the new version itself completes it (outcome ``nieuwe_versie``, by its author), and
    the next round of corrections opens the next task."""
    from engine.errors import TaskNotReady
    from engine.legal_terms import local_date

    case_id, report_id = _offered(db, clock)  # 2 November 2026, version 1
    assert _unsigned_tasks(db, "meldpunt", case_id) == []
    _correct(db, case_id, report_id)
    [task_id] = _unsigned_tasks(db, "meldpunt", case_id)
    assert _unsigned_tasks(db, "coordinator", case_id) == []  # the manifest's unsigned_role: the desk
    assert _unsigned_tasks(db, "onderzoeker1", case_id) == []
    _correct(db, case_id, report_id, "En het ging om de kas van de kantine.")  # more of the same round: no 2nd task
    assert _unsigned_tasks(db, "meldpunt", case_id) == [task_id]
    with db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        task = contact.get_task(session=s, user=desk, case_id=case_id, task_id=task_id)
        assert (task.kind, task.oral_report_id, task.role) == ("correcties_verwerken", report_id, "meldpunt")
        # 2 November + 5 days is Saturday 7 November: the Algemene termijnenwet moves it to Monday 9 November
        assert local_date(task.due_at - timedelta(seconds=1)) == date(2026, 11, 9)
        assert contact.TASK_NAMES[task.kind] == ("Correcties van de melder verwerken: nieuwe versie van het verslag "
                                                 "voorleggen")
        with pytest.raises(NotFound):  # who sees the case but may not write the reporter: not even found
            contact.get_task(session=s, user=get_user(session=s, username="onderzoeker1"), case_id=case_id,
                             task_id=task_id)
        contact.claim_task(session=s, user=desk, case_id=case_id, task_id=task_id)
    with db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        with pytest.raises(TaskNotReady) as err:  # no "done" without the new version
            contact.complete_task(session=s, user=desk, case_id=case_id, task_id=task_id, outcome="nieuwe_versie",
                                  motivation="")
        assert err.value.detail.startswith("Deze taak rondt u af door een nieuwe versie van het verslag aan de "
                                           "melder voor te leggen")
    assert _tasks(db, case_id) == [("open", None, None)]
    clock.advance(timedelta(days=3))  # 5 November
    with db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        contact.revise(session=s, user=desk, case_id=case_id, oral_report_id=report_id,
                       transcript=TRANSCRIPT.replace("maart", "februari"))
        desk_id = desk.id
    assert _tasks(db, case_id) == [("afgerond", "nieuwe_versie", desk_id)]
    assert _unsigned_tasks(db, "meldpunt", case_id) == []
    with db.session() as s:
        (task,) = [t for t in contact.tasks_of_case(session=s, user=get_user(session=s, username="meldpunt"),
                                                      case_id=case_id)]
        assert contact.outcome_label(task).startswith("Nieuwe versie van het verslag aan de melder voorgelegd")
        events = [(a, d) for a, d in s.execute(text(
            "SELECT action, details FROM audit_events WHERE case_id = :c ORDER BY id"), {"c": case_id})]
        actions = [a for a, _ in events]
        assert actions.index("oral_report.corrected") < actions.index("contact_task.opened") \
            < actions.index("contact_task.completed")
    # the next round: the reporter corrects version 4 (3 and 2 are hers), a new task with a new term
    _correct(db, case_id, report_id, "Nog één ding: het was de kas van de kantine.")
    [second] = _unsigned_tasks(db, "meldpunt", case_id)
    assert second != task_id
    with db.session() as s:
        due = s.get(ContactTask, second).due_at
        assert local_date(due - timedelta(seconds=1)) == date(2026, 11, 10)  # 5 November + 5 = Tuesday 10 November
        contact.revise(session=s, user=get_user(session=s, username="meldpunt"), case_id=case_id,
                       oral_report_id=report_id, transcript=TRANSCRIPT + " Het gaat om de kas van de kantine.")
    assert [state for state, *_ in _tasks(db, case_id)] == ["afgerond", "afgerond"]
    with db.session() as s:
        contact.sign(session=s, case_id=case_id, oral_report_id=report_id, version=6, agreed=True)
        assert contact.signed_transcript(session=s, oral_report_id=report_id).number == 6


def test_corrections_after_the_term_replace_the_unsigned_task(db, org, clock):
    """The term passed unsigned (the desk's reminder task is open), then the reporter corrects: the reminder is moot
    (``vervallen``) and the corrections task takes its place; a term for it that passes is told like any contact
    task's (``termijn_verstreken``)."""
    from engine.notifications import worker
    from engine.notifications.models import Notification

    case_id, report_id = _offered(db, clock)
    with db.session() as s:  # only users with an address are told by e-mail
        get_user(session=s, username="meldpunt").email = "meldpunt@example.org"
    clock.advance(timedelta(days=15))  # 17 November: the term passed
    assert contact.sweep_in(db) == 1
    [unsigned] = _unsigned_tasks(db, "meldpunt", case_id)
    _correct(db, case_id, report_id)
    assert _tasks(db, case_id, "verslag_niet_ondertekend") == [("vervallen", None, None)]
    [corrections] = _unsigned_tasks(db, "meldpunt", case_id)
    assert corrections != unsigned and _tasks(db, case_id) == [("open", None, None)]
    assert contact.sweep_in(db) == 0  # waiting on the desk now, not on the reporter: no new reminder
    clock.advance(timedelta(days=8))  # 25 November: past the corrections task's term (17 + 5 = 23 November)
    worker.scan(database=db)
    with db.session() as s:
        desk = get_user(session=s, username="meldpunt")
        assert contact.term_passed(s.get(ContactTask, corrections))
        told = [n.link for n in s.query(Notification).filter(Notification.kind == "termijn_verstreken",
                                                               Notification.user_id == desk.id)]
        assert f"/zaken/{case_id}/contacttaken/{corrections}" in told


def test_the_corrections_task_in_the_worklist_on_its_page_and_in_the_api(db, org, clock):
    """The desk's worklist names the task in Dutch; its page points to the new version instead of a form to say it
    is done; the API lists it with its kind."""
    import re

    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import ApiSettings
    from engine.identity import service as identity

    case_id, report_id = _offered(db, clock)
    _correct(db, case_id, report_id)
    [task_id] = _unsigned_tasks(db, "meldpunt", case_id)
    app = create_app(ApiSettings(cookie_secure=False))
    web = TestClient(app, follow_redirects=False)
    login_token = re.search(r'name="login_token" value="([^"]+)"', web.get("/inloggen").text).group(1)
    assert web.post("/inloggen", data={"gebruikersnaam": "meldpunt", "wachtwoord": "wachtwoord-voor-tests",
                                       "login_token": login_token}).status_code == 303
    worklist_html = web.get("/werkvoorraad").text
    section = re.search(r'<section aria-labelledby="contacttaken-kop".*?</section>', worklist_html, re.S).group(0)
    assert f"/zaken/{case_id}/contacttaken/{task_id}" in section
    assert "Correcties van de melder verwerken: nieuwe versie van het verslag voorleggen" in section
    page = web.get(f"/zaken/{case_id}/contacttaken/{task_id}")
    assert page.status_code == 200
    assert "Deze taak rondt u af door een nieuwe versie van het verslag aan de melder voor te leggen" in page.text
    assert "Taak oppakken" in page.text
    case_page = web.get(f"/zaken/{case_id}").text
    assert "Correcties van de melder verwerken" in case_page
    with db.session() as s:
        token = identity.issue_token(session=s, user=get_user(session=s, username="meldpunt"), name="test")[0]
    listed = TestClient(app).get(f"/api/v1/zaken/{case_id}/contacttaken",
                                 headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200, listed.text
    assert [(t["soort"], t["naam"], t["verslag_id"], t["status"]) for t in listed.json()] == [
        ("correcties_verwerken", "Correcties van de melder verwerken: nieuwe versie van het verslag voorleggen",
         report_id, "open")]
