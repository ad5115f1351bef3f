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


# --------------------------------------------------------------------------- local paths (the Windows user name)
# Word keeps the full path of the template the document was made from (word/_rels/settings.xml.rels), Excel the
# folder the workbook was last saved in (x15ac:absPath) and who last had it open for editing (fileSharing):
# "C:\Users\<login name>\..." names the reporter as surely as the author field.

LOGIN = "pjansen42"


def _rewrite(content: bytes, changes: dict[str, callable]) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        names = source.namelist()
        for name in names:
            data = source.read(name)
            target.writestr(name, changes[name](data) if name in changes else data)
        for name, make in changes.items():
            if name not in names:
                target.writestr(name, make(None))
    return out.getvalue()


def test_a_word_document_loses_the_local_path_of_its_template():
    import docx

    d = docx.Document()
    d.add_paragraph("Verslag.")
    d.add_paragraph("Zie ook de website.")
    out = io.BytesIO()
    d.save(out)
    template = f"file:///C:\\Users\\{LOGIN}\\AppData\\Roaming\\Microsoft\\Sjablonen\\Douane.dotx"
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" '
            f'Target="{template}" TargetMode="External"/></Relationships>').encode()
    content = _rewrite(out.getvalue(), {
        "word/_rels/settings.xml.rels": lambda _: rels,
        "word/settings.xml": lambda data: data.replace(b"</w:settings>", b'<w:attachedTemplate r:id="rId1"/>'
                                                                            b"</w:settings>")})
    assert _unpacked_contains(content, LOGIN)
    clean, removed = scrub.strip(content, ".docx")
    assert not _unpacked_contains(clean, LOGIN)
    assert "lokale bestandspaden (zoals van het sjabloon)" in removed
    assert _unpacked_contains(clean, "Douane.dotx")  # the reference itself stays valid: only the folder is gone
    assert [p.text for p in docx.Document(io.BytesIO(clean)).paragraphs] == ["Verslag.", "Zie ook de website."]


def test_an_excel_workbook_loses_its_saved_folder_and_the_editing_user():
    from openpyxl import Workbook, load_workbook

    book = Workbook()
    book.active["A1"] = "Bedrag"
    out = io.BytesIO()
    book.save(out)
    abs_path = (f'<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
                f'<mc:Choice Requires="x15"><x15ac:absPath url="C:\\Users\\{LOGIN}\\Documents\\" xmlns:x15ac='
                f'"http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"/></mc:Choice></mc:AlternateContent>')
    content = _rewrite(out.getvalue(), {"xl/workbook.xml": lambda data: data.replace(
        b"<workbookPr/>", f'<fileSharing userName="{LOGIN}"/><workbookPr/>{abs_path}'.encode())})
    assert _unpacked_contains(content, LOGIN)
    clean, removed = scrub.strip(content, ".xlsx")
    assert not _unpacked_contains(clean, LOGIN)
    assert "lokale bestandspaden (zoals van het sjabloon)" in removed and "naam van de laatste bewerker" in removed
    assert load_workbook(io.BytesIO(clean)).active["A1"].value == "Bedrag"


def test_comments_in_a_pdf_lose_their_author_and_times_but_form_fields_keep_their_names():
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    note = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=[10, 10, 30, 30],
                              Contents=pikepdf.String("Dit bedrag klopt niet."), T=pikepdf.String(AUTHOR),
                              M=pikepdf.String("D:20261102090000+01'00'"),
                              CreationDate=pikepdf.String("D:20261102085900+01'00'"))
    field = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, Rect=[40, 40, 90, 60],
                               FT=pikepdf.Name.Tx, T=pikepdf.String("bedrag"))
    field = pdf.make_indirect(field)
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(note), field]))
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]))
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    assert AUTHOR.encode() in out.getvalue()
    clean, removed = scrub.strip(out.getvalue(), ".pdf")
    assert "namen en tijdstippen bij opmerkingen" in removed
    with pikepdf.open(io.BytesIO(clean)) as result:
        note, field = result.pages[0].Annots
        assert str(note.Contents) == "Dit bedrag klopt niet." and str(field.T) == "bedrag"
        assert not {"/T", "/M", "/CreationDate"} & set(note.keys())
        for obj in result.objects:
            if isinstance(obj, pikepdf.String):
                assert AUTHOR not in str(obj)
    assert AUTHOR.encode() not in clean


def test_an_image_larger_than_a_phones_photo_is_refused_before_it_is_decoded():
    """A PNG of a few hundred KB can claim 50 megapixels and more; decoding it on the public form took memory by the
    gigabyte. Refused from its header, with the reason in Dutch."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(out, "PNG")  # 50 megapixels, one bit each: a small file
    assert len(out.getvalue()) < scrub_limit_bytes()
    with pytest.raises(InvalidData) as exc:
        scrub.strip(out.getvalue(), ".png")
    assert exc.value.errors[0].field == "bestand" and "te groot (50 megapixel" in exc.value.errors[0].message
    ok = io.BytesIO()
    Image.new("RGB", (4_000, 3_000), "white").save(ok, "JPEG")  # a 12-megapixel photo passes
    assert scrub.strip(ok.getvalue(), ".jpg")[0]


def scrub_limit_bytes() -> int:
    from engine.cases.attachments import MAX_BYTES

    return MAX_BYTES
