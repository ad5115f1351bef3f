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


# --------------------------------------------------------------------------- pictures inside documents
# A phone photo pasted into a Word document or a scanned PDF keeps its own EXIF (camera, time, GPS position):
# removing the document's properties alone leaves the reporter's location in the file.

CAMERA, ARTIST, XMP_PERSON = "CameraMerkX", "Fotograaf Piet", "Xmp Persoon"


def _gps_jpeg(size=(40, 30)) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = CAMERA  # Make
    exif[0x013B] = ARTIST  # Artist
    exif[0x8825] = {1: "N", 2: (52.0, 5.0, 30.0), 3: "E", 4: (4.0, 18.0, 0.0)}  # GPS
    out = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(out, "JPEG", exif=exif.tobytes(), comment=ARTIST.encode())
    return out.getvalue()


def _png_with_text() -> bytes:
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", ARTIST)
    info.add_itxt("Comment", ARTIST)
    out = io.BytesIO()
    Image.new("RGB", (12, 8), "blue").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _assert_picture_clean(data: bytes, size) -> None:
    from PIL import Image

    for needle in (CAMERA, ARTIST, XMP_PERSON):
        assert needle.encode() not in data, needle
    img = Image.open(io.BytesIO(data))
    img.load()  # still a readable picture of the same size
    assert img.size == size and len(img.getexif()) == 0 and not img.info.get("comment")


def test_pictures_inside_a_word_document_lose_their_exif_and_text():
    import docx

    photo, drawing = _gps_jpeg(), _png_with_text()
    d = docx.Document()
    d.add_paragraph("Zie de foto.")
    d.add_picture(io.BytesIO(photo))
    d.add_picture(io.BytesIO(drawing))
    out = io.BytesIO()
    d.save(out)
    assert _unpacked_contains(out.getvalue(), ARTIST) and _unpacked_contains(out.getvalue(), CAMERA)
    clean, removed = scrub.strip(out.getvalue(), ".docx")
    assert "metadata van afbeeldingen in het bestand (EXIF, XMP, tekstvelden)" in removed
    import zipfile

    with zipfile.ZipFile(io.BytesIO(clean)) as z:
        media = {n: z.read(n) for n in z.namelist() if n.startswith("word/media/")}
    assert len(media) == 2
    for data in media.values():
        _assert_picture_clean(data, (40, 30) if data.startswith(b"\xff\xd8") else (12, 8))
    assert len(docx.Document(io.BytesIO(clean)).inline_shapes) == 2  # the pictures are still in the document


def test_a_photo_inside_a_pdf_loses_its_exif_and_xmp():
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    image = pikepdf.Stream(pdf, _gps_jpeg())
    image.Type, image.Subtype, image.Filter = pikepdf.Name.XObject, pikepdf.Name.Image, pikepdf.Name.DCTDecode
    image.Width, image.Height, image.BitsPerComponent = 40, 30, 8
    image.ColorSpace = pikepdf.Name.DeviceRGB
    xmp = pikepdf.Stream(pdf, f"<x:xmpmeta><dc:creator>{XMP_PERSON}</dc:creator></x:xmpmeta>".encode())
    xmp.Type, xmp.Subtype = pikepdf.Name.Metadata, pikepdf.Name.XML
    image.Metadata = xmp
    pdf.pages[0].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    assert ARTIST.encode() in out.getvalue() and XMP_PERSON.encode() in out.getvalue()
    clean, removed = scrub.strip(out.getvalue(), ".pdf")
    assert "metadata van afbeeldingen in het bestand (EXIF, XMP, tekstvelden)" in removed
    with pikepdf.open(io.BytesIO(clean)) as result:
        streams = [o for o in result.objects if isinstance(o, pikepdf.Stream)]
        for stream in streams:
            raw = stream.read_raw_bytes() if stream.get("/Filter") == pikepdf.Name.DCTDecode else stream.read_bytes()
            assert XMP_PERSON.encode() not in raw
        photo = result.pages[0].Resources.XObject.Im0
        assert "/Metadata" not in photo
        _assert_picture_clean(photo.read_raw_bytes(), (40, 30))
