"""``meldpunt import cases`` and ``meldpunt report ...``."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from cli.main import app
from engine.reports import word

from .helpers import csv_bytes

runner = CliRunner()

ROWS = [
    ("Douane", "Financiële schendingen", "fraude", "Medewerker declareerde reizen die niet zijn gemaakt.",
     "Schriftelijke berisping; Vermindering IKB-uren", "feitenonderzoek_intern", "aangetoond", "2023-01-10",
     "2023-03-01", ""),
    ("Belastingdienst", "Ongewenste omgangsvormen", "", "Leidinggevende zou medewerkers hebben gekleineerd.",
     "Geen afdoening/actie", "", "", "", "2023-05-05", ""),
]


def test_import_and_annex_commands(db, clock, tmp_path):
    path = tmp_path / "historie.csv"
    path.write_bytes(csv_bytes(ROWS))
    r = runner.invoke(app, ["import", "cases", str(path)])
    assert r.exit_code == 0, r.output
    assert "2 zaken geïmporteerd" in r.output and "aangemaakt: Douane, Belastingdienst" in r.output
    r = runner.invoke(app, ["import", "cases", str(path)])
    assert r.exit_code == 1 and "al geïmporteerd" in r.output

    r = runner.invoke(app, ["report", "annex", "--year", "2023", "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["year"] == 2023 and len(data["rows"]) == 2
    assert data["totals"]["met_maatregel_per_dienstonderdeel"] == {"Douane": 1}
    assert data["totals"]["zonder_afdoening"] == 1 and data["totals"]["disciplinair_of_anders"] == 1
    out = tmp_path / "bijlage.docx"
    r = runner.invoke(app, ["report", "annex", "--year", "2023", "--format", "docx", "--output", str(out)])
    assert r.exit_code == 0, r.output
    assert word.read_tables(out.read_bytes())[0][1][0] == "Belastingdienst"
    r = runner.invoke(app, ["report", "annex", "--year", "2023", "--format", "csv"])
    assert r.stdout.splitlines()[0] == "Dienstonderdeel,Schending,Inhoud (vermoedelijke) schending,Afdoening"

    r = runner.invoke(app, ["report", "woo", "--from", "2023-01-01", "--to", "2023-12-31"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["totaal"] == 2
    r = runner.invoke(app, ["report", "vp", "--year", "2023"])
    assert r.exit_code == 0 and "Per categorie en subcategorie" in r.stdout


def test_import_bad_file_names_row(db, clock, tmp_path):
    path = tmp_path / "fout.csv"
    bad = [ROWS[0], ROWS[1][:4] + ("Berisping",) + ROWS[1][5:]]
    path.write_bytes(csv_bytes(bad))
    r = runner.invoke(app, ["import", "cases", str(path)])
    assert r.exit_code == 1
    assert "rij 3, kolom afdoening" in r.output and "niets geladen" in r.output


def test_monthly_command_only_on_first_working_day(db, clock):
    # the test clock is Monday 2 November 2026: the first working day of November
    r = runner.invoke(app, ["report", "monthly", "--alleen-eerste-werkdag"])
    assert r.exit_code == 0 and "Geen directeuren" in r.output
    clock.set(clock.now().replace(day=3))
    r = runner.invoke(app, ["report", "monthly", "--alleen-eerste-werkdag"])
    assert r.exit_code == 0 and "niet de eerste werkdag" in r.output
