"""Identity errors (DomainError subclasses, mapped to problem+json like all others)."""
from __future__ import annotations

from engine.errors import DomainError


class NotAuthenticated(DomainError):
    """No, or no valid, credentials. The detail never says which part was wrong."""

    code = "unauthenticated"
    title = "Niet aangemeld"
    status = 401


class TooManyAttempts(DomainError):
    code = "too-many-attempts"
    title = "Te veel pogingen"
    status = 429

    def __init__(self, detail: str | None = None, retry_after: int = 60):
        super().__init__(detail or "Te veel pogingen. Probeer het later opnieuw.")
        self.retry_after = retry_after


class CsrfFailed(DomainError):
    code = "csrf-failed"
    title = "Beveiligingscontrole mislukt"
    status = 403
