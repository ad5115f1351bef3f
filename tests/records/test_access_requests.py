"""Access requests (AVG art. 15), rectification and restriction (art. 16, 18) — issue 20.

One case run through the real process (fact-finding investigation with a witness), with distinctive names for the
reporter, the subject and the witness; the export of each is read back from the zip (JSON and Word)."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from documents.render import docx_text
from engine.audit.models import AuditEvent
from engine.errors import InvalidData, NotAuthorized
from engine.identity.models import User
from engine.legal_terms import legal_deadline
from engine.records import subject_rights as rights

from .helpers import at_noon

pytestmark = pytest.mark.db

REPORTER, REPORTER_MAIL = "Anna Reigersma", "a.reigersma@melder.example"
SUBJECT, WITNESS, OTHER_WITNESS = "Bram Valkveld", "Carla Uilenberg", "Daan Spreeuwers"


def _user(s, name: str) -> User:
    return s.scalar(select(User).where(User.username == name))


@pytest.fixture
def case(db, clock):
    from tests.process.driver import run_scenario
    from tests.process.engine_driver import EngineDriver
    from tests.process.scenarios import DEFAULTS, FEITENONDERZOEK, with_

    driver = EngineDriver(db, clock)
    driver.trail = []
    today = DEFAULTS["melding_registreren"]["datum_melding"]
    answers = with_(FEITENONDERZOEK, {
        "melding_registreren": {"melder_naam": REPORTER, "melder_email": REPORTER_MAIL, "betrokkene_naam": SUBJECT,
                                "omschrijving": f"Ik, {REPORTER}, zag dat {SUBJECT} reizen naar Zwolle declareerde; {WITNESS} zag het ook."},
        "onderzoek_starten": {"getuigen_horen_nodig": True},
        "zaak_registreren": {"uitkomst": "aangetoond", "soort_onderzoek": "feitenonderzoek_intern",
                             "afdoeningen": ["Schriftelijke berisping"]},
        "getuigen_horen": {"getuigenverhoren": [
            {"getuige": WITNESS, "datum": today,
             "verslag": f"Ik zag Bram vertrekken; {OTHER_WITNESS} stond naast mij."},
            {"getuige": OTHER_WITNESS, "datum": today, "verslag": f"{SUBJECT} was die dag niet op kantoor."}]},
    })
    run_scenario(driver, answers, DEFAULTS, {})
    assert driver.finished()
    return driver.case_id


def _reference(db, case_id):
    from engine.cases.models import Case

    with db.session() as s:
        return s.get(Case, case_id).reference


def _export(db, *, name, role, case_id, consent=False, **person):
    reference = _reference(db, case_id)
    with db.session() as s:
        coord = _user(s, "coordinator1")
        req = rights.register(session=s, user=coord, name=name, reporter_consent=consent, **person)
        rights.link_case(session=s, user=coord, request_id=req.id, reference=reference, role=role)
        out = rights.export(session=s, user=coord, request_id=req.id)
    with zipfile.ZipFile(io.BytesIO(out.content)) as z:
        assert sorted(z.namelist()) == ["gegevens.json", "samenvatting.docx"]
        data = json.loads(z.read("gegevens.json"))
        word = docx_text(z.read("samenvatting.docx"))
    return data, word, out.content


def test_reporter_export_holds_her_data_and_hides_the_subject_and_witnesses(db, case):
    data, word, raw = _export(db, name=REPORTER, role="melder", case_id=case)
    (zaak,) = data["zaken"]
    assert zaak["uw_gegevens"]["melder_naam"] == REPORTER and zaak["uw_gegevens"]["melder_email"] == REPORTER_MAIL
    assert "Zwolle" in zaak["melding"]["omschrijving"]  # her own report ...
    assert "[betrokkene]" in zaak["melding"]["omschrijving"]  # ... with the others replaced by their role
    assert "[getuige 1]" in zaak["melding"]["omschrijving"]
    assert "uitkomst" not in zaak and "afdoeningen" not in zaak  # feedback in general terms only
    text = json.dumps(data, ensure_ascii=False) + word
    for other in (SUBJECT, "Valkveld", WITNESS, "Uilenberg", OTHER_WITNESS):
        assert other not in text
    assert REPORTER in word and "Zaak " in word


def test_subject_export_never_names_the_reporter_or_the_witnesses(db, case):
    from engine.cases import field_classes

    with db.session() as s:  # the subject reads the desk's redacted report (test_subject_export_substance.py)
        field_classes.redact(session=s, user=_user(s, "meldpunt1"), case_id=case, name="omschrijving",
                             text=f"Een collega zag dat {SUBJECT} reizen naar Zwolle declareerde; {WITNESS} zag het ook.")
    data, word, _ = _export(db, name=SUBJECT, role="betrokkene", case_id=case)
    (zaak,) = data["zaken"]
    assert zaak["uw_gegevens"]["betrokkene_naam"] == SUBJECT
    assert zaak["uitkomst"] == "aangetoond" and zaak["afdoeningen"] == ["Schriftelijke berisping"]
    statements = [s["verslag"] for s in zaak["getuigenverklaringen"]]
    assert zaak["melding"]["omschrijving"].endswith("; [getuige 1] zag het ook.")
    assert statements[0] == "Ik zag Bram vertrekken; [getuige 2] stond naast mij."  # his own first name stays
    text = json.dumps(data, ensure_ascii=False) + word
    for other in (REPORTER, "Reigersma", REPORTER_MAIL, WITNESS, "Uilenberg", OTHER_WITNESS, "Spreeuwers"):
        assert other not in text, other
    assert SUBJECT in word


def test_subject_export_names_the_reporter_only_with_her_consent(db, case):
    data, _, _ = _export(db, name=SUBJECT, role="betrokkene", case_id=case, consent=True)
    assert REPORTER in json.dumps(data, ensure_ascii=False)
    with db.session() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "inzageverzoek.geregistreerd")))
        assert events[-1].details["toestemming_melder"] is True
        assert all(SUBJECT not in json.dumps(e.details) for e in events)


def test_witness_export_holds_only_her_own_interview(db, case):
    data, word, _ = _export(db, name=WITNESS, role="getuige", case_id=case)
    (zaak,) = data["zaken"]
    (verhoor,) = zaak["verhoren"]
    assert verhoor["verslag"] == "Ik zag [betrokkene] vertrekken; [getuige 2] stond naast mij."
    text = json.dumps(data, ensure_ascii=False) + word
    for other in (REPORTER, SUBJECT, OTHER_WITNESS, "niet op kantoor"):
        assert other not in text
    assert "melding" not in zaak


def test_a_person_not_in_the_case_cannot_be_linked_and_only_the_coordinator_handles(db, case):
    reference = _reference(db, case)
    with db.session() as s:
        coord = _user(s, "coordinator1")
        req = rights.register(session=s, user=coord, name="Eva Onbekend")
        with pytest.raises(InvalidData) as err:
            rights.link_case(session=s, user=coord, request_id=req.id, reference=reference, role="getuige")
        assert err.value.errors[0].field == "rol" and "niet voor als getuige" in err.value.detail
        for name in ("meldpunt1", "onderzoeker3", "bvi1"):
            with pytest.raises(NotAuthorized) as refused:
                rights.register(session=s, user=_user(s, name), name=REPORTER)
            assert "integriteitscoördinator" in refused.value.detail
        with pytest.raises(InvalidData) as blank:
            rights.register(session=s, user=coord, name="  ")
        assert blank.value.errors[0].field == "naam"


def test_term_is_one_month_and_the_request_is_overdue_the_day_after(db, case, clock):
    received = date(2026, 11, 2)
    at_noon(clock, received)
    with db.session() as s:
        req = rights.register(session=s, user=_user(s, "coordinator1"), name=REPORTER)
        req_id, due = req.id, req.due_on
    assert due == legal_deadline(received, "P1M") == date(2026, 12, 2)
    at_noon(clock, due)
    with db.session() as s:
        assert rights.overdue(session=s, user=_user(s, "coordinator1")) == []
    at_noon(clock, date(2026, 12, 3))
    with db.session() as s:
        assert [r.id for r in rights.overdue(session=s, user=_user(s, "coordinator1"))] == [req_id]
        assert rights.overdue(session=s, user=_user(s, "onderzoeker3")) == []  # not theirs to watch
    at_noon(clock, due)  # extended on the last day of the first term (AVG art. 12 lid 3)
    with db.session() as s:
        rights.extend(session=s, user=_user(s, "coordinator1"), request_id=req_id, reason="Veel zaken te doorzoeken")
    at_noon(clock, date(2026, 12, 3))
    with db.session() as s:
        assert rights.overdue(session=s, user=_user(s, "coordinator1")) == []
        assert rights.get_request(session=s, user=_user(s, "coordinator1"), request_id=req_id).due_on == date(2027, 2, 2)
        rights.complete(session=s, user=_user(s, "coordinator1"), request_id=req_id)


def test_a_version_stored_with_a_longer_term_is_held_to_one_month(db, case, clock):
    """A version stored without the check (an older release) whose manifest gives a request three months and an
    extension of six: the engine still holds the request to AVG art. 12 lid 3 (one month, plus at most two)."""
    import hashlib

    from engine.processes.models import ProcessFile, ProcessVersion
    from engine.processes.service import content_hash
    from tests.process.driver import PROCESSES

    files = {str(p.relative_to(PROCESSES)).replace("\\", "/"): p.read_bytes()
             for p in PROCESSES.rglob("*") if p.is_file() and p.suffix in (".bpmn", ".dmn", ".json")}
    manifest = json.loads(files["manifest.json"])
    manifest["privacy"]["inzagetermijn"].update(termijn="P3M", verlenging="P6M")
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    with db.session() as s:
        version = ProcessVersion(content_hash=content_hash(files), main_process_id="integriteitsmelding",
                                 deployed_by="test")
        version.files = [ProcessFile(path=p, sha256=hashlib.sha256(c).hexdigest(), content=c)
                         for p, c in sorted(files.items())]
        s.add(version)
    received = date(2026, 11, 2)
    at_noon(clock, received)
    with db.session() as s:
        req = rights.register(session=s, user=_user(s, "coordinator1"), name=REPORTER)
        req_id = req.id
        assert req.due_on == legal_deadline(received, "P1M") == date(2026, 12, 2)
    with db.session() as s:
        rights.extend(session=s, user=_user(s, "coordinator1"), request_id=req_id, reason="Veel zaken te doorzoeken")
        assert rights.get_request(session=s, user=_user(s, "coordinator1"), request_id=req_id).due_on == date(2027, 2, 2)


def test_a_request_past_its_term_cannot_be_extended_afterwards(db, case, clock):
    """AVG art. 12 lid 3: the person hears of an extension within one month of receipt. A request whose term has
    run cannot be made 'on time' again by extending it afterwards: it stays overdue."""
    at_noon(clock, date(2026, 11, 2))
    with db.session() as s:
        req_id = rights.register(session=s, user=_user(s, "coordinator1"), name=REPORTER).id
    at_noon(clock, date(2026, 12, 3))  # the term ended on Wednesday 2 December 2026
    with db.session() as s:
        with pytest.raises(rights.SubjectRightsRefused) as refused:
            rights.extend(session=s, user=_user(s, "coordinator1"), request_id=req_id, reason="Te laat gezien")
        assert "2 december 2026" in refused.value.detail and "art. 12 lid 3" in refused.value.detail
    with db.session() as s:
        req = rights.get_request(session=s, user=_user(s, "coordinator1"), request_id=req_id)
        assert req.due_on == date(2026, 12, 2) and req.extended_at is None
        assert [r.id for r in rights.overdue(session=s, user=_user(s, "coordinator1"))] == [req_id]


def test_the_extension_counts_from_the_end_of_the_first_month_not_from_the_day_it_moved_to(db, case, clock):
    """Received Thursday 28 January 2027: one month ends on Sunday 28 February, so the first term moves to
    Monday 1 March (EU Regulation 1182/71 art. 3(4)). Extended by two further months, the term ends two months
    after 28 February: Wednesday 28 April 2027, not two months after the Monday (Saturday 1 May, moved to
    Monday 3 May). Worked out by hand."""
    at_noon(clock, date(2027, 1, 28))
    with db.session() as s:
        req = rights.register(session=s, user=_user(s, "coordinator1"), name=REPORTER)
        req_id = req.id
        assert req.due_on == date(2027, 3, 1)
    at_noon(clock, date(2027, 2, 15))
    with db.session() as s:
        rights.extend(session=s, user=_user(s, "coordinator1"), request_id=req_id, reason="Veel zaken te doorzoeken")
    with db.session() as s:
        assert rights.get_request(session=s, user=_user(s, "coordinator1"), request_id=req_id).due_on == date(2027, 4, 28)
    at_noon(clock, date(2027, 4, 29))
    with db.session() as s:
        assert [r.id for r in rights.overdue(session=s, user=_user(s, "coordinator1"))] == [req_id]


def test_restriction_on_a_witness_withholds_her_statement_from_the_subject(db, case):
    with db.session() as s:
        coord = _user(s, "coordinator1")
        flag = rights.place_flag(session=s, user=coord, case_id=case, role="getuige", person=WITNESS,
                                 kind="beperking", statement="Betwist de juistheid van haar verklaring (art. 18 lid 1a).")
        flag_id = flag.id
        with pytest.raises(NotAuthorized):
            rights.place_flag(session=s, user=_user(s, "meldpunt1"), case_id=case, role="getuige", person=WITNESS,
                              kind="beperking", statement="x")
    data, _, _ = _export(db, name=SUBJECT, role="betrokkene", case_id=case)
    (zaak,) = data["zaken"]
    assert len(zaak["getuigenverklaringen"]) == 1 and "niet op kantoor" in zaak["getuigenverklaringen"][0]["verslag"]
    assert "beperkt" in zaak["achtergehouden"][0]
    own, _, _ = _export(db, name=WITNESS, role="getuige", case_id=case)  # her own export still shows it, flagged
    assert own["zaken"][0]["verhoren"] and own["zaken"][0]["markeringen"][0]["soort"].startswith("Beperking")
    with db.session() as s:
        rights.lift_flag(session=s, user=_user(s, "coordinator1"), case_id=case, flag_id=flag_id)
    data, _, _ = _export(db, name=SUBJECT, role="betrokkene", case_id=case)
    assert len(data["zaken"][0]["getuigenverklaringen"]) == 2


def test_rectification_is_recorded_audited_and_shown_in_the_own_export(db, case):
    with db.session() as s:
        rights.place_flag(session=s, user=_user(s, "coordinator1"), case_id=case, role="betrokkene", person=SUBJECT,
                          kind="rectificatie", statement="Niet 'Inspecteur' maar 'Senior inspecteur'.")
        with pytest.raises(InvalidData) as err:
            rights.place_flag(session=s, user=_user(s, "coordinator1"), case_id=case, role="betrokkene",
                              person="Iemand Anders", kind="rectificatie", statement="x")
        assert err.value.errors[0].field == "persoon"
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "persoonsgegevens.rectificatie.vastgelegd"))
        assert event.case_id == case and "Senior" not in json.dumps(event.details)
    data, _, _ = _export(db, name=SUBJECT, role="betrokkene", case_id=case)
    assert data["zaken"][0]["markeringen"][0]["toelichting"] == "Niet 'Inspecteur' maar 'Senior inspecteur'."


def test_redaction_replaces_names_word_by_word_but_not_particles_or_mail_domains():
    r = rights.Redactor()
    r.add(["Jan van der Berg", "j.vanderberg@overheid.example"], "[melder]")
    assert r("Jan zag van der Berg; mail j.vanderberg@overheid.example of vanderberg.") == \
        "[melder] zag van der [melder]; mail [melder] of [melder]."
    assert r("De berg van de overheid") == "De [melder] van de overheid"  # over-redaction errs on the safe side


def test_a_coordinator_without_the_second_factor_learns_nothing_of_the_reporter_through_flags_or_requests(
        db, case, tweede_factor_verplicht):
    """Where the second factor is required for the reporter's identity, a coordinator who did not verify it could
    still read the reporter's name in a person flag on her, and could test a guessed name: placing a flag on 'the
    reporter' or linking an access request to the case as 'melder' answered whether the name was hers."""
    reference = _reference(db, case)
    with db.session() as s:
        coord = _user(s, "coordinator1")  # this login did not verify a second factor
        refusals = []
        for name in (REPORTER, "Iemand Anders"):
            with pytest.raises(NotAuthorized) as err:
                rights.place_flag(session=s, user=coord, case_id=case, role="melder", person=name,
                                  kind="rectificatie", statement="Mijn adres is gewijzigd.")
            refusals.append(err.value.detail)
            req = rights.register(session=s, user=coord, name=name, reporter_consent=False)
            with pytest.raises(NotAuthorized) as err:
                rights.link_case(session=s, user=coord, request_id=req.id, reference=reference, role="melder")
            refusals.append(err.value.detail)
        assert set(refusals) == {rights.REPORTER_NOT_SHOWN}  # the same answer for her name and another's
    with db.session() as s:
        verified = _user(s, "coordinator1")
        verified.second_factor_verified = True
        rights.place_flag(session=s, user=verified, case_id=case, role="melder", person=REPORTER,
                          kind="rectificatie", statement="Mijn adres is gewijzigd.")
    with db.session() as s:
        coord = _user(s, "coordinator1")
        (flag,) = rights.case_flags(session=s, user=coord, case_id=case)
        assert not rights.shows_flag_person(session=s, user=coord, flag=flag)
        coord.second_factor_verified = True
        assert rights.shows_flag_person(session=s, user=coord, flag=flag)


def test_a_request_linked_to_the_reporter_shows_that_link_only_to_who_is_shown_her_identity(
        db, case, tweede_factor_verplicht):
    reference = _reference(db, case)
    with db.session() as s:
        verified = _user(s, "coordinator1")
        verified.second_factor_verified = True
        req = rights.register(session=s, user=verified, name=REPORTER, reporter_consent=False)
        rights.link_case(session=s, user=verified, request_id=req.id, reference=reference, role="melder")
        req_id = req.id
    with db.session() as s:
        coord = _user(s, "coordinator1")  # another login, without the second factor
        assert rights.shown_request_cases(s, coord, req_id) == []  # 'Anna ... melder in zaak X' is her identity
        with pytest.raises(NotAuthorized):
            rights.export(session=s, user=coord, request_id=req_id)
        coord.second_factor_verified = True
        assert [(link.role, ref) for link, ref in rights.shown_request_cases(s, coord, req_id)] == [
            ("melder", reference)]
        assert rights.export(session=s, user=coord, request_id=req_id).content
