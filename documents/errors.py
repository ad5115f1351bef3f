"""Domain errors of the letters package (Dutch titles, stable codes)."""
from __future__ import annotations

from engine.errors import DomainError, FieldError, NotFound


class LetterRenderError(DomainError):
    """A letter could not be rendered (missing data, bad template, confidentiality guard).

    Raised inside the caller's transaction so the step that needed the letter rolls back.
    The message names template and placeholder, never a value from the case.
    """

    code = "letter-render-failed"
    title = "De brief kon niet worden opgesteld"
    status = 422

    def __init__(self, detail: str, *, template: str | None = None, placeholder: str | None = None):
        super().__init__(detail, template=template, placeholder=placeholder)
        self.template = template
        self.placeholder = placeholder


class LetterNotFound(NotFound):
    code = "letter-not-found"
    title = "Brief niet gevonden"


class LetterIntegrityError(DomainError):
    """The stored bytes of a letter no longer match the recorded sha256.

    Status 500: the request is valid and nothing the client can change resolves it (so not
    409, which asks the client to resolve a conflict with the resource's state), nor will
    retrying help (so not 503). The server cannot hand out a document it can no longer vouch
    for; the distinct ``type`` (``letter-integrity``) tells clients and monitoring apart from
    a generic ``internal-error``. ``reference`` ties the answer to the security log line and
    the audit event.
    """

    code = "letter-integrity"
    title = "Brief is beschadigd"
    status = 500

    def __init__(self, detail: str, *, reference: str | None = None):
        super().__init__(detail)
        self.reference = reference


class PdfUnavailable(DomainError):
    code = "pdf-unavailable"
    title = "PDF-conversie niet beschikbaar"
    status = 501


class NotInGeneralTerms(LetterRenderError):
    """A text for the reporter names the subject or a measure (DOMAIN §4: feedback in general terms).

    ``field``: the field whose text does it (or None when it is the letter's own wording); ``errors`` as in
    :class:`engine.errors.InvalidData`, so the problem lists the field."""

    code = "not-in-general-terms"
    title = "Niet in algemene termen"
    status = 422

    def __init__(self, detail: str, *, field: str | None, template: str | None = None,
                 placeholder: str | None = None):
        super().__init__(detail, template=template, placeholder=placeholder)
        self.field = field
        self.errors = [FieldError(field, detail)] if field else []
