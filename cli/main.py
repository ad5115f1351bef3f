"""The ``meldpunt`` command line. One module per command group."""
from __future__ import annotations

import os

import typer

app = typer.Typer(help="Meldpunt: zaaksysteem integriteitsmeldingen", no_args_is_help=True)
db_app = typer.Typer(help="Database", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Breng de database naar het actuele schema (Alembic)."""
    from engine.config import get_settings
    from engine.migrations.runner import upgrade

    upgrade(get_settings().database_url)
    typer.echo("Database bijgewerkt.")


def default_workers(database_url: str, cpus: int | None = None) -> int:
    """One server process per core on PostgreSQL; one on SQLite (a single writer: more processes only wait for
    its lock)."""
    from engine.db import is_sqlite

    return 1 if is_sqlite(database_url) else max(1, cpus if cpus is not None else (os.cpu_count() or 1))


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          workers: int = typer.Option(0, help="Aantal serverprocessen; 0: één per processorkern op PostgreSQL, "
                                             "één op SQLite.")) -> None:
    """Start de API-server."""
    import uvicorn

    from engine.config import get_settings

    workers = workers or default_workers(get_settings().database_url)

    # No proxy headers in uvicorn: the app believes X-Forwarded-For only from MELDPUNT_TRUSTED_PROXIES.
    # With MELDPUNT_LOG_JSON: JSON lines (engine.logs) and no uvicorn access log (it writes query strings).
    extra = {}
    if get_settings().log_json:
        from engine.logs import dict_config

        extra = {"log_config": dict_config(), "access_log": False}
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers, proxy_headers=False,
                **extra)


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
