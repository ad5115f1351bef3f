"""Metadata removed from a file BEFORE it is stored (issue 23): a photo's EXIF/XMP (camera, GPS position, time),
an Office file's document properties (author, last editor, company, custom properties), revision data (rsid
numbers, names and dates of tracked changes), comments and local paths (the template's folder, Excel's last saved
folder: they name the Windows user), a PDF's document information, XMP metadata and the authors and times of its
comments, and the metadata of the pictures inside an Office file or a PDF (a phone photo pasted into a document
keeps its own EXIF with the GPS position): JPEG and PNG pictures there lose it without being re-encoded
(:func:`picture`).

:func:`strip` returns the cleaned bytes and what was removed, in Dutch, so the handler sees that it was done.
A file that cannot be read as its type is refused (a Dutch error naming the field), never stored unchanged.
Libraries: Pillow (images), pikepdf (PDF), lxml on the Office Open XML parts (the format python-docx and
openpyxl read; the tests check the result with python-docx and openpyxl).
"""
from __future__ import annotations

import io
import re
import zipfile

from engine.errors import FieldError, InvalidData

MAX_UNPACKED = 50 * 1024 * 1024  # an Office file unpacks to at most this much (no zip bomb)

_UNREADABLE = "Het bestand kon niet worden gelezen als {soort}; het is niet opgeslagen."


def _refuse(kind: str) -> InvalidData:
    return InvalidData([FieldError("bestand", _UNREADABLE.format(soort=kind))])


# --------------------------------------------------------------------------- images

_EXIF_GPS = 0x8825


# A photo of a phone fits in a reporter's 5 MB (``attachments.MAX_BYTES``) at up to ~40 megapixels; a crafted PNG of
# a few hundred KB can claim far more, and decoding it (three copies: read, turned upright, the clean one) would take
# gigabytes on a public endpoint. Its size is read from the header, before anything is decoded.
MAX_PIXELS = 40_000_000
_TOO_LARGE = ("De afbeelding is te groot ({mp} megapixel; hoogstens {max_mp}). Verklein de foto en stuur hem opnieuw; "
              "er is niets opgeslagen.")


def _image(content: bytes, fmt: str) -> tuple[bytes, list[str]]:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(content))
        if img.width * img.height > MAX_PIXELS:
            raise InvalidData([FieldError("bestand", _TOO_LARGE.format(
                mp=round(img.width * img.height / 1e6), max_mp=MAX_PIXELS // 1_000_000))])
        img.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise _refuse("afbeelding") from None
    removed: list[str] = []
    exif = img.getexif()
    if len(exif) or exif.get_ifd(_EXIF_GPS):
        removed.append("EXIF-gegevens (camera, tijdstip)")
        if exif.get_ifd(_EXIF_GPS) or _EXIF_GPS in exif:
            removed.append("GPS-locatie")
    if img.info.get("xmp") or any(k.lower().startswith("xml:com.adobe.xmp") for k in img.info):
        removed.append("XMP-metadata")
    if img.info.get("comment"):
        removed.append("commentaar in het bestand")
    texts = [k for k in getattr(img, "text", {}) or {} if not k.lower().startswith("xml:com.adobe.xmp")]
    if texts:
        removed.append("tekstvelden (" + ", ".join(sorted(texts)) + ")")
    if img.info.get("icc_profile"):
        removed.append("kleurprofiel")
    img = ImageOps.exif_transpose(img)  # keep the picture upright once the orientation tag is gone
    clean = Image.new(img.mode, img.size)
    clean.paste(img)
    if img.mode == "P":
        clean.putpalette(img.getpalette())
    out = io.BytesIO()
    if fmt == "JPEG":
        if clean.mode not in ("RGB", "L", "CMYK"):
            clean = clean.convert("RGB")
        clean.save(out, "JPEG", quality=92)
    else:
        clean.save(out, "PNG")
    return out.getvalue(), removed


# --------------------------------------------------------------------------- pictures inside documents

PICTURES = "metadata van afbeeldingen in het bestand (EXIF, XMP, tekstvelden)"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_METADATA = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RSTn carry no length


def _jpeg_segments(data: bytes) -> bytes:
    """A JPEG without its metadata segments, the picture data unchanged (no re-encoding): APP1 (EXIF, XMP), APP3-13
    and APP15 (IPTC, Photoshop, maker data), comments, APP2 other than the colour profile, and anything after the
    end of the image (a second picture, as in MPO files). Kept: JFIF (APP0), the colour profile (APP2 ICC_PROFILE),
    Adobe (APP14, needed to decode the colours) and every coding segment. ``ValueError`` when it is no JPEG."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("no JPEG")
    out, i, n = [b"\xff\xd8"], 2, len(data)
    while i < n:
        if data[i] != 0xFF:
            raise ValueError("marker expected")
        while i < n and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= n:
            break
        marker = data[i]
        i += 1
        if marker == 0xD9:  # end of image: nothing after it is kept
            out.append(b"\xff\xd9")
            return b"".join(out)
        if marker in _JPEG_STANDALONE:
            out.append(bytes((0xFF, marker)))
            continue
        length = int.from_bytes(data[i:i + 2], "big")
        if length < 2 or i + length > n:
            raise ValueError("bad segment length")
        body = data[i + 2:i + length]
        segment = bytes((0xFF, marker)) + data[i:i + length]
        i += length
        metadata = marker == 0xFE or (0xE1 <= marker <= 0xEF and marker != 0xEE
                                      and not (marker == 0xE2 and body.startswith(b"ICC_PROFILE\x00")))
        if not metadata:
            out.append(segment)
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            j = i
            while True:
                j = data.find(b"\xff", j)
                if j < 0 or j + 1 >= n:
                    raise ValueError("scan without end")
                follower = data[j + 1]
                if follower == 0x00 or 0xD0 <= follower <= 0xD7:
                    j += 2
                    continue
                break
            out.append(data[i:j])
            i = j
    raise ValueError("no end of image")


def _png_chunks(data: bytes) -> bytes:
    """A PNG without its text, EXIF and time chunks, the picture data unchanged. ``ValueError`` when it is no PNG."""
    import struct

    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("no PNG")
    out, i, n = [_PNG_SIGNATURE], len(_PNG_SIGNATURE), len(data)
    while i + 12 <= n:
        (length,) = struct.unpack(">I", data[i:i + 4])
        kind = data[i + 4:i + 8]
        end = i + 12 + length
        if end > n:
            raise ValueError("bad chunk length")
        if kind not in _PNG_METADATA:
            out.append(data[i:end])
        i = end
        if kind == b"IEND":
            return b"".join(out)
    raise ValueError("no IEND")


def picture(data: bytes) -> tuple[bytes, bool]:
    """A picture embedded in a document without its metadata, and whether anything was removed. JPEG and PNG are
    cleaned (``ValueError`` when such a picture is broken); other formats are returned as they are."""
    if data.startswith(b"\xff\xd8\xff"):
        clean = _jpeg_segments(data)
    elif data.startswith(_PNG_SIGNATURE):
        clean = _png_chunks(data)
    else:
        return data, False
    return clean, clean != data


# --------------------------------------------------------------------------- PDF

def _pdf(content: bytes) -> tuple[bytes, list[str]]:
    import pikepdf

    named_annots = (pikepdf.Name.Widget, pikepdf.Name.Link)  # their /T is a field name, not an author

    try:
        pdf = pikepdf.open(io.BytesIO(content))
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError):
        raise _refuse("pdf") from None
    removed: list[str] = []
    with pdf:
        info = [str(k).lstrip("/") for k in pdf.docinfo.keys()]
        if info:
            removed.append("documentinformatie (" + ", ".join(sorted(info)) + ")")
        del pdf.trailer["/Info"]
        if "/Metadata" in pdf.Root:
            removed.append("XMP-metadata")
            del pdf.Root["/Metadata"]
        if "/PieceInfo" in pdf.Root:
            del pdf.Root["/PieceInfo"]
        annotated = False
        for page in pdf.pages:
            for key in ("/Metadata", "/PieceInfo"):
                if key in page.obj:
                    del page.obj[key]
            for annot in page.obj.get("/Annots") or []:  # a comment's /T is its author (a form field's is its name)
                if isinstance(annot, pikepdf.Dictionary) and annot.get("/Subtype") not in named_annots:
                    for key in ("/T", "/M", "/CreationDate"):
                        if key in annot:
                            del annot[key]
                            annotated = True
        if annotated:
            removed.append("namen en tijdstippen bij opmerkingen")
        pictures = False
        for obj in pdf.objects:  # the pictures (and any other object) carry metadata of their own
            if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                continue
            for key in ("/Metadata", "/PieceInfo"):
                if key in obj:
                    del obj[key]
                    pictures = True
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Image:
                if obj.get("/Filter") in (pikepdf.Name.DCTDecode, pikepdf.Array([pikepdf.Name.DCTDecode])):
                    try:
                        data, changed = picture(obj.read_raw_bytes())
                    except ValueError:
                        raise _refuse("pdf") from None
                    if changed:  # still DCT-encoded, with the same decode parameters
                        obj.write(data, filter=obj.Filter, decode_parms=obj.get("/DecodeParms"))
                        pictures = True
        if pictures:
            removed.append(PICTURES)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue(), removed


# --------------------------------------------------------------------------- Office Open XML (docx, xlsx)

CORE = ("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
        "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" "
        "xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"/>").encode()
APP = ("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
       "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\"/>").encode()
CUSTOM = ("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
          "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties\" "
          "xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"/>").encode()
WORD_COMMENTS = ("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                 "<w:comments xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"/>").encode()
CORE_NAMES = {"creator": "auteur", "lastModifiedBy": "laatst gewijzigd door", "title": "titel",
              "subject": "onderwerp", "keywords": "trefwoorden", "description": "omschrijving",
              "category": "categorie", "created": "aanmaakdatum", "modified": "wijzigingsdatum",
              "revision": "revisienummer", "lastPrinted": "laatst afgedrukt", "contentStatus": "status",
              "identifier": "kenmerk", "language": "taal", "version": "versie"}
APP_NAMES = {"Company": "organisatie", "Manager": "manager", "Template": "sjabloon", "TotalTime": "bewerkingstijd",
             "Application": "programma", "AppVersion": "programmaversie", "HyperlinkBase": "hyperlinkbasis"}

_RSID_ATTR = re.compile(rb'\s(?:w:rsid\w*|w14:paraId|w14:textId)="[^"]*"')
_RSIDS = re.compile(rb"<w:rsids>.*?</w:rsids>|<w:rsids/>", re.S)
_REVISION_ATTR = re.compile(rb'\s(?:w:author|w:initials|w:date|w15:userId|w15:providerId)="[^"]*"')
_COMMENT_MARKS = re.compile(rb"<w:commentRangeStart\b[^>]*/>|<w:commentRangeEnd\b[^>]*/>"
                            rb"|<w:r\b[^>]*>(?:(?!</w:r>).)*?<w:commentReference\b[^>]*/>(?:(?!</w:r>).)*?</w:r>"
                            rb"|<w:commentReference\b[^>]*/>", re.S)
_XL_AUTHOR = re.compile(rb"<author>[^<]*</author>")
# Local paths name the Windows user ("C:\Users\<login>\..."): the template a Word document was made from and
# files linked from it (external relationships), the folder Excel last saved the workbook in (x15ac:absPath) and
# who last held it open for editing (fileSharing userName).
LOCAL_PATHS = "lokale bestandspaden (zoals van het sjabloon)"
_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*>")
_TARGET = re.compile(rb"""\bTarget=(["'])(.*?)\1""")
_EXTERNAL = re.compile(rb"""\bTargetMode=["']External["']""")
_WEB_TARGET = re.compile(rb"^(?:https?|mailto|ftp|tel):", re.I)
_ABS_PATH = re.compile(rb"<mc:AlternateContent\b[^>]*>\s*<mc:Choice\b[^>]*>\s*<[\w]+:absPath\b[^>]*/>\s*</mc:Choice>"
                       rb"\s*</mc:AlternateContent>|<[\w]+:absPath\b[^>]*/>")
_FILE_SHARING_USER = re.compile(rb'(<fileSharing\b[^>]*?)\suserName="[^"]*"')


def _local_targets(data: bytes) -> tuple[bytes, bool]:
    """A relationships part whose external targets that are not web addresses keep only their file name."""
    changed = False

    def one(match: re.Match) -> bytes:
        nonlocal changed
        element = match.group(0)
        target = _TARGET.search(element)
        if not _EXTERNAL.search(element) or target is None or _WEB_TARGET.match(target.group(2)):
            return element
        name = re.split(rb"[\\/]|&#92;|%5[cC]|%2[fF]", target.group(2))[-1]
        if name == target.group(2):
            return element
        changed = True
        return element[:target.start(2)] + name + element[target.end(2):]

    return _RELATIONSHIP.sub(one, data), changed


def _local_names_with_text(xml: bytes) -> list[str]:
    from lxml import etree

    try:
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return ["onleesbare eigenschappen"]
    return [etree.QName(el).localname for el in root if (el.text or "").strip() or len(el)]


def _office(content: bytes, kind: str) -> tuple[bytes, list[str]]:
    try:
        source = zipfile.ZipFile(io.BytesIO(content))
        infos = source.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse(kind) from None
    if sum(i.file_size for i in infos) > MAX_UNPACKED or not any(i.filename == "[Content_Types].xml" for i in infos):
        raise _refuse(kind)
    removed: set[str] = set()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in infos:
            name = info.filename
            try:
                data = source.read(info)
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError):
                raise _refuse(kind) from None
            low = name.lower()
            if low == "docprops/core.xml":
                found = [CORE_NAMES.get(n, n) for n in _local_names_with_text(data)]
                if found:
                    removed.add("documenteigenschappen (" + ", ".join(sorted(set(found))) + ")")
                data = CORE
            elif low == "docprops/app.xml":
                found = [APP_NAMES[n] for n in _local_names_with_text(data) if n in APP_NAMES]
                if found:
                    removed.add("toepassingseigenschappen (" + ", ".join(sorted(set(found))) + ")")
                data = APP
            elif low == "docprops/custom.xml":
                if _local_names_with_text(data):
                    removed.add("aangepaste eigenschappen")
                data = CUSTOM
            elif low.startswith("docprops/thumbnail"):
                removed.add("miniatuurafbeelding")
                data = b""
            elif low.endswith(".rels"):
                data, changed = _local_targets(data)
                if changed:
                    removed.add(LOCAL_PATHS)
            elif "/media/" in low:  # word/media, xl/media: pictures keep their own EXIF (GPS) otherwise
                try:
                    data, changed = picture(data)
                except ValueError:
                    raise _refuse(kind) from None
                if changed:
                    removed.add(PICTURES)
            elif low.startswith("word/") and low.endswith(".xml"):
                if low == "word/comments.xml":
                    if b"<w:comment " in data or b"<w:comment>" in data:
                        removed.add("opmerkingen")
                    data = WORD_COMMENTS
                elif low in ("word/commentsextended.xml", "word/commentsids.xml", "word/commentsextensible.xml",
                             "word/people.xml"):
                    if b"<w15:person" in data:
                        removed.add("namen van bewerkers")
                    data = re.sub(rb"(<[\w:]+\b[^>]*?)>.*(</[\w:]+>)\s*$", rb"\1>\2", data.strip(), flags=re.S) \
                        if data.strip().endswith(b">") and data.count(b"<") > 2 else data
                else:
                    if _RSIDS.search(data) or _RSID_ATTR.search(data):
                        removed.add("revisiegegevens (rsid)")
                    data = _RSID_ATTR.sub(b"", _RSIDS.sub(b"", data))
                    if _REVISION_ATTR.search(data):
                        removed.add("namen en tijdstippen van bijgehouden wijzigingen")
                    data = _REVISION_ATTR.sub(b"", data)
                    if _COMMENT_MARKS.search(data):
                        removed.add("opmerkingen")
                    data = _COMMENT_MARKS.sub(b"", data)
            elif low.startswith("xl/") and low.endswith(".xml"):
                if re.match(r"xl/(?:comments/)?comments?\d*\.xml$", low) and _XL_AUTHOR.search(data):
                    removed.add("namen bij opmerkingen")
                    data = _XL_AUTHOR.sub(b"<author></author>", data)
                elif low == "xl/workbook.xml":
                    if _ABS_PATH.search(data):
                        removed.add(LOCAL_PATHS)
                        data = _ABS_PATH.sub(b"", data)
                    if _FILE_SHARING_USER.search(data):
                        removed.add("naam van de laatste bewerker")
                        data = _FILE_SHARING_USER.sub(rb"\1", data)
                elif low.startswith("xl/persons/") or low.startswith("xl/threadedcomments/"):
                    removed.add("namen bij opmerkingen")
                    data = re.sub(rb'\s(?:displayName|userId|providerId|personId)="[^"]*"', b"", data)
            target.writestr(_stable(info), data)
    return out.getvalue(), sorted(removed)


def _stable(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """The member without its original timestamp (a last-saved time is metadata too)."""
    clean = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
    clean.compress_type = zipfile.ZIP_DEFLATED
    clean.external_attr = info.external_attr
    return clean


# --------------------------------------------------------------------------- the door

def strip(content: bytes, ext: str) -> tuple[bytes, list[str]]:
    """``content`` without metadata, and what was removed (Dutch). ``ext``: ``.jpg``, ``.pdf``, ... (checked by
    the caller against the allowed types)."""
    if ext in (".jpg", ".jpeg"):
        return _image(content, "JPEG")
    if ext == ".png":
        return _image(content, "PNG")
    if ext == ".pdf":
        return _pdf(content)
    if ext == ".docx":
        return _office(content, "Word-document")
    if ext == ".xlsx":
        return _office(content, "Excel-bestand")
    return content, []
