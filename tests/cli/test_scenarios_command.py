"""``meldpunt scenarios``: the compliance tester's command (by path, exact name, tag; Dutch errors; exit codes).

Run as a subprocess, as a tester would; the database of the run follows MELDPUNT_TEST_DATABASE_URL."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.db


def meldpunt(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "cli.main", "scenarios", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)


def summary_rows(output: str) -> list[list[str]]:
    table = output.split("Samenvatting:", 1)[1]
    lines = [line for line in table.splitlines() if line.startswith("| ")][1:]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_one_file_by_path():
    run = meldpunt("features/anonieme_melding.feature")
    assert run.returncode == 0, run.stdout + run.stderr
    rows = summary_rows(run.stdout)
    count = sum(line.strip().startswith("Scenario:") for line in
                (REPO / "features/anonieme_melding.feature").read_text(encoding="utf-8").splitlines())
    assert count >= 3 and len(rows) == count, run.stdout
    assert {r[1] for r in rows} == {"features/anonieme_melding.feature"}, run.stdout
    assert all(r[2] == "geslaagd" for r in rows), run.stdout
    assert f"{count} geslaagd, 0 mislukt" in run.stdout


def test_one_scenario_by_exact_name_not_by_substring():
    name = "De anonieme melder ziet dat de ontvangst is bevestigd"
    run = meldpunt(name)
    assert run.returncode == 0, run.stdout + run.stderr
    assert summary_rows(run.stdout) == [[name, "features/anonieme_melding.feature", "geslaagd"]], run.stdout
    # a part of a name selects nothing: the tester is told, with the nearest names, and nothing runs
    part = meldpunt("De anonieme melder ziet")
    assert part.returncode == 2 and "Samenvatting" not in part.stdout
    assert "Er is geen scenario dat precies 'De anonieme melder ziet' heet" in part.stderr, part.stderr
    assert name in part.stderr


def test_by_tag_runs_exactly_the_tagged_scenarios():
    # a tag on 'Functionaliteit:' counts for every scenario of the file, a tag on 'Scenario:' for that one
    tagged = ["Een aangifte die blijft liggen, escaleert na één werkdag", "Een tijdige aangifte escaleert niet",
              "Een strafbaar feit leidt tot aangifte (art. 162 Sv)"]
    listed = meldpunt("--lijst", "@wet:Sv-art162")
    assert listed.returncode == 0, listed.stderr
    assert [line.split(": ", 1)[1] for line in listed.stdout.splitlines()] == tagged
    run = meldpunt("@wet:Sv-art162")
    assert run.returncode == 0, run.stdout + run.stderr
    assert sorted(r[0] for r in summary_rows(run.stdout)) == sorted(tagged)


def test_wrong_path_and_unknown_tag_give_a_dutch_message():
    run = meldpunt("features/anoniem_melding.feature")
    assert run.returncode == 2
    assert "Het bestand 'features/anoniem_melding.feature' bestaat niet. Bedoelt u: anonieme_melding.feature" \
        in run.stderr, run.stderr
    assert "Samenvatting" not in run.stdout
    tag = meldpunt("@bestaat-niet")
    assert tag.returncode == 2 and "Geen scenario heeft de tag '@bestaat-niet'" in tag.stderr, tag.stderr


FAILING = """# language: nl
Functionaliteit: Twee fouten van een tester

  Scenario: Een verkeerde termijn
    Gegeven de demo-organisatie
    En het is 2 november 2026
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Valse declaraties van reizen"
    En "meldpunt" de taak "melding_registreren" afrondt
    Dan is de termijn van de taak "ontvangst_bevestigen" 1 januari 2030

  Scenario: Een onbekende zin
    Gegeven de demo-organisatie
    En het wordt 2 november 2026
"""


def _run_copy(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    """``meldpunt scenarios features/fout.feature`` in a copy of features/ holding one new file (the project's own
    files stay untouched)."""
    copy = tmp_path / "features"
    shutil.copytree(REPO / "features", copy, ignore=shutil.ignore_patterns("*.feature", "__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (copy / "fout.feature").write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}"}
    return subprocess.run([sys.executable, "-m", "cli.main", "scenarios", "features/fout.feature"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=600)


def test_a_failing_scenario_exits_1_with_the_step_and_the_dutch_message(tmp_path):
    run = _run_copy(tmp_path, FAILING.split("\n  Scenario: Een onbekende zin", 1)[0])
    assert run.returncode == 1, run.stdout + run.stderr
    assert summary_rows(run.stdout) == [["Een verkeerde termijn", "features/fout.feature", "MISLUKT"]], run.stdout
    assert 'stap regel 9: Dan is de termijn van de taak "ontvangst_bevestigen" 1 januari 2030' in run.stdout
    assert "Verwacht: termijn 1 januari 2030\n  Gevonden: 9 november 2026" in run.stdout, run.stdout
    assert "0 geslaagd, 1 mislukt" in run.stdout


def test_an_unknown_sentence_exits_2_naming_file_line_sentence_and_nearest(tmp_path):
    """A sentence no step reads is the tester's mistake, not a finding about the process: exit code 2 (as a wrong
    path or tag), even when another scenario failed (1); the other scenarios still run."""
    run = _run_copy(tmp_path, FAILING)
    assert run.returncode == 2, run.stdout + run.stderr
    assert summary_rows(run.stdout) == [["Een verkeerde termijn", "features/fout.feature", "MISLUKT"],
                                        ["Een onbekende zin", "features/fout.feature", "ONBEKENDE ZIN"]], run.stdout
    assert "Verwacht: termijn 1 januari 2030\n  Gevonden: 9 november 2026" in run.stdout, run.stdout
    unknown = run.stdout.split("Scenario's met een onbekende zin", 1)[1].split("Mislukte scenario's", 1)[0]
    assert "Onbekende zin in features/fout.feature, regel 13:\n      En het wordt 2 november 2026" in unknown, unknown
    assert "    - Als het {datum} is" in unknown, unknown
    assert "0 geslaagd, 1 mislukt, 1 met een onbekende zin" in run.stdout, run.stdout
    assert "Uitgangscode 2" in run.stdout, run.stdout
