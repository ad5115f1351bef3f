"""Usage errors of the command line in Dutch: which argument or option, and why; exit code 2, no traceback.

Typer (with its own copy of Click) words them in English ("No such option", "Missing argument", "Input should
be a valid integer"). The root command (``cli.main``) raises them again as :class:`DutchUsageError`, worded
from the error's kind and parameter; a message of our own (a ``typer.BadParameter`` in Dutch) is kept.
"""
from __future__ import annotations

import re

from typer import rich_utils
from typer._click import exceptions as click_errors
from typer.core import TyperGroup

rich_utils.ERRORS_PANEL_TITLE = "Fout"

# pydantic's error kinds (Typer validates values with pydantic) -> the reason in Dutch
_REASONS = {
    "int_parsing": "geef een geheel getal", "int_from_float": "geef een geheel getal",
    "float_parsing": "geef een getal", "bool_parsing": "geef true of false",
    "date_parsing": "geef een datum als JJJJ-MM-DD", "date_from_datetime_parsing": "geef een datum als JJJJ-MM-DD",
    "datetime_parsing": "geef een datum en tijd als JJJJ-MM-DDTUU:MM", "string_too_long": "de tekst is te lang",
}
_BOUNDS = {"less_than_equal": ("le", "hoogstens {}"), "greater_than_equal": ("ge", "minstens {}"),
           "less_than": ("lt", "kleiner dan {}"), "greater_than": ("gt", "groter dan {}")}
_PATHS = [(re.compile(r"^\w+ (.+) does not exist\.$"), "{} bestaat niet"),
          (re.compile(r"^\w+ (.+) is a file\.$"), "{} is een bestand, geen map"),
          (re.compile(r"^\w+ (.+) is a directory\.$"), "{} is een map, geen bestand"),
          (re.compile(r"^\w+ (.+) is not readable\.$"), "{} is niet leesbaar"),
          (re.compile(r"^\w+ (.+) is not writable\.$"), "{} is niet schrijfbaar")]
_USAGE = [(re.compile(r"^No such command '(.+)'\.", re.S), "Onbekend commando '{}'"),
          (re.compile(r"^Missing command\.$"), "Geef een commando"),
          (re.compile(r"^Got unexpected extra argument(?:s|\(s\))? \((.+)\)$"), "Onverwacht extra argument: {}"),
          (re.compile(r"^Option '(.+)' requires an argument\.$"), "Optie '{}' vraagt een waarde"),
          (re.compile(r"^Option '(.+)' does not take a value\.$"), "Optie '{}' neemt geen waarde")]


def _hint(exc) -> str:
    param = getattr(exc, "param", None)
    if param is None:
        return ""
    hint = param.get_error_hint()
    return f"optie {hint}" if hint.startswith(("'-", '"-')) else f"argument {hint}"


def _reason(exc) -> str:
    cause = exc.__cause__
    errors = cause.errors() if hasattr(cause, "errors") else []
    if errors:
        kind, context = errors[0].get("type", ""), errors[0].get("ctx") or {}
        if kind in _BOUNDS and _BOUNDS[kind][0] in context:
            return _BOUNDS[kind][1].format(context[_BOUNDS[kind][0]])
        if kind in ("enum", "literal_error") and context.get("expected"):
            return f"kies uit {context['expected']}"
        if kind in _REASONS:
            return _REASONS[kind]
        return "ongeldige waarde"
    for pattern, dutch in _PATHS:
        found = pattern.match(exc.message)
        if found:
            return dutch.format(found.group(1))
    return exc.message  # a message of our own


def dutch_message(exc: click_errors.UsageError) -> str:
    """The usage error ``exc`` in Dutch, with where to find help."""
    if isinstance(exc, click_errors.NoSuchOption):
        text = f"Onbekende optie: {exc.option_name}"
        if exc.possibilities:
            text += f" (bedoelt u {', '.join(sorted(exc.possibilities))}?)"
    elif isinstance(exc, click_errors.MissingParameter):
        text = f"{_hint(exc).capitalize() or 'Een argument'} ontbreekt"
    elif isinstance(exc, click_errors.BadParameter):
        hint = _hint(exc)
        text = f"Ongeldige waarde{' voor ' + hint if hint else ''}: {_reason(exc)}"
    else:
        text = next((dutch.format(*found.groups()) for pattern, dutch in _USAGE
                     for found in [pattern.match(exc.message)] if found), f"Onjuist gebruik: {exc.message}")
    text = text.rstrip(".") + "."
    if exc.ctx is not None:
        text += f" Zie '{exc.ctx.command_path} --help'."
    return text


class DutchUsageError(click_errors.UsageError):
    def format_message(self) -> str:
        return self.message


class DutchGroup(TyperGroup):
    """The root command: every usage error below it is raised again in Dutch (shown by Typer, exit code 2)."""

    def make_context(self, info_name, args, parent=None, **extra):  # noqa: ANN001, ANN201
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click_errors.UsageError as exc:
            raise _dutch(exc) from None

    def invoke(self, ctx):  # noqa: ANN001, ANN201
        try:
            return super().invoke(ctx)
        except click_errors.UsageError as exc:
            raise _dutch(exc) from None


def _dutch(exc: click_errors.UsageError) -> click_errors.UsageError:
    if isinstance(exc, (DutchUsageError, click_errors.NoArgsIsHelpError)):
        return exc  # already Dutch, or the help text itself
    return DutchUsageError(dutch_message(exc))  # no ctx: Typer would add "Try ... for help" in English
