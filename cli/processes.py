from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from cli.common import ID, database, fail

app = typer.Typer(help="Procesbestanden controleren en uitrollen", no_args_is_help=True)


def process_set_template_issues(directory: Path) -> list[str]:
    """The letters of a process set (letters/, deployed with it; else the templates folder) rendered against a
    sample case generated from the set's form schemas, with the set's own catalogue (letters.json)."""
    from documents.catalog import CatalogueError, load_catalogue
    from documents.checks import check_templates
    from documents.sample import forms_of, sample_from_forms
    from engine.config import get_settings
    from engine.processes.validation import read_process_dir, set_templates

    if not directory.is_dir():
        return []
    files = read_process_dir(directory)
    try:
        catalogue = load_catalogue(files)
    except CatalogueError:
        return []  # reported by the process check, naming letters.json
    templates = set_templates(files) or get_settings().templates_dir
    return check_templates(templates, sample_from_forms(forms_of(files)), catalogue)


@app.command("check")
def check(path: Optional[Path] = typer.Argument(None, help="Map met procesbestanden (standaard: processes/)")) -> None:
    """Controleer de procesbestanden zonder ze uit te rollen."""
    from engine.processes import service

    from engine.config import get_settings

    issues = [str(i) for i in service.check(directory=path)]
    issues += process_set_template_issues(Path(path or get_settings().processes_dir))
    if issues:
        for issue in issues:
            typer.echo(issue, err=True)
        fail(f"{len(issues)} probleem/problemen gevonden.")
    typer.echo("Procesbestanden en briefsjablonen in orde.")


@app.command("deploy")
def deploy(path: Optional[Path] = typer.Argument(None), actor: str = "cli",
           zonder_repetitie: Optional[str] = typer.Option(
               None, "--zonder-repetitie", metavar="REDEN",
               help="Uitrollen zonder geslaagde repetitie; de reden komt in de audittrail")) -> None:
    """Rol de procesbestanden uit: een nieuwe versie als er iets veranderd is; zijn het de bestanden van een
    eerdere versie, dan wordt die versie weer actief voor nieuwe meldingen. Nieuwe bestanden vragen een geslaagde
    repetitie (meldpunt processes repeteren) of --zonder-repetitie met een reden."""
    from engine.errors import ProcessValidationError
    from engine.processes import service
    from engine.processes.rehearsal import RehearsalRequired

    try:
        with database().session() as session:
            outcome = service.deploy_files(session=session, directory=path, actor=actor, override=zonder_repetitie)
            typer.echo(outcome.message)
    except ProcessValidationError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        fail("Uitrollen geweigerd.")
    except RehearsalRequired as exc:
        fail(f"Uitrollen geweigerd. {exc.detail}")


@app.command("repeteren")
def rehearse(path: Path = typer.Argument(..., help="Map met de conceptversie van de procesbestanden"),
             keuze: Optional[List[str]] = typer.Argument(
                 None, metavar="[PAD of NAAM of @TAG]...",
                 help="Welke scenario's (zoals bij meldpunt scenarios); niets opgeven = alle scenario's"),
             actor: str = "cli") -> None:
    """Draai de compliancescenario's tegen een conceptversie en toon per scenario de uitkomst en de mislukte stap.
    Een geslaagde repetitie maakt uitrollen van precies deze bestanden mogelijk. Uitgangscode 1 bij een mislukt
    scenario."""
    from engine.processes import rehearsal
    from engine.processes.validation import read_process_dir

    if not path.is_dir():
        fail(f"Map '{path}' bestaat niet.")
    with database().session() as session:
        result = rehearsal.rehearse(session=session, files=read_process_dir(path), selection=list(keuze or []),
                                    actor=actor)
    for scenario in result.scenarios:
        typer.echo(scenario.line())
    typer.echo(result.summary)
    if not result.passed:
        raise typer.Exit(1)


@app.command("migreren")
def migrate(van: int = typer.Option(..., "--van", **ID, help="Procesversie waarop de lopende zaken nu staan"),
            naar: int = typer.Option(..., "--naar", **ID, help="Procesversie waarnaar ze moeten"),
            uitvoeren: bool = typer.Option(False, "--uitvoeren", help="Echt migreren (zonder: alleen een proefdraai)"),
            actor: str = "cli") -> None:
    """Lopende zaken naar een andere procesversie overzetten; standaard een proefdraai die niets verandert."""
    from engine.errors import DomainError
    from engine.processes import migration

    db = database()
    try:
        if uitvoeren:
            report = migration.migrate(scope=db.session, from_version=van, to_version=naar, actor=actor)
        else:
            with db.session() as session:
                report = migration.dry_run(session=session, from_version=van, to_version=naar)
    except DomainError as exc:
        fail(str(exc))
    for verdict in report.cases:
        typer.echo(verdict.line())
    if uitvoeren:
        typer.echo(f"{report.migrated} van {len(report.cases)} lopende zaken van versie {van} naar versie {naar} gemigreerd.")
    else:
        typer.echo(f"Proefdraai: {report.migratable} van {len(report.cases)} lopende zaken van versie {van} zijn "
                   f"migreerbaar naar versie {naar}. Er is niets veranderd; migreer met --uitvoeren.")
@app.command("list")
def list_versions() -> None:
    """Toon de uitgerolde versies: wanneer, door wie, kenmerk, lopende zaken en welke actief is."""
    from engine.processes import service

    with database().session() as session:
        versions = service.list_versions(session=session)
        if not versions:
            typer.echo("Nog geen versies uitgerold.")
            return
        active, running = service.active_version(session=session).id, service.running_cases(session=session)
        for v in reversed(versions):
            mark = "  (actief)" if v.id == active else ""
            typer.echo(f"Versie {v.id}  {v.deployed_at:%Y-%m-%d %H:%M}  {v.deployed_by}  {v.content_hash[:12]}  "
                       f"{len(v.files)} bestanden  {running.get(v.id, 0)} lopende zaken{mark}")


@app.command("activate")
def activate(version: int = typer.Argument(..., **ID, help="Het nummer van de versie"), actor: str = "cli") -> None:
    """Gebruik een eerder uitgerolde versie weer voor nieuwe meldingen (lopende zaken blijven op hun versie)."""
    from engine.errors import NotFound
    from engine.processes import service

    try:
        with database().session() as session:
            v = service.activate(session=session, version_id=version, actor=actor)
            typer.echo(f"Procesversie {v.id} ({v.content_hash[:12]}) is actief voor nieuwe meldingen.")
    except NotFound as exc:
        fail(str(exc))


@app.command("diff")
def diff(old: int = typer.Argument(..., **ID, help="De oudere versie"),
         new: int = typer.Argument(..., **ID, help="De nieuwere versie")) -> None:
    """Toon per element wat er tussen twee versies veranderd is."""
    from engine.errors import NotFound
    from engine.processes.diff import diff_versions

    try:
        with database().session() as session:
            changes = diff_versions(session=session, version_id=new, other_id=old)
    except NotFound as exc:
        fail(str(exc))
    if not changes:
        typer.echo("Geen verschillen.")
    for c in changes:
        ident = f" [{c.element_id}]" if c.element_id else ""
        typer.echo(f"{c.kind_label} {c.change}: {c.name} ({c.file}{ident})")
        for line in c.details:
            typer.echo(f"    {line}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="processes")
