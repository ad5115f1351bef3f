from __future__ import annotations

import typer

from engine.db import Database, get_database


# Ids and years as arguments: a database INTEGER id; the years the reports cover (as on the pages)
ID = {"min": 1, "max": 2**31 - 1}
YEAR = {"min": 1990, "max": 2100}
POLL = {"min": 0.1, "max": 3600}  # seconds between a worker's rounds (0 or less would spin a core)


def database() -> Database:
    return get_database()


def fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)
