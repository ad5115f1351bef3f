"""``meldpunt import cases`` and ``meldpunt report ...`` (management information, issue 9)."""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Optional

import typer

from cli.common import YEAR

import_app = typer.Typer(help="Historische gegevens importeren", no_args_is_help=True)
report_app = typer.Typer(help="Managementinformatie: jaarbijlage, Woo-overzicht, vertrouwenspersonen, "
                              "dashboard, maandoverzichten, dienstonderdelen", no_args_is_help=True)


def _database():
    from engine.db import get_database

    return get_database()


def _fail(exc: Exception) -> None:
    from engine.errors import InvalidData

    if isinstance(exc, InvalidData):
        typer.echo(f"Fout: {len(exc.errors)} fout(en) gevonden; er is niets geladen.", err=True)
        for e in exc.errors:
            typer.echo(f"  {e.field}: {e.message}", err=True)
    else:
        typer.echo(f"Fout: {getattr(exc, 'detail', None) or exc}", err=True)
    raise typer.Exit(code=1)


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        typer.echo(f"Fout: {name} '{text}' is geen datum (JJJJ-MM-DD).", err=True)
        raise typer.Exit(code=2)


def _emit(content: str | bytes, output: Optional[Path]) -> None:
    if output is not None:
        output.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        typer.echo(f"Geschreven: {output}", err=True)
    elif isinstance(content, bytes):
        typer.echo("Fout: Word-uitvoer vraagt om --output BESTAND.docx", err=True)
        raise typer.Exit(code=2)
    else:
        sys.stdout.write(content)
        if not content.endswith("\n"):
            sys.stdout.write("\n")


@import_app.command("cases")
def import_cases(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV-bestand (UTF-8)"),
                 actor: str = typer.Option("cli", "--door", help="Wie importeert (voor de audit)")) -> None:
    """Importeer afgesloten zaken uit een CSV-bestand: alles of niets."""
    from engine.errors import DomainError
    from engine.reports import importer

    content = file.read_bytes()

    def progress(phase: str, n: int, total: int) -> None:
        typer.echo(f"{phase}: {n}{f' van {total}' if total else ''} rijen", err=True)

    try:
        with _database().session() as s:
            summary = importer.import_cases(session=s, content=content, filename=file.name, actor=actor,
                                            progress=progress)
    except DomainError as exc:
        _fail(exc)
    typer.echo(f"{summary.rows} zaken geïmporteerd (import {summary.import_id}).")
    if summary.units_created:
        typer.echo("Nieuwe dienstonderdelen aangemaakt: " + ", ".join(summary.units_created))
    else:
        typer.echo("Geen nieuwe dienstonderdelen.")


FORMATS = ("json", "csv", "docx")


@report_app.command("annex")
def annex_cmd(year: int = typer.Option(..., "--year", **YEAR, help="Jaar van afdoening"),
              fmt: str = typer.Option("json", "--format", help="json, csv of docx"),
              output: Optional[Path] = typer.Option(None, "--output", help="Bestand (verplicht bij docx)")) -> None:
    """Bijlage jaarverslag: één regel per afgedane zaak, met de totalen."""
    from engine.reports import annex

    if fmt not in FORMATS:
        typer.echo("Fout: --format moet json, csv of docx zijn.", err=True)
        raise typer.Exit(code=2)
    with _database().session() as s:
        result = annex.build(session=s, year=year)
    if fmt == "json":
        _emit(json.dumps(annex.public(result), ensure_ascii=False, indent=2), output)
    elif fmt == "csv":
        _emit(annex.to_csv(result), output)
    else:
        _emit(annex.to_docx(result), output)


@report_app.command("woo")
def woo_cmd(start: str = typer.Option(..., "--from", help="Eerste dag (JJJJ-MM-DD)"),
            end: str = typer.Option(..., "--to", help="Laatste dag (JJJJ-MM-DD)"),
            fmt: str = typer.Option("json", "--format", help="json, csv of docx"),
            output: Optional[Path] = typer.Option(None, "--output")) -> None:
    """Geanonimiseerd Woo-overzicht van de zaken afgedaan in een periode."""
    from engine.errors import DomainError
    from engine.reports import woo

    if fmt not in FORMATS:
        typer.echo("Fout: --format moet json, csv of docx zijn.", err=True)
        raise typer.Exit(code=2)
    try:
        with _database().session() as s:
            result = woo.build(session=s, start=_date(start, "--from"), end=_date(end, "--to"))
    except DomainError as exc:
        _fail(exc)
    if fmt == "json":
        _emit(json.dumps(woo.public(result), ensure_ascii=False, indent=2), output)
    elif fmt == "csv":
        _emit(woo.to_csv(result), output)
    else:
        _emit(woo.to_docx(result), output)


@report_app.command("vp")
def vp_cmd(year: int = typer.Option(..., "--year", **YEAR),
           fmt: str = typer.Option("text", "--format", help="text, json of docx"),
           output: Optional[Path] = typer.Option(None, "--output")) -> None:
    """Tabellen van de registraties van vertrouwenspersonen (drie jaren naast elkaar)."""
    from engine.reports import vp

    with _database().session() as s:
        result = vp.build(session=s, year=year)
    if fmt == "json":
        _emit(json.dumps(result, ensure_ascii=False, indent=2), output)
    elif fmt == "docx":
        _emit(vp.to_docx(result), output)
    else:
        _emit(vp.to_text(result), output)


@report_app.command("dashboard")
def dashboard_cmd(start: str = typer.Option(..., "--from"), end: str = typer.Option(..., "--to"),
                  unit: Optional[str] = typer.Option(None, "--unit", help="Dienstonderdeel")) -> None:
    """Termijnen en doorstroom (JSON)."""
    from engine.reports import dashboard

    with _database().session() as s:
        result = dashboard.build(session=s, start=_date(start, "--from"), end=_date(end, "--to"), unit=unit)
    _emit(json.dumps(result, ensure_ascii=False, indent=2), None)


@report_app.command("monthly")
def monthly_cmd(month: Optional[str] = typer.Option(None, "--month", help="JJJJ-MM (standaard: vorige maand)"),
                first_working_day: bool = typer.Option(
                    False, "--alleen-eerste-werkdag",
                    help="Alleen uitvoeren op de eerste werkdag van de maand (voor een dagelijkse timer)")) -> None:
    """Maak de maandoverzichten per directeur en sla ze op in het systeem."""
    from engine.clock import now
    from engine.errors import DomainError
    from engine.reports import monthly
    from engine.reports.service import local_date

    today = local_date(now())
    if first_working_day and not monthly.due_today(today):
        typer.echo(f"Vandaag ({today.isoformat()}) is niet de eerste werkdag van de maand; niets gedaan.")
        return
    month = month or monthly.previous_month(today)
    try:
        with _database().session() as s:
            made = monthly.generate(session=s, month=month)
    except DomainError as exc:
        _fail(exc)
    if not made:
        typer.echo("Geen directeuren ingesteld bij de dienstonderdelen; niets gemaakt.")
    for g in made:
        typer.echo(f"Maandoverzicht {g.month} voor {g.director}: {g.figures['meldingen']} meldingen, "
                   f"{g.figures['onderzoeken']} onderzoeken, {g.figures['afdoeningen']} afgedane zaken.")


@report_app.command("unit")
def unit_cmd(name: str = typer.Argument(..., help="Naam van het dienstonderdeel"),
             employees: Optional[int] = typer.Option(None, "--employees", min=0, max=10**8 - 1, help="Aantal medewerkers"),
             director: Optional[str] = typer.Option(None, "--director", help="Gebruikersnaam van de directeur")) -> None:
    """Leg een dienstonderdeel vast (aantal medewerkers, directeur)."""
    from sqlalchemy import select

    from engine.errors import DomainError
    from engine.identity.models import User
    from engine.reports.service import set_unit

    try:
        with _database().session() as s:
            director_id = None
            if director:
                director_id = s.scalar(select(User.id).where(User.username == director))
                if director_id is None:
                    typer.echo(f"Fout: gebruiker '{director}' bestaat niet.", err=True)
                    raise typer.Exit(code=1)
            unit = set_unit(session=s, name=name, employees=employees, director_id=director_id)
            typer.echo(f"Dienstonderdeel '{unit.name}': {unit.employees if unit.employees is not None else '?'} medewerkers.")
    except DomainError as exc:
        _fail(exc)


@report_app.command("units")
def units_cmd() -> None:
    """Toon de dienstonderdelen."""
    from engine.reports.service import list_units

    with _database().session() as s:
        for u in list_units(session=s):
            typer.echo(f"{u.name}\t{u.employees if u.employees is not None else '-'}\t{u.director_id or '-'}")


def register(root: typer.Typer) -> None:
    root.add_typer(import_app, name="import")
    root.add_typer(report_app, name="report")
