"""The access-request answer (AVG art. 15) given to the SUBJECT never carries what the reporter wrote about
themselves: the subject reads the report as case workers do, in the version the desk redacted
(``engine.cases.field_classes``), never the original with only the names replaced.

One case through the real process; the reporter describes herself without her name ("the only woman on the
night shift of team Noordkade", her phone number written differently from the registered one)."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from documents.render import docx_text
from engine.identity.models import User
from engine.records import subject_rights as rights

pytestmark = pytest.mark.db

REPORTER, REPORTER_MAIL, REPORTER_PHONE = "Fenna Kwakkelstein", "f.kwakkelstein@melder.example", "06-48151623"
SUBJECT = "Gijs Zwanenburg"
SELF = "als enige vrouw in de nachtdienst van team Noordkade"
PHONE_IN_TEXT = "06 4815 1623"
REDACTED = f"Een collega zag dat {SUBJECT} reizen naar Zwolle declareerde die nooit zijn gemaakt."


def _user(s, name: str) -> User:
    return s.scalar(select(User).where(User.username == name))


@pytest.fixture
def case(db, clock):
    from tests.process.driver import run_scenario
    from tests.process.engine_driver import EngineDriver
    from tests.process.scenarios import DEFAULTS, FEITENONDERZOEK, with_

    driver = EngineDriver(db, clock)
    driver.trail = []
    answers = with_(FEITENONDERZOEK, {
        "melding_registreren": {
            "melder_naam": REPORTER, "melder_email": REPORTER_MAIL, "melder_telefoon": REPORTER_PHONE,
            "betrokkene_naam": SUBJECT,
            "omschrijving": f"Ik werk {SELF} en zag dat {SUBJECT} reizen naar Zwolle declareerde. "
                            f"Bel mij op {PHONE_IN_TEXT}."},
        "zaak_registreren": {"uitkomst": "aangetoond", "soort_onderzoek": "feitenonderzoek_intern",
                             "afdoeningen": ["Schriftelijke berisping"]},
    })
    run_scenario(driver, answers, DEFAULTS, {})
    assert driver.finished()
    return driver.case_id


def _subject_export(db, case_id) -> tuple[dict, str]:
    from engine.cases.models import Case

    with db.session() as s:
        coord = _user(s, "coordinator1")
        req = rights.register(session=s, user=coord, name=SUBJECT)
        rights.link_case(session=s, user=coord, request_id=req.id, reference=s.get(Case, case_id).reference,
                         role="betrokkene")
        out = rights.export(session=s, user=coord, request_id=req.id)
    with zipfile.ZipFile(io.BytesIO(out.content)) as z:
        return json.loads(z.read("gegevens.json")), docx_text(z.read("samenvatting.docx"))


def _no_trace_of_the_reporter(data: dict, word: str) -> None:
    text = json.dumps(data, ensure_ascii=False) + word
    for needle in (REPORTER, "Kwakkelstein", REPORTER_MAIL, REPORTER_PHONE, PHONE_IN_TEXT, "Noordkade",
                   "enige vrouw", "Bel mij"):
        assert needle not in text, needle


def test_subject_reads_the_report_only_as_the_desk_redacted_it(db, case):
    from engine.cases import field_classes

    with db.session() as s:
        field_classes.redact(session=s, user=_user(s, "meldpunt1"), case_id=case, name="omschrijving",
                             text=REDACTED)
    data, word = _subject_export(db, case)
    (zaak,) = data["zaken"]
    assert zaak["melding"] == {"omschrijving": f"Een collega zag dat {SUBJECT} reizen naar Zwolle declareerde "
                                               "die nooit zijn gemaakt."}
    _no_trace_of_the_reporter(data, word)


def test_subject_reads_no_report_text_before_the_desk_redacted_it(db, case):
    data, word = _subject_export(db, case)
    (zaak,) = data["zaken"]
    assert zaak["melding"] == {}
    assert any("nog niet geredigeerd" in line for line in zaak["achtergehouden"])
    _no_trace_of_the_reporter(data, word)
    assert zaak["uitkomst"] == "aangetoond"  # the rest of the answer is there


def test_subject_answer_carries_no_report_date_but_the_reporters_does(db, case):
    """The report date identifies the reporter (who spoke up that day); no letter to anyone but the reporter
    carries it (documents.catalog.REPORTER_IDENTITY), and neither does an access-request answer."""
    from engine.cases.models import Case

    data, word = _subject_export(db, case)
    (zaak,) = data["zaken"]
    with db.session() as s:
        reported = s.get(Case, case).summary["datum_melding"]
        coord = _user(s, "coordinator1")
        req = rights.register(session=s, user=coord, name=REPORTER)
        rights.link_case(session=s, user=coord, request_id=req.id, reference=s.get(Case, case).reference,
                         role="melder")
        own = rights.export(session=s, user=coord, request_id=req.id).data["zaken"][0]
    assert reported and own["datum_melding"] == reported
    assert "datum_melding" not in zaak and "datum melding" not in word


def test_a_confidential_value_no_form_declares_is_redacted_as_the_reporters_identity(db, case):
    """A value the case holds in confidence under a field no form of its version declares (kept from an older
    version) is the reporter's identity, the strictest class (``engine.cases.field_classes``): the subject's answer
    replaces it like the reporter's name, and the reporter's own answer lists it among their data."""
    from engine.cases import confidential, field_classes
    from engine.cases.models import Case

    workplace = "Kantoor Wolvenhoek"
    with db.session() as s:
        confidential.store(s, case_id=case, values={"melder_werkplek": workplace})
    with db.session() as s:  # the desk's redaction keeps a word of it (not the whole value: that it refuses)
        field_classes.redact(session=s, user=_user(s, "meldpunt1"), case_id=case, name="omschrijving",
                             text=f"{REDACTED} Het speelde rond Wolvenhoek.")
    data, word = _subject_export(db, case)
    assert "Wolvenhoek" not in json.dumps(data, ensure_ascii=False) + word
    assert "[melder]" in data["zaken"][0]["melding"]["omschrijving"]
    _no_trace_of_the_reporter(data, word)
    with db.session() as s:
        coord = _user(s, "coordinator1")
        req = rights.register(session=s, user=coord, name=REPORTER)
        rights.link_case(session=s, user=coord, request_id=req.id, reference=s.get(Case, case).reference,
                         role="melder")
        own = rights.export(session=s, user=coord, request_id=req.id).data["zaken"][0]
    assert own["uw_gegevens"].get("melder_werkplek") == workplace
