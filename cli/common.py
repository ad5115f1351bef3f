from __future__ import annotations

import typer

from engine.db import Database, get_database


def database() -> Database:
    return get_database()


def fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)
