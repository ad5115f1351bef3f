"""A telephone number is checked where the form declares it (``"format": "telefoonnummer"`` on the registration
form's ``melder_telefoon``), by the engine's form validation: Dutch and international numbers with spaces or dashes
are taken, anything else is refused naming the field by its label, in Dutch, without echoing the value. Before, the
registration form declared no format: "bel mij maar" was stored as the reporter's number."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import forms
from engine.errors import InvalidData

FORM = json.loads((Path(__file__).resolve().parents[2] / "processes" / "forms" / "melding_registreren.json")
                  .read_text(encoding="utf-8"))

GOOD = ["+31 6 12345678", "+31 6 1234 5678", "06-12345678", "06 12 34 56 78", "0612345678", "020 123 4567",
        "020-1234567", "(020) 123 4567", "+31 (0)20 123 4567", "+31-20-1234567", "0031 20 123 4567",
        "+32 2 123 45 67", "+49 30 12345678", "+1 202 555 0143", "0800-1234", "0900 123 4567", " 06-12345678 "]
BAD = ["bel mij maar", "12345", "06-1234", "06-123456789", "+31", "+31 6 1234567890123456", "06--12345678",
       "06/12345678", "+31 6 12345678 toestel 12", "++31 6 12345678", "0031", "6 12345678", "+0 20 1234567",
       "06-12345678-", "-06 12345678", "06 12345678a"]


def test_the_registration_form_declares_the_number_a_telephone_number():
    assert FORM["properties"]["melder_telefoon"].get("format") == "telefoonnummer"


@pytest.mark.parametrize("number", GOOD)
def test_dutch_and_international_numbers_with_spaces_or_dashes_are_taken(number):
    assert forms.value_errors(FORM, {"melder_telefoon": number}) == {}


@pytest.mark.parametrize("number", BAD)
def test_anything_else_is_refused_by_its_label_in_dutch_without_the_value(number):
    errors = forms.value_errors(FORM, {"melder_telefoon": number})
    assert list(errors) == ["melder_telefoon"]
    # what is taken, and not the value itself (a reporter's contact)
    assert errors["melder_telefoon"] == ("‘Telefoonnummer melder’ moet een telefoonnummer zijn, zoals 06-12345678, "
                                         "020 123 4567 of +31 6 12345678 (cijfers, met spaties of streepjes).")


def test_the_whole_form_refuses_it_too_by_its_label():
    with pytest.raises(InvalidData) as refused:
        forms.validate({**FORM, "required": []}, {"melder_telefoon": "bel mij maar"})
    [error] = refused.value.errors
    assert (error.field, error.label) == ("melder_telefoon", "Telefoonnummer melder")
    assert error.message.startswith("moet een telefoonnummer zijn")


def test_a_surface_with_its_own_label_for_the_field_gets_it():
    errors = forms.value_errors(FORM, {"melder_telefoon": "bel mij"}, labels={"melder_telefoon": "Uw telefoonnummer"})
    assert errors["melder_telefoon"].startswith("‘Uw telefoonnummer’ moet een telefoonnummer zijn")


def test_a_long_string_is_decided_quickly():
    import time

    start = time.perf_counter()
    forms.value_errors(FORM, {"melder_telefoon": "0" + "1 " * 20_000 + "x"})
    assert time.perf_counter() - start < 1
