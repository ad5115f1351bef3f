"""Typed settings from environment variables (prefix ``MELDPUNT_``)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MELDPUNT_", extra="ignore")

    database_url: str = Field(default="sqlite:///meldpunt.db", description="SQLAlchemy URL")
    processes_dir: Path = PROJECT_ROOT / "processes"
    templates_dir: Path = PROJECT_ROOT / "documents" / "templates"
    # Days equated to general holidays by royal decree (Algemene termijnenwet art. 3 lid 3),
    # as a JSON file {"2026": ["2026-05-15"], ...}; default: processes/gelijkgestelde_dagen.json
    equated_days_file: Path | None = None
    # Fernet/AES keys for confidential fields, comma-separated, newest first.
    encryption_keys: str = ""
    timer_poll_seconds: float = 5.0
    # Run the timer worker inside the server process (the demo does; production may run
    # `meldpunt timers run` separately, several at once on PostgreSQL).
    timers_in_server: bool = False
    # Request threads of one server process (synchronous endpoints). Unset: 4 on PostgreSQL (more
    # only add contention and memory on a small machine: each thread's malloc arena, each concurrent
    # letter's parsed template), the library's 40 on SQLite: there a request holds the database-wide
    # write lock from its first statement across FastAPI's thread hops, so a small pool can run out
    # of threads while they all wait for that lock.
    request_threads: int | None = Field(default=None, ge=1, le=200)
    # glibc malloc arenas per process (0: leave the C library's default of 8 per core).
    malloc_arena_max: int = Field(default=2, ge=0, le=64)


@lru_cache
def get_settings() -> Settings:
    return Settings()
