"""RFC 9457 problem details (``application/problem+json``) for every error the API answers.

* ``engine.errors.DomainError`` and subclasses → their ``status``, ``type``
  ``https://meldpunt.example/problems/<code>``, Dutch ``title``, ``detail``; ``InvalidData``
  adds ``errors: [{field, message}]``, ``ProcessValidationError`` adds ``issues``.
* Request validation (pydantic) → 422 ``invalid-data`` with the failing fields in Dutch: each with its
  ``label``, the ``title`` of the request model's field or parameter (:func:`request_label`), and the reason per
  pydantic error type (:func:`dutch_message`); malformed JSON → 400 ``malformed-json``.
* Starlette HTTP errors (unknown route, wrong method, ...) → the same shape.
* Bodies over the limit → 413 (:class:`BodySizeLimitMiddleware`), decided from
  ``Content-Length`` before reading, or as soon as a streamed body passes the limit.
* A value the database refuses (``DataError``) → 422 ``invalid-data``.
* Strict JSON (:class:`StrictJsonMiddleware`): NaN/Infinity, non-finite numbers, lone
  surrogates, NUL characters and invalid UTF-8 → 400 ``malformed-json`` before any endpoint runs.
* A database integrity violation nobody anticipated (a race) → 409 ``conflict``.
* A lost wait for a lock (PostgreSQL ``lock_timeout``, a deadlock, SQLite's busy timeout) → 409
  ``busy`` with ``Retry-After``; a statement over ``statement_timeout`` → 503 ``timeout``.
* A stored letter whose bytes no longer match their sha256 (``LetterIntegrityError``) →
  500 ``letter-integrity`` "Brief is beschadigd" with a reference id; the download routes
  audit it (``document.integrity_failed``) and log it on ``meldpunt.security`` first.
* Anything else → 500 ``internal-error`` with a reference id; the log line carries
  the exception type and traceback but no request body, headers or personal data.
"""
from __future__ import annotations

import json
import logging
import traceback
import types
import typing
import uuid
from typing import Any, Iterable

from fastapi import FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.db import lock_conflict, statement_timed_out
from engine.parse_errors import json_problem
from engine.errors import DomainError, InvalidData, ProcessValidationError

log = logging.getLogger("meldpunt.api")

PROBLEM_BASE = "https://meldpunt.example/problems/"
MEDIA_TYPE = "application/problem+json"
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024

HTTP_TITLES = {
    400: ("bad-request", "Ongeldig verzoek"),
    401: ("unauthenticated", "Niet aangemeld"),
    403: ("forbidden", "Geen toegang"),
    404: ("not-found", "Niet gevonden"),
    405: ("method-not-allowed", "Methode niet toegestaan"),
    406: ("not-acceptable", "Gevraagd formaat niet beschikbaar"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Verzoek te groot"),
    415: ("unsupported-media-type", "Niet-ondersteund formaat"),
    422: ("invalid-data", "Ongeldige gegevens"),
    429: ("too-many-attempts", "Te veel pogingen"),
}


def problem(status: int, code: str, title: str, detail: str | None = None, *,
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = {"type": PROBLEM_BASE + code, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


# --------------------------------------------------------------------------- validation messages in Dutch

# Why a value is refused, per pydantic error type (pydantic_core's ``ErrorType``); any other type: "Ongeldige
# waarde." (tests/api/test_request_labels.py holds every type to Dutch).
_MESSAGES = {
    "missing": "Dit veld is verplicht.",
    "missing_argument": "Dit veld is verplicht.",
    "missing_keyword_only_argument": "Dit veld is verplicht.",
    "missing_positional_only_argument": "Dit veld is verplicht.",
    "extra_forbidden": "Onbekend veld; dit veld is niet toegestaan.",
    "unexpected_keyword_argument": "Onbekend veld; dit veld is niet toegestaan.",
    "no_such_attribute": "Onbekend veld; dit veld is niet toegestaan.",
    "none_required": "Moet leeg zijn.",
    "string_type": "Moet tekst zijn.",
    "string_sub_type": "Moet tekst zijn.",
    "string_unicode": "Moet geldige tekst (Unicode) zijn.",
    "string_not_ascii": "Mag alleen gewone (ASCII-)tekens bevatten.",
    "string_too_short": "Te kort (minstens {min_length} tekens).",
    "string_too_long": "Te lang (hoogstens {max_length} tekens).",
    "string_pattern_mismatch": "Heeft niet het juiste formaat.",
    "int_type": "Moet een geheel getal zijn.",
    "int_parsing": "Moet een geheel getal zijn.",
    "int_from_float": "Moet een geheel getal zijn.",
    "int_parsing_size": "Getal is te groot.",
    "float_type": "Moet een getal zijn.",
    "float_parsing": "Moet een getal zijn.",
    "finite_number": "Moet een eindig getal zijn.",
    "decimal_type": "Moet een getal zijn.",
    "decimal_parsing": "Moet een getal zijn.",
    "decimal_max_digits": "Te veel cijfers (hoogstens {max_digits}).",
    "decimal_max_places": "Te veel cijfers achter de komma (hoogstens {decimal_places}).",
    "decimal_whole_digits": "Te veel cijfers voor de komma (hoogstens {whole_digits}).",
    "multiple_of": "Moet een veelvoud zijn (van {multiple_of}).",
    "bool_type": "Moet waar of onwaar zijn.",
    "bool_parsing": "Moet waar of onwaar zijn.",
    "greater_than": "Moet groter zijn dan {gt}.",
    "greater_than_equal": "Moet minstens {ge} zijn.",
    "less_than": "Moet kleiner zijn dan {lt}.",
    "less_than_equal": "Mag hoogstens {le} zijn.",
    "list_type": "Moet een lijst zijn.",
    "tuple_type": "Moet een lijst zijn.",
    "set_type": "Moet een lijst zijn.",
    "frozen_set_type": "Moet een lijst zijn.",
    "iterable_type": "Moet een lijst zijn.",
    "set_item_not_hashable": "Bevat een waarde die niet in een verzameling past.",
    "dict_type": "Moet een object zijn.",
    "mapping_type": "Moet een object zijn.",
    "model_type": "Moet een object zijn.",
    "model_attributes_type": "Moet een object zijn.",
    "dataclass_type": "Moet een object zijn.",
    "too_short": "Te weinig elementen (minstens {min_length}).",
    "too_long": "Te veel elementen (hoogstens {max_length}).",
    "bytes_type": "Moet een bestand of tekst zijn.",
    "bytes_too_short": "Te kort (minstens {min_length} bytes).",
    "bytes_too_long": "Te lang (hoogstens {max_length} bytes).",
    "bytes_invalid_encoding": "Heeft een ongeldige codering.",
    "date_type": "Moet een datum zijn (JJJJ-MM-DD).",
    "date_parsing": "Moet een geldige datum zijn (JJJJ-MM-DD).",
    "date_from_datetime_parsing": "Moet een geldige datum zijn (JJJJ-MM-DD).",
    "date_from_datetime_inexact": "Moet een datum zijn zonder tijd (JJJJ-MM-DD).",
    "date_past": "Moet een datum in het verleden zijn.",
    "date_future": "Moet een datum in de toekomst zijn.",
    "time_type": "Moet een tijd zijn (UU:MM).",
    "time_parsing": "Moet een geldige tijd zijn (UU:MM).",
    "datetime_type": "Moet een datum en tijd zijn (ISO 8601).",
    "datetime_parsing": "Moet een geldige datum en tijd zijn (ISO 8601).",
    "datetime_object_invalid": "Moet een geldige datum en tijd zijn (ISO 8601).",
    "datetime_from_date_parsing": "Moet een geldige datum en tijd zijn (ISO 8601).",
    "datetime_past": "Moet in het verleden liggen.",
    "datetime_future": "Moet in de toekomst liggen.",
    "timezone_naive": "Mag geen tijdzone hebben.",
    "timezone_aware": "Tijdzone ontbreekt.",
    "timezone_offset": "Heeft niet de juiste tijdzone.",
    "time_delta_type": "Moet een tijdsduur zijn.",
    "time_delta_parsing": "Moet een geldige tijdsduur zijn.",
    "enum": "Moet een van de toegestane waarden zijn: {expected}.",
    "literal_error": "Moet een van de toegestane waarden zijn: {expected}.",
    "union_tag_invalid": "Moet een van de toegestane soorten zijn: {expected_tags}.",
    "union_tag_not_found": "Het veld dat de soort aangeeft ontbreekt ({discriminator}).",
    "uuid_type": "Moet een geldige UUID zijn.",
    "uuid_parsing": "Moet een geldige UUID zijn.",
    "uuid_version": "Moet een UUID van de juiste versie zijn ({expected_version}).",
    "url_type": "Moet een geldige URL zijn.",
    "url_parsing": "Moet een geldige URL zijn.",
    "url_syntax_violation": "Moet een geldige URL zijn.",
    "url_too_long": "URL is te lang (hoogstens {max_length} tekens).",
    "url_scheme": "Heeft niet het juiste soort URL: {expected_schemes}.",
    "value_error": "Ongeldige waarde.",
    "assertion_error": "Ongeldige waarde.",
    "json_invalid": "Geen geldige JSON.",
    "json_type": "Geen geldige JSON.",
    "recursion_loop": "Is te diep genest.",
    "recursion_depth_exceeded": "Is te diep genest.",
}
_EMAIL = "Moet een geldig e-mailadres zijn (bijvoorbeeld naam@voorbeeld.nl)."


def _dutch_or(value: Any) -> Any:
    # pydantic lists what it expects in English ("'open' or 'closed'", "'http', 'https'"); the values stay
    return value.replace(" or ", " of ") if isinstance(value, str) else value


def dutch_message(error: dict) -> str:
    ctx = error.get("ctx") or {}
    kind = error.get("type", "")
    if kind == "value_error" and isinstance(ctx.get("error"), ValueError) and str(ctx["error"]):
        # a validator of our own schemas (api/schemas): its message is Dutch and says why
        text = str(ctx["error"])
        return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")
    if kind == "value_error" and "email" in str(error.get("msg", "")).lower():
        return _EMAIL  # pydantic's EmailStr: its reason is English
    template = _MESSAGES.get(kind, "Ongeldige waarde.")
    try:
        return template.format(**{k: _dutch_or(v) for k, v in ctx.items() if isinstance(v, (str, int, float))})
    except (KeyError, IndexError, ValueError):
        return template.split(" (")[0].split(":")[0].rstrip(".") + "."


def field_name(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        return ".".join(parts[1:]) or "body"
    return ".".join(parts)


# --------------------------------------------------------------------------- the field as a user knows it

BODY_LABEL = "Inhoud van het verzoek"
_PLACES = {"body", "query", "path", "header", "cookie"}


def _dependants(dependant) -> Iterable[Any]:
    yield dependant
    for sub in getattr(dependant, "dependencies", ()) or ():
        yield from _dependants(sub)


def _param_title(param) -> str | None:
    title = getattr(param.field_info, "title", None)
    return str(title) if title else None


def _members(tp: Any) -> list[Any]:
    """The types a value of ``tp`` may take (Optional/Union/Annotated unwrapped, None left out)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _members(typing.get_args(tp)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [m for arg in typing.get_args(tp) for m in _members(arg) if m is not type(None)]
    return [tp]


def _step(tp: Any, part: Any) -> tuple[Any, str | None, bool] | None:
    """One step of an error's location into ``tp``: (inner type, what to add to the label, is it a field), or None
    when ``part`` is no step into it (a union's branch tag such as 'str' or 'function-after[...]')."""
    for member in _members(tp):
        origin = typing.get_origin(member) or member
        if isinstance(member, type) and issubclass(member, BaseModel) and isinstance(part, str):
            for name, field in member.model_fields.items():
                if part in (name, field.alias, field.validation_alias):
                    return field.annotation, (str(field.title) if field.title else None), True
        if isinstance(part, int) and origin in (list, tuple, set, frozenset):
            args = [a for a in typing.get_args(member) if a is not Ellipsis]
            return (args[0] if args else Any), f"nr. {part + 1}", False
        if origin is dict and isinstance(part, (str, int)):
            args = typing.get_args(member)
            return (args[1] if len(args) == 2 else Any), str(part), False
    return None


def _walk(tp: Any, parts: list[Any], label: str | None) -> str | None:
    for part in parts:
        step = _step(tp, part)
        if step is None:
            continue  # a union branch's tag: not a place in the data
        tp, name, is_field = step
        if is_field and name is None:
            return None  # a field without a label (tests/api/test_request_labels.py refuses that)
        label = f"{label}, {name}" if label and not is_field else (f"{label}: {name}" if label else name)
    return label


def request_label(dependant, loc: Iterable[Any]) -> str | None:
    """The field at ``loc`` (a pydantic error's location: ``("body", "melder", "naam")``, ``("query", "limit")``)
    as a user knows it: the ``title`` of the request model's field or of the parameter (``Field(title=…)``,
    ``Query(title=…)``), nested "Buiten: binnen" and "Lijst, nr. 2"; None where a field has none."""
    loc = list(loc)
    if not loc or loc[0] not in _PLACES or dependant is None:
        return None
    place, rest = loc[0], loc[1:]
    params = [p for d in _dependants(dependant) for p in (getattr(d, f"{place}_params", None) or ())]
    if place == "body":
        if not rest:
            return BODY_LABEL
        named = next((p for p in params if p.alias == rest[0] or p.name == rest[0]), None)
        single_model = len(params) == 1 and any(isinstance(m, type) and issubclass(m, BaseModel)
                                                for m in _members(params[0].field_info.annotation))
        if named is not None and not single_model:
            return _walk(named.field_info.annotation, rest[1:], _param_title(named))
        if len(params) == 1:
            return _walk(params[0].field_info.annotation, rest, None)
        return None
    if not rest:
        return None
    param = next((p for p in params if p.alias == rest[0] or p.name == rest[0]), None)
    if param is None:
        return None
    return _walk(param.field_info.annotation, rest[1:], _param_title(param))


def _route_dependant(request: Request | None):
    route = request.scope.get("route") if request is not None else None
    return getattr(route, "dependant", None)


def validation_errors(errors: Iterable[dict], request: Request | None = None) -> list[dict[str, str]]:
    """Each refused field: its key (``field``), why in Dutch (``message``) and the field as a user knows it
    (``label``: the title of the request model's field or parameter; an unknown field: its own name)."""
    dependant = _route_dependant(request)
    out = []
    for e in errors:
        field = field_name(e.get("loc", ()))
        label = request_label(dependant, e.get("loc", ()))
        if e.get("type") in ("extra_forbidden", "unexpected_keyword_argument") and e.get("loc"):
            # not a field of the request: its own name as it was sent, in the object it was sent in
            loc = list(e["loc"])
            outer = request_label(dependant, loc[:-1])
            label = f"{outer}: {loc[-1]}" if outer and outer != BODY_LABEL else str(loc[-1])
        out.append({"field": field, "message": dutch_message(e), **({"label": label} if label else {})})
    return out


def _detail(errors: list[dict[str, str]]) -> str:
    named = "; ".join(f"‘{e['label']}’: {e['message'][0].lower()}{e['message'][1:].rstrip('.')}"
                      for e in errors if e.get("label"))
    return f"Een of meer velden zijn ongeldig: {named}." if named else "Een of meer velden zijn ongeldig."


# --------------------------------------------------------------------------- handlers

async def domain_error_handler(request: Request, exc: DomainError) -> JSONResponse:
    extra: dict[str, Any] = {}
    headers = None
    field_errors = exc.errors if isinstance(exc, InvalidData) else getattr(exc, "errors", None)
    if field_errors:  # InvalidData, and other refusals that name a field (e.g. not in general terms)
        extra["errors"] = [{"field": e.field, "message": e.message, **({"label": e.label} if getattr(e, "label", None)
                                                                        else {})} for e in field_errors]
    if isinstance(exc, ProcessValidationError):
        extra["issues"] = [
            {"file": i.file, "message": i.message, "element_id": i.element_id, "line": i.line} for i in exc.issues
        ]
    if exc.reason:
        extra["reden"] = exc.reason  # stable reason code (engine.errors.REASONS)
    reference = getattr(exc, "reference", None)
    if isinstance(reference, str) and reference:
        extra["reference"] = reference  # the same id as in the server's log line
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        headers = {"Retry-After": str(int(retry_after))}
    if exc.status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Bearer realm="meldpunt"'}
    return problem(exc.status, exc.code, exc.title, exc.detail, headers=headers, **extra)


async def request_validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem(400, "malformed-json", "Ongeldige JSON",
                       "De inhoud van het verzoek is geen geldige JSON.")
    fields = validation_errors(errors, request)
    return problem(422, "invalid-data", "Ongeldige gegevens", _detail(fields), errors=fields)


async def http_exception_handler(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code, title = HTTP_TITLES.get(exc.status_code, ("http-error", "Fout"))
    detail = exc.detail if isinstance(exc.detail, str) and _is_dutch_safe(exc.detail) else None
    return problem(exc.status_code, code, title, detail, headers=getattr(exc, "headers", None))


def _is_dutch_safe(detail: str) -> bool:
    # Starlette's own English reason phrases are replaced by the Dutch title.
    return detail not in {"Not Found", "Method Not Allowed", "There was an error parsing the body",
                          "Not Authenticated", "Unauthorized", "Forbidden", "Bad Request"} and len(detail) < 300


async def integrity_error_handler(request: Request, exc: Exception) -> JSONResponse:
    # A unique/foreign-key violation that the service did not anticipate (e.g. a race):
    # a conflict for the client; the database message (which may quote values) is not echoed.
    log.warning("integrity error on %s %s", request.method, request.url.path)
    return problem(409, "conflict", "Conflict", "De wijziging botst met bestaande gegevens. Laad opnieuw en probeer het nog eens.")


async def data_error_handler(request: Request, exc: Exception) -> JSONResponse:
    # The database refused a value (out of range, wrong representation): bad input, not a crash.
    log.warning("data error on %s %s", request.method, request.url.path)
    return problem(422, "invalid-data", "Ongeldige gegevens", "Een waarde valt buiten het toegestane bereik.")


async def operational_error_handler(request: Request, exc: Exception) -> JSONResponse:
    # Every wait has a bound (engine.config): a lost lock race is a conflict to retry, never a hang.
    if lock_conflict(exc):
        log.warning("lock wait ended on %s %s", request.method, request.url.path)
        return problem(409, "busy", "Bezet",
                       "Iemand anders wijzigt deze gegevens op dit moment. Probeer het over enkele ogenblikken opnieuw.",
                       headers={"Retry-After": "1"})
    if statement_timed_out(exc):
        log.warning("statement timeout on %s %s", request.method, request.url.path)
        return problem(503, "timeout", "Duurde te lang",
                       "De database deed er te lang over. Probeer het later opnieuw.", headers={"Retry-After": "5"})
    return await unhandled_exception_handler(request, exc)


async def unhandled_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    reference = uuid.uuid4().hex[:12]
    # Type and stack frames (file, line, function) only: the exception message and source
    # lines may quote data (a database error repeats the values it refused).
    frames = " < ".join(f"{'/'.join(f.filename.rsplit('/', 2)[-2:])}:{f.lineno}:{f.name}"
                        for f in reversed(traceback.extract_tb(exc.__traceback__)[-10:]))
    log.error("unhandled %s on %s %s (ref %s) at %s", type(exc).__name__, request.method, request.url.path,
              reference, frames)
    return problem(500, "internal-error", "Interne fout",
                   f"Er ging iets mis aan onze kant. Vermeld referentie {reference} bij contact.",
                   reference=reference)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error_handler)
    app.add_exception_handler(RequestValidationError, request_validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    app.add_exception_handler(IntegrityError, integrity_error_handler)
    app.add_exception_handler(DataError, data_error_handler)
    app.add_exception_handler(OperationalError, operational_error_handler)
    app.add_exception_handler(Exception, unhandled_exception_handler)
    install_openapi(app)


# --------------------------------------------------------------------------- OpenAPI: one Problem schema

class ProblemFieldError(BaseModel):
    field: str
    message: str
    label: str | None = Field(None, description=(
        "Het veld zoals de gebruiker het kent: de titel in het formulier, of van het veld of de parameter van het "
        "verzoek (title in dit document); bij een onbekend veld de naam zoals verstuurd"))


class Problem(BaseModel):
    """RFC 9457 problem details as this API sends them."""

    model_config = ConfigDict(extra="allow", title="Problem", json_schema_extra={"examples": [{
        "type": PROBLEM_BASE + "invalid-data", "title": "Ongeldige gegevens", "status": 422,
        "detail": "Een of meer velden zijn ongeldig: ‘Datum ontvangst’: moet een geldige datum zijn (JJJJ-MM-DD).",
        "errors": [{"field": "datum_melding", "message": "Moet een geldige datum zijn (JJJJ-MM-DD).",
                    "label": "Datum ontvangst"}]}]})

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[ProblemFieldError] | None = None
    reference: str | None = None
    reden: str | None = Field(None, description="Vaste redencode van een weigering (engine.errors.REASONS)")


def install_openapi(app: FastAPI) -> None:
    """Document every error answer as ``application/problem+json`` with the :class:`Problem` schema.

    Replaces FastAPI's own 422 ``HTTPValidationError`` (which this API never sends) and adds
    a ``default`` problem response to every operation, so clients and schema-based testing
    (schemathesis) see what the API really answers.
    """
    original = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem_schema.pop("$defs", {}))
        schemas["Problem"] = problem_schema
        content = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                responses = operation["responses"]
                for code, response in responses.items():
                    if code == "default" or code[0] in "45":
                        response["content"] = dict(content)
                        if code == "422":
                            response["description"] = "Ongeldige gegevens"
                    elif response.get("description") == "Successful Response":
                        response["description"] = "Gelukt"
                responses.setdefault("default", {"description": "Fout (RFC 9457 problem+json)", "content": dict(content)})
        for unused in ("HTTPValidationError", "ValidationError"):
            if f"#/components/schemas/{unused}" not in json.dumps(schema):
                schemas.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


# --------------------------------------------------------------------------- body size limit

class _BodyTooLarge(Exception):
    pass


class BodySizeLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with a 413 problem.

    A ``Content-Length`` over the limit is refused before a byte of the body is read.
    A streamed (chunked) body is counted while the app reads it; past the limit the
    read fails and whatever the app would have answered is replaced by the 413.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES,
                 path_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Path prefix -> limit (longest prefix wins), e.g. a larger one for attachment uploads.
        self.path_limits = sorted((path_limits or {}).items(), key=lambda kv: -len(kv[0]))

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.path_limits:
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        length = _content_length(scope)
        if length is None and _has_header(scope, b"content-length"):
            await self._refuse(send, 400, "bad-request", "Ongeldig verzoek", "Ongeldige Content-Length.")
            return
        if length is not None and length > limit:
            await self._refuse_too_large(send, limit)
            return

        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._refuse_too_large(send, limit)
                return  # drop the app's own answer
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _BodyTooLarge:
            if not started:
                await self._refuse_too_large(send, limit)

    async def _refuse_too_large(self, send: Send, limit: int) -> None:
        await self._refuse(send, 413, "payload-too-large", "Verzoek te groot",
                           f"De inhoud van het verzoek is groter dan toegestaan (hoogstens {limit} bytes).")

    @staticmethod
    async def _refuse(send: Send, status: int, code: str, title: str, detail: str) -> None:
        body = json.dumps({"type": PROBLEM_BASE + code, "title": title, "status": status, "detail": detail},
                          ensure_ascii=False).encode("utf-8")
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _has_header(scope: Scope, name: bytes) -> bool:
    return any(k.lower() == name for k, _ in scope.get("headers", []))


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-length":
            try:
                n = int(value)
            except ValueError:
                return None
            return n if n >= 0 else None
    return None


# --------------------------------------------------------------------------- strict JSON

class _NotStrictJson(ValueError):
    pass


def _reject_constant(name: str):
    raise _NotStrictJson(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")) or value != value:
        raise _NotStrictJson("non-finite number")
    return value


def _has_forbidden_char(value: Any) -> bool:
    """Lone surrogates (cannot be encoded) or NUL (PostgreSQL cannot store it in text)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or any("\ud800" <= ch <= "\udfff" for ch in item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def strict_json_error(body: bytes) -> str | None:
    """Why ``body`` is not strict JSON (RFC 8259, UTF-8, finite numbers, no lone surrogates), or ``None``."""
    try:
        text = body.decode("utf-8")
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except UnicodeDecodeError as err:
        where = json_problem(err).where()
        return f"De inhoud is geen geldige UTF-8 ({where})." if where else "De inhoud is geen geldige UTF-8."
    except _NotStrictJson:
        return "Getallen moeten eindig zijn (geen NaN of Infinity)."
    except (ValueError, RecursionError) as err:  # what is wrong and where, in Dutch (never json's English)
        return f"De inhoud van het verzoek is geen geldige JSON: {json_problem(err)}."
    if _has_forbidden_char(value):
        return "De tekst bevat ongeldige tekens (NUL-teken of losse surrogaten)."
    return None


class StrictJsonMiddleware:
    """Checks JSON request bodies strictly before the app sees them, then replays the body.

    Python's ``json`` accepts ``NaN``, ``Infinity``, ``1e999`` (→ inf), lone UTF-16
    surrogates and NUL characters, none of which can be stored (PostgreSQL text refuses
    NUL) or answered safely. Runs inside the size limit,
    so it never buffers more than the allowed body.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS") or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away
                await self.app(scope, _replay(None, receive, message), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body:
            reason = strict_json_error(body)
            if reason is not None:
                await BodySizeLimitMiddleware._refuse(send, 400, "malformed-json", "Ongeldige JSON", reason)
                return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes | None, receive: Receive, first: Message | None = None) -> Receive:
    done = False

    async def replay() -> Message:
        nonlocal done
        if not done:
            done = True
            if first is not None:
                return first
            return {"type": "http.request", "body": body or b"", "more_body": False}
        return await receive()

    return replay


def _is_json(scope: Scope) -> bool:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))
    return False
