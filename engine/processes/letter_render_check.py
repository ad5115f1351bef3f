"""At deployment, every letter of a process set is rendered with case data generated from the set's form schemas
(issue 25): a template that cannot render with data the forms allow (a date filter on a free-text field, a
placeholder that no form, setting or engine value fills, a broken placeholder) is refused before a case can reach
it, instead of failing a step, or now that the .docx is made after commit, the letter worker, at run time.

Each letter is rendered as its tasks send it: for the recipient the BPMN declares (``letter_recipient``), with
that recipient's allow-list, the full .docx as the letter worker makes it. Its own module and function, called
from the process check (``engine.processes.validation``).
"""
from __future__ import annotations

from typing import Mapping

from lxml import etree

from engine.errors import ValidationIssue

LETTERS_DIR = "letters"


def declared_letters(trees: Mapping[str, etree._ElementTree]) -> set[tuple[str, str]]:
    """(template, recipient) of every task of the set's BPMN files that sends a letter."""
    found: set[tuple[str, str]] = set()
    for path, tree in trees.items():
        if not path.endswith(".bpmn"):
            continue
        for properties in tree.getroot().iter("{*}properties"):
            values = {p.get("name"): p.get("value") for p in properties if etree.QName(p).localname == "property"}
            if values.get("letter"):
                found.add((values["letter"], values.get("letter_recipient") or "onbekend"))
    return found


def letter_render_issues(files: Mapping[str, bytes], templates: Mapping[str, bytes], catalogue,
                         trees: Mapping[str, etree._ElementTree]) -> list[ValidationIssue]:
    """Render each declared letter of the set's own templates (``letters/NAME.docx``) against the sample case
    generated from the set's forms (``documents.sample``); one issue per letter that fails."""
    from documents.context import build_context  # the letters' own rendering
    from documents.errors import LetterRenderError
    from documents.render import render_docx
    from documents.sample import forms_of, sample_from_forms

    if not templates:
        return []
    sample = sample_from_forms(forms_of(dict(files)))
    issues: list[ValidationIssue] = []
    for template, recipient in sorted(declared_letters(trees)):
        content = templates.get(template)
        if content is None:
            continue  # a missing template is reported by the template check
        data = {**sample.get("data", {}), **sample.get("varianten", {}).get(template, {})}
        try:
            context = build_context(recipient=recipient, data=data, settings=sample.get("settings", {}),
                                    case_reference=sample.get("zaaknummer", "VOORBEELD-0001"), catalogue=catalogue)
            render_docx(content, context, name=template)
        except LetterRenderError as exc:
            problem = exc.detail
        except Exception:  # a calculation or filter that does not fit the data, or a file Word cannot have written
            problem = (f"Sjabloon '{template}': kan met de voorbeeldgegevens niet worden gemaakt; een berekening of "
                       f"filter in een placeholder past niet bij de gegevens")
        else:
            continue
        issues.append(ValidationIssue(f"{LETTERS_DIR}/{template}.docx",
                                      f"{problem} (proefbrief aan '{recipient}' met voorbeeldgegevens uit de "
                                      f"formulieren)"))
    return issues
