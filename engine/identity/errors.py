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


class SecondFactorNeeded(NotAuthenticated):
    """The password was right; the login needs a second factor (TOTP or recovery code) as well."""

    code = "second-factor-needed"
    title = "Code van tweestapsverificatie nodig"


class SecondFactorWrong(NotAuthenticated):
    code = "second-factor-wrong"
    title = "Code van tweestapsverificatie onjuist"


class SecondFactorNotEnrolled(DomainError):
    """The user's role requires a second factor that is not set up yet (enrol in the browser first)."""

    code = "second-factor-not-enrolled"
    title = "Tweestapsverificatie nog niet ingesteld"
    status = 403
