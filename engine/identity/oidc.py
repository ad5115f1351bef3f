"""Login through the organisation's OpenID Connect provider (Keycloak, ADFS, Entra ID, ...).

The flow is the authorization code flow with PKCE (S256), a ``state`` and a ``nonce``; Authlib does the
protocol work (the code exchange, the PKCE challenge, the ID token's claims checks) and joserfc, Authlib's
JOSE library, checks the signature against the provider's published keys. Everything is configured by
environment variables with prefix ``MELDPUNT_OIDC_`` (:class:`OidcSettings`; docs/SECURITY.md).

After the ID token is verified (signature, issuer, audience, expiry, nonce), :class:`OidcIdentityProvider`
finds the user by the stable subject claim (``users.external_subject``), provisions an unknown one, and sets
the roles and unit from the provider's claims at every login: a role the provider took away is gone at the
next login (with the claimed tasks of that role handed back to the pool); a user the provider gives no
Meldpunt role loses every session and API token and is refused. A user the provider disabled cannot log in
there, and a user an administrator disabled in Meldpunt stays disabled whatever the provider says.

Time: the ID token's ``exp``/``iat`` are set by the provider from its own clock and are checked (by Authlib)
against the machine's clock, with :attr:`OidcSettings.leeway_seconds` of skew; the engine's business clock
(``engine.clock``) plays no part in a protocol timestamp.

Nothing here logs, stores or returns a token: the ID token and access token live only in the call that
verifies them. The client secret is a ``SecretStr``.
"""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.clock import now
from engine.errors import DomainError
from engine.identity.errors import NotAuthenticated
from engine.identity.models import ApiToken, User, UserRole, WebSession
from engine.identity.roles import known_roles

TOKEN_REFUSED = "De aanmelding via de organisatie kon niet worden gecontroleerd. Probeer opnieuw in te loggen."
NO_ROLE = ("U heeft (nu) geen rol in het meldpunt volgens de organisatie. Vraag uw leidinggevende of "
           "functioneel beheer om toegang.")
DISABLED = "Uw account in het meldpunt is uitgeschakeld. Neem contact op met functioneel beheer."
UNKNOWN = "U heeft nog geen account in het meldpunt. Vraag functioneel beheer om u toe te voegen."
NAME_TAKEN = ("Er bestaat al een ander account met de gebruikersnaam {name}. Vraag functioneel beheer om "
              "de accounts te koppelen.")
PROVIDER_DOWN = "De inlogdienst van de organisatie is nu niet bereikbaar. Probeer het later opnieuw."
REFUSED_BY_PROVIDER = "De inlogdienst van de organisatie heeft de aanmelding geweigerd."


class ProviderUnavailable(DomainError):
    code = "identity-provider-unavailable"
    title = "Inlogdienst niet bereikbaar"
    status = 502


class OidcSettings(BaseSettings):
    """``MELDPUNT_OIDC_*``; OIDC is on when issuer and client id are set."""

    model_config = SettingsConfigDict(env_prefix="MELDPUNT_OIDC_", extra="ignore")

    issuer: str = ""  # e.g. https://sso.ministerie.nl/realms/rijk (discovery at /.well-known/openid-configuration)
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")  # empty: a public client (PKCE only)
    label: str = "de organisatie"  # the login button reads "Inloggen via <label>"
    scopes: str = "openid profile email"
    # Where the provider sends the browser back; empty: <this server>/inloggen/oidc/terug as the request reached it.
    redirect_url: str = ""
    # After logout at the provider, back to here; empty: <this server>/inloggen.
    post_logout_redirect_url: str = ""
    subject_claim: str = "sub"  # the stable, never reassigned identifier (Entra ID: "oid")
    username_claim: str = "preferred_username"
    name_claim: str = "name"
    email_claim: str = "email"
    role_claim: str = "groups"  # a list (or one string) of group or role names
    # Claim value -> Meldpunt roles, JSON: {"meldpunt-medewerkers": ["meldpunt"], "ivc": ["integriteitscoordinator"]}.
    # Empty: values that are Meldpunt role codes count as those roles.
    role_map: dict[str, list[str]] = Field(default_factory=dict)
    unit_claim: str = ""  # a claim that holds the unit (dienstonderdeel) as text; empty: not used
    unit_map: dict[str, str] = Field(default_factory=dict)  # role-claim value -> unit, JSON; first match wins
    provision: bool = True  # create an account for an unknown subject (else: refused)
    # On the first login of a subject, take over an existing account with the same username that has no
    # subject yet (migrating local accounts). Only switch on when the provider's usernames are the same people.
    match_username: bool = False
    # A session opened through the provider ends after this many hours at most (0: MELDPUNT_SESSION_HOURS): the
    # next login asks the provider again (one click while its own session lasts), so a user it disabled or
    # whose roles it changed is caught within this time, not only at the end of a working day.
    session_hours: float = Field(default=0.0, ge=0, le=24)
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    leeway_seconds: int = Field(default=60, ge=0, le=600)
    # When a login through the provider counts as two-factor (engine.identity.second_factor: the reporter's identity
    # only after a second factor): "amr" (default) when the ID token's `amr` says so (RFC 8176: "mfa", or two
    # different methods), or its `acr` is one of `mfa_acr_values`; "altijd" when the organisation's provider asks
    # two factors of everyone (say so only then); "nooit" to count no provider login as two-factor.
    mfa: str = Field(default="amr", pattern="^(amr|altijd|nooit)$")
    mfa_acr_values: list[str] = Field(default_factory=list)

    @property
    def enabled(self) -> bool:
        return bool(self.issuer.strip() and self.client_id.strip())

    @property
    def origin(self) -> str:
        """The provider's origin (scheme://host[:port]): the logout redirect goes there (the CSP allows it)."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.issuer.strip())
        return f"{parts.scheme}://{parts.netloc}"


# --------------------------------------------------------------------------- the protocol (Authlib)


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser, and what to keep (in an HttpOnly cookie) until it comes back."""

    url: str
    state: str
    nonce: str
    code_verifier: str


class OidcClient:
    """The relying party: discovery, the authorization request, the code exchange and the ID token checks."""

    def __init__(self, settings: OidcSettings):
        self.settings = settings
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._lock = threading.Lock()

    # ---- provider metadata and keys (fetched once; the keys again when a token names an unknown key)

    def _get(self, url: str) -> dict[str, Any]:
        import requests

        try:
            response = requests.get(url, timeout=self.settings.timeout_seconds)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnavailable(PROVIDER_DOWN) from exc
        if not isinstance(document, dict):
            raise ProviderUnavailable(PROVIDER_DOWN)
        return document

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None:
                issuer = self.settings.issuer.rstrip("/")
                document = self._get(issuer + "/.well-known/openid-configuration")
                if document.get("issuer", "").rstrip("/") != issuer:
                    raise ProviderUnavailable(PROVIDER_DOWN)
                self._metadata = document
            return self._metadata

    def keys(self, *, refresh: bool = False) -> KeySet:
        metadata = self.metadata()
        with self._lock:
            if self._keys is None or refresh:
                try:
                    self._keys = KeySet.import_key_set(self._get(metadata["jwks_uri"]))
                except (KeyError, ValueError, JoseError) as exc:
                    raise ProviderUnavailable(PROVIDER_DOWN) from exc
            return self._keys

    def _session(self, redirect_uri: str | None = None) -> OAuth2Session:
        secret = self.settings.client_secret.get_secret_value() or None
        return OAuth2Session(client_id=self.settings.client_id, client_secret=secret, scope=self.settings.scopes,
                             redirect_uri=redirect_uri, code_challenge_method="S256",
                             token_endpoint_auth_method="client_secret_basic" if secret else "none")

    # ---- the flow

    def authorization_request(self, *, redirect_uri: str) -> AuthorizationRequest:
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        verifier = verifier + secrets.token_urlsafe(32)  # 86 characters (RFC 7636: 43..128)
        with self._session(redirect_uri) as client:
            url, _ = client.create_authorization_url(self.metadata()["authorization_endpoint"], state=state,
                                                     nonce=nonce, code_verifier=verifier)
        return AuthorizationRequest(url=url, state=state, nonce=nonce, code_verifier=verifier)

    def exchange(self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str) -> dict[str, Any]:
        """The verified claims of the ID token the provider gives for ``code``."""
        return self.verify_id_token(self.fetch_id_token(code=code, redirect_uri=redirect_uri,
                                                        code_verifier=code_verifier), nonce=nonce)

    def fetch_id_token(self, *, code: str, redirect_uri: str, code_verifier: str) -> str:
        """The (not yet verified) ID token from the token endpoint; the access token is dropped unused."""
        import requests

        from authlib.integrations.base_client.errors import OAuthError

        with self._session(redirect_uri) as client:
            try:
                token = client.fetch_token(self.metadata()["token_endpoint"], grant_type="authorization_code",
                                           code=code, code_verifier=code_verifier,
                                           timeout=self.settings.timeout_seconds)
            except requests.RequestException as exc:
                raise ProviderUnavailable(PROVIDER_DOWN) from exc
            except (OAuthError, ValueError) as exc:
                raise NotAuthenticated(TOKEN_REFUSED) from exc
        id_token = token.get("id_token") if isinstance(token, dict) else None
        if not isinstance(id_token, str) or not id_token:
            raise NotAuthenticated(TOKEN_REFUSED)
        return id_token

    def verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """Signature (the provider's keys, asymmetric algorithms only), issuer, audience, authorized party,
        expiry and nonce; :class:`NotAuthenticated` with one Dutch message for every failure."""
        algorithms = self.metadata().get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in algorithms if a not in ("none", "HS256", "HS384", "HS512")] or ["RS256"]
        try:
            try:
                decoded = jwt.decode(id_token, self.keys(), algorithms=algorithms)
            except JoseError:  # perhaps a new key the provider rotated in: fetch the set once more
                decoded = jwt.decode(id_token, self.keys(refresh=True), algorithms=algorithms)
            claims = CodeIDToken(decoded.claims, decoded.header, options={
                "iss": {"essential": True, "value": self.metadata()["issuer"]},
                "aud": {"essential": True, "value": self.settings.client_id},
                "nonce": {"essential": True, "value": nonce},
                "exp": {"essential": True}, "iat": {"essential": True}, "sub": {"essential": True},
            }, params={"nonce": nonce, "client_id": self.settings.client_id})
            claims.validate(leeway=self.settings.leeway_seconds)
        except (JoseError, ValueError, TypeError) as exc:
            raise NotAuthenticated(TOKEN_REFUSED) from exc
        return dict(claims)

    def end_session_url(self, *, post_logout_redirect_uri: str) -> str | None:
        """RP-initiated logout at the provider (no ID token is kept, so the client id names us)."""
        try:
            endpoint = self.metadata().get("end_session_endpoint")
        except ProviderUnavailable:
            return None
        if not endpoint:
            return None
        query = urlencode({"client_id": self.settings.client_id, "post_logout_redirect_uri": post_logout_redirect_uri})
        return endpoint + ("&" if "?" in endpoint else "?") + query


# RFC 8176 authentication methods; two different ones in `amr` are two factors.
_METHODS = {"face", "fpt", "geo", "hwk", "iris", "kba", "mca", "otp", "pin", "pop", "pwd", "rba", "retina", "sc",
            "sms", "swk", "tel", "user", "vbm", "wia"}


def multi_factor(settings: OidcSettings, claims: dict[str, Any]) -> bool:
    """Whether this provider login counts as two-factor (see ``OidcSettings.mfa``)."""
    if settings.mfa == "altijd":
        return True
    if settings.mfa == "nooit":
        return False
    amr = claims.get("amr") or []
    amr = {str(a) for a in (amr if isinstance(amr, list) else [amr])}
    if "mfa" in amr or len(amr & _METHODS) >= 2:
        return True
    return bool(settings.mfa_acr_values) and str(claims.get("acr") or "") in settings.mfa_acr_values


# --------------------------------------------------------------------------- claims -> Meldpunt user


@dataclass(frozen=True)
class MappedIdentity:
    subject: str
    username: str
    display_name: str
    email: str | None
    roles: tuple[str, ...]
    unit: str | None


def _values(claim: Any) -> list[str]:
    if claim is None:
        return []
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, (list, tuple)):
        return [str(v) for v in claim if isinstance(v, (str, int))]
    return []


def map_claims(settings: OidcSettings, claims: dict[str, Any]) -> MappedIdentity:
    """The Meldpunt identity the verified claims describe (roles and unit per the configured mapping)."""
    subject = str(claims.get(settings.subject_claim) or "").strip()
    if not subject or len(subject) > 255:
        raise NotAuthenticated(TOKEN_REFUSED)
    username = "".join(str(claims.get(settings.username_claim) or "").split())[:100] or f"oidc-{subject[:90]}"
    display_name = " ".join(str(claims.get(settings.name_claim) or "").split())[:200] or username
    email = str(claims.get(settings.email_claim) or "").strip()[:200] or None
    values = _values(claims.get(settings.role_claim))
    catalogue = known_roles()
    if settings.role_map:
        roles = {r for v in values for r in settings.role_map.get(v, [])}
    else:
        roles = set(values)
    roles = {r for r in roles if r in catalogue}
    unit = None
    if settings.unit_claim:
        unit = " ".join(str(claims.get(settings.unit_claim) or "").split())[:200] or None
    if unit is None:
        unit = next((settings.unit_map[v] for v in values if v in settings.unit_map), None)
    return MappedIdentity(subject=subject, username=username, display_name=display_name, email=email,
                          roles=tuple(sorted(roles)), unit=unit)


def _release_claimed(session: Session, user: User, roles: set[str]) -> int:
    """Hand the user's claimed open tasks of ``roles`` back to the pool and tell the coordinators: the same engine
    functions as an administrator's role change or blocking (engine.worklist, engine.staff)."""
    from engine.staff.service import _item_line, notify_coordinators_of_staff_change
    from engine.worklist.service import release_claims

    released = release_claims(session=session, user=user, actor="oidc", reason="rol ingetrokken door de organisatie",
                              roles=roles)
    if released:
        notify_coordinators_of_staff_change(
            session, kind="rol_ingetrokken", subject=user, actor="oidc",
            text=(f"Taken teruggezet in de pool: de organisatie nam {user.display_name} een rol af "
                  f"({len(released)} {'taak' if len(released) == 1 else 'taken'})."),
            items=[_item_line(session, i, to="pool") for i in released])
    return len(released)


def _revoke_everything(session: Session, user: User) -> None:
    moment = now()
    for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        token.revoked_at = moment
    for web in session.scalars(select(WebSession).where(WebSession.user_id == user.id,
                                                        WebSession.revoked_at.is_(None))):
        web.revoked_at = moment


class LoginRefused(NotAuthenticated):
    """Refused after verification: the detail says why (no role, disabled, unknown), in Dutch."""


class OidcIdentityProvider:
    """``IdentityProvider`` for verified OIDC claims: ``credentials={"claims": <verified ID token claims>}``.

    Never give it unverified claims: :meth:`OidcClient.exchange` is the only source."""

    name = "oidc"

    def __init__(self, settings: OidcSettings):
        self.settings = settings

    def authenticate(self, *, session: Session, credentials: dict[str, Any]) -> User:
        mapped = map_claims(self.settings, credentials.get("claims") or {})
        user = session.scalar(select(User).where(User.external_subject == mapped.subject))
        if user is None and self.settings.match_username:
            candidate = session.scalar(select(User).where(User.username == mapped.username))
            if candidate is not None and candidate.external_subject is None:
                user = candidate
                user.external_subject = mapped.subject
                audit.append(session=session, actor="oidc", action="gebruiker_gekoppeld",
                             details={"gebruiker_id": user.id})
        if user is None:
            if not mapped.roles:
                raise LoginRefused(NO_ROLE)
            if not self.settings.provision:
                raise LoginRefused(UNKNOWN)
            if session.scalar(select(User.id).where(User.username == mapped.username)) is not None:
                raise LoginRefused(NAME_TAKEN.format(name=mapped.username))
            user = User(username=mapped.username, display_name=mapped.display_name, email=mapped.email,
                        unit=mapped.unit, active=True, created_at=now(), external_subject=mapped.subject)
            user.roles = [UserRole(role=r) for r in mapped.roles]
            session.add(user)
            session.flush()
            audit.append(session=session, actor="oidc", action="gebruiker_aangemaakt",
                         details={"gebruiker_id": user.id, "rollen": list(mapped.roles), "bron": "oidc"})
            return user
        if not user.active:
            raise LoginRefused(DISABLED)
        before = set(user.role_codes)
        after = set(mapped.roles)
        if before != after:
            released = _release_claimed(session, user, before - after)
            user.roles = [UserRole(role=r) for r in sorted(after)]
            audit.append(session=session, actor="oidc", action="gebruiker_gewijzigd",
                         details={"gebruiker_id": user.id, "rollen": sorted(after), "eerder": sorted(before),
                                  "vrijgegeven": released, "bron": "oidc"})
        user.display_name, user.email = mapped.display_name, mapped.email
        if mapped.unit is not None or self.settings.unit_claim or self.settings.unit_map:
            user.unit = mapped.unit
        if not after:
            _revoke_everything(session, user)
            session.flush()
            raise LoginRefused(NO_ROLE)
        session.flush()
        return user
