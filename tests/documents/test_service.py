"""Stored letters: produced inside the caller's transaction, immutable, versioned, hash-verified."""
from __future__ import annotations

import hashlib
import io
from datetime import datetime, timezone

import pytest
from docx import Document
from sqlalchemy import select, text

from documents.errors import LetterIntegrityError, LetterNotFound, LetterRenderError
from documents.models import ImmutableLetter, Letter
from documents.render import TEMPLATES_DIR, docx_text
from documents.service import (
    correct_letter, current_letters, get_letter, letter_content, list_letters, produce_letter, verify_letter,
)

from .conftest import case_data, make_settings

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("clock")]


def produce(session, case_id, **overrides):
    args = dict(session=session, case_id=case_id, case_reference="INT-2026-0042", step="Voornemen_opstellen",
                template="voornemen_disciplinaire_maatregel", recipient="betrokkene", data=case_data(),
                settings=make_settings())
    args.update(overrides)
    return produce_letter(**args)


def test_produce_stores_the_letter_with_its_metadata(db, case_row):
    with db.session() as session:
        letter = produce(session, case_row)
        letter_id = letter.id
    with db.session() as session:
        stored = get_letter(session=session, letter_id=letter_id)
        content = letter_content(session=session, letter=stored)
        assert stored.case_id == case_row
        assert stored.step == "Voornemen_opstellen"
        assert stored.template == "voornemen_disciplinaire_maatregel"
        assert stored.recipient == "betrokkene"
        assert stored.version == 1 and stored.supersedes_id is None
        assert stored.rendered_at == datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
        tpl = (TEMPLATES_DIR / "voornemen_disciplinaire_maatregel.docx").read_bytes()
        assert stored.template_sha256 == hashlib.sha256(tpl).hexdigest()
        assert stored.sha256 == hashlib.sha256(content).hexdigest() and stored.size == len(content)
        assert verify_letter(stored, session=session)
        Document(io.BytesIO(content))  # a valid Word document
        assert "uiterlijk op 25 januari 2027" in docx_text(content)
        assert stored.filename == "voornemen_disciplinaire_maatregel-v1.docx"


def test_correction_makes_a_new_version_and_keeps_the_old(db, case_row):
    with db.session() as session:
        first_id = produce(session, case_row).id
    with db.session() as session:
        original = get_letter(session=session, letter_id=first_id)
        original_hash, original_bytes = original.sha256, letter_content(session=session, letter=original)
    with db.session() as session:
        corrected = correct_letter(session=session, letter_id=first_id, case_reference="INT-2026-0042",
                                   data=case_data(zienswijze_termijn="2027-02-01"), settings=make_settings(),
                                   actor="jurist")
        second_id = corrected.id
    with db.session() as session:
        letters = list_letters(session=session, case_id=case_row)
        assert [l.id for l in letters] == [first_id, second_id]
        old, new = (get_letter(session=session, letter_id=i) for i in (first_id, second_id))
        assert (old.version, new.version) == (1, 2)
        assert new.supersedes_id == first_id and new.rendered_by == "jurist"
        assert old.sha256 == original_hash and letter_content(session=session, letter=old) == original_bytes
        assert new.sha256 != old.sha256
        assert "1 februari 2027" in docx_text(letter_content(session=session, letter=new))
        assert "25 januari 2027" in docx_text(letter_content(session=session, letter=old))
        assert [l.id for l in current_letters(session=session, case_id=case_row)] == [second_id]
        assert all(verify_letter(l, session=session) for l in (old, new))


def test_stored_letters_cannot_be_changed_through_the_orm(db, case_row):
    with db.session() as session:
        letter_id = produce(session, case_row).id
    with pytest.raises(ImmutableLetter):
        with db.session() as session:
            letter = get_letter(session=session, letter_id=letter_id)
            letter.content = b"anders"
    with db.session() as session:
        assert verify_letter(get_letter(session=session, letter_id=letter_id), session=session)


def test_tampered_bytes_fail_verification(db, case_row):
    with db.session() as session:
        letter_id = produce(session, case_row).id
    with db.engine.begin() as conn:  # someone edits the row behind the application's back
        conn.execute(text("UPDATE letters SET content = :c WHERE id = :i"), {"c": b"PK-nep", "i": letter_id})
    with db.session() as session:
        letter = get_letter(session=session, letter_id=letter_id, verify=False)
        assert not verify_letter(letter, session=session)
        with pytest.raises(LetterIntegrityError):
            get_letter(session=session, letter_id=letter_id)


def test_failing_letter_rolls_back_the_step(db, case_row):
    """The engine produces the letter inside the step's transaction: no letter, no step."""
    from engine.cases.models import Case

    data = case_data()
    data.pop("zienswijze_termijn")
    with pytest.raises(LetterRenderError) as info:
        with db.session() as session:
            case = session.get(Case, case_row)
            case.status = "closed"  # stands in for the step's own writes
            produce(session, case_row, step="Eerste", template="ontvangstbevestiging", recipient="melder")
            produce(session, case_row, data=data)
    assert info.value.placeholder == "zienswijze_termijn"
    with db.session() as session:
        assert session.get(Case, case_row).status == "open"
        assert list_letters(session=session, case_id=case_row) == []


def test_versions_are_counted_per_step_template_and_recipient(db, case_row):
    with db.session() as session:
        a = produce(session, case_row, step="Aanvullende_informatie", template="verzoek_aanvullende_informatie",
                    recipient="melder")
        b = produce(session, case_row, step="Aanvullende_informatie", template="verzoek_aanvullende_informatie",
                    recipient="melder")  # the step ran again (a second request)
        c = produce(session, case_row)
        assert (a.version, b.version, c.version) == (1, 2, 1)
        assert b.supersedes_id is None  # a new letter, not a correction


def test_unknown_letter_id(db):
    with db.session() as session:
        with pytest.raises(LetterNotFound):
            get_letter(session=session, letter_id=999999)


def test_listing_does_not_load_the_bytes(db, case_row):
    with db.session() as session:
        produce(session, case_row)
    with db.session() as session:
        letters = list_letters(session=session, case_id=case_row)
        assert "content" in {a.key for a in letters[0].__mapper__.column_attrs}
        assert "content" not in letters[0].__dict__  # deferred


def test_letter_belongs_to_an_existing_case(db):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with db.session() as session:
            produce(session, 424242)


def test_rows_match_the_table(db, case_row):
    with db.session() as session:
        produce(session, case_row)
        rows = session.execute(select(Letter.template, Letter.recipient, Letter.storage)).all()
        assert rows == [("voornemen_disciplinaire_maatregel", "betrokkene", "db-aes-gcm")]
