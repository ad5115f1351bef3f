from __future__ import annotations

import typer

from engine.db import Database, get_database


# Ids and years as arguments: a database INTEGER id; the years the reports cover (as on the pages)
ID = {"min": 1, "max": 2**31 - 1}
YEAR = {"min": 1990, "max": 2100}
POLL = {"min": 0.1, "max": 3600}  # seconds between a worker's rounds (0 or less would spin a core)


def database() -> Database:
    return get_database()


def require_current_schema(prefix: str = "Meldpunt start niet: ") -> None:
    """A long-running command (the server, a worker) starts only on a database at this product's schema: else the
    reason in Dutch (``meldpunt db upgrade`` first, or a newer version of Meldpunt migrated it) and exit code 1.
    One query of alembic_version; nothing is migrated. The database URL is not shown (it may carry a password)."""
    from engine.config import get_settings
    from engine.migrations.runner import schema_problem

    problem = schema_problem(get_settings().database_url)  # unreachable: the driver's error, worded by cli.errors
    if problem is not None:
        fail(f"{prefix}{problem}")


def fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)
