from __future__ import annotations

from pathlib import Path

import typer

from cli.common import database, fail

app = typer.Typer(help="Audittrail", no_args_is_help=True)
MAX_SHOWN = 50  # problems printed; the rest is counted

CHECKPOINT_OPTION = typer.Option(None, "--bestand", dir_okay=False,
                                  help="Checkpointbestand (standaard MELDPUNT_AUDIT_CHECKPOINT_FILE)")


def _checkpoint_file(given: Path | None) -> Path | None:
    from engine.config import Settings

    return given or Settings().audit_checkpoint_file


@app.command("verify")
def verify(bestand: Path | None = CHECKPOINT_OPTION) -> None:
    """Herbereken de audittrail (met de auditsleutel) en vergelijk met de laatste ondertekende checkpoint.

    Noemt per keten wat er mis is: gewijzigde, verwijderde of herberekende gebeurtenissen, een ingekorte of
    verwijderde keten, verwijderde leesgebeurtenissen, een lege audittabel. Afwijking: exitcode 1.
    """
    from engine.audit import checkpoint as checkpoints
    from engine.audit import service
    from engine.audit.keys import audit_keys

    path = _checkpoint_file(bestand)
    last, file_problems = checkpoints.load_last(path) if path else (None, [])
    with database().session() as session:
        result = service.verify(session=session, checkpoint=last)
    lines = [str(p) for p in result.problems] + file_problems
    if path is not None and last is None and not file_problems:
        note = "Let op: nog geen checkpoint in het checkpointbestand; schrijf er een met 'meldpunt audit checkpoint'."
    elif path is None:
        note = ("Let op: geen checkpointbestand ingesteld (MELDPUNT_AUDIT_CHECKPOINT_FILE): "
                "ingekorte of verwijderde ketens zijn zo niet te herkennen.")
    else:
        note = None
    if audit_keys().primary_id is None:
        lines_key = "Let op: geen auditsleutel ingesteld (MELDPUNT_AUDIT_KEYS): nieuwe gebeurtenissen worden niet ondertekend."
    else:
        lines_key = None
    if lines:
        shown = lines[:MAX_SHOWN]
        if len(lines) > MAX_SHOWN:
            shown.append(f"... en nog {len(lines) - MAX_SHOWN} afwijking(en).")
        fail(f"Audittrail NIET in orde ({result.events} gebeurtenissen, {len(lines)} afwijking(en)):\n"
             + "\n".join(f"- {line}" for line in shown))
    typer.echo(f"Audittrail in orde ({result.events} gebeurtenissen).")
    if last is not None:
        typer.echo(f"Vergeleken met {last.label} (regel {last.line}, {len(last.chains)} ketens).")
    for extra in (note, lines_key):
        if extra:
            typer.echo(extra)
    if result.unkeyed:
        typer.echo(f"{result.unkeyed} gebeurtenis(sen) zonder sleutel (van vóór de auditsleutel).")


@app.command("checkpoint")
def checkpoint(bestand: Path | None = CHECKPOINT_OPTION) -> None:
    """Schrijf een ondertekende checkpoint van elke auditketen naar het checkpointbestand (bijv. elk uur via cron)."""
    from engine.audit import checkpoint as checkpoints
    from engine.config import Settings

    path = _checkpoint_file(bestand)
    if path is None:
        fail("Geen checkpointbestand: zet MELDPUNT_AUDIT_CHECKPOINT_FILE of geef --bestand.")
    try:
        with database().session() as session:
            record = checkpoints.write(session=session, path=path,
                                       settle_seconds=Settings().audit_checkpoint_settle_seconds)
    except checkpoints.CheckpointError as exc:
        fail(str(exc))
    typer.echo(f"Checkpoint geschreven: {len(record['chains'])} ketens, {record['events']} gebeurtenissen, "
               f"{record['reads']} leesgebeurtenissen (sleutel {record['key']}).")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="audit")
