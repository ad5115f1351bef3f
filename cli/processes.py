from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from cli.common import database, fail

app = typer.Typer(help="Procesbestanden controleren en uitrollen", no_args_is_help=True)


@app.command("check")
def check(path: Optional[Path] = typer.Argument(None, help="Map met procesbestanden (standaard: processes/)")) -> None:
    """Controleer de procesbestanden zonder ze uit te rollen."""
    from engine.processes import service

    from documents.checks import check_templates, load_sample_case
    from engine.config import get_settings

    issues = [str(i) for i in service.check(directory=path)]
    # The letters of the process set (letters/, deployed with it) must also render against a complete sample case.
    letters = Path(path or get_settings().processes_dir) / "letters"
    issues += check_templates(letters if letters.is_dir() else get_settings().templates_dir, load_sample_case(None))
    if issues:
        for issue in issues:
            typer.echo(issue, err=True)
        fail(f"{len(issues)} probleem/problemen gevonden.")
    typer.echo("Procesbestanden en briefsjablonen in orde.")


@app.command("deploy")
def deploy(path: Optional[Path] = typer.Argument(None), actor: str = "cli") -> None:
    """Rol de procesbestanden uit (een nieuwe versie alleen als er iets veranderd is)."""
    from engine.errors import ProcessValidationError
    from engine.processes import service

    try:
        with database().session() as session:
            version = service.deploy(session=session, directory=path, actor=actor)
            typer.echo(f"Procesversie {version.id} ({version.content_hash[:12]}) is actief.")
    except ProcessValidationError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        fail("Uitrollen geweigerd.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="processes")
