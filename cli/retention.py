"""``meldpunt retention``: the daily retention run (cron), and a read-only look at what is due."""
from __future__ import annotations

import typer

from cli.common import database

app = typer.Typer(help="Bewaartermijnen en vernietiging", no_args_is_help=True)


@app.command("run")
def run() -> None:
    """Voer goedgekeurde vernietigingslijsten uit, verwijder verlopen ontvangstcodes en stel een nieuwe
    conceptlijst op van de zaken waarvan de bewaartermijn is verstreken (dagelijks, bijvoorbeeld via cron)."""
    from engine.records import service

    result = service.run(database=database())
    typer.echo(f"{result.destroyed} zaak/zaken vernietigd; ontvangstcodes verwijderd bij {result.receipt_codes_purged} "
               "zaak/zaken.")
    if result.new_list_id is None:
        typer.echo("Geen zaken met een verstreken bewaartermijn; geen nieuwe vernietigingslijst.")
    else:
        typer.echo(f"Conceptvernietigingslijst {result.new_list_id} opgesteld met {result.listed} zaak/zaken; "
                   "de integriteitscoördinator stelt hem voor, een tweede bevoegde keurt hem goed.")


@app.command("due")
def due() -> None:
    """Toon de zaken waarvan de bewaartermijn is verstreken (zaaknummer, klasse, afgesloten, termijn tot en met)."""
    from engine.records import service

    with database().session() as session:
        rows = service.due_cases(session=session)
        for case, klass, closed_on, end in rows:
            typer.echo(f"{case.reference}\t{klass}\t{closed_on.isoformat()}\t{end.isoformat()}")
        if not rows:
            typer.echo("Geen zaken met een verstreken bewaartermijn.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="retention")
