"""``meldpunt templates ...`` and ``meldpunt letters ...``: check templates, export letters."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from cli.common import ID

templates_app = typer.Typer(help="Briefsjablonen", no_args_is_help=True)
letters_app = typer.Typer(help="Brieven in het zaakdossier", no_args_is_help=True)


def letter_references(directory: Path) -> list[tuple[str, str, str | None]]:
    """(template name, file, element id) for every ``letter`` task property in the BPMN files."""
    from defusedxml import ElementTree as ET

    found: list[tuple[str, str, str | None]] = []
    for path in sorted(directory.rglob("*.bpmn")):
        root = ET.parse(path).getroot()
        parents = {child: parent for parent in root.iter() for child in parent}
        for prop in root.iter():
            if not str(prop.tag).endswith("}property") or prop.get("name") != "letter":
                continue
            element = prop
            while element is not None and element.get("id") is None:
                element = parents.get(element)
            found.append((prop.get("value") or "", str(path.relative_to(directory)),
                          element.get("id") if element is not None else None))
    return found


def process_template_issues(directory: Path, templates_dir: Path | None = None) -> list[str]:
    from documents.checks import template_exists

    issues = []
    for name, file, element_id in letter_references(directory):
        if not template_exists(name, templates_dir):
            where = f"{file} [{element_id}]" if element_id else file
            issues.append(f"{where}: sjabloon '{name}' bestaat niet (verwacht: {name}.docx)")
    return issues


@templates_app.command("check")
def check(
    templates: Optional[Path] = typer.Option(None, "--templates", help="map met .docx-sjablonen"),
    processes: Optional[Path] = typer.Option(None, "--processes", help="map met procesbestanden (.bpmn)"),
    sample: Optional[Path] = typer.Option(None, "--sample", exists=True, dir_okay=False, help="voorbeeldzaak (JSON)"),
) -> None:
    """Render alle sjablonen met een volledige voorbeeldzaak en controleer de verwijzingen vanuit de processen."""
    from documents.catalog import CatalogueError, load_catalogue
    from documents.checks import check_templates, load_sample_case
    from documents.sample import forms_of, sample_from_forms
    from engine.config import get_settings
    from engine.processes.validation import read_process_dir

    settings = get_settings()
    templates_dir = templates or settings.templates_dir
    process_dir = processes or settings.processes_dir
    # The process set declares the catalogue (letters.json) and its forms give the sample data.
    files = read_process_dir(process_dir) if process_dir and Path(process_dir).is_dir() else {}
    issues: list[str] = []
    try:
        catalogue = load_catalogue(files)
    except CatalogueError as exc:
        catalogue, issues = None, list(exc.problems)
    issues += check_templates(templates_dir, sample_from_forms(forms_of(files), load_sample_case(sample)), catalogue)
    if process_dir and Path(process_dir).is_dir():
        issues += process_template_issues(Path(process_dir), templates_dir)
    elif processes is not None:
        issues.append(f"Procesmap '{processes}' bestaat niet")
    for issue in issues:
        typer.echo(issue, err=True)
    if issues:
        raise typer.Exit(code=1)
    typer.echo("Alle sjablonen in orde.")


@templates_app.command("list")
def list_templates() -> None:
    """Toon de bekende brieven en hun gebruikelijke ontvanger."""
    from documents.catalog import LETTERS
    from documents.checks import template_exists

    for spec in LETTERS.values():  # the shipped catalogue (processes/letters.json)
        mark = "" if template_exists(spec.name) else "  (ONTBREEKT)"
        typer.echo(f"{spec.name:36} {spec.recipient:14} {spec.title}{mark}")


def _export(letter_id: int, output: Optional[Path], pdf: bool) -> None:
    from documents.errors import LetterIntegrityError, LetterNotFound, PdfUnavailable
    from documents.service import get_letter, letter_content
    from engine.db import get_database

    try:
        with get_database().session() as session:
            letter = get_letter(session=session, letter_id=letter_id)
            content = letter_content(session=session, letter=letter)
            filename = letter.filename
        if pdf:
            from documents.pdf import docx_to_pdf

            content = docx_to_pdf(content)
            filename = filename.removesuffix(".docx") + ".pdf"
    except (LetterNotFound, LetterIntegrityError, PdfUnavailable) as exc:
        typer.echo(exc.detail, err=True)
        raise typer.Exit(code=1)
    target = output or Path(filename)
    target.write_bytes(content)
    typer.echo(f"Geschreven: {target}")


@templates_app.command("pdf")
def templates_pdf(letter_id: int = typer.Argument(..., **ID),
                  output: Optional[Path] = typer.Option(None, "--output", "-o")) -> None:
    """Zet een opgeslagen brief om naar PDF (vereist LibreOffice)."""
    _export(letter_id, output, pdf=True)


@letters_app.command("pdf")
def letters_pdf(letter_id: int = typer.Argument(..., **ID),
                output: Optional[Path] = typer.Option(None, "--output", "-o")) -> None:
    """Zet een opgeslagen brief om naar PDF (vereist LibreOffice)."""
    _export(letter_id, output, pdf=True)


@letters_app.command("export")
def letters_export(letter_id: int = typer.Argument(..., **ID),
                   output: Optional[Path] = typer.Option(None, "--output", "-o")) -> None:
    """Schrijf een opgeslagen brief (.docx) naar een bestand; de hash wordt eerst gecontroleerd."""
    _export(letter_id, output, pdf=False)


@letters_app.command("list")
def letters_list(case_id: int = typer.Argument(..., **ID)) -> None:
    """Toon de brieven van een zaak (alle versies)."""
    from documents.service import list_letters
    from engine.db import get_database

    with get_database().session() as session:
        for letter in list_letters(session=session, case_id=case_id):
            typer.echo(
                f"{letter.id:6} v{letter.version} {letter.template:36} {letter.recipient:14} "
                f"{letter.rendered_at:%Y-%m-%d %H:%M} {letter.sha256[:12]}"
            )


def register(app: typer.Typer) -> None:
    app.add_typer(templates_app, name="templates")
    app.add_typer(letters_app, name="letters")
