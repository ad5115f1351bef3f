"""Structured logs: one JSON object per line, with the request id of the request being served.

What a record may carry is decided here, once:

- the message as the code wrote it (the code never puts a body, a query string, a cookie, a token, a receipt
  code, a password or a reporter's identity into a log message: docs/CONVENTIONS.md);
- for an exception only its type and where it was raised (file, line, function), never its message: an
  exception message may quote data (a database error repeats the statement's parameters, a validation error
  the value it refused);
- the request id (``X-Request-ID``, see ``api.observability``) of the request in whose context the record was
  made, so every line of one request can be found together.

The HTTP access line (``api.observability``) names the method, the route *template* (``/api/v1/zaken/{case_id}``,
never the filled-in path or its query string), the status and the duration; never the client's address (an
anonymous reporter's address would identify them) nor any header value.

Used by every long-running command (``meldpunt serve``, ``meldpunt demo``, ``timers run``, ``mail run``,
``brieven run``; JSON with ``MELDPUNT_LOG_JSON``, else the same fields as text), and by uvicorn through
``deploy/logging.json``.
"""
from __future__ import annotations

import contextvars
import json
import logging
import logging.config
import traceback
import warnings
from datetime import datetime, timezone

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("meldpunt_request_id", default=None)
# The matched route's template of the request being answered (set by ``api.observability`` as the answer starts),
# for uvicorn's access line: never the filled-in path.
access_route: contextvars.ContextVar[str | None] = contextvars.ContextVar("meldpunt_access_route", default=None)

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is written as a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
# Only these ``extra`` fields are written (what the access line and the timer worker pass); an unknown extra
# could carry a value nobody checked.
ALLOWED_EXTRA = {"http_method", "route", "status", "duration_ms", "event"}


class JsonFormatter(logging.Formatter):
    def fields(self, record: logging.LogRecord) -> dict:
        """What a record may carry (the module's rules), as a dict; both formatters write exactly this."""
        # The record's creation time (the logging module's own timestamp, not the engine clock: a log line
        # says when it was written, also while tests move the engine clock).
        out = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            out["request_id"] = rid
        for key, value in vars(record).items():
            if key in ALLOWED_EXTRA and key not in _STANDARD:
                out[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _, tb = record.exc_info
            out["exception"] = exc_type.__name__
            out["stack"] = [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)][-12:]
        return out

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(self.fields(record), ensure_ascii=False, default=str)


class TextFormatter(JsonFormatter):
    """The same fields as :class:`JsonFormatter`, as one readable line (``MELDPUNT_LOG_JSON`` off): the rules of
    what a record may carry do not depend on the format."""

    def format(self, record: logging.LogRecord) -> str:
        out = self.fields(record)
        head = f"{out.pop('time')} {out.pop('level'):<7} {out.pop('logger')}: {out.pop('message')}"
        stack = out.pop("stack", None)
        rest = " ".join(f"{key}={value}" for key, value in out.items())
        return " ".join(filter(None, [head, rest, f"at {stack[-1]}" if stack else ""]))


class RequestIdFilter(logging.Filter):
    """Stamps the current request id on the record (for handlers with another formatter)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id.get()
        return True


class UvicornAccessFilter(logging.Filter):
    """uvicorn's access line (``uvicorn.access``), wherever a server is started with it on (plain ``uvicorn ...``
    writes it by default), says what the application's own access line says: the route's template (``-`` when no
    route matched), never the filled-in path or its query string, and ``-`` for the client. A URL carries what a
    log must not (a search naming a reporter, an OpenID Connect callback's code, a token or receipt code someone
    put in a query string or a path), and an anonymous reporter's address identifies them. uvicorn's arguments
    are (client, method, path with query, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3:
            record.args = ("-", args[1], access_route.get() or "-", *args[3:])
        return True


class UvicornTraceFilter(logging.Filter):
    """uvicorn at ``--log-level trace``: its ASGI message log (``uvicorn.asgi``) writes each request's scope (path,
    query string, client address) and is dropped; its connection lines ("<client address> - HTTP connection made",
    on ``uvicorn.error``) lose the address."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("uvicorn.asgi"):
            return False
        if record.levelno < logging.DEBUG and isinstance(record.args, tuple) and record.args:
            record.args = ("",) * len(record.args)
        return True


def exception_text(exc_info) -> str:
    """An exception as a log may show it, whatever formatter writes the record: its type and where it was raised,
    never its message (which may quote a value of the case, a statement's parameters, a form field)."""
    exc_type, _, tb = exc_info
    frames = [f"  {f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)][-12:]
    return "\n".join([f"{exc_type.__name__} (message not logged)", *frames])


def _log_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A Python warning (a library's deprecation, SQLAlchemy's ``SAWarning``) as a record of ``py.warnings``, so it
    is a line of the log like any other (JSON with ``MELDPUNT_LOG_JSON``) instead of free text on stderr: by its
    category and where it was raised, never its message, which may quote a value (pydantic's serialisation warnings
    quote the value they got)."""
    logging.getLogger("py.warnings").warning("%s at %s:%s (message not logged)", category.__name__, filename, lineno)


_log_warning.meldpunt_warning_line = True


def install_log_guards() -> None:
    """Put :class:`UvicornAccessFilter` on ``uvicorn.access`` and :class:`UvicornTraceFilter` on uvicorn's trace
    output, write Python's warnings as log records (:func:`_log_warning`), and make every record of every logger
    carry its exception as :func:`exception_text` (once; the app factory and :func:`configure` call it). A server started
    without this module's configuration (plain ``uvicorn``, with its own log configuration or none) still writes
    an unhandled error's traceback (uvicorn's "Exception in ASGI application", Python's last-resort handler for
    the workers' records): ``logging.Formatter`` uses a record's ``exc_text`` when it is set, so it is set when
    the record is made."""
    for name, kind in (("uvicorn.access", UvicornAccessFilter), ("uvicorn.asgi", UvicornTraceFilter),
                       ("uvicorn.error", UvicornTraceFilter)):
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())
    if not getattr(warnings.showwarning, "meldpunt_warning_line", False):
        warnings.showwarning = _log_warning
    current = logging.getLogRecordFactory()
    if getattr(current, "meldpunt_exception_text", False):
        return

    def make_record(*args, **kwargs) -> logging.LogRecord:
        record = current(*args, **kwargs)
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = exception_text(record.exc_info)
        return record

    make_record.meldpunt_exception_text = True
    logging.setLogRecordFactory(make_record)


def dict_config(level: str = "INFO", *, json_lines: bool = True) -> dict:
    """The logging configuration: JSON (or, ``json_lines=False``, the same fields as text) on stderr for the root
    logger and uvicorn's loggers (uvicorn's access log is not used: it writes the full path with its query string
    and the client's address; ``api.observability`` writes the access line instead)."""
    formatter = "engine.logs.JsonFormatter" if json_lines else "engine.logs.TextFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": formatter}},
        "filters": {"request_id": {"()": "engine.logs.RequestIdFilter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"],
                                "stream": "ext://sys.stderr"}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            # HTTP clients log each request's full URL at INFO, query string included (an OpenID Connect
            # callback's code, a token): only their warnings.
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
            # the workflow library logs every task state change (noise); SQLAlchemy at INFO writes statement
            # parameters
            "spiff": {"level": "WARNING"},
            "sqlalchemy": {"level": "WARNING"},
        },
    }


def configure(level: str = "INFO", *, json_lines: bool | None = None) -> None:
    """Install the configuration in this process (command-line entry points only, never on import). Every entry
    point calls it, whatever ``MELDPUNT_LOG_JSON`` says: without it a worker's records reach Python's last-resort
    handler, which writes an exception's message and traceback (a database error repeats its parameters)."""
    logging.config.dictConfig(dict_config(level, json_lines=_json_lines(json_lines)))
    install_log_guards()


def uvicorn_options(*, json_lines: bool | None = None) -> dict:
    """The logging arguments of every ``uvicorn.run`` of the product (``meldpunt serve``, ``meldpunt demo``): this
    module's configuration and no uvicorn access log, JSON or not (uvicorn's own access line writes the query
    string, where a search names a reporter, and the client's address)."""
    return {"log_config": dict_config(json_lines=_json_lines(json_lines)), "access_log": False}


def _json_lines(json_lines: bool | None) -> bool:
    if json_lines is not None:
        return json_lines
    from engine.config import get_settings

    return get_settings().log_json
