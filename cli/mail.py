from __future__ import annotations

import typer

from cli.common import POLL, database, require_current_schema

app = typer.Typer(help="E-mailmeldingen (de uitgaande postbus)", no_args_is_help=True)


@app.command("run")
def run(once: bool = typer.Option(False, "--once", help="Eén ronde en dan stoppen"),
        poll: float = typer.Option(None, **POLL, help="Seconden tussen rondes (standaard MELDPUNT_MAIL_POLL_SECONDS)")) -> None:
    """Zoek naderende en verstreken termijnen en verstuur de wachtende e-mails (blijft draaien tenzij --once)."""
    from engine.logs import configure
    from engine.notifications.worker import run as run_worker

    require_current_schema()  # before the first round: a database behind stops it here (exit code 1)
    configure()
    sent = run_worker(database=database(), once=once, poll_seconds=poll)
    typer.echo(f"{sent} e-mail(s) verstuurd.")


@app.command("status")
def status() -> None:
    """Hoeveel e-mails wachten op verzending."""
    from engine.notifications.sender import backlog

    with database().session() as session:
        typer.echo(f"{backlog(session=session)} e-mail(s) wachten op verzending.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="mail")
