"""Checking and previewing one letter template against a process set (issue 19): what a process owner does in
the web interface or the API before deploying an edited ``letters/NAME.docx``.

The template is checked exactly as ``meldpunt processes check`` checks it (:func:`documents.checks.check_template`:
Word's internals, placeholders against the sample case generated from the set's form schemas, the recipient's
allow-list from the set's ``letters.json``), then rendered with that sample case and the set's settings
(organisation name and addresses from ``manifest.json``): as PDF where LibreOffice is installed, else as HTML.
Nothing is stored or deployed."""
from __future__ import annotations

import html
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any, Mapping

from documents.catalog import CATALOGUE_FILE, Catalogue, CatalogueError, catalogue_or_default, parse_catalogue
from documents.checks import check_template
from documents.context import build_context
from documents.errors import LetterRenderError
from documents.render import docx_text, render_docx
from documents.sample import forms_of, sample_from_forms

MAX_TEMPLATE_BYTES = 2 * 1024 * 1024
PDF, HTML = "application/pdf", "text/html; charset=utf-8"


@dataclass
class TemplateCheck:
    name: str
    title: str
    issues: list[str] = field(default_factory=list)
    content: bytes = b""  # the rendered sample letter (.docx) when there are no issues


def _catalogue(files: Mapping[str, bytes]) -> Catalogue:
    raw = files.get(CATALOGUE_FILE)
    if raw is None:
        return catalogue_or_default(None)
    try:
        return parse_catalogue(raw, strict=False)
    except CatalogueError:
        return catalogue_or_default(None)


def _sample(files: Mapping[str, bytes]) -> dict[str, Any]:
    sample = sample_from_forms(forms_of(files))
    try:
        settings = json.loads(files.get("manifest.json") or b"{}").get("settings")
    except (ValueError, AttributeError):
        settings = None
    if isinstance(settings, Mapping) and isinstance(settings.get("organisatie"), Mapping):
        sample["settings"] = {**sample.get("settings", {}), **settings}
    return sample


def letters_of(files: Mapping[str, bytes]) -> list[tuple[str, str]]:
    """(name, title) of the letters the set's catalogue declares, by title."""
    return sorted(((n, s.title) for n, s in _catalogue(files).letters.items()), key=lambda item: item[1])


def check_letter_template(files: Mapping[str, bytes], name: str, content: bytes) -> TemplateCheck:
    """Check ``content`` as the set's ``letters/<name>.docx`` and render it with the sample case. Issues in
    Dutch, naming the template; a name the catalogue does not declare is refused."""
    catalogue = _catalogue(files)
    spec = catalogue.letters.get(name)
    if spec is None:
        return TemplateCheck(name, name, [f"Brief '{name}' staat niet in {CATALOGUE_FILE} van de processet; voeg "
                                          f"de brief daar eerst toe"])
    result = TemplateCheck(name, spec.title)
    if not content:
        result.issues.append("Kies een Word-bestand (.docx) met het sjabloon.")
        return result
    if len(content) > MAX_TEMPLATE_BYTES:
        result.issues.append(f"Het sjabloon is groter dan {MAX_TEMPLATE_BYTES // (1024 * 1024)} MB.")
        return result
    if not zipfile.is_zipfile(io.BytesIO(content)):
        result.issues.append(f"Sjabloon '{name}' is geen leesbaar Word-document (.docx)")
        return result
    sample = _sample(files)
    result.issues = check_template(content, sample, name=name, catalogue=catalogue)
    if result.issues:
        return result
    data = {**sample.get("data", {}), **sample.get("varianten", {}).get(name, {})}
    try:
        context = build_context(recipient=spec.recipient, data=data, settings=sample.get("settings", {}),
                                case_reference=sample.get("zaaknummer", "VOORBEELD-0001"), catalogue=catalogue)
        result.content = render_docx(content, context, name=name)
    except LetterRenderError as exc:
        result.issues.append(exc.detail)
    return result


def preview(check: TemplateCheck) -> tuple[str, bytes]:
    """The rendered sample letter as PDF (LibreOffice) or, without it or when conversion fails, as HTML."""
    from documents.errors import PdfUnavailable
    from documents.pdf import docx_to_pdf, pdf_available

    if pdf_available():
        try:
            return PDF, docx_to_pdf(check.content)
        except PdfUnavailable:
            pass
    lines = "\n".join(f"<p>{html.escape(line)}</p>" if line.strip() else "<p>&nbsp;</p>"
                      for line in docx_text(check.content).split("\n"))
    page = (f'<!doctype html>\n<html lang="nl"><head><meta charset="utf-8"><title>Voorbeeld: '
            f'{html.escape(check.title)}</title></head><body><main><h1>Voorbeeld: {html.escape(check.title)}</h1>'
            f'<p><em>Opgesteld met de voorbeeldzaak (geen echte gegevens). Zonder LibreOffice alleen de tekst, '
            f'niet de opmaak.</em></p>\n{lines}\n</main></body></html>\n')
    return HTML, page.encode("utf-8")
