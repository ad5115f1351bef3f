"""``meldpunt users`` and ``meldpunt keys``."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.main import app
from engine import crypto
from engine.identity import service as identity

pytestmark = pytest.mark.db
runner = CliRunner()


def test_users_add_list_token_disable(db, clock):
    r = runner.invoke(app, ["users", "add", "c.coordinator", "--name", "Cor Coördinator", "--role",
                            "integriteitscoordinator", "--role", "meldpunt", "--unit", "Douane",
                            "--password", "een-lang-wachtwoord"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["users", "add", "o.o", "--name", "Olga", "--role", "onderzoeker",
                            "--manager", "c.coordinator"], input="nog-een-lang-wachtwoord\nnog-een-lang-wachtwoord\n")
    assert r.exit_code == 0, r.output
    assert "nog-een-lang-wachtwoord" not in r.output
    r = runner.invoke(app, ["users", "add", "x", "--name", "X", "--role", "koning", "--no-password"])
    assert r.exit_code == 1 and "Onbekende rol" in r.output

    listing = runner.invoke(app, ["users", "list"]).output
    assert "c.coordinator" in listing and "integriteitscoordinator,meldpunt" in listing and "o.o" in listing

    r = runner.invoke(app, ["users", "token", "c.coordinator", "--name", "rapportage", "--days", "7"])
    assert r.exit_code == 0
    token = r.stdout.strip().splitlines()[-1]
    with db.session() as s:
        assert identity.resolve_token(session=s, token=token).username == "c.coordinator"
        assert identity.get_user(session=s, username="o.o").manager_id is not None

    assert runner.invoke(app, ["users", "disable", "c.coordinator"]).exit_code == 0
    with db.session() as s:
        assert not identity.get_user(session=s, username="c.coordinator").active
    assert runner.invoke(app, ["users", "disable", "niemand"]).exit_code == 1


def test_keys_generate_and_rotate(db):
    key = runner.invoke(app, ["keys", "generate"]).stdout.strip()
    assert len(crypto.KeyRing.from_string(key).keys) == 1
    r = runner.invoke(app, ["keys", "rotate"])
    assert r.exit_code == 0 and "Klaar" in r.output
