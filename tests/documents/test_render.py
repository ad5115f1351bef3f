"""Strict rendering: missing data is an error naming template and placeholder; Dutch filters."""
from __future__ import annotations

import re

from datetime import date, datetime, timezone

import pytest

from documents.build_templates import TemplateBuilder
from documents.errors import LetterRenderError
from documents.render import (
    docx_text, nl_datum, nl_datumtijd, opsomming, placeholders, render_docx, template_source,
)

from .conftest import case_data, make_settings, render_text

pytestmark = pytest.mark.usefixtures("clock")


def write_template(path, *paragraphs: str):
    builder = TemplateBuilder(path.stem)
    for text in paragraphs:
        builder.p(text)
    path.write_bytes(builder.bytes())
    return path


@pytest.mark.parametrize("key", ["zienswijze_termijn", "betrokkene_naam", "bevindingen"])
def test_missing_field_raises_naming_template_and_placeholder(key):
    data = case_data()
    data.pop(key)
    with pytest.raises(LetterRenderError) as info:
        render_text("voornemen_disciplinaire_maatregel", data=data)
    assert info.value.template == "voornemen_disciplinaire_maatregel"
    assert info.value.placeholder == key
    assert f"'{key}'" in info.value.detail and "voornemen_disciplinaire_maatregel" in info.value.detail


@pytest.mark.parametrize("value", [None, "", "   "])
def test_none_or_blank_counts_as_missing(value):
    with pytest.raises(LetterRenderError, match="betrokkene_naam"):
        render_text("kennisgeving_onderzoek", data=case_data(betrokkene_naam=value))


def test_missing_nested_setting_is_named_with_its_path():
    settings = make_settings()
    del settings["organisatie"]["telefoon"]
    from documents.service import render_letter

    with pytest.raises(LetterRenderError) as info:
        render_letter(template="kennisgeving_onderzoek", recipient="betrokkene", data=case_data(),
                      settings=settings, case_reference="X-1")
    assert info.value.placeholder == "organisatie.telefoon"


def test_missing_field_inside_a_loop_is_named():
    data = case_data(bevindingen=[{"bewering": "Iets"}])
    with pytest.raises(LetterRenderError) as info:
        render_text("sanctieadvies", data=data)
    assert info.value.placeholder == "bevindingen[].uitkomst"


def test_unknown_legal_route_setting_is_refused():
    with pytest.raises(LetterRenderError, match="rechtspositie"):
        render_text("besluit_disciplinaire_maatregel", rechtspositie="ambtenaar")


def test_unknown_template_and_bad_names_are_refused():
    from documents.service import render_letter

    with pytest.raises(LetterRenderError, match="bestaat niet"):
        render_letter(template="bestaat_niet", recipient="melder", data=case_data(), settings=make_settings(),
                      case_reference="X")
    with pytest.raises(LetterRenderError, match="Ongeldige sjabloonnaam"):
        render_letter(template="../etc/passwd", recipient="melder", data=case_data(), settings=make_settings(),
                      case_reference="X")


def test_xml_special_characters_are_escaped(tmp_path):
    path = write_template(tmp_path / "escape.docx", "Tekst: {{ tekst }}")
    content = render_docx(path, {"tekst": "A & B <c> \"d\" 'e'", "zaaknummer": "X-1"})
    assert "Tekst: A & B <c> \"d\" 'e'" in docx_text(content)


def test_newlines_in_values_become_line_breaks(tmp_path):
    path = write_template(tmp_path / "lines.docx", "{{ tekst }}")
    text = docx_text(render_docx(path, {"tekst": "regel een\nregel twee", "zaaknummer": "X-1"}))
    assert "regel een\nregel twee" in text


def test_rendering_is_deterministic():
    from documents.service import render_letter

    args = dict(template="besluit_disciplinaire_maatregel", recipient="betrokkene", data=case_data(),
                settings=make_settings(), case_reference="INT-2026-0042")
    first, _ = render_letter(**args)
    second, _ = render_letter(**args)
    assert first == second


def test_template_syntax_error_is_reported(tmp_path):
    path = write_template(tmp_path / "kapot.docx", "{{ naam ")
    with pytest.raises(LetterRenderError, match="kapot"):
        render_docx(path, {"naam": "x"})


@pytest.mark.parametrize("placeholder, data", [
    ("{{ bedrag * 2 - 1 }}", {"bedrag": "twaalf"}),  # a number in one case, a text in another
    ("{{ 100 / aantal }}", {"aantal": 0}),
    ("{{ aantal|round(1) }}", {"aantal": "veel"}),
])
def test_a_calculation_that_does_not_fit_this_cases_data_is_a_dutch_refusal(tmp_path, placeholder, data):
    """The deployment check renders every letter with sample data; a case's own data can still not fit a
    placeholder's calculation. Then the letter is refused in Dutch, naming the template and no value (the step
    rolls back; the letter worker records an incident), never an unexpected error (a 500, Python's English)."""
    path = write_template(tmp_path / "besluit.docx", f"Bedrag: {placeholder}")
    from documents.render import render_text as letter_text  # the check inside the step's transaction

    for render in (render_docx, letter_text):
        with pytest.raises(LetterRenderError) as caught:
            render(path, data)
        detail = caught.value.detail
        assert "Sjabloon 'besluit'" in detail and "past niet bij de gegevens" in detail, detail
        assert not re.search(r"unsupported|division|index|attribute|Error", detail), detail
        assert not any(str(v) in detail for v in data.values() if str(v) not in ("0",)), detail


def test_dutch_dates():
    assert nl_datum("2026-12-16") == "16 december 2026"
    assert nl_datum(date(2027, 3, 1)) == "1 maart 2027"
    assert nl_datum(datetime(2026, 6, 30, 22, 30, tzinfo=timezone.utc)) == "1 juli 2026"  # CEST
    assert nl_datum("2026-05-05T12:00:00Z") == "5 mei 2026"
    assert nl_datumtijd("2026-12-16T13:05:00+00:00") == "16 december 2026 om 14.05 uur"
    with pytest.raises(ValueError):
        nl_datum("volgende week")


def test_opsomming():
    assert opsomming(["a"]) == "a"
    assert opsomming(["a", "b"]) == "a en b"
    assert opsomming(["a", "b", "c"]) == "a, b en c"


def test_placeholder_analysis_resolves_loops_and_ignores_globals():
    found = placeholders(
        "{{ organisatie.naam }}{% for b in bevindingen %}{{ b.bewering }}{{ loop.index }}{% endfor %}"
        "{% for r in melder_adres|regels %}{{ r }}{% endfor %}{{ fout('x') }}{% if x is defined %}{% endif %}"
    )
    assert found == {"organisatie.naam", "bevindingen[].bewering", "melder_adres[]", "x"}


def test_placeholder_split_over_word_runs_still_renders(tmp_path):
    """Word splits text into runs when formatting or spell-checking changes; docxtpl joins them."""
    builder = TemplateBuilder("gesplitst")
    para = builder.doc.add_paragraph()
    para.add_run("Geachte {{ betrokkene_")
    bold = para.add_run("naam")
    bold.bold = True
    para.add_run(" }},")
    para2 = builder.doc.add_paragraph()
    para2.add_run("{% if route == \u201cfeitenonderzoek\u201d %}")  # Word's curly quotes
    para2.add_run("onderzoek{% endif %}")
    path = tmp_path / "gesplitst.docx"
    path.write_bytes(builder.bytes())
    text = docx_text(render_docx(path, {"betrokkene_naam": "P. de Graaf", "route": "feitenonderzoek",
                                        "zaaknummer": "X-1"}))
    assert "Geachte P. de Graaf," in text
    assert "onderzoek" in text
    assert placeholders(template_source(path)) == {
        "betrokkene_naam", "route", "zaaknummer"}


def test_templates_run_sandboxed(tmp_path):
    path = write_template(tmp_path / "kwaad.docx", "{{ zaaknummer.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(LetterRenderError, match="kwaad.*niet is toegestaan"):
        render_docx(path, {"zaaknummer": "X-1"})


def test_date_only_value_in_a_date_time_placeholder_prints_the_date():
    assert nl_datumtijd("2026-12-08") == "8 december 2026"
    assert nl_datumtijd(date(2026, 12, 8)) == "8 december 2026"
    assert nl_datumtijd("2026-12-08T10:00:00") == "8 december 2026 om 10.00 uur"  # naive = Dutch local


# --------------------------------------------------------------------------- render performance paths
# (bench/findings.md, measurement 5): compiled templates are cached and the letter is zipped
# once. Same bytes as before.

def _letter_contexts():
    from documents.catalog import LETTERS
    from documents.checks import load_sample_case
    from documents.context import build_context
    from documents.render import TEMPLATES_DIR

    sample = load_sample_case()
    for name, spec in sorted(LETTERS.items()):
        data = {**sample["data"], **sample.get("varianten", {}).get(name, {})}
        ctx = build_context(recipient=spec.recipient, data=data, settings=make_settings("publiekrechtelijk"),
                            case_reference="INT-2026-0042")
        yield name, TEMPLATES_DIR / f"{name}.docx", ctx


def test_fast_save_gives_the_bytes_of_save_and_normalise():
    import io

    from docxtpl import DocxTemplate

    from documents.render import _sanitise, make_env, normalise_docx, prepare

    for name, path, ctx in _letter_contexts():
        tpl = DocxTemplate(str(path))
        tpl.render(prepare(dict(ctx)), make_env(), autoescape=True)
        _sanitise(tpl, name)  # as render_docx does before saving
        buf = io.BytesIO()
        tpl.save(buf)
        assert render_docx(path, ctx) == normalise_docx(buf.getvalue()), name


def test_the_leak_check_text_includes_the_rendered_footer():
    # docx_text reads the saved bytes: the rendered footer (with the case reference) is there
    for name, path, ctx in _letter_contexts():
        text = docx_text(render_docx(path, ctx))
        assert "INT-2026-0042" in text and "{{" not in text, name


def test_compiled_templates_are_reused_and_bounded():
    from documents.render import _CompiledCacheEnvironment, render_env

    env = render_env()
    assert env.from_string("{{ a }}") is env.from_string("{{ a }}")
    small = _CompiledCacheEnvironment(max_entries=2)
    first = small.from_string("1")
    small.from_string("2"), small.from_string("3")
    assert small.from_string("1") is not first and len(small._compiled) == 2
    assert small.from_string("{{ x }}", globals={"x": 1}) is not small.from_string("{{ x }}", globals={"x": 1})


def test_an_edited_template_is_rendered_from_its_new_source(tmp_path):
    path = write_template(tmp_path / "brief.docx", "Eerste: {{ zaaknummer }}")
    assert "Eerste: X-1" in docx_text(render_docx(path, {"zaaknummer": "X-1"}))
    write_template(path, "Tweede: {{ zaaknummer }}")
    text = docx_text(render_docx(path, {"zaaknummer": "X-1"}))
    assert "Tweede: X-1" in text and "Eerste" not in text


def _python_docx_text(content: bytes) -> str:
    """The reference reading: python-docx paragraphs, tables, and the sections' headers/footers."""
    import io

    from docx import Document

    doc, lines = Document(io.BytesIO(content)), []

    def paragraphs(container) -> None:
        for p in container.paragraphs:
            lines.append(p.text)
        for table in getattr(container, "tables", []):
            for row in table.rows:
                for cell in row.cells:
                    paragraphs(cell)

    paragraphs(doc)
    for section in doc.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            if part is not None and not part.is_linked_to_previous:
                paragraphs(part)
    return "\n".join(lines)


def test_letter_text_for_the_leak_check_equals_python_docx_for_every_template():
    """docx_text reads the XML parts itself (fast); it must see what python-docx sees, for every letter."""
    from documents.checks import LETTERS, build_context, load_sample_case
    from documents.render import default_templates_dir

    sample = load_sample_case()
    names = sorted(p.stem for p in default_templates_dir().glob("*.docx"))
    assert len(names) >= 14
    for name in names:
        meta = LETTERS[name]
        recipient = getattr(meta, "recipient", None) or meta["recipient"]
        data = {**sample.get("data", {}), **sample.get("varianten", {}).get(name, {})}
        content = render_docx(default_templates_dir() / f"{name}.docx",
                              build_context(recipient=recipient, data=data, settings=sample.get("settings", {}),
                                            case_reference="MP-2026-000001"), name=name)
        # the same lines; the letterhead is a table, which python-docx lists after the body paragraphs, and the
        # page-number fields' cached results are text python-docx skips (the leak check reads them: safer)
        def lines(text: str) -> list[str]:
            return sorted(re.sub(r"Pagina \d* van \d*", "Pagina x van y", text).split("\n"))

        assert lines(docx_text(content)) == lines(_python_docx_text(content)), name


def test_letter_text_reads_runs_in_hyperlinks_and_skips_tab_stops_and_deleted_text():
    import io
    import zipfile

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = (f'<w:document {w}><w:body>'
            '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="1"/></w:tabs></w:pPr>'
            '<w:r><w:t>Aan</w:t><w:tab/><w:t>Jan</w:t></w:r>'
            '<w:hyperlink><w:r><w:t xml:space="preserve"> Jansen</w:t></w:r></w:hyperlink>'
            '<w:del><w:r><w:delText>weg</w:delText></w:r></w:del><w:r><w:br/><w:t>regel 2</w:t></w:r></w:p>'
            '</w:body></w:document>')
    footer = f'<w:ftr {w}><w:p><w:r><w:t>Voettekst</w:t></w:r></w:p></w:ftr>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", body)
        z.writestr("word/footer2.xml", footer)
        z.writestr("word/styles.xml", f'<w:styles {w}><w:p><w:r><w:t>geen tekst</w:t></w:r></w:p></w:styles>')
    assert docx_text(buf.getvalue()) == "Aan\tJan Jansen\nregel 2\nVoettekst"


def test_a_letter_read_in_the_page_shows_its_header_body_and_footer_once_each():
    """The shipped letters have a footer for the first page and the same footer for the other pages (two parts): the
    reader sees it once, after the body; the leak check still reads every part."""
    from documents.render import docx_reading_text

    for name, path, ctx in _letter_contexts():
        content = render_docx(path, ctx)
        footer = "Vertrouwelijk  |  Ons kenmerk INT-2026-0042\tPagina 1 van 1"
        reading = docx_reading_text(content).split("\n")
        assert reading.count(footer) == 1 and reading[-1] == footer, name
        assert docx_text(content).split("\n").count(footer) == 2, name  # both parts, for the leak check
        others = sorted(line for line in docx_text(content).split("\n") if line != footer)
        assert sorted(line for line in reading if line != footer) == others, name  # nothing else lost or added


def test_a_letter_read_in_the_page_keeps_headers_and_footers_that_differ():
    import io
    import zipfile

    from documents.render import docx_reading_text

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def part(tag: str, text: str) -> str:
        return f'<w:{tag} {w}><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:{tag}>'

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", f'<w:document {w}><w:body><w:p><w:r><w:t>Brief</w:t></w:r></w:p></w:body>'
                                        '</w:document>')
        z.writestr("word/footer1.xml", part("ftr", "Voet eerste pagina"))
        z.writestr("word/footer2.xml", part("ftr", "Voet"))
        z.writestr("word/footer3.xml", part("ftr", "Voet"))  # a second section's copy
        z.writestr("word/header1.xml", part("hdr", "Kop"))
        z.writestr("word/header2.xml", part("hdr", "Voet"))  # a header that reads like a footer is still a header
    assert docx_reading_text(buf.getvalue()) == "Kop\nVoet\nBrief\nVoet eerste pagina\nVoet"
