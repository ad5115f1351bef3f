"""In production (``MELDPUNT_PRODUCTION=true``: the container image and ``deploy/run-processes.sh`` set it) no
command starts without ``MELDPUNT_BASE_URL`` naming where reporters and staff reach the product over https: letters
and e-mails send people there (the reporter portal is that address plus /mijn-melding), and the default
``http://127.0.0.1:8000`` would send a reporter to her own computer. A clear Dutch message, exit code 1, no
traceback; nothing started. Outside production (the demo, `make run`, development) the default stays."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.main import app
from engine.config import get_settings

runner = CliRunner()

# (MELDPUNT_BASE_URL or None for unset, words the message must carry)
BAD = [
    (None, "MELDPUNT_BASE_URL ontbreekt"),
    ("", "MELDPUNT_BASE_URL ontbreekt"),
    ("http://meldpunt.example.nl", "moet met https:// beginnen"),
    ("meldpunt.example.nl", "moet met https:// beginnen"),
    ("https://127.0.0.1:8000", "wijst naar deze machine zelf"),
    ("https://localhost", "wijst naar deze machine zelf"),
    ("https://[::1]:8443", "wijst naar deze machine zelf"),
    ("https://127.1.2.3", "wijst naar deze machine zelf"),
    ("https://0.0.0.0", "wijst naar deze machine zelf"),
    ("https://", "noemt geen servernaam"),
]
COMMANDS = [["timers", "run", "--once"], ["brieven", "run", "--once"], ["mail", "run", "--once"],
            ["api-processes"], ["db", "upgrade"], ["serve"]]  # serve last: it would start a server


@pytest.fixture
def environment(monkeypatch, tmp_path):
    def set_(production: str | None, base_url: str | None) -> None:
        monkeypatch.setenv("MELDPUNT_DATABASE_URL", f"sqlite:///{tmp_path / 'nooit.db'}")
        for name, value in (("MELDPUNT_PRODUCTION", production), ("MELDPUNT_BASE_URL", base_url)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield set_
    get_settings.cache_clear()  # read again after monkeypatch restores the environment


@pytest.mark.parametrize("base_url, words", BAD)
def test_production_refuses_to_start_without_an_https_base_url_reporters_can_reach(environment, tmp_path,
                                                                                   base_url, words):
    environment("true", base_url)
    for command in COMMANDS:
        result = runner.invoke(app, command)
        assert result.exit_code == 1, (command, result.output)
        assert words in result.output and "MELDPUNT_BASE_URL" in result.output, (command, result.output)
        assert isinstance(result.exception, SystemExit), (command, result.exception)  # no traceback
    assert not (tmp_path / "nooit.db").exists()  # nothing was started, not even the database touched


def test_production_starts_with_an_https_base_url_and_the_demo_keeps_its_loopback_default(environment):
    environment("true", "https://meldpunt.example.nl/")
    result = runner.invoke(app, ["api-processes"])
    assert result.exit_code == 0 and result.output.strip() == "1", result.output
    environment(None, None)  # not production: the demo's and development's http://127.0.0.1:8000
    result = runner.invoke(app, ["api-processes"])
    assert result.exit_code == 0 and result.output.strip() == "1", result.output
    assert get_settings().base_url == "http://127.0.0.1:8000"
