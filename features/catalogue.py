"""Generates features/STAPPEN.md, the catalogue of every step sentence a tester can write.

Regenerate with ``python -m features.catalogue`` (or ``meldpunt steps``); a test fails when it is out of date.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
from pathlib import Path

HERE = Path(__file__).parent
TARGET = HERE / "STAPPEN.md"
KEYWORD = {"given": "Gegeven", "when": "Als", "then": "Dan"}
TITLE = "# Stappencatalogus\n\n" \
        "Alle zinnen die in een `.feature`-bestand mogen staan (gegenereerd uit `features/steps/`; " \
        "niet met de hand bewerken — `python -m features.catalogue` werkt hem bij).\n" \
        "`{naam}` is een invulplek: zet er de waarde tussen aanhalingstekens als de zin dat ook doet. " \
        "`En` en `Maar` mogen elk woord `Gegeven`/`Als`/`Dan` vervangen; wat tussen `[` en `]` staat, mag weg.\n"


KEYWORDS = ("Gegeven", "Als", "Dan", "En", "Maar")
_COMMENT = re.compile(r"\s{3,}\(.*$")  # "Als er 8 dagen verstrijken   (de timers lopen daarna)"


def _sentences(doc: str) -> list[str]:
    """The example sentences of a step's docstring: every line (or part of a line between "   /   ") that begins
    with a keyword; the first line without its "Voorbeeld:"."""
    doc = doc.replace("Voorbeeld:", "", 1).strip() if doc.startswith("Voorbeeld:") else doc
    return [part.strip() for line in doc.splitlines() for part in line.split("   /   ")
            if part.strip().split(" ", 1)[0] in KEYWORDS]


_QUOTED_PLACE = re.compile(r'"(?:\{(\w+)(?::[^}]*)?\}|\(\?P<(\w+)>)')  # "{wie}" or "(?P<wie>..." in a pattern


def fits(parser, sentence: str) -> bool:
    """Do the words of the example ``sentence`` (a keyword, the words, perhaps a comment after three spaces) say
    what ``parser`` reads? The keyword is the catalogue's: a sentence registered under two keywords has one example.
    A place between quotes holds no quote: 'met "{antwoord}"' does not read 'met "ja" en toelichting "..."' (that
    example says a longer sentence)."""
    word, _, body = _COMMENT.sub("", sentence).partition(" ")
    if word not in KEYWORDS or not parser.is_matching(body):
        return False
    quoted = {a or b for a, b in _QUOTED_PLACE.findall(parser.name)}
    values = parser.parse_arguments(body) or {}
    return not any('"' in str(values.get(name, "")) for name in quoted)


def example_for(keyword: str, parser, doc: str) -> str:
    """The docstring's example for this one sentence of the step, under its own keyword, with the docstring's
    explanation: the first example sentence that fits it (a step may read several sentences, each with its own
    example); the other example sentences are left out. Without one that fits, the docstring as written (a test
    fails on it)."""
    doc = doc.replace("Voorbeeld:", "", 1).strip() if doc.startswith("Voorbeeld:") else doc
    sentences = _sentences(doc)
    chosen = next((s for s in sentences if fits(parser, s)), None)
    if chosen is None:
        return doc
    rest = [line for line in doc.splitlines()[1:] if line.strip() and line.strip() not in sentences]
    word, _, words = chosen.partition(" ")
    return "\n".join([f"{word if word in ('En', 'Maar') else keyword} {words}", *rest])  # En/Maar: any keyword


def steps() -> list[tuple[str, str, str, str]]:
    """(keyword, sentence, example, function) for every registered step, in source order."""
    return [(keyword, sentence, example, func) for keyword, sentence, example, func, _ in _registered()]


def _closing(pattern: str, start: int) -> int:
    """The index of the ')' that closes the group opened at ``pattern[start]``."""
    depth, i, in_class = 0, start, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced group in {pattern!r}")


def readable(pattern: str) -> str:
    """A step's regular expression as a catalogue sentence: a named group is its place ``{name}``, an optional group
    ``[...]``; so ``(?:(?P<begin_weekdag>[a-z]+dag) )?(?P<begin>...)`` reads ``[{begin_weekdag} ]{begin}``."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i + 1])
            i += 2
        elif pattern.startswith("(?P<", i):
            end = _closing(pattern, i)
            out.append("{" + pattern[i + 4:pattern.index(">", i)] + "}")
            i = end + 1
        elif pattern.startswith("(?:", i):
            end = _closing(pattern, i)
            inner = readable(pattern[i + 3:end])
            if pattern[end + 1:end + 2] == "?":
                out.append(f"[{inner}]")
                end += 1
            else:
                out.append(inner)
            i = end + 1
        elif c in "^$":
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _sentence(parser) -> str:
    """The sentence a parser reads, as the catalogue shows it."""
    from pytest_bdd import parsers

    return readable(parser.name) if isinstance(parser, parsers.re) else parser.name


def _registered() -> list[tuple]:
    from pytest_bdd.steps import step_function_context_registry

    import features.steps as pkg
    for info in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"features.steps.{info.name}")
    out = []
    for ctx in list(step_function_context_registry.values()):
        module = getattr(ctx.step_func, "__module__", "")
        if not module.startswith("features.steps"):
            continue
        doc = inspect.getdoc(ctx.step_func) or ""
        keyword = KEYWORD.get(ctx.type, "*")
        line = inspect.getsourcelines(ctx.step_func)[1]
        # the shared library (common) first, then each further module, every module in source order
        order = (module != "features.steps.common", module, line)
        out.append((order, keyword, _sentence(ctx.parser), example_for(keyword, ctx.parser, doc),
                    ctx.step_func.__name__,
                    ctx.parser))
    out.sort(key=lambda r: (r[0], r[1]))
    return [r[1:] for r in out]


def unfitting_examples() -> list[str]:
    """Every catalogue sentence whose example does not say it (keyword and words), as "keyword sentence: example"."""
    return [f"{keyword} {sentence}: {example.splitlines()[0] if example else '(geen voorbeeld)'}"
            for keyword, sentence, example, _, parser in _registered()
            if not example or example.split(" ", 1)[0] not in (keyword, "En", "Maar")
            or not fits(parser, example.splitlines()[0])]


def _shape(sentence: str) -> str:
    """A sentence with its filled-in or open places blanked, so only the fixed words are compared."""
    import re

    months = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    sentence = re.sub(r'"[^"]*"', '"…"', sentence)
    sentence = re.sub(rf"\b\d{{1,2}} (?:{months}) \d{{4}}\b", "…", sentence, flags=re.I)
    sentence = re.sub(r"\{[^}]*\}", "…", sentence)
    return re.sub(r"\b\d+\b", "…", sentence)


def nearest(sentence: str, limit: int = 3) -> list[tuple[str, str, str]]:
    """The ``limit`` catalogue sentences most like ``sentence`` (keyword, sentence, example), best first.

    String similarity from rapidfuzz (token set ratio over the fixed words)."""
    from rapidfuzz import fuzz, process, utils

    catalogue, seen = [], set()
    for row in steps():  # one entry per sentence (a sentence may serve as Gegeven and Als)
        if row[1] not in seen:
            seen.add(row[1])
            catalogue.append(row)
    shapes = [_shape(s) for _, s, _, _ in catalogue]
    best = process.extract(_shape(sentence), shapes, scorer=fuzz.token_sort_ratio, processor=utils.default_process,
                           limit=limit)
    return [(catalogue[i][0], catalogue[i][1], catalogue[i][2]) for _, _, i in best]


ERROR_MODULES = ("engine.errors", "engine.identity.errors", "engine.cases.legal_rules", "engine.records.service",
                 "engine.records.subject_rights", "engine.reports.service", "engine.reports.importer", "documents.errors")


def error_types() -> list[tuple[str, str, int]]:
    """(code, Dutch title, status) of every refusal type (a DomainError with a 4xx status), sorted by code."""
    from engine.errors import DomainError

    for name in ERROR_MODULES:
        importlib.import_module(name)
    found, todo = {}, [DomainError]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls is not DomainError and 400 <= cls.status < 500:
            found.setdefault(cls.code, (cls.code, cls.title, cls.status))
    return sorted(found.values())


def reasons() -> str:
    """The tables of stable codes for ``omdat "<reden>"``: the refusal types and the finer reason codes."""
    from engine.errors import REASONS

    types = "".join(f"| `{code}` | {title} | {status} |\n" for code, title, status in error_types())
    rows = "".join(f"| `{code}` | {text} |\n" for code, text in REASONS.items())
    return ("\n# Redenen van een weigering\n\n"
            "Na `omdat` mag staan: een redencode of een soort weigering uit deze tabellen, de tekst ervan, of een "
            "deel van de melding die de gebruiker krijgt. De codes veranderen niet; de meldingen wel eens. "
            "Elke weigering heeft een soort (`type` in de foutmelding van de API); waar die soort meer redenen "
            "dekt, heeft de weigering ook een redencode (`reden`).\n\n"
            "## Redencodes\n\n| redencode | betekenis |\n|---|---|\n" + rows
            + "\n## Soorten weigering\n\n| soort | betekenis | HTTP-status |\n|---|---|---|\n" + types)


def render() -> str:
    parts = [TITLE]
    for keyword, sentence, example, func in steps():
        parts.append(f"\n## {keyword} {sentence}\n\n```gherkin\n{example or '(geen voorbeeld)'}\n```\n")
    parts.append(reasons())
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    text = render()
    if TARGET.exists() and TARGET.read_text(encoding="utf-8") == text:
        print(f"{TARGET} is al actueel ({len(steps())} stappen)")  # no write: other processes may be reading it
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"{TARGET} bijgewerkt ({len(steps())} stappen)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
