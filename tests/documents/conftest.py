"""Fixtures for the letters tests: the sample case, settings per legal route, a case row."""
from __future__ import annotations

import copy
from typing import Any

import pytest

from documents.catalog import LETTERS
from documents.checks import load_sample_case
from documents.render import docx_text
from documents.service import render_letter

_SAMPLE = load_sample_case()


@pytest.fixture
def sample() -> dict[str, Any]:
    return copy.deepcopy(_SAMPLE)


def make_settings(rechtspositie: str = "arbeidsovereenkomst") -> dict[str, Any]:
    settings = copy.deepcopy(_SAMPLE["settings"])
    settings["rechtspositie"] = rechtspositie
    return settings


def case_data(**overrides: Any) -> dict[str, Any]:
    data = copy.deepcopy(_SAMPLE["data"])
    data.update(overrides)
    return data


def render_text(template: str, *, data: dict[str, Any] | None = None, recipient: str | None = None,
                rechtspositie: str = "arbeidsovereenkomst", reference: str = "INT-2026-0042") -> str:
    """Render a letter without storing it and return its visible text (python-docx)."""
    content, _ = render_letter(
        template=template, recipient=recipient or LETTERS[template].recipient,
        data=data if data is not None else case_data(), settings=make_settings(rechtspositie),
        case_reference=reference,
    )
    return docx_text(content)


@pytest.fixture
def case_row(db):
    """A case in the database (letters need a case to belong to)."""
    from engine.cases.models import Case

    with db.session() as session:
        case = Case(reference="INT-2026-0042")
        session.add(case)
        session.flush()
        return case.id
