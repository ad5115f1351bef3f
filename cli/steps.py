"""``meldpunt steps``: the catalogue of Dutch step sentences for compliance scenarios (features/STAPPEN.md)."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("steps")
    def steps(schrijf: bool = typer.Option(False, "--schrijf", help="Werk features/STAPPEN.md bij")) -> None:
        """Toon alle stapzinnen voor .feature-bestanden (draai vanuit de projectmap)."""
        import os
        import sys

        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            from features import catalogue
        except ModuleNotFoundError:
            typer.echo("De map features/ is niet gevonden; draai dit commando vanuit de projectmap.", err=True)
            raise typer.Exit(1)
        if schrijf:
            catalogue.main()
        else:
            typer.echo(catalogue.render())
