"""The letter to a witness (issue 15, finding 9): the minutes of their own interview, the term to check, correct and
sign them, and nothing a witness may not see (the letter is rendered from the witness whitelist)."""
from __future__ import annotations

import pytest

from documents.context import WHITELISTS

from .conftest import case_data, render_text

pytestmark = pytest.mark.usefixtures("clock")


def test_the_witness_gets_the_minutes_and_the_term():
    text = render_text("verslag_getuigenverhoor")
    assert "P. de Getuige" in text
    assert "Op 10 december 2026 bent u als getuige gehoord" in text
    assert "De getuige verklaart dat hij in maart op kantoor was." in text  # the minutes themselves, line by line
    assert "Hij zag de betrokkene die week niet." in text
    assert "uiterlijk op 29 december 2026" in text
    assert "ondertekenen" in text and "handtekening getuige" in text


def test_the_witness_letter_sees_neither_reporter_nor_measure():
    allowed = WHITELISTS["getuige"]
    assert not allowed & {"melder_naam", "melder_email", "melder_adres", "omschrijving", "afdoeningen",
                          "voorgenomen_maatregel", "bevindingen", "betrokkene_naam"}
    text = render_text("verslag_getuigenverhoor", data={**case_data(), "melder_naam": "Anna Verbeek"})
    assert "Anna Verbeek" not in text
