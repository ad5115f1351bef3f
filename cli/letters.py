from __future__ import annotations

import typer

from cli.common import POLL, database, require_current_schema

app = typer.Typer(help="Brieven: de briefverwerker (brieven na het vastleggen van een stap)", no_args_is_help=True)


@app.command("run")
def run(once: bool = typer.Option(False, "--once", help="Eén ronde en dan stoppen"),
        poll: float = typer.Option(None, **POLL, help="Seconden tussen rondes (standaard MELDPUNT_BRIEVEN_POLL_SECONDS)")) -> None:
    """Maak de brieven die afgeronde stappen hebben gevraagd (blijft draaien tenzij --once; op PostgreSQL gewekt
    door elke vastgelegde stap met een brief)."""
    from engine.letter_outbox.worker import run as run_worker
    from engine.logs import configure

    require_current_schema()  # before the first round: a database behind stops it here (exit code 1)
    configure()
    made = run_worker(bind=database().engine, once=once, poll_seconds=poll)
    typer.echo(f"{made} brief/brieven aangemaakt.")


@app.command("status")
def status() -> None:
    """Hoeveel brieven nog worden aangemaakt, en hoeveel niet lukten (zie de incidenten)."""
    from engine.letter_outbox.worker import backlog

    with database().session() as session:
        counts = backlog(session=session)
    typer.echo(f"{counts.get('wacht', 0)} brief/brieven wachten op aanmaken, "
               f"{counts.get('mislukt', 0)} mislukt (zie de incidenten).")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="brieven")
