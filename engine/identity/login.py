"""Password login with its rate limits: the one function the API and the web login both call.

Three limits (``engine.identity.ratelimit``), all in scope ``login``:

* per address + username: 30 attempts per 15 minutes, and after 10 failures a delay
  that doubles from 30 s up to 15 minutes (a guesser at one account from one address);
* per address, whatever the username: after 20 failures in 15 minutes a delay from 30 s up to
  15 minutes (password spraying from one address);
* per username, from any address: after 5 failures in 30 minutes a delay from 30 s up to
  15 minutes (spraying or guessing from rotating addresses). An address that logged in to
  this account in the last 30 days is exempt, so the owner's usual workplace keeps working.

No global cap: failures of others never refuse a client that has no failures of its own.
The username typed is the account key whether the user exists or not (no lookup, no leak).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from engine.errors import FieldError, InvalidData, NotAuthorized
from engine.identity import ratelimit
from engine.identity.errors import NotAuthenticated
from engine.identity.models import User
from engine.identity.service import get_identity_provider

SCOPE = "login"
POLICY = ratelimit.RateLimitPolicy(
    window=timedelta(minutes=15), max_attempts=30,
    client_backoff=ratelimit.Backoff(free_failures=10, period=timedelta(minutes=15),
                                     base_delay=timedelta(seconds=30), max_delay=timedelta(minutes=15)),
    address_backoff=ratelimit.Backoff(free_failures=20, period=timedelta(minutes=15),
                                      base_delay=timedelta(seconds=30), max_delay=timedelta(minutes=15)),
    account_backoff=ratelimit.Backoff(free_failures=5, period=timedelta(minutes=30),
                                      base_delay=timedelta(seconds=30), max_delay=timedelta(minutes=15)),
    pressure_failures=1000, pressure_free_failures=3, known_client_period=timedelta(days=30))
LOCKED = "Te veel mislukte aanmeldpogingen vanaf dit adres."
ACCOUNT_LOCKED = "Te veel mislukte aanmeldpogingen voor deze gebruikersnaam."
MAX_USERNAME = 100  # as api.schemas.identity.LoginRequest
MAX_PASSWORD = 1024
LOCAL_OFF = "Aanmelden met een wachtwoord is uitgeschakeld. Meld u aan via de inlogdienst van de organisatie."


@dataclass(frozen=True)
class LocalPasswords:
    """Whether local passwords may be used: all of them, none, or only the named break-glass accounts.

    ``MELDPUNT_LOCAL_PASSWORDS=false`` switches them off; ``MELDPUNT_LOCAL_PASSWORD_USERS=nood1,nood2``
    keeps them for those accounts only (the others log in through the organisation's provider)."""

    enabled: bool = True
    only: frozenset[str] = frozenset()

    def allows(self, username: str) -> bool:
        return self.enabled and (not self.only or username.strip().lower() in self.only)


ALL_LOCAL = LocalPasswords()


def check_lengths(username: str, password: str) -> None:
    """The API's length caps, for callers without a schema (the web login form)."""
    errors = []
    if len(username) > MAX_USERNAME:
        errors.append(FieldError("gebruikersnaam", f"De gebruikersnaam mag hoogstens {MAX_USERNAME} tekens bevatten."))
    if len(password) > MAX_PASSWORD:
        errors.append(FieldError("wachtwoord", f"Het wachtwoord mag hoogstens {MAX_PASSWORD} tekens bevatten."))
    if errors:
        raise InvalidData(errors, detail=" ".join(e.message for e in errors))


def login_with_password(*, session: Session, username: str, password: str, client_key: str,
                        policy: ratelimit.RateLimitPolicy = POLICY,
                        local: LocalPasswords = ALL_LOCAL) -> User | None:
    """The user, or ``None`` for a wrong username or password; raises ``InvalidData`` (422) for input
    over the length caps and ``TooManyAttempts`` (429) before checking anything when this address or
    this username must wait, and ``NotAuthorized`` (403) before anything else when ``local`` does not allow a
    password for this username (switched off, or not a break-glass account).

    The attempt is recorded in ``session``: the caller commits it even when it answers 401.
    """
    check_lengths(username, password)
    if not local.allows(username):
        raise NotAuthorized(LOCAL_OFF)
    account = username.strip().lower()
    ratelimit.check_allowed(session=session, scope=SCOPE, client_key=client_key, account=account, policy=policy,
                            message=LOCKED, account_message=ACCOUNT_LOCKED)
    try:
        user = get_identity_provider().authenticate(session=session,
                                                    credentials={"username": username, "password": password})
    except NotAuthenticated:
        user = None
    ratelimit.record_attempt(session=session, scope=SCOPE, client_key=client_key, account=account,
                             success=user is not None, policy=policy)
    return user
