"""Usage errors of the command line in Dutch: which argument or option, and why; exit code 2, no traceback.

Typer (with its own copy of Click) words them in English ("No such option", "Missing argument", "Input should
be a valid integer"). The root command (``cli.main``) raises them again as :class:`DutchUsageError`, worded
from the error's kind and parameter; a message of our own (a ``typer.BadParameter`` in Dutch) is kept.

Database errors of the environment (unreachable, schema not migrated) become a Dutch message too, exit code 1
(:func:`database_message`).
"""
from __future__ import annotations

import re

import typer
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
        except Exception as exc:
            from engine.config import SettingsProblem

            if isinstance(exc, SettingsProblem):  # the administrator's environment: what to set, no traceback
                typer.echo(f"Meldpunt start niet: {exc}", err=True)
                raise typer.Exit(1) from None
            message = database_message(exc)
            if message is None:
                raise  # not the environment's: a real error, shown as it is
            typer.echo(message, err=True)
            raise typer.Exit(1) from None


def _dutch(exc: click_errors.UsageError) -> click_errors.UsageError:
    if isinstance(exc, (DutchUsageError, click_errors.NoArgsIsHelpError)):
        return exc  # already Dutch, or the help text itself
    return DutchUsageError(dutch_message(exc))  # no ctx: Typer would add "Try ... for help" in English


# -- database errors -------------------------------------------------------------------------------------------------
# A database that is unreachable (server down, wrong host or port, wrong password) or not migrated yet (a fresh file,
# or a product upgrade before `meldpunt db upgrade`) is the administrator's environment, not a bug: a Dutch message
# saying what and what to do, exit code 1, no traceback. The URL is shown without its password. Any other database
# error (a real bug) is left as it is.

# (words in the driver's message, lower case) -> the reason in Dutch; first match wins
_UNREACHABLE = [
    (("connection refused",), "de verbinding werd geweigerd"),
    (("could not translate host name", "name or service not known", "nodename nor servname",
      "temporary failure in name resolution", "no address associated"), "de servernaam is onbekend"),
    (("password authentication failed", "authentication failed", "no password supplied",
      "no pg_hba.conf entry"), "aanmelden mislukt: controleer gebruiker en wachtwoord"),
    (("does not exist",), None),  # PostgreSQL: role "x" / database "x" does not exist (_MISSING)
    (("timeout expired", "timed out"), "de server antwoordde niet op tijd"),
    (("unable to open database file",), "het databasebestand kan niet worden geopend (bestaat de map?)"),
    (("no route to host", "network is unreachable"), "de server is onbereikbaar via het netwerk"),
]
_MISSING = re.compile(r'\b(role|database) "[^"]*" does not exist')
_MISSING_REASONS = {"role": "de gebruiker bestaat niet op die server", "database": "de database bestaat niet op die server"}
_UNREACHABLE_STATES = {"28P01": "aanmelden mislukt: controleer gebruiker en wachtwoord",
                       "28000": "aanmelden mislukt: controleer gebruiker en wachtwoord",
                       "3D000": "de database bestaat niet op die server"}
# the schema is missing or behind: SQLite's words, PostgreSQL's SQLSTATE (undefined table, undefined column)
_SCHEMA_WORDS = ("no such table", "no such column", "has no column named")
_SCHEMA_STATES = {"42P01", "42703"}


def _sqlstate(exc) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def _where(url: str) -> str:
    """The database as "<dialect> op <host:port/dbname>": never the user's password."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - an unparsable URL: name nothing of it
        return "MELDPUNT_DATABASE_URL"
    dialect = parsed.get_backend_name()
    if dialect == "sqlite":
        return f"sqlite op {parsed.database or 'geheugen'}"
    host = f"{parsed.host or 'localhost'}{':' + str(parsed.port) if parsed.port else ''}"
    return f"{dialect} op {host}/{parsed.database or ''}"


def _unreachable_reason(exc) -> str | None:
    """The reason in Dutch when ``exc`` is a failure to connect, else None."""
    from sqlalchemy import exc as sa_exc

    if not isinstance(exc, sa_exc.OperationalError) or exc.statement is not None:
        return None  # SQLAlchemy wraps a failed connect without a statement; with one it is the query that failed
    state = _sqlstate(exc)
    if state in _UNREACHABLE_STATES:
        return _UNREACHABLE_STATES[state]
    text = str(getattr(exc, "orig", exc)).lower()
    reason = next((reason for words, reason in _UNREACHABLE if any(w in text for w in words)),
                  "de verbinding kwam niet tot stand")
    if reason is None:
        found = _MISSING.search(text)
        reason = _MISSING_REASONS[found.group(1)] if found else "de verbinding kwam niet tot stand"
    return reason


def _schema_behind(url: str) -> bool | None:
    """True when the database's Alembic revision is not this product's head (none at all on a fresh database),
    False when it is, None when that cannot be read."""
    try:
        from alembic.script import ScriptDirectory

        from engine.migrations.runner import alembic_config, current

        return current(url) not in ScriptDirectory.from_config(alembic_config(url)).get_heads()
    except Exception:  # noqa: BLE001 - then the error's own words decide
        return None


def _schema_missing(exc, url: str | None) -> bool:
    from sqlalchemy import exc as sa_exc

    if not isinstance(exc, (sa_exc.OperationalError, sa_exc.ProgrammingError)) or exc.statement is None:
        return False
    behind = _schema_behind(url) if url else None
    if behind is not None:
        return behind  # at head: a missing table is a bug, shown as it is
    return _sqlstate(exc) in _SCHEMA_STATES or any(w in str(exc.orig).lower() for w in _SCHEMA_WORDS)


def database_message(exc: BaseException) -> str | None:
    """The Dutch message for a database error that is the environment's (unreachable, schema not migrated), or
    None for any other error."""
    from sqlalchemy import exc as sa_exc

    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    try:
        from engine.config import get_settings

        url = get_settings().database_url
    except Exception:  # noqa: BLE001
        url = None
    reason = _unreachable_reason(exc)
    if reason is not None:
        where = _where(url) if url else "MELDPUNT_DATABASE_URL"
        return (f"De database is niet bereikbaar ({where}, zonder wachtwoord): {reason}. "
                "Controleer MELDPUNT_DATABASE_URL en of de databaseserver draait.")
    if _schema_missing(exc, url):
        from engine.migrations.runner import SCHEMA_MESSAGE

        return SCHEMA_MESSAGE
    return None
