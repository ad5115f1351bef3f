"""Word's internals never reach a recipient (issue 19): a template with tracked changes, comments, hidden text,
fields that are not placeholders or custom XML is refused by the check and by rendering; every letter is
free of them and of the template's document properties and revision ids."""
from __future__ import annotations

import io
import re
import shutil
import zipfile

import pytest
from docx import Document
from docx.oxml import parse_xml
from lxml import etree
from typer.testing import CliRunner

from cli.main import app
from documents.build_templates import TemplateBuilder
from documents.catalog import LETTERS
from documents.checks import check_templates, load_sample_case
from documents.errors import LetterRenderError
from documents.render import TEMPLATES_DIR, normalise_docx
from documents.service import render_letter

from .conftest import case_data, make_settings

pytestmark = pytest.mark.usefixtures("clock")

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NSDECL = f'xmlns:w="{W}"'
REF = "INT-2026-0042"


def _doc(name: str = "terugkoppeling_melder") -> Document:
    builder = TemplateBuilder(name)
    builder.p("Geachte {{ melder_naam }},")
    builder.p("Uw melding van {{ datum_melding|nl_datum }} is afgehandeld: {{ terugkoppeling_tekst }}")
    return Document(io.BytesIO(builder.bytes()))  # a clean template to start from


def _save(doc: Document, directory, name: str) -> None:
    buf = io.BytesIO()
    doc.save(buf)
    (directory / f"{name}.docx").write_bytes(normalise_docx(buf.getvalue()))


def _append(doc: Document, xml: str) -> None:
    body = doc.element.body
    body.insert(len(body) - 1, parse_xml(xml))  # before the section properties


def word_internals_template(directory, name: str = "terugkoppeling_melder") -> None:
    """A template as Word leaves it after an editor's review: a tracked insertion and deletion, a comment by
    the template's author and a MERGEFIELD, written as Word writes them (OOXML)."""
    doc = _doc(name)
    _append(doc, f'<w:p {NSDECL}><w:r><w:t xml:space="preserve">Wij danken u. </w:t></w:r>'
                 f'<w:ins w:id="1" w:author="Jurist" w:date="2026-10-01T10:00:00Z"><w:r>'
                 f'<w:t>[INTERN: nog afstemmen met jurist]</w:t></w:r></w:ins>'
                 f'<w:del w:id="2" w:author="Jurist" w:date="2026-10-01T10:00:00Z"><w:r>'
                 f'<w:delText>Wij betreuren de gang van zaken.</w:delText></w:r></w:del></w:p>')
    _append(doc, f'<w:p {NSDECL}><w:r><w:t xml:space="preserve">Aan </w:t></w:r>'
                 f'<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                 f'<w:r><w:instrText xml:space="preserve"> MERGEFIELD melder_naam \\* MERGEFORMAT </w:instrText></w:r>'
                 f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                 f'<w:r><w:t>«melder_naam»</w:t></w:r>'
                 f'<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    paragraph = doc.add_paragraph()
    run = paragraph.add_run("Met vriendelijke groet,")
    doc.add_comment(runs=[run], text="Deze zin nog laten controleren", author="Auteur sjabloon", initials="AS")
    _save(doc, directory, name)


def copy_templates(tmp_path):
    target = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, target)
    return target


def test_tracked_changes_comment_and_mergefield_are_refused_by_the_check(tmp_path):
    templates = copy_templates(tmp_path)
    word_internals_template(templates)
    issues = [i for i in check_templates(templates, load_sample_case()) if "'terugkoppeling_melder'" in i]
    assert any("bijgehouden wijzigingen" in i and "1 invoeging" in i and "1 verwijdering" in i for i in issues), issues
    assert any("opmerkingen (1)" in i for i in issues), issues
    assert any("Word-velden die geen placeholder zijn (MERGEFIELD)" in i for i in issues), issues
    # the other templates stay in order
    assert all("'terugkoppeling_melder'" in i for i in check_templates(templates, load_sample_case()))


def test_cli_templates_check_refuses_naming_template_and_what_was_found(tmp_path):
    templates = copy_templates(tmp_path)
    word_internals_template(templates)
    result = CliRunner().invoke(app, ["templates", "check", "--templates", str(templates),
                                      "--processes", str(tmp_path / "leeg")])
    assert result.exit_code == 1
    assert "Alle sjablonen in orde." not in result.output
    assert "Sjabloon 'terugkoppeling_melder' bevat bijgehouden wijzigingen" in result.output
    assert "Sjabloon 'terugkoppeling_melder' bevat opmerkingen" in result.output
    assert "MERGEFIELD" in result.output


def test_rendering_refuses_a_template_with_word_internals(tmp_path):
    templates = copy_templates(tmp_path)
    word_internals_template(templates)
    with pytest.raises(LetterRenderError) as exc:
        render_letter(template="terugkoppeling_melder", recipient="melder", data=case_data(),
                      settings=make_settings(), case_reference=REF, templates_dir=templates)
    assert "Sjabloon 'terugkoppeling_melder' bevat bijgehouden wijzigingen" in exc.value.detail
    assert "Anna Verbeek" not in exc.value.detail  # no case data in the error


@pytest.mark.parametrize("xml, found", [
    (f'<w:p {NSDECL}><w:r><w:rPr><w:vanish/></w:rPr><w:t>Intern: melder is collega van betrokkene</w:t></w:r></w:p>',
     "verborgen tekst"),
    (f'<w:p {NSDECL}><w:fldSimple w:instr=" DOCPROPERTY Opsteller "><w:r><w:t>J. Jansen</w:t></w:r></w:fldSimple></w:p>',
     "(DOCPROPERTY)"),
    (f'<w:p {NSDECL}><w:customXml w:element="naam"><w:r><w:t>Tekst</w:t></w:r></w:customXml></w:p>',
     "aangepaste XML"),
])
def test_hidden_text_other_fields_and_custom_xml_are_refused(tmp_path, xml, found):
    templates = tmp_path / "t"
    templates.mkdir()
    doc = _doc()
    _append(doc, xml)
    _save(doc, templates, "terugkoppeling_melder")
    issues = check_templates(templates, load_sample_case())
    assert any(i.startswith("Sjabloon 'terugkoppeling_melder' bevat") and found in i for i in issues), issues


PAGE_NUMBERING = (f'<w:p {NSDECL}><w:r><w:t xml:space="preserve">Pagina </w:t></w:r>'
                  f'<w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
                  f'<w:r><w:t xml:space="preserve"> van </w:t></w:r>'
                  f'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> NUMPAGES </w:instrText></w:r>'
                  f'<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def test_page_numbering_fields_are_layout_and_allowed_in_the_footer_only(tmp_path):
    """"Pagina x van y": PAGE and NUMPAGES in a footer (or header) are layout; in the body, or any other
    field in the footer, the check refuses them."""
    templates = tmp_path / "t"
    templates.mkdir()
    doc = _doc()
    footer = doc.sections[0].footer._element
    footer.append(parse_xml(PAGE_NUMBERING))
    _save(doc, templates, "terugkoppeling_melder")
    assert check_templates(templates, load_sample_case()) == []

    doc = _doc()
    _append(doc, PAGE_NUMBERING)
    doc.sections[0].footer._element.append(parse_xml(
        f'<w:p {NSDECL}><w:fldSimple w:instr=" SECTIONPAGES "><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p>'))
    _save(doc, templates, "terugkoppeling_melder")
    issues = check_templates(templates, load_sample_case())
    assert any("NUMPAGES (buiten kop- of voettekst)" in i and "PAGE (buiten kop- of voettekst)" in i
               and "SECTIONPAGES" in i for i in issues), issues


# --------------------------------------------------------------------------- the scan of every letter

REFUSED_TAGS = {"ins", "del", "delText", "moveFrom", "moveTo", "rPrChange", "pPrChange", "sectPrChange",
                "commentRangeStart", "commentRangeEnd", "commentReference", "vanish", "customXml", "smartTag",
                "dataBinding", "docVars", "attachedTemplate", "trackRevisions", "rsids"}
REFUSED_PARTS = re.compile(r"(customXml/.*|word/comments.*|word/people\.xml|docProps/custom\.xml|docProps/thumbnail.*)")


def internals_of(content: bytes) -> list[str]:
    """Everything of Word's internals a letter carries, read from its bytes (independent of the sanitiser)."""
    found: list[str] = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if REFUSED_PARTS.fullmatch(name):
                found.append(f"part {name}")
            if not name.endswith((".xml", ".rels")):
                continue
            raw = archive.read(name)
            if name.endswith(".rels"):
                found += [f"{name}: relationship {t}" for t in
                          re.findall(rb'Type="[^"]*/(customXml|comments|people|custom-properties|thumbnail)"', raw)]
                continue
            root = etree.fromstring(raw)
            for el in root.iter():
                if not isinstance(el.tag, str):
                    continue
                local = etree.QName(el).localname
                if etree.QName(el).namespace == W and local in REFUSED_TAGS:
                    found.append(f"{name}: w:{local}")
                if etree.QName(el).namespace == W and local in ("fldSimple", "instrText"):
                    code = (el.get(f"{{{W}}}instr") or el.text or "").split()
                    if not code or code[0].upper() not in ("PAGE", "NUMPAGES") or "/footer" not in name:
                        found.append(f"{name}: field {code[:1]}")
                found += [f"{name}: {etree.QName(a).localname}" for a in el.attrib
                          if etree.QName(a).localname.startswith("rsid")]
            if name == "docProps/core.xml":
                found += [f"core property {etree.QName(el).localname}" for el in root
                          if etree.QName(el).localname != "language"]
            if name == "docProps/app.xml":
                found += [f"app property {etree.QName(el).localname}" for el in root
                          if etree.QName(el).localname != "Application"]
    return found


def test_every_shipped_letter_rendered_for_a_sample_case_is_free_of_word_internals():
    assert len(LETTERS) == 16
    for name, spec in LETTERS.items():
        data = case_data()
        if name == "besluit_geen_onderzoek":
            data["route"] = "doorverwijzing"
        content, _ = render_letter(template=name, recipient=spec.recipient, data=data, settings=make_settings(),
                                   case_reference=REF)
        assert internals_of(content) == [], name


def test_template_metadata_is_stripped_from_the_letter(tmp_path):
    """Word writes properties, revision ids, document variables and the tracking switch on every save: the
    check lets them pass, the letter carries none of them."""
    templates = tmp_path / "t"
    templates.mkdir()
    doc = _doc()
    props = doc.core_properties
    props.author, props.comments = "J. de Sjabloonmaker", "Briefsjabloon Meldpunt. Controleer wijzigingen met: X"
    props.title, props.keywords = "Concept terugkoppeling", "intern"
    for paragraph in doc.paragraphs:
        paragraph._p.set(f"{{{W}}}rsidR", "00A1B2C3")
        for run in paragraph.runs:
            run._r.set(f"{{{W}}}rsidRPr", "00D4E5F6")
    settings = doc.settings.element
    settings.append(parse_xml(f'<w:trackRevisions {NSDECL}/>'))
    settings.append(parse_xml(f'<w:docVars {NSDECL}><w:docVar w:name="opsteller" w:val="J. de Sjabloonmaker"/>'
                              f'</w:docVars>'))
    settings.append(parse_xml(f'<w:rsids {NSDECL}><w:rsidRoot w:val="00A1B2C3"/><w:rsid w:val="00A1B2C3"/>'
                              f'</w:rsids>'))
    _save(doc, templates, "terugkoppeling_melder")
    raw = (templates / "terugkoppeling_melder.docx").read_bytes()
    assert internals_of(raw)  # the template carries them
    assert check_templates(templates, load_sample_case()) == []
    content, _ = render_letter(template="terugkoppeling_melder", recipient="melder", data=case_data(),
                               settings=make_settings(), case_reference=REF, templates_dir=templates)
    assert internals_of(content) == []
    assert b"Sjabloonmaker" not in b"".join(zipfile.ZipFile(io.BytesIO(content)).read(n)
                                             for n in zipfile.ZipFile(io.BytesIO(content)).namelist())
    assert Document(io.BytesIO(content)).paragraphs[0].text == "Geachte Anna Verbeek,"
