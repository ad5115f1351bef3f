from __future__ import annotations

import typer

from cli.common import database, fail

app = typer.Typer(help="Audittrail", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Herbereken de hashketen van de audittrail en meld de eerste breuk."""
    from engine.audit import service

    with database().session() as session:
        result = service.verify(session=session)
    if not result.ok:
        where = f"rij {result.first_broken_id}" if result.first_broken_id else "einde van een keten"
        fail(f"Audittrail verbroken bij {where}: {result.reason}")
    typer.echo(f"Audittrail in orde ({result.events} gebeurtenissen).")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="audit")
