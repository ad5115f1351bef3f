"""Domain errors of the letters package (Dutch titles, stable codes)."""
from __future__ import annotations

from engine.errors import DomainError, NotFound


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
    """The stored bytes of a letter no longer match the recorded sha256."""

    code = "letter-integrity"
    title = "De opgeslagen brief is beschadigd of gewijzigd"
    status = 500


class PdfUnavailable(DomainError):
    code = "pdf-unavailable"
    title = "PDF-conversie niet beschikbaar"
    status = 501
