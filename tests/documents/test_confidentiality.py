"""Confidentiality in letters is enforced in code: per-recipient whitelists plus a leak guard."""
from __future__ import annotations

import pytest

from documents.catalog import LETTERS
from documents.context import (
    MEASURE, REPORTER_IDENTITY, SUBJECT_IDENTITY, WHITELISTS, build_context,
)
from documents.errors import LetterRenderError

from .conftest import case_data, make_settings, render_text

pytestmark = pytest.mark.usefixtures("clock")

REPORTER_VALUES = ("Anna Verbeek", "a.verbeek@example.nl", "Laan van Meerdervoort", "2563 AB",
                   "06 12345678", "structureel uren schrijft")


def test_whitelists_never_cross_the_lines():
    forbidden_for_reporter = SUBJECT_IDENTITY | MEASURE | {"advies_afdoeningen", "voorgenomen_maatregel"}
    assert not WHITELISTS["melder"] & forbidden_for_reporter
    for role, allowed in WHITELISTS.items():
        if role != "melder":
            assert not allowed & REPORTER_IDENTITY, role
            assert not {k for k in allowed if k.startswith("melder_")}, role
            assert "omschrijving" not in allowed


def test_reporter_context_drops_subject_and_measure():
    ctx = build_context(recipient="melder", data=case_data(), settings=make_settings(), case_reference="X")
    for key in ("betrokkene_naam", "betrokkene_functie", "afdoeningen", "voorgenomen_maatregel",
                "advies_afdoeningen", "advies_motivering", "bevindingen", "besluit_motivering"):
        assert key not in ctx
    assert ctx["melder_naam"] == "Anna Verbeek"


def test_subject_context_drops_reporter_identity():
    ctx = build_context(recipient="betrokkene", data=case_data(), settings=make_settings(), case_reference="X")
    for key in REPORTER_IDENTITY:
        assert key not in ctx
    assert ctx["betrokkene_naam"] == "Pieter de Graaf"


def test_unknown_recipient_is_refused():
    with pytest.raises(LetterRenderError, match="Onbekende ontvanger"):
        build_context(recipient="pers", data=case_data(), settings=make_settings(), case_reference="X")


def test_feedback_letter_with_named_subject_and_reprimand_contains_neither():
    data = case_data(afdoeningen=["Schriftelijke berisping"], voorgenomen_maatregel="Schriftelijke berisping",
                     uitkomst="aangetoond")
    text = render_text("terugkoppeling_melder", data=data)
    assert "Pieter de Graaf" not in text and "de Graaf" not in text
    assert "berisping" not in text.lower()
    assert "senior douanemedewerker" not in text
    assert "Het onderzoek heeft het vermoeden dat u heeft gemeld bevestigd." in text


def test_a_reporter_template_asking_for_the_subject_gets_nothing(tmp_path):
    # Even a template edited to print the subject's name cannot: the data is not passed.
    from documents.build_templates import TemplateBuilder
    from documents.render import render_docx

    builder = TemplateBuilder("terugkoppeling_melder")
    builder.p("Betrokkene: {{ betrokkene_naam }}")
    path = tmp_path / "terugkoppeling_melder.docx"
    path.write_bytes(builder.bytes())
    ctx = build_context(recipient="melder", data=case_data(), settings=make_settings(), case_reference="X")
    with pytest.raises(LetterRenderError, match="betrokkene_naam"):
        render_docx(path, ctx)


def test_leak_guard_stops_subject_name_in_free_text_to_reporter():
    data = case_data(terugkoppeling_tekst="Pieter de Graaf heeft een berisping gekregen.")
    with pytest.raises(LetterRenderError) as info:
        render_text("terugkoppeling_melder", data=data)
    assert info.value.placeholder == "betrokkene_naam"
    assert "Pieter" not in info.value.detail  # errors never carry case data


def test_leak_guard_stops_measure_in_free_text_to_reporter():
    data = case_data(terugkoppeling_tekst="Er is een Schriftelijke berisping opgelegd.")
    with pytest.raises(LetterRenderError, match="afdoeningen"):
        render_text("terugkoppeling_melder", data=data)


def test_leak_guard_stops_intended_measure_in_free_text_to_reporter():
    # Between intention and decision only the intended measure is known; the form stores it as a list.
    data = case_data(advies_afdoeningen=["Schriftelijke berisping"], voorgenomen_maatregel=["Vermindering IKB-uren"],
                     terugkoppeling_tekst="Wij zijn voornemens een vermindering IKB-uren op te leggen.")
    data.pop("afdoeningen")
    with pytest.raises(LetterRenderError) as info:
        render_text("terugkoppeling_melder", data=data)
    assert info.value.placeholder == "voorgenomen_maatregel"
    # The refusal names the field and the word the writer used (a measure word, not the subject's identity).
    assert "(terugkoppeling_tekst) noemt 'IKB' (maatregel 'Vermindering IKB-uren'" in info.value.detail


def test_leak_guard_checks_case_data_the_letter_was_not_rendered_from():
    # The reporter's feedback is written in its own branch of the process; the measure decided in the other
    # branch is not in the letter's data, but is in the guard data the engine passes along.
    from documents.service import render_letter
    from .conftest import make_settings as settings

    data = {k: v for k, v in case_data().items()
            if k not in ("afdoeningen", "advies_afdoeningen", "voorgenomen_maatregel")}
    data["terugkoppeling_tekst"] = "Betrokkene krijgt een schriftelijke berisping."
    # Without the rest of the case the guard still knows every measure the process declares ...
    with pytest.raises(LetterRenderError) as info:
        render_letter(template="terugkoppeling_melder", recipient="melder", data=data, settings=settings(),
                      case_reference="X")
    assert info.value.placeholder == "maatregel"
    # ... and with it, it names the case data the text gives away.
    with pytest.raises(LetterRenderError) as info:
        render_letter(template="terugkoppeling_melder", recipient="melder", data=data, settings=settings(),
                      case_reference="X", guard=[{"afdoeningen": ["Schriftelijke berisping"]}])
    assert info.value.placeholder == "afdoeningen"


def test_leak_guard_stops_reporter_name_in_free_text_to_subject():
    data = case_data(besluit_motivering="Mevrouw Anna Verbeek heeft verklaard dat u afwezig was.")
    with pytest.raises(LetterRenderError) as info:
        render_text("besluit_disciplinaire_maatregel", data=data)
    assert info.value.placeholder == "melder_naam"


@pytest.mark.parametrize("text", [
    "Mevrouw Verbeek heeft verklaard dat u afwezig was.",
    "Uit de verklaring van A. Verbeek blijkt dat u afwezig was.",
    "Verbeek heeft verklaard dat u afwezig was.",
    "Verbeek, A. heeft verklaard dat u afwezig was.",
    "Anna heeft verklaard dat u afwezig was.",
    "Uit de verklaring van mevrouw  VERBEEK blijkt dat u afwezig was.",
])
def test_leak_guard_stops_the_reporter_in_any_form_of_her_name_in_a_letter_to_the_subject(text):
    # The subject must never learn who reported (DOMAIN §2, §4): the surname alone, initial + surname or the
    # first name identify the reporter as surely as the full name. The same name forms as the reporter's guard
    # knows for the subject's name.
    with pytest.raises(LetterRenderError) as info:
        render_text("besluit_disciplinaire_maatregel", data=case_data(besluit_motivering=text))
    assert info.value.placeholder == "melder_naam"
    assert "besluit_motivering" in info.value.detail  # the refusal names the field ...
    assert "Verbeek" not in info.value.detail and "Anna" not in info.value.detail  # ... never the name


def test_the_reporter_named_as_a_person_of_the_case_is_stopped_in_a_letter_to_the_subject():
    # A reporter linked as a person (a manager who reported under their own account) has no ``melder_naam`` in
    # the data; the engine passes the linked reporter's name as guard data (engine.cases.reporter_texts).
    from documents.service import render_letter

    data = case_data(besluit_motivering="De heer Kuipers heeft gezien dat u afwezig was.")
    for key in ("melder_naam", "melder_email", "melder_telefoon", "melder_adres"):
        data.pop(key)
    with pytest.raises(LetterRenderError) as info:
        render_letter(template="besluit_disciplinaire_maatregel", recipient="betrokkene", data=data,
                      settings=make_settings(), case_reference="X", guard=[{"melder_naam": "Henk Kuipers"}])
    assert info.value.placeholder == "melder_naam"


def test_a_reporter_who_shares_a_name_with_the_subject_does_not_block_the_subjects_letter():
    # The subject's own name is in the subject's letter: a surname the reporter shares with the subject (family,
    # a common name) tells the subject nothing; the reporter's other name parts still count.
    data = case_data(melder_naam="Anna de Graaf")
    text = render_text("besluit_disciplinaire_maatregel", data=data)
    assert "Pieter de Graaf" in text
    with pytest.raises(LetterRenderError) as info:
        render_text("besluit_disciplinaire_maatregel",
                    data=case_data(melder_naam="Anna de Graaf", besluit_motivering="Anna heeft het gezien."))
    assert info.value.placeholder == "melder_naam"


# A reporter whose surname is a word of the trade: "melder" is also what every letter calls her role.
TRADE_NAMED_REPORTER = "A. de Melder"


@pytest.mark.parametrize("text", [
    "Mevrouw De Melder heeft verklaard dat u afwezig was.",
    "Uit de verklaring van mevrouw de Melder blijkt dat u afwezig was.",
    "A. de Melder heeft verklaard dat u afwezig was.",
    "Uit de verklaring van A. De Melder blijkt dat u afwezig was.",
    "De heer De Melder heeft verklaard dat u afwezig was.",
    "Wij hebben met De Melder gesproken over uw afwezigheid.",
    "De Melder heeft verklaard dat u afwezig was.",  # capitalised after its tussenvoegsel: the surname
])
def test_a_reporter_whose_surname_is_a_word_of_the_trade_is_found_when_written_as_a_name(text):
    # The leak guard's promise for a name that is also a common word: a hit when written as a name (after a title,
    # an initial, or capitalised right after its tussenvoegsel). The subject must not learn who reported.
    with pytest.raises(LetterRenderError) as info:
        render_text("besluit_disciplinaire_maatregel",
                    data=case_data(melder_naam=TRADE_NAMED_REPORTER, besluit_motivering=text))
    assert info.value.placeholder == "melder_naam"
    assert "besluit_motivering" in info.value.detail
    assert "De Melder" not in info.value.detail and "A. de" not in info.value.detail


@pytest.mark.parametrize("text", [
    "De melder moet als getuige worden gehoord.",
    "Uit de verklaring van de melder blijkt dat u afwezig was.",
    "De melder en de getuigen zijn gehoord; de vertrouwenspersoon was aanwezig.",
    "Melder: zie het dossier. Getuige: de leidinggevende.",  # the role as a label
    "Naar aanleiding van de melding is een getuige gehoord.",
])
def test_the_words_of_the_trade_stay_usable_when_the_reporter_is_named_after_one(text):
    text_shown = render_text("besluit_disciplinaire_maatregel",
                             data=case_data(melder_naam=TRADE_NAMED_REPORTER, besluit_motivering=text))
    assert text in text_shown


@pytest.mark.parametrize("text", [
    "U bent gebeld vanaf 0612345678.",
    "U bent gebeld vanaf 06-1234 5678.",
    "U bent gebeld vanaf +31 6 12345678.",
    "U bent gebeld vanaf 0031 6 1234 5678.",
])
def test_leak_guard_stops_the_reporters_phone_number_however_written(text):
    # Stored as "06 12345678": the same number with other spacing, hyphens or the country code identifies the
    # reporter as surely (the Woo overview's check already reads numbers this way, engine.reports.woo).
    with pytest.raises(LetterRenderError) as info:
        render_text("besluit_disciplinaire_maatregel", data=case_data(besluit_motivering=text))
    assert info.value.placeholder == "melder_telefoon"
    assert "12345678" not in info.value.detail


def test_a_longer_number_holding_the_reporters_digits_is_not_her_number():
    text = render_text("besluit_disciplinaire_maatregel",
                       data=case_data(besluit_motivering="Zie dossier 2026061234567890 voor de stukken."))
    assert "2026061234567890" in text


@pytest.mark.parametrize("template", sorted(n for n, s in LETTERS.items() if s.recipient != "melder"))
def test_letters_not_to_the_reporter_contain_no_reporter_identity(template):
    data = case_data(uitkomst="niet_aangetoond") if template == "afsluiting_zonder_maatregel" else case_data()
    text = render_text(template, data=data)
    for value in REPORTER_VALUES:
        assert value not in text, (template, value)


@pytest.mark.parametrize("template", sorted(n for n, s in LETTERS.items() if s.recipient == "melder"))
def test_letters_to_the_reporter_contain_no_subject_or_measure(template):
    data = case_data(route="doorverwijzing") if template == "besluit_geen_onderzoek" else case_data()
    text = render_text(template, data=data)
    for value in ("Pieter de Graaf", "senior douanemedewerker", "Schriftelijke berisping", "berisping",
                  "Vermindering IKB-uren", "twaalf dagen"):
        assert value not in text, (template, value)
