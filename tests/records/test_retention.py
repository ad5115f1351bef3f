"""Retention, legal hold, four-eyes destruction lists and complete destruction (issue 20).

Time travel with the ``clock`` fixture only. Real process, real database (SQLite and PostgreSQL)."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from engine.errors import NotAuthorized
from engine.identity.models import User
from engine.legal_terms import add_calendar, parse_duration
from engine.records import service as records
from engine.records.models import DestructionItem, DestructionList

from .helpers import NO_ACTION, REPRIMAND, at_noon, closed_case, closed_on, every_cell, needles, readable


def _user(s, name: str) -> User:
    return s.scalar(select(User).where(User.username == name))


def _listed(db, day: date, clock) -> set[int]:
    at_noon(clock, day)
    with db.session() as s:
        return {case.id for case, *_ in records.due_cases(session=s)}


def _destroy(db, *, proposer="coordinator1", approver="coordinator2") -> int:
    with db.session() as s:
        dlist = records.build_list(session=s)
        list_id = dlist.id
    with db.session() as s:
        records.propose(session=s, user=_user(s, proposer), list_id=list_id)
    with db.session() as s:
        records.approve(session=s, user=_user(s, approver), list_id=list_id)
    records.execute_approved(database=db)
    return list_id


def test_reprimand_case_kept_ten_years_and_listed_the_day_after_its_term(db, clock):
    case_id, _ = closed_case(db, clock, "Zwaluw", resolutions=[REPRIMAND], outcome="aangetoond")
    closed = closed_on(db, case_id)
    end = add_calendar(closed, parse_duration("P10Y"))
    nine_years_364_days = add_calendar(closed, parse_duration("P9Y364D"))
    assert case_id not in _listed(db, nine_years_364_days, clock)
    assert case_id not in _listed(db, end, clock)  # the last day of the term: still kept
    assert case_id in _listed(db, date.fromordinal(end.toordinal() + 1), clock)
    with db.session() as s:
        (case, klass, c_on, term_end), = records.due_cases(session=s)
        assert (klass, c_on, term_end) == ("maatregel", closed, end)


def test_unfounded_case_listed_after_its_shorter_term_and_a_held_case_never(db, clock):
    unfounded, _ = closed_case(db, clock, "Merel", resolutions=[NO_ACTION], outcome="niet_aangetoond")
    held, _ = closed_case(db, clock, "Kievit", resolutions=[NO_ACTION], outcome="niet_aangetoond")
    with db.session() as s:
        hold = records.place_hold(session=s, user=_user(s, "coordinator1"), case_id=held,
                                  reason="Rechtszaak bij de kantonrechter")
        assert hold.placed_by == "coordinator1"
    end = add_calendar(closed_on(db, unfounded), parse_duration("P1Y"))
    assert _listed(db, end, clock) == set()
    assert _listed(db, date.fromordinal(end.toordinal() + 1), clock) == {unfounded}
    assert held not in _listed(db, date(2060, 1, 1), clock)
    with db.session() as s:
        info = records.case_retention(session=s, user=_user(s, "coordinator1"), case_id=held)
        assert info.hold is not None and info.hold.reason == "Rechtszaak bij de kantonrechter"
        assert info.outcome_class == "ongegrond"
        # the hold is audited in the case's chain
        from engine.audit.service import case_events
        assert "bewaarplicht.ingesteld" in [e.action for e in case_events(session=s, case_id=held)]
    # a hold placed after the list was approved still saves the case
    at_noon(clock, date(2060, 1, 1))
    with db.session() as s:
        records.lift_hold(session=s, user=_user(s, "coordinator1"), case_id=held)
    with db.session() as s:
        list_id = records.build_list(session=s).id
        records.propose(session=s, user=_user(s, "coordinator1"), list_id=list_id)
    with db.session() as s:
        records.approve(session=s, user=_user(s, "bvi1"), list_id=list_id)
        records.place_hold(session=s, user=_user(s, "coordinator1"), case_id=held, reason="Woo-verzoek")
    records.execute_approved(database=db)
    with db.session() as s:
        status = {i.case_id: i.status for i in records.items(s, list_id)}
        assert status == {unfounded: "vernietigd", held: "overgeslagen"}
        assert not records.is_destroyed(s, held)


def test_four_eyes_the_proposer_cannot_approve(db, clock):
    case_id, _ = closed_case(db, clock, "Reiger", resolutions=[NO_ACTION], outcome="niet_aangetoond")
    at_noon(clock, date(2030, 1, 1))
    with db.session() as s:
        list_id = records.build_list(session=s).id
        records.propose(session=s, user=_user(s, "coordinator1"), list_id=list_id)
    with db.session() as s:
        with pytest.raises(NotAuthorized, match="Vier ogen: wie de vernietigingslijst voorstelt"):
            records.approve(session=s, user=_user(s, "coordinator1"), list_id=list_id)
        with pytest.raises(NotAuthorized):
            records.approve(session=s, user=_user(s, "onderzoeker1"), list_id=list_id)
    records.execute_approved(database=db)  # nothing approved: nothing destroyed
    with db.session() as s:
        assert not records.is_destroyed(s, case_id)
        assert s.get(DestructionList, list_id).status == "voorgesteld"


def test_destruction_is_complete_and_the_reports_and_audit_chain_stay_intact(db, clock):
    from engine.audit import service as audit
    from engine.cases.models import Case
    from engine.reports import annex, dashboard, woo

    gone, secrets = closed_case(db, clock, "Zwaluw", resolutions=[NO_ACTION], outcome="niet_aangetoond")
    kept, _ = closed_case(db, clock, "Merel", resolutions=[REPRIMAND], outcome="aangetoond")
    year = closed_on(db, gone).year
    # The raw stored forms (ciphertexts, compressed state) only the case has, to prove no copy survives.
    raw_of_case = Counter()
    with db.engine.connect() as conn:
        from sqlalchemy import inspect, text
        for table in inspect(conn).get_table_names():
            cols = [c["name"] for c in inspect(conn).get_columns(table)]
            key = "case_id" if "case_id" in cols else "id" if table == "cases" else None
            if key is None or table in ("destruction_list_items", "audit_events", "work_items"):
                continue
            for row in conn.execute(text(f'SELECT * FROM "{table}" WHERE "{key}" = :c'), {"c": gone}):
                raw_of_case.update(readable(v) for v in row if isinstance(v, (str, bytes, memoryview))
                                   and len(readable(v)) >= 40)
    everywhere = Counter(readable(v) for _, _, v in every_cell(db))
    raw_of_case = {v for v, n in raw_of_case.items() if everywhere[v] == n}
    assert len(raw_of_case) >= 6  # state, confidential fields, messages, attachment, letters
    assert any(needle in readable(v) for needle in needles(secrets) for _, _, v in every_cell(db))  # the scan works
    at_noon(clock, date(year + 2, 6, 1))

    def reports():
        with db.session() as s:
            return (annex.build(session=s, year=year), woo.build(session=s, start=date(year, 1, 1), end=date(year, 12, 31)),
                    dashboard.build(session=s, start=date(year, 1, 1), end=date(year, 12, 31)))

    before = reports()
    list_id = _destroy(db)
    assert reports() == before

    from typer.testing import CliRunner

    from cli.main import app
    verified = CliRunner().invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0 and "Audittrail in orde" in verified.output, verified.output
    leaks = [(t, c) for t, c, v in every_cell(db) for needle in needles(secrets) if needle in readable(v)]
    assert leaks == []
    survivors = [(t, c) for t, c, v in every_cell(db) if readable(v) in raw_of_case]
    assert survivors == []
    with db.session() as s:
        stub = s.get(Case, gone)
        assert stub.state is None and set(stub.summary) <= set(records.STUB_KEYS)
        assert stub.summary["uitkomst"] == "niet_aangetoond"
        assert s.get(Case, kept).state is not None
        assert audit.case_events(session=s, case_id=gone) == []
        result = audit.verify(session=s)
        assert result.ok, result.problems
        tombstone = s.scalar(select(audit.AuditEvent).where(audit.AuditEvent.action == audit.TOMBSTONE_ACTION))
        assert tombstone.chain == "system" and tombstone.details["keten"] == f"case:{gone}"
        dlist = s.get(DestructionList, list_id)
        assert dlist.status == "uitgevoerd" and dlist.certificate_filename.endswith(".docx")
        from documents.render import docx_text
        body = docx_text(dlist.certificate)
        assert stub.reference in body and "coordinator1" in body and "coordinator2" in body
        assert secrets["melder"] not in body
        assert s.scalar(select(DestructionItem.status).where(DestructionItem.case_id == gone)) == "vernietigd"


def test_audit_checkpoint_taken_before_destruction_still_verifies(db, clock, tmp_path):
    from engine.audit import checkpoint
    from engine.audit import service as audit

    gone, _ = closed_case(db, clock, "Gaai", resolutions=[NO_ACTION], outcome="niet_aangetoond")
    at_noon(clock, date(2030, 1, 1))
    path = tmp_path / "cp.jsonl"
    with db.session() as s:
        checkpoint.write(session=s, path=path, settle_seconds=0)
    _destroy(db)
    cp, problems = checkpoint.load_last(path)
    assert problems == [] and f"case:{gone}" in cp.chains
    with db.session() as s:
        result = audit.verify(session=s, checkpoint=cp)
        assert result.ok, result.problems


def test_receipt_codes_go_after_their_own_shorter_term_and_the_case_stays(db, clock):
    from sqlalchemy import func

    from engine.cases.models import Case
    from engine.identity.models import ReceiptCode

    case_id, _ = closed_case(db, clock, "Mees", resolutions=[REPRIMAND], outcome="aangetoond")
    end = add_calendar(closed_on(db, case_id), parse_duration("P3M"))

    def codes() -> int:
        with db.session() as s:
            return s.scalar(select(func.count()).select_from(ReceiptCode).where(ReceiptCode.case_id == case_id))

    at_noon(clock, end)
    assert records.run(database=db).receipt_codes_purged == 0 and codes() == 1
    at_noon(clock, date.fromordinal(end.toordinal() + 1))
    assert records.run(database=db).receipt_codes_purged == 1 and codes() == 0
    with db.session() as s:
        assert s.get(Case, case_id).state is not None  # the file itself is kept for its own term
        from engine.audit import service as audit
        assert "ontvangstcode.verwijderd" in [e.action for e in audit.case_events(session=s, case_id=case_id)]
        assert audit.verify(session=s).ok


def test_receipt_code_stays_until_the_term_after_the_last_check_in_after_closure(db, clock):
    """The check-ins after closure (reporter_contact.follow_up: 3 and 12 months) reach the reporter only through the
    receipt code: its own term (P3M) runs from the last check-in, not from the closing day."""
    from engine.cases.models import Case
    from engine.contact import service as contact
    from engine.contact.models import FollowUp
    from engine.identity.models import ReceiptCode

    case_id, _ = closed_case(db, clock, "Grutto", resolutions=[NO_ACTION], outcome="niet_aangetoond")
    closed = closed_on(db, case_id)
    with db.session() as s:  # the helper issues the code after closing; plan the check-ins as at a real closing
        s.execute(FollowUp.__table__.delete().where(FollowUp.case_id == case_id))
        case = s.get(Case, case_id)
        planned = contact.case_closed(s, case, contact.rules_of(s, case))
        assert [f.state for f in planned] == ["gepland", "gepland"]

    def codes() -> int:
        with db.session() as s:
            return s.scalar(select(func.count()).select_from(ReceiptCode).where(ReceiptCode.case_id == case_id))

    after_three = add_calendar(closed, parse_duration("P3M"))
    at_noon(clock, after_three)
    contact.sweep_in(db)  # the 3-month check-in is sent
    at_noon(clock, date.fromordinal(after_three.toordinal() + 1))
    assert records.run(database=db).receipt_codes_purged == 0 and codes() == 1  # the 12-month one is still planned
    last = add_calendar(closed, parse_duration("P12M"))
    at_noon(clock, last)
    contact.sweep_in(db)
    end = add_calendar(last, parse_duration("P3M"))
    at_noon(clock, end)
    assert records.run(database=db).receipt_codes_purged == 0 and codes() == 1
    at_noon(clock, date.fromordinal(end.toordinal() + 1))
    assert records.run(database=db).receipt_codes_purged == 1 and codes() == 0


def test_the_timer_worker_builds_the_destruction_list_once_a_day(db, clock):
    from engine.timers import worker

    case_id, _ = closed_case(db, clock, "Tureluur", resolutions=[NO_ACTION], outcome="niet_aangetoond")
    end = add_calendar(closed_on(db, case_id), parse_duration("P1Y"))
    at_noon(clock, end)  # the last day of the term: the worker's sweeps build nothing
    worker.run(database=db, once=True)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(DestructionList)) == 0
    at_noon(clock, date.fromordinal(end.toordinal() + 1))
    worker.run(database=db, once=True)
    worker.run(database=db, once=True)  # the same day again: nothing new
    assert records.daily_run(database=db) is None
    with db.session() as s:
        (dlist,) = s.scalars(select(DestructionList))
        assert [i.case_id for i in records.items(s, dlist.id)] == [case_id]
        records.propose(session=s, user=_user(s, "coordinator1"), list_id=dlist.id)
    with db.session() as s:
        records.approve(session=s, user=_user(s, "coordinator2"), list_id=dlist.id)
        list_id = dlist.id
    worker.run(database=db, once=True)  # approved today, but today's run is done: destroyed tomorrow
    assert not _destroyed(db, case_id)
    at_noon(clock, date.fromordinal(end.toordinal() + 2))
    worker.run(database=db, once=True)
    assert _destroyed(db, case_id)
    with db.session() as s:
        assert s.get(DestructionList, list_id).status == "uitgevoerd"
        assert s.scalar(select(func.count()).select_from(DestructionList)) == 1


def _destroyed(db, case_id) -> bool:
    with db.session() as s:
        return records.is_destroyed(s, case_id)


# --------------------------------------------------------------------------- contact with the reporter reopens
def _deploy_receipt_term(db, tmp_path, term: str) -> None:
    """The process owner deploys the shipped processes with another ``ontvangstcodes`` term ("zaak": the reporter
    keeps "Mijn melding" until the case itself is destroyed)."""
    import json
    import shutil
    from pathlib import Path

    from engine.processes import service as processes

    target = shutil.copytree(Path(__file__).resolve().parents[2] / "processes", tmp_path / f"processes-{term}")
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    manifest["retention"]["onderdelen"]["ontvangstcodes"]["termijn"] = term
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    with db.session() as s:
        processes.deploy(session=s, directory=target)


def _checked_in(db, clock, tag: str) -> tuple[int, date]:
    """An unfounded case (1 year) whose two check-ins after closure (3 and 12 months) went out unanswered; returns
    (case id, the day of the last check-in)."""
    from engine.cases.models import Case
    from engine.contact import service as contact
    from engine.contact.models import FollowUp

    case_id, _ = closed_case(db, clock, tag, resolutions=[NO_ACTION], outcome="niet_aangetoond")
    closed = closed_on(db, case_id)
    with db.session() as s:  # the helper issues the code after closing; plan the check-ins as at a real closing
        s.execute(FollowUp.__table__.delete().where(FollowUp.case_id == case_id))
        case = s.get(Case, case_id)
        contact.case_closed(s, case, contact.rules_of(s, case))
    for term in ("P3M", "P12M"):
        at_noon(clock, add_calendar(closed, parse_duration(term)))
        contact.sweep_in(db)
    return case_id, add_calendar(closed, parse_duration("P12M"))


def _signal_retaliation(db, case_id: int) -> None:
    """The reporter answers the last check-in through "Mijn melding": yes, I suffered adverse consequences."""
    from engine.contact import service as contact
    from engine.contact.models import FollowUp

    with db.session() as s:
        last = s.scalars(select(FollowUp).where(FollowUp.case_id == case_id, FollowUp.state == "verstuurd")
                         .order_by(FollowUp.due_at.desc())).first()
        contact.answer(session=s, case_id=case_id, follow_up_id=last.id, adverse="ja", text="Ik ben overgeplaatst.")


@pytest.mark.parametrize("arrives", ["concept", "voorgesteld", "goedgekeurd"])
def test_a_signal_of_retaliation_after_listing_takes_the_case_off_the_list(db, clock, tmp_path, arrives):
    """The receipt code lives as long as the case ("zaak"), so the reporter can still answer the last check-in after
    the case was listed. A "yes" opens a signal of retaliation: whether it arrives while the list is a concept, is
    proposed or is approved, the case leaves the list with the reason in Dutch and is not destroyed; the case's
    retention page says why."""
    case_id, last = _checked_in(db, clock, "Kwartel")
    _deploy_receipt_term(db, tmp_path, "zaak")
    day = date.fromordinal(add_calendar(closed_on(db, case_id), parse_duration("P1Y")).toordinal() + 1)
    assert last < day
    at_noon(clock, day)
    list_id = records.run(database=db).new_list_id
    with db.session() as s:
        assert [i.case_id for i in records.items(s, list_id)] == [case_id]
    steps = [("voorgesteld", lambda s: records.propose(session=s, user=_user(s, "coordinator1"), list_id=list_id)),
             ("goedgekeurd", lambda s: records.approve(session=s, user=_user(s, "coordinator2"), list_id=list_id))]
    if arrives == "concept":
        _signal_retaliation(db, case_id)
    for status, step in steps:
        with db.session() as s:
            step(s)
        if status == arrives:
            _signal_retaliation(db, case_id)
    with db.session() as s:
        (item,) = records.items(s, list_id)
        assert item.status == "overgeslagen"
        assert item.note.startswith("Aangehouden: Er staat een signaal van benadeling van de melder open")
    at_noon(clock, date.fromordinal(day.toordinal() + 1))
    assert records.run(database=db).destroyed == 0
    assert not _destroyed(db, case_id)
    with db.session() as s:
        assert s.get(DestructionList, list_id).status == "uitgevoerd"
        info = records.case_retention(session=s, user=_user(s, "coordinator1"), case_id=case_id)
        assert info.status == "bewaard" and info.postponed.code == "signaal_benadeling"
        assert "signaal van benadeling" in info.postponed.text
        from engine.audit.service import case_events
        assert "vernietigingslijst.zaak_aangehouden" in [e.action for e in case_events(session=s, case_id=case_id)]
        # and it is not listed again while the signal is open
        assert records.due_cases(session=s) == []


def test_a_longer_contact_term_deployed_after_the_proposal_holds_the_case_back_at_approval(db, clock, tmp_path):
    """Listed under the shipped term (P3M after the last check-in); the process owner then deploys P6M: the reporter
    may answer the last check-in for three more months, so the approval takes the case off the list, with the day
    until which it waits."""
    case_id, last = _checked_in(db, clock, "Patrijs")
    day = date.fromordinal(add_calendar(last, parse_duration("P3M")).toordinal() + 1)
    at_noon(clock, day)
    list_id = records.run(database=db).new_list_id
    with db.session() as s:
        assert [i.case_id for i in records.items(s, list_id)] == [case_id]
        records.propose(session=s, user=_user(s, "coordinator1"), list_id=list_id)
    _deploy_receipt_term(db, tmp_path, "P6M")
    with db.session() as s:
        records.approve(session=s, user=_user(s, "bvi1"), list_id=list_id)
        (item,) = records.items(s, list_id)
        until = add_calendar(last, parse_duration("P6M"))
        from engine.functions import dutch_date
        assert item.status == "overgeslagen" and f"tot en met {dutch_date(until)}" in item.note
    at_noon(clock, date.fromordinal(day.toordinal() + 1))
    records.run(database=db)
    assert not _destroyed(db, case_id)
    with db.session() as s:
        postponed = records.case_retention(session=s, user=_user(s, "coordinator1"), case_id=case_id).postponed
        assert (postponed.code, postponed.until) == ("nazorg_termijn", until)


def test_the_destruction_itself_rechecks_contact_in_its_own_transaction(db, clock):
    """A contact task written after the approval by a path that does not know the list (raw insert: no bookkeeping
    ran) still stops the destruction: the run re-checks under the case's row lock, and destroy_case refuses too."""
    from engine.clock import now
    from engine.contact.models import ContactTask

    case_id, _ = closed_case(db, clock, "Wulp", resolutions=[NO_ACTION], outcome="niet_aangetoond")
    at_noon(clock, date.fromordinal(add_calendar(closed_on(db, case_id), parse_duration("P1Y")).toordinal() + 1))
    with db.session() as s:
        list_id = records.build_list(session=s).id
        records.propose(session=s, user=_user(s, "coordinator1"), list_id=list_id)
    with db.session() as s:
        records.approve(session=s, user=_user(s, "coordinator2"), list_id=list_id)
        s.execute(ContactTask.__table__.insert().values(case_id=case_id, kind="represaille", key="represaille:test",
                                                        role="integriteitscoordinator", state="open",
                                                        created_at=now()))
    with db.session() as s:
        with pytest.raises(records.RecordsRefused, match="signaal van benadeling"):
            records.destroy_case(session=s, case_id=case_id, actor="test")
    assert records.execute_approved(database=db) == 0
    assert not _destroyed(db, case_id)
    with db.session() as s:
        (item,) = records.items(s, list_id)
        assert item.status == "overgeslagen" and "signaal van benadeling" in item.note


def test_destruction_removes_the_saved_views_naming_its_persons_and_tells_their_owners(db, clock):
    """An employee's saved view (name and search, both encrypted) that names a person of the case - the
    subject, the reporter, the reporter's e-mail address - is removed with the case; a view naming nobody of it
    stays, as does one searching for the subject's given name only. Each owner reads on the Zaken page and in the API that a view was removed because its case was
    destroyed, without which view or case; the mail says as much."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import ApiSettings
    from engine.audit.models import AuditEvent
    from engine.audit.service import TOMBSTONE_ACTION
    from engine.cases import search, views
    from engine.identity import service as identity
    from engine.notifications.models import Notification
    from tests.web.demo_clients import PASSWORD, demo_app, demo_login

    case_id, secrets = closed_case(db, clock, "Gaai", resolutions=[NO_ACTION], outcome="niet_aangetoond")
    with db.session() as s:
        coordinator, desk, other = (_user(s, n) for n in ("coordinator1", "meldpunt1", "coordinator2"))
        views.save_view(session=s, user=coordinator, name="Mijn zoekopdracht",
                        filters=search.CaseFilters(q=secrets["betrokkene"]))
        views.save_view(session=s, user=coordinator, name="Declaraties", filters=search.CaseFilters(q="declaraties"))
        views.save_view(session=s, user=desk, name=f"Melder {secrets['melder'].split()[-1]}",
                        filters=search.CaseFilters(status="closed"))
        views.save_view(session=s, user=other, name="Adres", filters=search.CaseFilters(q=secrets["email"]))
        views.save_view(session=s, user=other, name="Voornaam", filters=search.CaseFilters(q="Bram"))  # names nobody
        identity.set_password(session=s, user_id=coordinator.id, password=PASSWORD)
        emails = {u.username: bool((u.email or "").strip()) for u in (coordinator, desk, other)}
    # the desk's view names the reporter; stored encrypted (name and search), it is found through the keyring
    assert [c for t, c, v in every_cell(db) if t == "saved_views" and "Gaai" in readable(v)] == []
    with db.session() as s:
        assert [v.name for v in views.list_views(session=s, user=_user(s, "meldpunt1"))] == [
            f"Melder {secrets['melder'].split()[-1]}"]
    at_noon(clock, date.fromordinal(add_calendar(closed_on(db, case_id), parse_duration("P1Y")).toordinal() + 1))
    _destroy(db)
    assert _destroyed(db, case_id)
    with db.session() as s:
        assert [v.name for v in views.list_views(session=s, user=_user(s, "coordinator1"))] == ["Declaraties"]
        assert views.list_views(session=s, user=_user(s, "meldpunt1")) == []
        assert [v.name for v in views.list_views(session=s, user=_user(s, "coordinator2"))] == ["Voornaam"]
        assert [views.removal_notices(session=s, user=_user(s, n))
                for n in ("coordinator1", "meldpunt1", "coordinator2", "bvi1")] == [1, 1, 1, 0]
        mailed = {s.get(User, n.user_id).username for n in s.scalars(select(Notification).where(
            Notification.kind == "weergave_verwijderd"))}
        assert mailed == {name for name, has_mail in emails.items() if has_mail}
        tombstone = s.scalar(select(AuditEvent).where(AuditEvent.action == TOMBSTONE_ACTION))
        assert tombstone.details["weergaven_verwijderd"] == 3
        token, _ = identity.issue_token(session=s, user=_user(s, "coordinator1"), name="later")
    assert [(t, c) for t, c, v in every_cell(db) if any(n.casefold() in readable(v).casefold()
                                                         for n in needles(secrets))] == []
    client = TestClient(create_app(ApiSettings(cookie_secure=True)))
    auth = {"Authorization": f"Bearer {token}"}
    shown = client.get("/api/v1/zaken/weergaven/meldingen", headers=auth).json()
    assert shown["aantal"] == 1 and shown["melding"].startswith("Een of meer van uw opgeslagen weergaven zijn "
                                                                "verwijderd")
    assert not any(n.casefold() in shown["melding"].casefold() for n in needles(secrets))
    page = demo_login(demo_app(), "coordinator1").get("/zaken")
    assert page.status_code == 200 and shown["melding"] in page.text
    assert client.delete("/api/v1/zaken/weergaven/meldingen", headers=auth).status_code == 204
    assert client.get("/api/v1/zaken/weergaven/meldingen", headers=auth).json() == {"aantal": 0, "melding": None}


def test_receipt_code_stays_the_term_after_the_last_message_after_closure(db, clock):
    """A message either way in the reporter's mailbox after closure reaches her only with her receipt code: the
    code's term (P3M) runs from the last such message, so she can read the desk's answer to what she wrote on the
    code's last day (before, the code went the next day and the answer never reached her); the case is not destroyed
    meanwhile, and the postponement says until when and why, without saying what was written."""
    from datetime import timedelta

    from engine.functions import dutch_date
    from engine.identity.models import ReceiptCode
    from engine.intake import service as intake

    case_id, _ = closed_case(db, clock, "Kievit", resolutions=[NO_ACTION], outcome="niet_aangetoond")
    code_end = add_calendar(closed_on(db, case_id), parse_duration("P3M"))

    def codes() -> int:
        with db.session() as s:
            return s.scalar(select(func.count()).select_from(ReceiptCode).where(ReceiptCode.case_id == case_id))

    at_noon(clock, code_end)
    with db.session() as s:  # on the code's last day she asks something
        intake.message_from_reporter(session=s, case_id=case_id, text="Is er nog iets met mijn melding gedaan?")
    at_noon(clock, date.fromordinal(code_end.toordinal() + 1))
    assert records.run(database=db).receipt_codes_purged == 0 and codes() == 1
    clock.advance(timedelta(days=9))
    answered = clock.now().date()
    with db.session() as s:
        desk = s.scalar(select(User).where(User.username == "meldpunt1"))
        intake.message_to_reporter(session=s, case_id=case_id, author=desk, text="Ja, uw melding is afgehandeld.")
    answer_end = add_calendar(answered, parse_duration("P3M"))
    with db.session() as s:  # the one decision the list, the destruction and the retention page use
        from engine.cases.models import Case

        postponed = records.postponement(s, s.get(Case, case_id), today=answer_end)
    assert (postponed.code, postponed.until) == ("nazorg_termijn", answer_end)
    assert postponed.text == (f"De melder kan tot en met {dutch_date(answer_end)} het laatste bericht in de "
                              f"berichtenbox (van {dutch_date(answered)}) lezen en beantwoorden; de zaak wordt niet "
                              f"eerder vernietigd.")
    at_noon(clock, answer_end)
    assert records.run(database=db).receipt_codes_purged == 0 and codes() == 1
    at_noon(clock, date.fromordinal(answer_end.toordinal() + 1))
    assert records.run(database=db).receipt_codes_purged == 1 and codes() == 0
