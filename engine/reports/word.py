"""Word output (python-docx): real tables whose header row repeats on every page."""
from __future__ import annotations

import io

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt


def mark_header_row(row) -> None:
    """Set ``w:tblHeader`` so Word repeats this row at the top of each page."""
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def add_table(doc, headers: list[str], rows: list[list[str]]):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    head = table.rows[0]
    for cell, text in zip(head.cells, headers):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
    mark_header_row(head)
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values):
            cell.text = "" if value is None else str(value)
    return table


def document(title: str, sections: list[tuple[str | None, list[str], list[list[str]]]],
             intro: list[str] | None = None) -> bytes:
    """A document with a title, optional paragraphs and one table per section."""
    doc = Document()
    doc.styles["Normal"].font.size = Pt(9)
    doc.add_heading(title, level=1)
    for line in intro or []:
        doc.add_paragraph(line)
    for heading, headers, rows in sections:
        if heading:
            doc.add_heading(heading, level=2)
        add_table(doc, headers, rows)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def read_tables(content: bytes) -> list[list[list[str]]]:
    """All tables of a document as lists of cell texts (tests, checks)."""
    doc = Document(io.BytesIO(content))
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
