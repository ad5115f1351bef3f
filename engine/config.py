"""Typed settings from environment variables (prefix ``MELDPUNT_``)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MELDPUNT_", extra="ignore")

    database_url: str = Field(default="sqlite:///meldpunt.db", description="SQLAlchemy URL")
    processes_dir: Path = PROJECT_ROOT / "processes"
    # The letter templates of the shipped process set (deployed and pinned with each process version); tools and
    # process versions that carry no letters of their own read them here.
    templates_dir: Path = PROJECT_ROOT / "processes" / "letters"
    # Days equated to general holidays by royal decree (Algemene termijnenwet art. 3 lid 3),
    # as a JSON file {"2026": ["2026-05-15"], ...}; default: processes/gelijkgestelde_dagen.json
    equated_days_file: Path | None = None
    # Fernet/AES keys for confidential fields, comma-separated, newest first.
    encryption_keys: str = ""
    # HMAC keys of the audit chain and its checkpoints, comma-separated, newest first (engine.audit.keys).
    audit_keys: str = ""
    # Signed checkpoints of every audit chain head (engine.audit.checkpoint): an append-only file
    # outside the database, one JSON line per checkpoint. Unset: no checkpoints.
    audit_checkpoint_file: Path | None = None
    # The timer worker (also in the server) writes a checkpoint this often (seconds; 0: never).
    audit_checkpoint_seconds: float = Field(default=3600.0, ge=0)
    # A checkpoint covers read events at least this old (seconds), so that a read whose transaction
    # commits after the checkpoint was taken is never counted as deleted.
    audit_checkpoint_settle_seconds: float = Field(default=300.0, ge=0)
    timer_poll_seconds: float = 5.0
    # A timer whose firing fails (e.g. a script over its bounds) is retried after this many
    # seconds, doubling per failure in a row up to the maximum; the other timers keep firing.
    timer_retry_seconds: float = Field(default=60.0, gt=0)
    timer_retry_max_seconds: float = Field(default=6 * 3600.0, gt=0)
    # Run the timer worker inside the server process (the demo does; production may run
    # `meldpunt timers run` separately, several at once on PostgreSQL).
    timers_in_server: bool = False
    # Structured logs: one JSON object per line on stderr (engine.logs) for `meldpunt serve` and
    # `meldpunt timers run`. deploy/run-processes.sh and the container image switch it on.
    log_json: bool = False
    # Request threads of one server process (synchronous endpoints and pages). 4: more only add
    # contention and memory on a small machine (each thread's malloc arena, each concurrent letter's
    # parsed template). A request's transaction runs inside one thread from BEGIN to COMMIT (api.deps),
    # so a thread never waits for another thread while holding a lock, on PostgreSQL or SQLite.
    # The database connection pool is derived from this number (see db_pool_size): a request never
    # waits for a connection held by a request that waits for a thread.
    request_threads: int = Field(default=4, ge=1, le=200)
    # Connections beyond the request threads: the in-server timer worker and after-commit bookkeeping.
    db_pool_extra: int = Field(default=2, ge=0, le=50)
    # Overflow connections for callers with more threads than a server has (CLI, tests); a server's
    # requests never need them.
    db_pool_overflow: int = Field(default=10, ge=0, le=100)
    # Longest wait for a pooled connection (seconds); with the pool sized as above it is never reached.
    db_pool_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # Every wait has a bound (PostgreSQL, per connection; 0 switches a bound off):
    # - a row or table lock: a lost race answers 409 after this long instead of queueing (milliseconds);
    db_lock_timeout_ms: int = Field(default=5_000, ge=0)
    # - one statement (milliseconds): reports and imports included;
    db_statement_timeout_ms: int = Field(default=60_000, ge=0)
    # - a transaction left idle by its client (milliseconds): the server ends it and releases its locks.
    db_idle_in_transaction_timeout_ms: int = Field(default=60_000, ge=0)
    # How long a server process remembers a browser session with its user and roles (seconds, engine clock; 0:
    # never). A logout, revocation or role change takes effect at once in the same process and, on PostgreSQL, in
    # every other server process (LISTEN/NOTIFY); one written past the engine within this time
    # (engine.identity.session_cache).
    session_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    # SQLite: how long a transaction waits for the database-wide write lock (seconds) before 409.
    sqlite_busy_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # Bounds on each evaluation of a process script, condition, timer expression or DMN cell
    # (engine/processes/bounds.py). Going over one fails the step with a Dutch incident message.
    # CPU time of one evaluation, in milliseconds (scripts in processes/ take microseconds).
    script_cpu_ms: int = Field(default=1000, ge=10, le=60_000)
    # Wall-clock time of one evaluation, in milliseconds (also counts waiting for the CPU).
    script_wall_ms: int = Field(default=5000, ge=10, le=300_000)
    # Largest value one operation may build: characters of a string, elements of a list,
    # bits of an integer; also the largest new value a script may leave in the case data.
    script_max_size: int = Field(default=1_000_000, ge=1_000, le=100_000_000)
    # Growth of the process's resident memory during one evaluation, in MB (Linux; sampled
    # every 10 ms once the evaluation has run that long).
    script_memory_mb: int = Field(default=256, ge=16, le=16_384)
    # E-mail notifications (engine/notifications; docs/NOTIFICATIONS.md). No host: nothing is sent, the outbox
    # keeps the rows until a host is configured.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    # Upgrade the connection with STARTTLS before logging in (required when a user is set, unless switched off).
    smtp_starttls: bool = True
    # A CA bundle (PEM) to verify the SMTP server's certificate with; unset: the system's trusted CAs.
    smtp_ca_file: Path | None = None
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # The From address of every notification.
    mail_sender: str = "meldpunt@localhost"
    # The product's address as users reach it; a mail's only link points here (e.g. https://meldpunt.example.nl),
    # and a letter's reporter portal address is this plus REPORTER_PORTAL_PATH (reporter_portal_url). The default is
    # the demo's; in production it must be set (see `production`).
    base_url: str = "http://127.0.0.1:8000"
    # This installation serves real reporters and staff (MELDPUNT_PRODUCTION=true): the container image (Dockerfile,
    # so every role of compose.yaml) and deploy/run-processes.sh set it; who deploys otherwise sets it too. Then no
    # command starts unless MELDPUNT_BASE_URL is an https address that is not this machine's own (production_problem).
    # Not the database kind (the test suites, benchmarks and development run on PostgreSQL too) nor the cookie setting
    # (an API setting, on by default, that the workers writing letters and mails never read).
    production: bool = False
    # "Termijn nadert": a mail when an open task's deadline lies within this many working days (Atw working days).
    notify_deadline_working_days: int = Field(default=2, ge=0, le=30)
    # A mail the SMTP server did not take is retried after this many seconds, doubling per failure up to the max.
    mail_retry_seconds: float = Field(default=60.0, gt=0)
    mail_retry_max_seconds: float = Field(default=3600.0, gt=0)
    mail_poll_seconds: float = Field(default=10.0, gt=0)
    # Run the mail sender (`meldpunt mail run`) inside the server process when an SMTP host is set (the demo does;
    # on PostgreSQL several processes may send at once, on SQLite run one server process or one sender).
    mail_in_server: bool = False
    # Letters (issue 25; docs/LETTERS.md): a step checks its letter in its own transaction and writes an outbox row;
    # the .docx is rendered after commit, MELDPUNT_BRIEVEN:
    # - achtergrond (default, production): by the letter worker (`meldpunt brieven run`, or the thread in the server
    #   with MELDPUNT_BRIEVEN_IN_SERVER), woken by every commit that wrote a row in this process and otherwise every
    #   brieven_poll_seconds;
    # - na_commit: the process that committed the step renders its letters right after the commit, before the call
    #   returns (the CLI, in-process callers and the test suites: a letter is there when the step's call is done).
    brieven: Literal["na_commit", "achtergrond"] = "achtergrond"
    # Run the letter worker as a thread in the server process (the demo and `make run` do; deploy/run-processes.sh
    # and compose switch it off and run `meldpunt brieven run` processes instead).
    brieven_in_server: bool = True
    brieven_poll_seconds: float = Field(default=2.0, gt=0)
    # A letter whose rendering failed is tried again after this many seconds, doubling per failure, and given up
    # (state mislukt, an incident stays open for a retry after a fix) after this many attempts.
    brieven_retry_seconds: float = Field(default=30.0, gt=0)
    brieven_retry_max_seconds: float = Field(default=3600.0, gt=0)
    brieven_max_attempts: int = Field(default=5, ge=1, le=100)
    # Two-factor login (engine.identity.second_factor), MELDPUNT_TWEEDE_FACTOR:
    # - verplicht (default, production): who holds a role that may see a reporter's identity completes a password
    #   login only with a TOTP code (enrolling first if need be), and the reporter's identity is shown only to a
    #   session or token whose second factor was verified;
    # - uit (the demo and the test suites): nobody is required to; a user who enrolled is still asked the code.
    tweede_factor: Literal["verplicht", "uit"] = "verplicht"
    # Deploying new process files needs a passed rehearsal against the compliance scenarios, or a reason
    # (engine/processes/rehearsal.py): verplicht (default) | uit (the test suites, which deploy many test sets).
    repetitie: Literal["verplicht", "uit"] = "verplicht"
    # The longest a rehearsal may run before it is stopped and reported as not done (the scenarios' own process).
    repetitie_timeout_seconds: float = Field(default=900.0, gt=0, le=7200)
    # glibc malloc arenas per process (0: leave the C library's default of 8 per core).
    malloc_arena_max: int = Field(default=2, ge=0, le=64)
    # An internal note of a case may be edited by its author for this many minutes after writing it (engine clock).
    note_edit_minutes: int = Field(default=15, ge=0, le=24 * 60)


    @property
    def db_pool_size(self) -> int:
        """Connections per process: one per request thread, plus :attr:`db_pool_extra`."""
        return self.request_threads + self.db_pool_extra


class SettingsProblem(Exception):
    """The environment's settings do not allow this installation to start (a Dutch message for its administrator)."""


_LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def production_problem(settings: Settings) -> str | None:
    """Why ``settings`` may not run in production (Dutch), or None: in production MELDPUNT_BASE_URL must be set, use
    https and name a server other than this machine itself, for letters and e-mails send reporters and staff there."""
    import ipaddress
    from urllib.parse import urlsplit

    if not settings.production:
        return None
    why = ("brieven en e-mails verwijzen melders en medewerkers naar dat adres (het meldersportaal is dat adres plus "
           f"{REPORTER_PORTAL_PATH}). Zet het adres waarop zij Meldpunt bereiken, bijvoorbeeld "
           "MELDPUNT_BASE_URL=https://meldpunt.example.nl.")
    value = settings.base_url.strip() if "base_url" in settings.model_fields_set else ""
    if not value:
        return f"MELDPUNT_BASE_URL ontbreekt; in productie (MELDPUNT_PRODUCTION=true) is het verplicht: {why}"
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return f"MELDPUNT_BASE_URL is geen geldig adres: {why}"
    if parts.scheme.lower() != "https":
        return f"MELDPUNT_BASE_URL moet met https:// beginnen in productie: {why}"
    if not host:
        return f"MELDPUNT_BASE_URL noemt geen servernaam: {why}"
    try:
        address = ipaddress.ip_address(host)
        own = address.is_loopback or address.is_unspecified
    except ValueError:
        own = host in _LOOPBACK_NAMES or host.endswith(".localhost")
    if own:
        return (f"MELDPUNT_BASE_URL wijst naar deze machine zelf ({host}); een melder die de link volgt, komt op haar "
                f"eigen computer uit: {why}")
    return None


@lru_cache
def get_settings() -> Settings:
    settings = Settings()
    problem = production_problem(settings)
    if problem:
        raise SettingsProblem(problem)
    return settings


# The reporter's portal ("Mijn melding"), where a reporter signs in with the receipt code: the web routes
# (web/pages/reporter.py) are defined under this path, and letters name it (documents.context), so a letter can
# only point at the page that exists.
REPORTER_PORTAL_PATH = "/mijn-melding"


def reporter_portal_url(settings: Settings | None = None) -> str:
    """The reporter portal's address as reporters reach it: the installation's base URL plus the portal's route."""
    return (settings or get_settings()).base_url.rstrip("/") + REPORTER_PORTAL_PATH
