"""Template checks for process owners (``meldpunt templates check``).

Every template is rendered against a complete sample case, with the data its
recipient may receive. A placeholder the case data does not have is reported with
template and placeholder name, also when it sits in a branch the sample does not
take (static analysis of the Jinja source).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Mapping

from jinja2 import TemplateSyntaxError

from documents.catalog import LETTERS, Catalogue, allowed_fields, catalogue_or_default  # noqa: F401 (LETTERS: re-export)
from documents.context import DERIVED, OPTIONAL_DERIVED, build_context
from documents.errors import LetterRenderError
from engine.parse_errors import template_problem
from documents.render import (
    TEMPLATES_DIR, Templates, default_templates_dir, make_env, placeholders, render_docx, resolve, shown_names,
    template_bytes, template_source,
)

SAMPLE_CASE = Path(__file__).resolve().parent / "sample_case.json"


def load_sample_case(path: Path | None = None) -> dict[str, Any]:
    """The sample case: ``{"zaaknummer", "settings", "data", "varianten": {template: {...}}}``."""
    return json.loads((path or SAMPLE_CASE).read_text(encoding="utf-8"))


def template_exists(name: str, templates_dir: Templates = None) -> bool:
    """Whether ``name`` (without ``.docx``) is a template in ``templates_dir`` (a folder, or a process version's
    templates by name)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return False
    if isinstance(templates_dir, Mapping):
        return name in templates_dir
    return ((templates_dir or default_templates_dir()) / f"{name}.docx").is_file()


def template_fields(names: Iterable[str], templates_dir: Templates = None) -> set[str]:
    """The case-data names the templates ``names`` read (their undeclared placeholders); a missing template reads
    nothing. Used by the deployment check that every form field has a consumer (engine/processes/consumers.py)."""
    found: set[str] = set()
    for name in set(names):
        if template_exists(name, templates_dir):
            try:
                source = template_source(template_bytes(name, templates_dir))
                wanted = placeholders(source)
            except Exception:  # an unreadable template (no Word file, a broken placeholder) reads nothing here:
                continue  # check_template reports it, naming the template
            found |= {path.split(".")[0].split("[")[0] for path in wanted}
    return found



def template_shown_fields(name: str, templates_dir: Templates = None) -> set[str] | None:
    """The top-level case-data names the template ``name`` always shows (``documents.render.shown_names``);
    ``None`` when the template is missing or unreadable (the template check reports that, naming it). Used by the
    deployment proof that the voornemen letter shows the intended penalty (engine/processes/legal_rules.py)."""
    if not template_exists(name, templates_dir):
        return None
    try:
        return shown_names(template_source(template_bytes(name, templates_dir)))
    except Exception:  # no Word file or a broken placeholder: check_template reports it
        return None

_INTERNALS_CACHE: dict[str, list[str]] = {}


def template_internals(path: Path | bytes) -> list[str]:
    """Word's internals in the template (a file or its bytes) that a letter must not carry
    (documents/sanitize.py): tracked changes, comments, hidden text, fields that are not placeholders, custom XML.
    Cached by the template's sha256 (deployment asks for every template of a process set)."""
    import hashlib
    import io

    from docx import Document

    from documents.sanitize import internals

    raw = path if isinstance(path, bytes) else path.read_bytes()
    key = hashlib.sha256(raw).hexdigest()
    if key not in _INTERNALS_CACHE:
        if len(_INTERNALS_CACHE) > 256:
            _INTERNALS_CACHE.clear()
        _INTERNALS_CACHE[key] = internals(Document(io.BytesIO(raw)).part.package)
    return list(_INTERNALS_CACHE[key])


def missing_templates(names: Iterable[str], templates_dir: Templates = None) -> list[str]:
    """Issues for template names (e.g. from process files) that do not exist."""
    return [f"Sjabloon '{n}' bestaat niet (verwacht: {n}.docx)" for n in sorted(set(names))
            if not template_exists(n, templates_dir)]


def check_template(path: Path | bytes, sample: Mapping[str, Any], recipient: str | None = None, *,
                   name: str | None = None, catalogue: Catalogue | None = None) -> list[str]:
    """Problems of one template (a file, or its bytes with ``name``) against the sample case (empty list = fine).
    ``catalogue``: the process set's letters and allow-lists (default: the shipped processes/letters.json)."""
    name = name or path.stem
    catalogue = catalogue_or_default(catalogue)
    spec = catalogue.letters.get(name)
    recipient = recipient or (spec.recipient if spec else None)
    issues: list[str] = []
    if recipient is None:
        recipient = "melder"
        issues.append(
            f"Sjabloon '{name}': onbekende brief; gecontroleerd als brief aan de melder "
            "(voeg de brief toe aan 'letters' in letters.json bij de procesbestanden)"
        )
    data = dict(sample.get("data", {}))
    data.update(sample.get("varianten", {}).get(name, {}))
    settings = sample.get("settings", {})
    try:
        context = build_context(recipient=recipient, data=data, settings=settings,
                                case_reference=sample.get("zaaknummer", "VOORBEELD-0001"), catalogue=catalogue)
    except LetterRenderError as exc:
        return issues + [exc.detail]
    try:
        issues += [f"Sjabloon '{name}' bevat {found}" for found in template_internals(path)]
        source = template_source(path)
        wanted = placeholders(source, make_env())
    except TemplateSyntaxError as exc:
        return issues + [f"Sjabloon '{name}': syntaxfout in een placeholder: {template_problem(exc).reason}"]
    except Exception:  # a file Word cannot have written
        return issues + [f"Sjabloon '{name}' is geen leesbaar Word-document (.docx)"]
    for placeholder in sorted(wanted):
        if resolve(context, placeholder):
            continue
        top = placeholder.split(".")[0].removesuffix("[]")
        if top in OPTIONAL_DERIVED:
            continue
        if top not in DERIVED and top in data and top not in (allowed_fields(recipient, catalogue) or ()):
            issues.append(
                f"Sjabloon '{name}': placeholder '{placeholder}' is niet beschikbaar voor ontvanger "
                f"'{recipient}' (vertrouwelijk)"
            )
        else:
            issues.append(f"Sjabloon '{name}': placeholder '{placeholder}' bestaat niet in de zaakgegevens")
    if not issues:
        try:
            render_docx(path, context, name=name)
        except LetterRenderError as exc:
            issues.append(exc.detail)
    return issues


def check_templates(templates_dir: Templates = None, sample_data: Mapping[str, Any] | None = None,
                    catalogue: Catalogue | None = None) -> list[str]:
    """Render every template in ``templates_dir`` against the sample case; list the problems.

    Also reports letters of the catalog that have no template file.
    """
    sample = sample_data if sample_data is not None else load_sample_case()
    issues: list[str] = []
    if isinstance(templates_dir, Mapping):  # a process set's letters: the catalogue's letters must be there
        letters = catalogue_or_default(catalogue).letters
        issues += [f"Sjabloon '{n}' ontbreekt in de procesbestanden (letters/{n}.docx)"
                   for n in sorted(set(letters) - set(templates_dir))]
        for name in sorted(templates_dir):
            issues += check_template(templates_dir[name], sample, name=name, catalogue=catalogue)
        return issues
    templates_dir = templates_dir or default_templates_dir()
    paths = sorted(p for p in templates_dir.glob("*.docx") if not p.name.startswith("~$"))
    present = {p.stem for p in paths}
    if templates_dir.resolve() in {TEMPLATES_DIR.resolve(), default_templates_dir().resolve()}:
        letters = catalogue_or_default(catalogue).letters
        issues += [f"Sjabloon '{n}' ontbreekt in {templates_dir}" for n in sorted(set(letters) - present)]
    for path in paths:
        issues += check_template(path, sample, catalogue=catalogue)
    return issues


# --------------------------------------------------------------------------- reporter letters (static leak guard)

REPORTER = "melder"  # the recipient whose letters go through the Dutch leak guard (documents.context.leak_check)
REPORTER_ADDRESS: frozenset[str] = frozenset({"melder_naam", "melder_adres", "melder_email", "melder_anoniem"})
REPORTER_RULE = ("Alles wat de melder krijgt, gaat door de lekbewaking (terugkoppeling in algemene termen, "
                 "Wet bescherming klokkenluiders)")


def _template_names(template: str, templates_dir: Templates) -> set[str] | None:
    """Top-level data names a template refers to, or None when it cannot be read (reported elsewhere)."""
    path = template_bytes(template, templates_dir)
    if path is None:
        return None
    try:
        wanted = placeholders(template_source(path), make_env())
    except Exception:  # syntax errors are reported by the template check
        return None
    return {p.split(".")[0].removesuffix("[]") for p in wanted}


def letter_declaration_problems(template: str, recipient: str | None,
                                templates_dir: Templates = None, catalogue: Catalogue | None = None) -> list[str]:
    """Why a task that sends ``template`` to the declared ``recipient`` (BPMN ``letter_recipient``) could bypass
    the reporter's leak guard; empty when the declaration is sound.

    * every letter declares a known recipient (an undeclared one is no reporter letter to the engine, so it
      would not be guarded);
    * a letter to the reporter (the catalog says so, or the template addresses the reporter by
      name/address) is declared as a letter to the reporter: only then does the engine guard it;
    * a letter to the reporter shows only data on the reporter's whitelist (a field off the list is what the
      whitelist keeps from the reporter: the measure, the subject, the findings)."""
    if not recipient:
        return [f"Brief '{template}' verklaart geen ontvanger (letter_recipient); {REPORTER_RULE}, en alleen een "
                f"verklaarde brief aan de melder wordt bewaakt"]
    catalogue = catalogue_or_default(catalogue)
    if recipient not in catalogue.whitelists:
        return [f"Brief '{template}': onbekende ontvanger '{recipient}' (bekend: "
                f"{', '.join(sorted(catalogue.whitelists))})"]
    names = _template_names(template, templates_dir)
    if names is None:
        return []
    spec = catalogue.letters.get(template)
    to_reporter = (spec is not None and spec.recipient == REPORTER) or bool(names & REPORTER_ADDRESS)
    if to_reporter and recipient != REPORTER:
        return [f"Sjabloon '{template}' is een brief aan de melder, maar de taak verklaart ontvanger '{recipient}': "
                f"zo gaat de brief buiten de lekbewaking om. {REPORTER_RULE}; zet letter_recipient op '{REPORTER}'"]
    if spec is not None and spec.recipient != recipient:
        return [f"Sjabloon '{template}' is een brief aan '{spec.recipient}', maar de taak verklaart ontvanger "
                f"'{recipient}'"]
    if recipient == REPORTER:
        outside = sorted(names - (allowed_fields(REPORTER, catalogue) or frozenset()) - DERIVED)
        if outside:
            return [f"Sjabloon '{template}' (brief aan de melder) gebruikt {', '.join(repr(n) for n in outside)}, "
                    f"dat niet op de lijst van gegevens voor de melder staat; {REPORTER_RULE}"]
    return []
