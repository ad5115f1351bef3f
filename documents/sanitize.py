"""Word's internals kept out of letters (issue 19).

A template edited in Word carries more than its visible text. The rule, per kind:

**Refused** (``meldpunt templates check``, ``meldpunt processes check``, deployment and every render name the
template and what was found; nothing is rendered): content a recipient could see or recover that the template
editor may not have meant to send.

* tracked changes (insertions, deletions, moves, formatting changes): refusing is the safer default than
  accepting them, because an accepted "[INTERN: …]" insertion would be printed and a rejected deletion could
  be the text the editor meant; the editor accepts or rejects them in Word and turns tracking off;
* comments (and their anchors);
* hidden text (``w:vanish``);
* fields that are not placeholders (``MERGEFIELD``, ``DOCPROPERTY``, ``DATE``, ``AUTHOR``, ``INCLUDETEXT``, …):
  case data comes in through ``{{ … }}`` only; page numbering ("Pagina ``PAGE`` van ``NUMPAGES``") is layout
  and allowed, in a header or footer only (in the letter's body a page field is refused too);
* custom XML (``customXml`` data parts, inline custom XML and smart tags, content controls bound to custom XML).

**Removed from every letter** (not refused: Word writes them on every save, so refusing them would make Word
unusable for the template editor, and they never reach the recipient): the template's document properties
(core and extended properties are replaced by neutral ones; custom properties and the thumbnail are dropped),
revision ids (``w:rsid*`` attributes and the ``w:rsids`` list), the attached template's path, document
variables and the "track changes" switch.
"""
from __future__ import annotations

from collections import Counter
from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{%s}" % W_NS

RT_BASE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
RT_CUSTOM_XML = RT_BASE + "customXml"
RT_COMMENTS = RT_BASE + "comments"
RT_CUSTOM_PROPERTIES = RT_BASE + "custom-properties"
RT_THUMBNAIL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"
RT_PEOPLE = "http://schemas.microsoft.com/office/2011/relationships/people"
RT_COMMENTS_EXTENDED = (
    "http://schemas.microsoft.com/office/2011/relationships/commentsExtended",
    "http://schemas.microsoft.com/office/2016/09/relationships/commentsIds",
    "http://schemas.microsoft.com/office/2018/08/relationships/commentsExtensible",
)

# Tracked changes, by element, as the check names them.
TRACKED: dict[str, str] = {
    "ins": "invoeging", "del": "verwijdering", "moveFrom": "verplaatsing", "moveTo": "verplaatsing",
    "rPrChange": "opmaakwijziging", "pPrChange": "opmaakwijziging", "sectPrChange": "opmaakwijziging",
    "tblPrChange": "opmaakwijziging", "trPrChange": "opmaakwijziging", "tcPrChange": "opmaakwijziging",
    "tblPrExChange": "opmaakwijziging", "tblGridChange": "opmaakwijziging", "numberingChange": "opmaakwijziging",
    "cellIns": "invoeging", "cellDel": "verwijdering", "cellMerge": "opmaakwijziging",
}
COMMENT_MARKS = ("commentRangeStart", "commentRangeEnd", "commentReference")
CUSTOM_XML_MARKS = ("customXml", "smartTag", "dataBinding")

# Word fields that are layout, not data.
LAYOUT_FIELDS = frozenset({"PAGE", "NUMPAGES"})
MARGIN_PARTS = ("header+xml", "footer+xml")  # content types where page numbering belongs

_FALSE = {"0", "false", "off"}

_TAGS = tuple(_W + t for t in (*TRACKED, *COMMENT_MARKS, *CUSTOM_XML_MARKS, "vanish", "fldSimple", "fldChar",
                               "instrText"))


def _parts(package) -> list:
    return list(package.iter_parts())


def _root(part):
    element = getattr(part, "_element", None)
    if element is not None:
        return element
    blob = part.blob
    if not blob or not part.content_type.endswith("xml"):
        return None
    return etree.fromstring(blob, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))


def _word_parts(package):
    for part in _parts(package):
        if str(part.partname).startswith("/word/") and part.content_type.endswith("xml"):
            root = _root(part)
            if root is not None:
                yield part, root


def internals(package) -> list[str]:
    """What a template (or a rendered letter) contains of the refused kinds, in Dutch, without its text
    (an empty list: clean). ``package``: a python-docx package (``Document(...).part.package``)."""
    tracked: Counter[str] = Counter()
    comments = 0
    hidden = 0
    fields: set[str] = set()
    custom: set[str] = set()
    for source in [package, *_parts(package)]:
        for rel in source.rels.values():
            if rel.reltype == RT_COMMENTS:
                comments += 1
            elif rel.reltype == RT_CUSTOM_XML:
                custom.add("gegevensonderdeel (customXml)")
    comments_in_text = 0
    for part, root in _word_parts(package):
        in_margin = part.content_type.endswith(MARGIN_PARTS)
        part_fields: set[str] = set()
        instr: list[str] | None = None
        for el in root.iter(*_TAGS):
            local = el.tag[len(_W):]
            if local in TRACKED:
                tracked[TRACKED[local]] += 1
            elif local == "commentReference":
                comments_in_text += 1
            elif local in ("commentRangeStart", "commentRangeEnd"):
                pass
            elif local == "vanish":
                if (el.get(_W + "val") or "true").lower() not in _FALSE:
                    hidden += 1
            elif local == "fldSimple":
                part_fields.add(_field_name(el.get(_W + "instr") or ""))
            elif local == "fldChar":
                kind = el.get(_W + "fldCharType")
                if kind == "begin":
                    instr = []
                elif kind in ("separate", "end") and instr is not None:
                    part_fields.add(_field_name("".join(instr)))
                    instr = None
            elif local == "instrText":
                if instr is not None:
                    instr.append(el.text or "")
                else:
                    part_fields.add(_field_name(el.text or ""))
            elif local == "customXml":
                custom.add("aangepaste XML-markering")
            elif local == "smartTag":
                custom.add("slim label (smart tag)")
            elif local == "dataBinding":
                custom.add("inhoudsbesturingselement gekoppeld aan aangepaste XML")
        if in_margin:
            part_fields -= LAYOUT_FIELDS
        else:
            part_fields = {f"{f} (buiten kop- of voettekst)" if f in LAYOUT_FIELDS else f for f in part_fields}
        fields |= part_fields
    found: list[str] = []
    if tracked:
        kinds = ", ".join(f"{n} {kind}{'en' if n > 1 and kind.endswith('ing') else ''}"
                          for kind, n in sorted(tracked.items()))
        found.append(f"bijgehouden wijzigingen ({kinds}); accepteer of weiger ze in Word (Controleren > "
                     f"Wijzigingen) en zet 'Wijzigingen bijhouden' uit")
    if comments or comments_in_text:
        n = max(comments_in_text, 1)
        found.append(f"opmerkingen ({n}); verwijder ze in Word (Controleren > Verwijderen > Alle opmerkingen "
                     f"verwijderen)")
    if hidden:
        found.append(f"verborgen tekst ({hidden} keer); maak de tekst zichtbaar of verwijder hem")
    if fields:
        found.append(f"Word-velden die geen placeholder zijn ({', '.join(sorted(fields))}); gebruik "
                     f"{{{{ gegeven }}}} voor zaakgegevens; alleen paginanummering ({', '.join(sorted(LAYOUT_FIELDS))})"
                     f" in de kop- of voettekst is als veld toegestaan")
    if custom:
        found.append(f"aangepaste XML ({', '.join(sorted(custom))}); verwijder de koppeling of het onderdeel")
    return found


def _field_name(instruction: str) -> str:
    words = instruction.strip().split()
    return words[0].upper() if words else "(leeg veld)"


# --------------------------------------------------------------------------- stripping metadata

NEUTRAL_CORE = (
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:language>nl-NL</dc:language></cp:coreProperties>'
)
NEUTRAL_APP = (
    b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    b"<Application>Meldpunt</Application></Properties>"
)
RT_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
RT_APP = RT_BASE + "extended-properties"
DROPPED_RELS = frozenset({RT_CUSTOM_XML, RT_CUSTOM_PROPERTIES, RT_THUMBNAIL, RT_PEOPLE, *RT_COMMENTS_EXTENDED})
SETTINGS_DROPPED = ("rsids", "attachedTemplate", "docVars", "trackRevisions")
_RSID_XPATH = etree.XPath("//*[@*[starts-with(local-name(), 'rsid')]]")


def strip_metadata(package) -> None:
    """Remove from ``package`` (in place) what Word writes on every save and a letter must not carry: the
    template's document properties, custom XML data, the thumbnail, revision ids, the attached template,
    document variables and the "track changes" switch."""
    from docx.oxml import parse_xml

    for source in [package, *_parts(package)]:
        for r_id, rel in list(source.rels.items()):
            if rel.reltype in DROPPED_RELS:
                del source.rels[r_id]
    for rel in package.rels.values():
        if rel.reltype == RT_CORE:
            rel.target_part._element = parse_xml(NEUTRAL_CORE)
        elif rel.reltype == RT_APP:
            part = rel.target_part
            if hasattr(part, "_element"):
                part._element = parse_xml(NEUTRAL_APP)
            else:
                part._blob = NEUTRAL_APP
    for part in _parts(package):
        if not str(part.partname).startswith("/word/") or not part.content_type.endswith("xml"):
            continue
        element = getattr(part, "_element", None)
        if element is None:
            if b"rsid" not in (part.blob or b""):
                continue
            element = _root(part)
            _strip_rsids(element)
            part._blob = etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)
            continue
        _strip_rsids(element)
        if element.tag == _W + "settings":
            for local in SETTINGS_DROPPED:
                for child in element.findall(_W + local):
                    element.remove(child)


def _strip_rsids(root) -> None:
    for el in _RSID_XPATH(root):
        for name in [n for n in el.attrib if etree.QName(n).localname.startswith("rsid")]:
            del el.attrib[name]


def metadata_left(package) -> list[str]:
    """What :func:`strip_metadata` removes that is still in ``package`` (for tests and the letter scan)."""
    left: list[str] = []
    for source in [package, *_parts(package)]:
        for rel in source.rels.values():
            if rel.reltype in DROPPED_RELS:
                left.append(rel.reltype.rsplit("/", 1)[-1])
    for _part, root in _word_parts(package):
        if _RSID_XPATH(root):
            left.append("rsid")
        if root.tag == _W + "settings":
            left += [local for local in SETTINGS_DROPPED if root.find(_W + local) is not None]
    return left
