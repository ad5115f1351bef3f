"""Issue 25: the opened template package is cached per template sha256 (a render deep-copies it) and the step's
check reads the letter's text without producing the document. Both must change nothing: the cached render gives
the bytes an uncached docxtpl render gives, and the check's text is the stored letter's text, for every shipped
template and recipient."""
from __future__ import annotations

import io

import pytest

from documents import render
from documents.checks import load_sample_case
from documents.context import build_context
from documents.errors import LetterRenderError
from documents.render import TEMPLATES_DIR, docx_text, render_docx, render_text

RECIPIENTS = ("melder", "onderzoeker", "politie_om", "betrokkene")


def _uncached(raw: bytes, context) -> bytes:
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(io.BytesIO(raw))
    tpl.render(render.prepare(dict(context)), render.render_env(), autoescape=True)
    render._sanitise(tpl, "x")
    return render._save_normalised(tpl)


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
