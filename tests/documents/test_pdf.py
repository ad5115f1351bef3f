"""Optional PDF: clear Dutch error without LibreOffice; conversion when it is installed."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.main import app
from documents import pdf
from documents.errors import PdfUnavailable

from .conftest import case_data, make_settings

pytestmark = pytest.mark.usefixtures("clock")


def test_without_libreoffice_the_feature_says_so(monkeypatch):
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    assert not pdf.pdf_available()
    with pytest.raises(PdfUnavailable, match="PDF-conversie niet beschikbaar"):
        pdf.docx_to_pdf(b"PK")


@pytest.mark.db
def test_cli_letters_pdf_without_libreoffice(db, case_row, monkeypatch, tmp_path):
    from documents.service import produce_letter

    with db.session() as session:
        letter_id = produce_letter(session=session, case_id=case_row, case_reference="INT-2026-0042", step="s",
                                   template="ontvangstbevestiging", recipient="melder", data=case_data(),
                                   settings=make_settings()).id
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    result = CliRunner().invoke(app, ["letters", "pdf", str(letter_id), "-o", str(tmp_path / "b.pdf")])
    assert result.exit_code == 1
    assert "PDF-conversie niet beschikbaar" in result.output
    result = CliRunner().invoke(app, ["letters", "export", str(letter_id), "-o", str(tmp_path / "b.docx")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b.docx").read_bytes()[:2] == b"PK"


@pytest.mark.skipif(not pdf.pdf_available(), reason="LibreOffice niet geïnstalleerd")
def test_conversion_with_libreoffice():
    from documents.service import render_letter

    content, _ = render_letter(template="ontvangstbevestiging", recipient="melder", data=case_data(),
                               settings=make_settings(), case_reference="INT-2026-0042")
    assert pdf.docx_to_pdf(content)[:4] == b"%PDF"


@pytest.mark.parametrize("script, timeout, words", [
    ("#!/bin/sh\nexit 3\n", 30, "LibreOffice stopte met een fout (afsluitcode 3)"),
    ("#!/bin/sh\nexec /bin/sleep 30\n", 0.5, "LibreOffice was na 0.5 seconden niet klaar"),
    ("\x7fELF geen programma", 30, "LibreOffice kon niet worden gestart"),  # executable, but no program
])
def test_a_failing_conversion_says_why_in_dutch(tmp_path, monkeypatch, script, timeout, words):
    """A LibreOffice that fails, hangs or cannot start: the reason in Dutch, not Python's exception class."""
    office = tmp_path / "libreoffice"
    office.write_text(script, encoding="utf-8")
    office.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}")
    with pytest.raises(PdfUnavailable) as caught:
        pdf.docx_to_pdf(b"PK", timeout=timeout)
    message = str(caught.value.detail if hasattr(caught.value, "detail") else caught.value)
    assert message == f"PDF-conversie mislukt: {words}", message
    assert not any(w in message for w in ("Error", "Expired", "Exception")), message
