"""Issue 25: the opened template package is cached per template sha256 (a render deep-copies it), the members
that are the same in every letter are deflated once (by content), the letter's text for the leak check is read
from the parts as written, and the step's check reads the letter's text without producing the document. All must
change nothing: the cached render gives the bytes an uncached docxtpl render saved by python-docx gives, and the
texts are the stored letter's text, for every shipped template and recipient; renders in several threads at
once give the same bytes."""
from __future__ import annotations

import io

import pytest

from documents import render
from documents.checks import load_sample_case
from documents.context import build_context
from documents.errors import LetterRenderError
from documents.render import TEMPLATES_DIR, docx_text, render_docx, render_docx_and_text, render_text

RECIPIENTS = ("melder", "onderzoeker", "politie_om", "betrokkene")


def _uncached(raw: bytes, context) -> bytes:
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(io.BytesIO(raw))
    tpl.render(render.prepare(dict(context)), render.render_env(), autoescape=True)
    render._sanitise(tpl, "x")
    buf = io.BytesIO()
    tpl.save(buf)  # python-docx's own writer and zipfile deflating every member: no cache of ours involved
    return render.normalise_docx(buf.getvalue())


def _cases():
    sample = load_sample_case()
    for path in sorted(TEMPLATES_DIR.glob("*.docx")):
        data = {**sample["data"], **sample.get("varianten", {}).get(path.stem, {})}
        for recipient in RECIPIENTS:
            try:
                context = build_context(recipient=recipient, data=data, settings=sample.get("settings", {}),
                                        case_reference="VOORBEELD-0001")
            except LetterRenderError:
                continue
            yield path, recipient, context


def test_a_cached_render_gives_the_bytes_of_an_uncached_one_and_leaves_the_cache_pristine():
    for path, _recipient, context in _cases():
        raw = path.read_bytes()
        try:
            first = render_docx(raw, context, name=path.stem)
        except LetterRenderError:
            continue  # a letter this recipient does not get (its allow-list lacks a placeholder)
        assert render_docx(raw, context, name=path.stem) == first  # the cached package was not changed
        assert _uncached(raw, context) == first


def test_the_step_check_reads_the_text_the_letter_will_have():
    checked = 0
    for path, recipient, context in _cases():
        raw = path.read_bytes()
        try:
            stored = docx_text(render_docx(raw, context, name=path.stem))
        except LetterRenderError as exc:
            with pytest.raises(LetterRenderError) as same:
                render_text(raw, context, name=path.stem)
            assert same.value.placeholder == exc.placeholder  # fails the same way, naming the same value
            continue
        assert render_text(raw, context, name=path.stem) == stored, (path.stem, recipient)
        checked += 1
    assert checked >= 14


def test_the_text_read_while_writing_is_the_stored_letters_text():
    checked = 0
    for path, recipient, context in _cases():
        try:
            content, text = render_docx_and_text(path.read_bytes(), context, name=path.stem)
        except LetterRenderError:
            continue
        assert text == docx_text(content), (path.stem, recipient)
        checked += 1
    assert checked >= 14


def test_the_deflated_members_cache_keeps_no_rendered_part():
    sample = load_sample_case()
    marker = "Zaakgegeven-7f3c9e"
    context = build_context(recipient="onderzoeker", data=sample["data"], settings=sample.get("settings", {}),
                            case_reference=marker)
    raw = (TEMPLATES_DIR / "onderzoeksopdracht.docx").read_bytes()
    assert marker in docx_text(render_docx(raw, context, name="onderzoeksopdracht"))
    assert render._DEFLATED and not any(marker.encode() in blob for blob in render._DEFLATED)


def test_letters_rendered_in_several_threads_at_once_are_each_as_rendered_alone():
    from concurrent.futures import ThreadPoolExecutor

    cases = []
    for path, _recipient, context in _cases():
        try:
            cases.append((path.read_bytes(), context, path.stem, render_docx(path.read_bytes(), context,
                                                                              name=path.stem)))
        except LetterRenderError:
            continue
    render._PACKAGE_CACHE.clear()
    render._DEFLATED.clear()  # the threads fill the caches together
    work = cases * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: render_docx(c[0], c[1], name=c[2]), work))
    assert results == [c[3] for c in work]


def _template(tmp_path, *paragraphs: str, title: str | None = None) -> bytes:
    from docx import Document

    from documents.build_templates import TemplateBuilder

    builder = TemplateBuilder("brief")
    for text in paragraphs:
        builder.p(text)
    raw = builder.bytes()
    if title is None:
        return raw
    doc = Document(io.BytesIO(raw))
    doc.core_properties.title = title
    buf = io.BytesIO()
    doc.save(buf)
    return render.normalise_docx(buf.getvalue())


@pytest.mark.parametrize("value", ["een regel", "regel een\nregel twee", "kolom\tkolom", "pagina\fpagina"])
def test_the_steps_a_render_skips_as_no_ops_give_docxtpls_bytes(tmp_path, value):
    """Document properties without a placeholder, absent footnotes and text without tabs or line breaks are
    not run through docxtpl's steps for them; with or without such values the bytes are docxtpl's own."""
    raw = _template(tmp_path, "Tekst: {{ tekst }}", "Zaak {{ zaaknummer }}")
    context = {"tekst": value, "zaaknummer": "X-1"}
    assert render_docx(raw, context, name="brief") == _uncached(raw, context)


def test_a_placeholder_in_the_document_properties_is_still_rendered_strictly(tmp_path):
    raw = _template(tmp_path, "Zaak {{ zaaknummer }}", title="{{ ontbrekend }}")
    with pytest.raises(LetterRenderError) as exc:
        render_docx(raw, {"zaaknummer": "X-1"}, name="brief")
    assert exc.value.placeholder == "ontbrekend"
    raw = _template(tmp_path, "Zaak {{ zaaknummer }}", title="Brief {{ zaaknummer }}")
    context = {"zaaknummer": "X-1", "ontbrekend": "x"}
    assert render_docx(raw, context, name="brief") == _uncached(raw, context)


def test_a_templates_package_is_opened_once_per_template_sha256_however_many_letters_are_made(monkeypatch):
    """The cache itself: N letters (and N step checks) of the same template bytes open and parse its package
    once; another template's bytes once more; the same bytes in another object share the entry."""
    import hashlib

    from docx.opc.package import OpcPackage

    sample = load_sample_case()
    context = build_context(recipient="onderzoeker", data=sample["data"], settings=sample.get("settings", {}),
                            case_reference="VOORBEELD-0001")
    first = (TEMPLATES_DIR / "onderzoeksopdracht.docx").read_bytes()
    second = _template(None, "Zaak {{ zaaknummer }}")
    opened: list[str] = []  # the sha256 of every package python-docx opens (unzips and parses)
    original = OpcPackage.open.__func__

    def counting_open(cls, pkg_file):
        opened.append(hashlib.sha256(pkg_file.getvalue()).hexdigest())
        return original(cls, pkg_file)

    monkeypatch.setattr(OpcPackage, "open", classmethod(counting_open))
    render._PACKAGE_CACHE.clear()
    for _ in range(5):
        render_docx(first, context, name="onderzoeksopdracht")
        render_text(first, context, name="onderzoeksopdracht")
        render_docx(second, {"zaaknummer": "X-1"}, name="brief")
    render_docx(bytes(bytearray(first)), context, name="onderzoeksopdracht")  # equal bytes, another object
    assert sorted(opened) == sorted(hashlib.sha256(raw).hexdigest() for raw in (first, second)), \
        f"{len(opened)} opens for 16 letters of 2 templates"
