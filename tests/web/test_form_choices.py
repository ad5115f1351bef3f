"""Enumerations are choices with Dutch labels in every form of the shipped process (issue 17): a code such as
``deels_aangetoond`` is never typed into a free-text box, nor shown as a label."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from web import forms

FORMS = sorted((Path(__file__).resolve().parents[2] / "processes" / "forms").glob("*.json"))
CHOICES = ("radio", "select", "checkboxes")


def _fields(schema: dict):
    """Every editable field and every cell of a repeated group, with its schema."""
    props = schema.get("properties") or {}
    for f in forms.build_fields(schema, {}):
        prop = props.get(f.key) or {}
        yield f, prop
        sub = (prop.get("items") or {}).get("properties") or {}
        for row in f.rows:
            for cell in row:
                if cell.key in sub:
                    yield cell, sub[cell.key]


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_every_enumeration_is_a_choice_with_dutch_labels(path):
    wrong = []
    for f, prop in _fields(json.loads(path.read_text(encoding="utf-8"))):
        enum = prop.get("enum") or (prop.get("items") or {}).get("enum")
        if not enum or f.widget == "readonly":
            continue
        if f.widget not in CHOICES:
            wrong.append(f"{f.name}: {f.widget}, not a choice")
        elif [v for v, _ in f.options] != [str(v) for v in enum]:
            wrong.append(f"{f.name}: options {f.options}")
        wrong += [f"{f.name}: label {label!r} is a code" for _, label in f.options if "_" in label]
    assert not wrong, wrong


def test_conclusions_per_allegation_offer_the_outcomes_by_name():
    schema = json.loads((FORMS[0].parent / "rapport_opstellen.json").read_text(encoding="utf-8"))
    cell = next(f for f, _ in _fields(schema) if f.name == "bevindingen[0].uitkomst")
    assert cell.widget == "select"
    assert cell.options == [("aangetoond", "Aangetoond"), ("deels_aangetoond", "Deels aangetoond"),
                            ("niet_aangetoond", "Niet aangetoond")]


def test_the_intention_is_not_labelled_a_decision():
    schema = json.loads((FORMS[0].parent / "afdoening_bepalen.json").read_text(encoding="utf-8"))
    labels = {f.key: f.label for f in forms.build_fields(schema, {})}
    assert labels["afdoening_keuze"] != "Besluit" and "besluit" not in labels["afdoening_keuze"].lower()
