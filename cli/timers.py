from __future__ import annotations

import typer

from cli.common import POLL, database, require_current_schema

app = typer.Typer(help="Termijnen en timers", no_args_is_help=True)


@app.command("run")
def run(once: bool = typer.Option(False, "--once", help="Eén ronde en dan stoppen"),
        poll: float = typer.Option(5.0, **POLL, help="Seconden tussen rondes")) -> None:
    """Laat verlopen timers afgaan (blijft draaien tenzij --once)."""
    from engine.logs import configure
    from engine.timers.worker import run as run_worker

    require_current_schema()  # before the first round: a database behind stops it here (exit code 1)
    configure()  # JSON with MELDPUNT_LOG_JSON, else the same fields as text (engine.logs)

    fired = run_worker(database=database(), once=once, poll_seconds=poll)
    typer.echo(f"{fired} timer(s) afgehandeld.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="timers")
