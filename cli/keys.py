"""``meldpunt keys``: generate an encryption key; re-encrypt everything under the newest key."""
from __future__ import annotations

import typer

keys_app = typer.Typer(help="Versleutelingssleutels", no_args_is_help=True)


@keys_app.command("generate")
def generate() -> None:
    """Maak een nieuwe sleutel (256 bits, base64). Zet hem vooraan in MELDPUNT_ENCRYPTION_KEYS."""
    from engine.crypto import generate_key

    typer.echo(generate_key())


@keys_app.command("rotate")
def rotate(batch_size: int = typer.Option(500, min=1, help="Rijen per bijwerkronde")) -> None:
    """Versleutel alle vertrouwelijke velden opnieuw onder de nieuwste sleutel (de eerste in de lijst).

    Daarna kunnen de oudere sleutels uit MELDPUNT_ENCRYPTION_KEYS worden verwijderd.
    """
    from engine.crypto import CryptoError, rotate as do_rotate
    from engine.db import get_database

    try:
        with get_database().session() as session:
            counts = do_rotate(session=session, batch_size=batch_size)
    except CryptoError as exc:
        typer.echo(f"Fout: {exc}", err=True)
        raise typer.Exit(code=1)
    total = sum(counts.values())
    for column, n in counts.items():
        typer.echo(f"{column}: {n} opnieuw versleuteld")
    typer.echo(f"Klaar: {total} waarden onder de nieuwste sleutel.")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
