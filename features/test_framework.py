"""The scenario framework itself: catalogue complete, new feature files run without Python, failures readable."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from features import catalogue

HERE = Path(__file__).parent
REPO = HERE.parent

NEW_FEATURE = """# language: nl
Functionaliteit: Een nieuw bestand van een tester

  Scenario: De melding komt bij het meldpunt binnen
    Gegeven de demo-organisatie
    En het is 2 november 2026
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Valse declaraties van reizen"
    Dan ziet "meldpunt" de taak "melding_registreren" in de werkvoorraad
    Maar ziet "onderzoeker1" de taak "melding_registreren" niet in de werkvoorraad
"""

WRONG_FEATURE = """# language: nl
Functionaliteit: Een verkeerde verwachting

  Scenario: De tester verwacht een verkeerde termijn
    Gegeven de demo-organisatie
    En het is 2 november 2026
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Valse declaraties van reizen"
    En "meldpunt" de taak "melding_registreren" afrondt
    Dan is de termijn van de taak "ontvangst_bevestigen" 1 januari 2030

  Scenario: De tester verwacht een taak die er niet is
    Gegeven de demo-organisatie
    En het is 2 november 2026
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Valse declaraties van reizen"
    Dan ziet "meldpunt" de taak "Sanctieadvies opstellen" in de werkvoorraad
"""


def test_catalogue_lists_every_step():
    text = (HERE / "STAPPEN.md").read_text(encoding="utf-8")
    missing = [f"{kw} {sentence}" for kw, sentence, _, _ in catalogue.steps() if f"## {kw} {sentence}\n" not in text]
    assert not missing, ("features/STAPPEN.md mist deze stappen (draai `python -m features.catalogue`): "
                         + "; ".join(missing))
    assert text == catalogue.render(), "features/STAPPEN.md is verouderd: draai `python -m features.catalogue`"
    assert all(example for _, _, example, _ in catalogue.steps()), "elke stap heeft een voorbeeld (docstring)"


def _copy_and_run(tmp_path: Path, files: dict[str, str]) -> subprocess.CompletedProcess:
    copy = tmp_path / "features"
    shutil.copytree(HERE, copy, ignore=shutil.ignore_patterns("*.feature", "__pycache__", "test_framework.py"))
    for name, text in files.items():
        (copy / name).write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           str(copy), "--rootdir", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_new_feature_file_runs_without_python(tmp_path):
    run = _copy_and_run(tmp_path, {"nieuw.feature": NEW_FEATURE})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout, run.stdout


def test_wrong_expectation_gives_readable_message(tmp_path):
    run = _copy_and_run(tmp_path, {"fout.feature": WRONG_FEATURE})
    assert run.returncode == 1, run.stdout + run.stderr
    assert "2 failed" in run.stdout, run.stdout
    assert "Verwacht: termijn 1 januari 2030" in run.stdout and "Gevonden: 9 november 2026" in run.stdout, run.stdout
    assert "Verwacht: 'meldpunt' ziet de taak 'Sanctieadvies opstellen'" in run.stdout, run.stdout
    assert "'Melding registreren' (melding_registreren, rol meldpunt)" in run.stdout, run.stdout
