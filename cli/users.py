"""``meldpunt users``: add, list, disable users; issue an API token."""
from __future__ import annotations

from datetime import timedelta
from typing import List, Optional

import typer

users_app = typer.Typer(help="Gebruikers en API-tokens", no_args_is_help=True)


def _database():
    from engine.db import get_database

    return get_database()


def _fail(exc: Exception) -> None:
    from engine.errors import InvalidData

    if isinstance(exc, InvalidData):
        for e in exc.errors:
            typer.echo(f"Fout: {e.field}: {e.message}", err=True)
    else:
        typer.echo(f"Fout: {getattr(exc, 'detail', None) or exc}", err=True)
    raise typer.Exit(code=1)


@users_app.command("add")
def add(
    username: str = typer.Argument(..., help="Gebruikersnaam (zonder spaties)"),
    name: str = typer.Option(..., "--name", help="Volledige naam"),
    role: List[str] = typer.Option(..., "--role", help="Rol (herhaalbaar), bijv. --role meldpunt"),
    unit: Optional[str] = typer.Option(None, "--unit", help="Organisatieonderdeel (dienstonderdeel)"),
    manager: Optional[str] = typer.Option(None, "--manager", help="Gebruikersnaam van de leidinggevende"),
    email: Optional[str] = typer.Option(None, "--email"),
    password: Optional[str] = typer.Option(None, "--password", help="Wachtwoord (anders wordt erom gevraagd)"),
    no_password: bool = typer.Option(False, "--no-password", help="Zonder wachtwoord (alleen tokens of later OIDC)"),
) -> None:
    """Voeg een gebruiker toe."""
    from engine.errors import DomainError
    from engine.identity import service as identity

    if password is None and not no_password:
        password = typer.prompt("Wachtwoord", hide_input=True, confirmation_prompt="Herhaal het wachtwoord")
    try:
        with _database().session() as session:
            manager_id = identity.get_user(session=session, username=manager).id if manager else None
            user = identity.create_user(session=session, username=username, display_name=name, roles=list(role),
                                        unit=unit, manager_id=manager_id, password=password, email=email)
            typer.echo(f"Gebruiker {user.username} toegevoegd (id {user.id}, rollen: {', '.join(sorted(user.role_codes))}).")
    except DomainError as exc:
        _fail(exc)


@users_app.command("list")
def list_(all_: bool = typer.Option(True, "--all/--active", help="Ook geblokkeerde gebruikers tonen")) -> None:
    """Toon de gebruikers."""
    from engine.identity import service as identity

    with _database().session() as session:
        for u in identity.list_users(session=session, include_inactive=all_):
            state = "actief" if u.active else "geblokkeerd"
            typer.echo(f"{u.id:>5}  {u.username:<24} {u.display_name:<30} {u.unit or '-':<20} "
                       f"{','.join(sorted(u.role_codes)):<40} {state}")


@users_app.command("disable")
def disable(username: str = typer.Argument(...)) -> None:
    """Blokkeer een gebruiker; trekt ook alle tokens en sessies in, zet opgepakte taken terug in de pool en
    meldt dat aan de integriteitscoördinatoren."""
    from engine.errors import DomainError
    from engine.identity import service as identity
    from engine.staff import service as staff

    try:
        with _database().session() as session:
            user = identity.get_user(session=session, username=username)
            _, released = staff.disable_account(session=session, user_id=user.id, actor="cli")
            typer.echo(f"Gebruiker {username} geblokkeerd; {len(released)} opgepakte "
                       f"{'taak' if len(released) == 1 else 'taken'} terug in de pool.")
    except DomainError as exc:
        _fail(exc)


@users_app.command("password")
def password(username: str = typer.Argument(...)) -> None:
    """Stel een nieuw wachtwoord in (wordt gevraagd, niet als argument)."""
    from engine.errors import DomainError
    from engine.identity import service as identity

    secret = typer.prompt("Nieuw wachtwoord", hide_input=True, confirmation_prompt="Herhaal het nieuwe wachtwoord")
    try:
        with _database().session() as session:
            user = identity.get_user(session=session, username=username)
            identity.set_password(session=session, user_id=user.id, password=secret)
            typer.echo(f"Wachtwoord van {username} gewijzigd.")
    except DomainError as exc:
        _fail(exc)


@users_app.command("tweede-factor-herstellen")
def reset_second_factor(username: str = typer.Argument(...)) -> None:
    """Verwijder de tweestapsverificatie (en herstelcodes) van een gebruiker die telefoon en herstelcodes kwijt is;
    bij de volgende aanmelding stelt hij die opnieuw in. Lopende sessies en tokens worden ingetrokken."""
    from engine.errors import DomainError
    from engine.identity import second_factor
    from engine.identity import service as identity

    try:
        with _database().session() as session:
            user = identity.get_user(session=session, username=username)
            second_factor.reset_for(session=session, user_id=user.id, by=None, actor="cli")
            typer.echo(f"Tweestapsverificatie van {username} verwijderd; stel die bij de volgende aanmelding opnieuw in.")
    except DomainError as exc:
        _fail(exc)


@users_app.command("token")
def token(
    username: str = typer.Argument(...),
    name: str = typer.Option("cli", "--name", help="Naam van het token"),
    days: int = typer.Option(90, "--days", min=1, max=366, help="Geldigheid in dagen"),
) -> None:
    """Geef een API-token uit. Het token wordt één keer getoond."""
    from engine.errors import DomainError
    from engine.identity import service as identity

    try:
        with _database().session() as session:
            user = identity.get_user(session=session, username=username)
            plaintext, row = identity.issue_token(session=session, user=user, name=name, ttl=timedelta(days=days))
            expires = row.expires_at
    except DomainError as exc:
        _fail(exc)
        return
    typer.echo(f"Token voor {username} (geldig tot {expires:%Y-%m-%d %H:%M} UTC); bewaar het nu, het wordt niet opnieuw getoond:",
               err=True)
    typer.echo(plaintext)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
