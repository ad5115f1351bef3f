"""A database that is not migrated yet or not reachable, as an administrator meets it: the installed console script
in a fresh process prints a Dutch message saying what to do, exit code 1, no traceback, and never the password in
MELDPUNT_DATABASE_URL. These used to end in a long English traceback (``OperationalError: no such table: users``,
``psycopg.OperationalError: connection failed``)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from engine.crypto import generate_key
from engine.migrations.runner import upgrade

MELDPUNT = str(Path(sys.executable).with_name("meldpunt"))
SCHEMA = "De database heeft nog niet het actuele schema. Voer eerst 'meldpunt db upgrade' uit."
ENGLISH = ("Traceback", "OperationalError", "ProgrammingError", "Error")


def _run(url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MELDPUNT_DATABASE_URL": url, "MELDPUNT_ENCRYPTION_KEYS": generate_key()}
    return subprocess.run([MELDPUNT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def test_a_command_on_an_unmigrated_database_asks_for_db_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'nieuw.db'}"

    r = _run(url, "users", "list", cwd=tmp_path)

    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr[-3000:])
    assert SCHEMA in r.stderr
    assert not any(word in r.stdout + r.stderr for word in ENGLISH), r.stderr[-3000:]


def test_db_upgrade_on_a_fresh_database_then_the_command_works(tmp_path):
    url = f"sqlite:///{tmp_path / 'nieuw.db'}"

    upgraded = _run(url, "db", "upgrade", cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr[-3000:]
    assert "Database bijgewerkt." in upgraded.stdout

    listed = _run(url, "users", "list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr[-3000:]
    assert "Traceback" not in listed.stderr


def test_a_database_behind_the_product_asks_for_db_upgrade(tmp_path):
    """After an upgrade of the product, before ``meldpunt db upgrade``: the schema is one migration behind."""
    url = f"sqlite:///{tmp_path / 'oud.db'}"
    upgrade(url, "0040_saved_view_notices")
    engine = create_engine(url)
    with engine.begin() as conn:  # what a later migration would add, missing here
        conn.execute(text("DROP TABLE users"))
    engine.dispose()

    r = _run(url, "users", "list", cwd=tmp_path)

    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr[-3000:])
    assert SCHEMA in r.stderr
    assert not any(word in r.stdout + r.stderr for word in ENGLISH), r.stderr[-3000:]


def test_a_missing_table_in_a_database_at_the_current_schema_is_not_hidden(tmp_path):
    """A table missing from a database at head is a bug, not the administrator's: shown as it is."""
    url = f"sqlite:///{tmp_path / 'actueel.db'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE users"))
    engine.dispose()

    r = _run(url, "users", "list", cwd=tmp_path)

    assert r.returncode == 1
    assert SCHEMA not in r.stderr and "no such table: users" in r.stderr


def test_an_unreachable_database_is_named_without_its_password(tmp_path):
    url = "postgresql+psycopg://postgres:geheim123@127.0.0.1:1/x"  # nothing listens on port 1

    for args in (("users", "list"), ("db", "upgrade")):
        r = _run(url, *args, cwd=tmp_path)

        output = r.stdout + r.stderr
        assert r.returncode == 1, (args, r.returncode, output[-3000:])
        assert "De database is niet bereikbaar (postgresql op 127.0.0.1:1/x, zonder wachtwoord)" in r.stderr, output
        assert "Controleer MELDPUNT_DATABASE_URL en of de databaseserver draait." in r.stderr
        assert "geheim123" not in output
        assert not any(word in output for word in ENGLISH), output[-3000:]


def test_a_database_file_that_cannot_be_opened_is_named(tmp_path):
    url = f"sqlite:///{tmp_path / 'bestaat-niet' / 'meldpunt.db'}"

    r = _run(url, "users", "list", cwd=tmp_path)

    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr[-3000:])
    assert "De database is niet bereikbaar (sqlite op " in r.stderr
    assert "het databasebestand kan niet worden geopend" in r.stderr
    assert "Traceback" not in r.stderr
