"""The ``meldpunt`` command line. One module per command group."""
from __future__ import annotations

import os

import typer

from cli.errors import DutchGroup  # noqa: E402

app = typer.Typer(help="Meldpunt: zaaksysteem integriteitsmeldingen", no_args_is_help=True, cls=DutchGroup)
db_app = typer.Typer(help="Database", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Breng de database naar het actuele schema (Alembic)."""
    from engine.config import get_settings
    from engine.migrations.runner import upgrade

    upgrade(get_settings().database_url)
    typer.echo("Database bijgewerkt.")


@db_app.command("check")
def db_check() -> None:
    """Controleer of de database het schema van deze versie heeft (zonder iets te wijzigen); anders de reden en
    exitcode 1. De server en de verwerkers controleren dit ook zelf bij het starten."""
    from cli.common import require_current_schema

    require_current_schema(prefix="")
    typer.echo("De database heeft het actuele schema.")


def default_workers(database_url: str, cpus: int | None = None) -> int:
    """One server process per core on PostgreSQL; one on SQLite (a single writer: more processes only wait for
    its lock)."""
    from engine.db import is_sqlite

    if is_sqlite(database_url):
        return 1
    if cpus is None:  # the cores this process may run on (a container's cpuset), else the machine's
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cpus)


def api_processes_setting(database_url: str, value: str | None, cpus: int | None = None) -> int:
    """``MELDPUNT_API_PROCESSES`` as the deployment scripts read it: a positive number chooses; unset, empty or 0
    is :func:`default_workers` (one per core on PostgreSQL, one on SQLite)."""
    value = (value or "").strip()
    if value and value != "0":
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 1024:
            raise ValueError("MELDPUNT_API_PROCESSES: een positief aantal (hoogstens 1024), of 0 voor de standaard")
        return int(value)
    return default_workers(database_url, cpus)


@app.command("api-processes")
def api_processes() -> None:
    """Druk af hoeveel API-processen de uitrol start: MELDPUNT_API_PROCESSES als dat een positief getal is, anders
    één per processorkern op PostgreSQL en één op SQLite (deploy/entrypoint.sh, deploy/run-processes.sh)."""
    from engine.config import get_settings

    try:
        typer.echo(api_processes_setting(get_settings().database_url, os.environ.get("MELDPUNT_API_PROCESSES")))
    except ValueError as exc:
        typer.echo(f"Ongeldige instelling: {exc}", err=True)
        raise typer.Exit(2)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          workers: int = typer.Option(0, help="Aantal serverprocessen; 0: één per processorkern op PostgreSQL, "
                                             "één op SQLite.")) -> None:
    """Start de API-server."""
    import uvicorn

    from cli.common import require_current_schema
    from engine.config import get_settings

    require_current_schema()  # a database not at this product's schema: refused before any process starts
    workers = workers or default_workers(get_settings().database_url)

    from engine.logs import uvicorn_options

    # No proxy headers in uvicorn: the app believes X-Forwarded-For only from MELDPUNT_TRUSTED_PROXIES.
    # engine.logs (JSON with MELDPUNT_LOG_JSON, else text) and never uvicorn's access log: it writes query
    # strings (a search names a reporter) and the client's address.
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers, proxy_headers=False,
                **uvicorn_options())


def _register_groups() -> None:
    # Command groups from their own modules (added as the features arrive).
    import importlib

    for module in ("cli.processes", "cli.timers", "cli.audit", "cli.users", "cli.keys", "cli.templates", "cli.demo", "cli.reports", "cli.steps", "cli.scenarios", "cli.retention", "cli.mail", "cli.letters"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        mod.register(app)


_register_groups()

if __name__ == "__main__":  # pragma: no cover
    app()
