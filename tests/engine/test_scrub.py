"""Metadata removed before storage (issue 23, ``engine.cases.scrub``): each supported type, checked with the
libraries that read it; unreadable files are refused with a Dutch error, never stored as they came."""
from __future__ import annotations

import io

import pytest

from engine.cases import scrub
from engine.errors import InvalidData

AUTHOR = "Jan Schrijver"


def _unpacked_contains(content: bytes, needle: str) -> bool:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return any(needle.encode() in z.read(n) for n in z.namelist())


def test_pdf_loses_document_information_and_xmp():
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = AUTHOR
    with pdf.open_metadata() as meta:
        meta["dc:creator"] = [AUTHOR]
    out = io.BytesIO()
    pdf.save(out)
    clean, removed = scrub.strip(out.getvalue(), ".pdf")
    assert AUTHOR.encode() not in clean and any("documentinformatie" in r for r in removed)
    with pikepdf.open(io.BytesIO(clean)) as result:
        assert len(result.pages) == 1 and "/Metadata" not in result.Root and not dict(result.docinfo)


def test_xlsx_loses_creator_and_comment_authors():
    from openpyxl import Workbook, load_workbook
    from openpyxl.comments import Comment

    book = Workbook()
    book.properties.creator = AUTHOR
    book.properties.lastModifiedBy = AUTHOR
    book.active["A1"] = "Bedrag"
    book.active["A1"].comment = Comment("Controleren", AUTHOR)
    out = io.BytesIO()
    book.save(out)
    assert _unpacked_contains(out.getvalue(), AUTHOR)
    clean, removed = scrub.strip(out.getvalue(), ".xlsx")
    assert not _unpacked_contains(clean, AUTHOR)
    assert any("auteur" in r for r in removed) and "namen bij opmerkingen" in removed
    result = load_workbook(io.BytesIO(clean))
    assert result.active["A1"].value == "Bedrag"
    assert result.properties.creator != AUTHOR and result.properties.lastModifiedBy is None


def test_png_loses_text_chunks():
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", AUTHOR)
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "PNG", pnginfo=info)
    clean, removed = scrub.strip(out.getvalue(), ".png")
    assert AUTHOR.encode() not in clean and removed == ["tekstvelden (Author)"]
    assert Image.open(io.BytesIO(clean)).size == (8, 8)


@pytest.mark.parametrize("ext,content", [(".docx", b"PK\x03\x04 kapot"), (".pdf", b"%PDF-1.4 kapot"),
                                         (".png", b"\x89PNG\r\n\x1a\n kapot")])
def test_unreadable_files_are_refused_in_dutch(ext, content):
    with pytest.raises(InvalidData) as exc:
        scrub.strip(content, ext)
    assert exc.value.errors[0].field == "bestand" and "kon niet worden gelezen" in exc.value.errors[0].message


def test_plain_text_is_left_as_it_is():
    assert scrub.strip(b"Gewoon tekst.", ".txt") == (b"Gewoon tekst.", [])
