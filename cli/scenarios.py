"""``meldpunt scenarios``: the compliance tester's command to run Dutch scenarios (features/)."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("scenarios")
    def scenarios(
        keuze: Optional[List[str]] = typer.Argument(
            None, metavar="[PAD of NAAM of @TAG]...",
            help="Een .feature-bestand (pad), de precieze naam van een scenario, of een tag zoals @L7; "
                 "niets opgeven = alle scenario's."),
        pytest_uitvoer: bool = typer.Option(False, "--pytest-uitvoer", help="Toon ook de uitvoer van pytest zelf"),
        lijst: bool = typer.Option(False, "--lijst", help="Toon alleen welke scenario's gekozen zijn, draai niets"),
        rapport: Optional[Path] = typer.Option(
            None, "--rapport", metavar="MAP",
            help="Schrijf ook het bewijsrapport per wetsartikel (rapport.html, rapport.json en de brieven) in MAP"),
    ) -> None:
        """Draai compliancescenario's: één bestand, één scenario op precieze naam, een tag, of alles.

        Uitgangscode: 0 alles geslaagd, 1 een scenario mislukt, 2 verkeerde keuze of een onbekende zin in een
        scenario, 3 niet te draaien."""
        import os
        import sys

        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            from features import runner
        except ModuleNotFoundError as exc:
            if exc.name not in ("features", "features.runner"):
                raise
            typer.echo("De map features/ is niet gevonden; draai dit commando vanuit de projectmap.", err=True)
            raise typer.Exit(2)

        try:
            chosen = runner.select(list(keuze or []))
        except runner.SelectionError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2)
        if lijst:
            for s in chosen:
                typer.echo(f"{runner._rel(s.path)}:{s.line}: {s.name}")
            from features import evidence

            for warning in evidence.unknown_tag_warnings(chosen):
                typer.echo(warning)
            return
        raise typer.Exit(runner.run(chosen, pytest_output=pytest_uitvoer, report=rapport))
