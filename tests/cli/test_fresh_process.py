"""Documented CLI commands in a fresh process, the way a user runs them.

``meldpunt import cases historie.csv`` once crashed in a fresh process because the command path
imported only part of the models. CliRunner tests run inside the test session, where everything is
already imported, and could not see it; these run the installed console script in a new interpreter
against the test database (SQLite, or PostgreSQL in CI), emptied and migrated by the ``db`` fixture.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from engine.crypto import generate_key
from tests.reports.helpers import csv_bytes
from tests.reports.test_cli import ROWS

MELDPUNT = str(Path(sys.executable).with_name("meldpunt"))


def _run(db, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MELDPUNT_DATABASE_URL": db.url, "MELDPUNT_ENCRYPTION_KEYS": generate_key()}
    return subprocess.run([MELDPUNT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def test_import_cases_in_a_fresh_process_rebuilds_the_totals(db, tmp_path):
    (tmp_path / "historie.csv").write_bytes(csv_bytes(ROWS))

    imported = _run(db, "import", "cases", "historie.csv", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr[-3000:]
    assert "2 zaken geïmporteerd" in imported.stdout
    assert "Traceback" not in imported.stderr

    annex = _run(db, "report", "annex", "--year", "2023", "--format", "json", cwd=tmp_path)
    assert annex.returncode == 0, annex.stderr[-3000:]
    data = json.loads(annex.stdout)
    assert len(data["rows"]) == 2
    assert data["totals"]["met_maatregel_per_dienstonderdeel"] == {"Douane": 1}
    assert data["totals"]["zonder_afdoening"] == 1

    again = _run(db, "import", "cases", "historie.csv", cwd=tmp_path)
    assert again.returncode == 1 and "al geïmporteerd" in again.stdout + again.stderr
