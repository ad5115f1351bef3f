"""Run Alembic programmatically (``meldpunt db upgrade`` and the test fixtures)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).resolve().parent


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    eng = create_engine(url, hide_parameters=True)  # an error names no bound value (personal data)
    try:
        with eng.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        eng.dispose()


# -- the schema check at start-up -------------------------------------------------------------------------------------
# The long-running processes (``meldpunt serve``, the timer, letter and mail workers, the API started by uvicorn
# itself) refuse to start on a database that is not at this product's head: fresh, behind after an upgrade of the
# product (run ``meldpunt db upgrade``), or ahead of it (a newer version of the product migrated it: this older
# process would misread it). Nothing is migrated here; one query of alembic_version.

SCHEMA_MESSAGE = "De database heeft nog niet het actuele schema. Voer eerst 'meldpunt db upgrade' uit."


def _script():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str:
    """This product's Alembic head (the chain is linear: one head)."""
    return _script().get_current_head()


def schema_problem(url: str) -> str | None:
    """Why the database at ``url`` cannot be used by this version of the product, in Dutch; None when it is at the
    head. A database that cannot be reached raises the driver's error (the CLI words that in Dutch)."""
    revision = current(url)
    script = _script()
    if revision in script.get_heads():
        return None
    if revision is not None:
        try:
            known = script.get_revision(revision) is not None
        except Exception:  # noqa: BLE001 - alembic: "Can't locate revision": one this code does not know
            known = False
        if not known:
            return (f"De database heeft een nieuwer schema (revisie {revision}) dan deze versie van Meldpunt kent "
                    f"(revisie {script.get_current_head()}). Start de versie van Meldpunt die de database heeft "
                    "bijgewerkt; een oudere versie start niet op een nieuwer schema.")
    return SCHEMA_MESSAGE


class SchemaNotCurrent(RuntimeError):
    """The database is not at this product's schema; the message says what to do (Dutch)."""
