from __future__ import annotations

import os
from pathlib import Path

import typer

KEY_FILE = Path(".meldpunt-demo-key")


def _ensure_key() -> None:
    """The demo generates an encryption key on first run (kept next to the database)."""
    if os.environ.get("MELDPUNT_ENCRYPTION_KEYS"):
        return
    from engine.crypto import generate_key, set_keyring

    if not KEY_FILE.exists():
        KEY_FILE.write_text(generate_key() + "\n")
        KEY_FILE.chmod(0o600)
    os.environ["MELDPUNT_ENCRYPTION_KEYS"] = KEY_FILE.read_text().strip()
    set_keyring(None)


def demo(host: str = "127.0.0.1",
         port: int = typer.Option(8000, envvar="MELDPUNT_PORT", help="Poort (of MELDPUNT_PORT)"),
         serve: bool = typer.Option(True, help="Daarna de server starten")) -> None:
    """Database bijwerken, processen uitrollen, demo-organisatie klaarzetten en de server starten."""
    _ensure_key()
    os.environ.setdefault("MELDPUNT_COOKIE_SECURE", "false")  # plain http on the loopback
    # The demo users log in with the demo password only; MELDPUNT_TWEEDE_FACTOR=verplicht tries two-factor login.
    os.environ.setdefault("MELDPUNT_TWEEDE_FACTOR", "uit")
    from engine.config import get_settings
    from engine.db import get_database
    from engine.demo import DEMO_PASSWORD, seed
    from engine.migrations.runner import upgrade

    upgrade(get_settings().database_url)
    with get_database().session() as session:
        result = seed(session=session)
    typer.echo(f"Demo klaar: {result['users']} gebruikers (wachtwoord '{DEMO_PASSWORD}'), "
               f"{result['cases']} nieuwe voorbeeldzaken.")
    if get_settings().tweede_factor == "uit":
        typer.echo("Tweestapsverificatie staat uit in de demo (aanzetten: MELDPUNT_TWEEDE_FACTOR=verplicht).")
    if serve:
        os.environ.setdefault("MELDPUNT_TIMERS_IN_SERVER", "true")
        os.environ.setdefault("MELDPUNT_MAIL_IN_SERVER", "true")
        get_settings.cache_clear()
        settings = get_settings()
        if settings.mail_in_server and settings.smtp_host:
            from engine.demo import DEMO_MAIL_DOMAIN, give_demo_addresses

            with get_database().session() as session:
                give_demo_addresses(session=session)
            typer.echo(f"E-mailmeldingen gaan via {settings.smtp_host}:{settings.smtp_port}; de verzender draait in "
                       f"de server. Demogebruikers zonder adres krijgen gebruikersnaam@{DEMO_MAIL_DOMAIN}.")
        else:
            typer.echo("E-mailmeldingen: geen MELDPUNT_SMTP_HOST ingesteld, e-mails wachten in de postbus "
                       "(zie docs/NOTIFICATIONS.md).")
        import uvicorn

        from engine.logs import uvicorn_options

        typer.echo(f"Meldpunt draait op http://{host}:{port}/ (API-documentatie: /api/v1/docs)")
        uvicorn.run("api.app:create_app", factory=True, host=host, port=port, proxy_headers=False,
                    **uvicorn_options())


def register(root: typer.Typer) -> None:
    root.command("demo")(demo)
