"""The auditor's evidence: every scenario names the law article(s) it proves, every article the manifest's legal rules
cite has a scenario, and ``meldpunt scenarios --rapport`` shows per article its scenarios, their process steps and
their letters."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from features import evidence, runner

REPO = Path(__file__).resolve().parent.parent


def test_every_scenario_names_a_known_law_article():
    every = runner.load()
    untagged = [f"{runner._rel(s.path)}: {s.name}" for s in every if not any(evidence.is_law_tag(t) for t in s.tags)]
    assert not untagged, "scenario's zonder wetsartikel-tag (zoals @wet:Wbk-art2a): " + "; ".join(untagged)
    unknown = sorted({t for s in every for t in s.tags if evidence.is_law_tag(t)} - set(evidence.ARTICLES))
    assert not unknown, f"onbekende wetsartikel-tags (voeg ze toe aan features/evidence.py ARTICLES): {unknown}"


def test_every_article_of_the_manifest_is_recognised_and_has_a_scenario():
    cited, unmatched = evidence.manifest_articles()
    assert not unmatched, f"bronnen in het manifest zonder artikelcode: {unmatched}"
    assert {"wet:Wbk-art2a", "richtlijn:2019-1937-art9", "wet:Sv-art162", "cao:h15", "avg:art15"} <= set(cited)
    tags = {t for s in runner.load() for t in s.tags}
    assert not set(cited) - tags, f"artikelen zonder scenario: {sorted(set(cited) - tags)}"


def test_report_row_of_an_article_shows_its_scenarios_steps_and_letters(tmp_path):
    article = "wet:Sv-art162"
    expected = sorted((runner._rel(s.path), s.name) for s in runner.select([f"@{article}"]))
    assert len(expected) == 3, expected
    folder = tmp_path / "bewijs"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "cli.main", "scenarios", f"@{article}", "--rapport", str(folder)],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Bewijsrapport:" in run.stdout, run.stdout

    report = json.loads((folder / "rapport.json").read_text(encoding="utf-8"))
    row = next(a for a in report["artikelen"] if a["artikel"] == article)
    assert row["in_manifest"] and row["bronnen_in_manifest"] == ["art. 162 Wetboek van Strafvordering"]
    assert sorted((s["bestand"], s["scenario"]) for s in row["scenarios"]) == expected
    assert all(s["resultaat"] == "geslaagd" for s in row["scenarios"]) and row["bewezen"]

    proof = next(s for s in row["scenarios"] if s["scenario"] == "Een strafbaar feit leidt tot aangifte (art. 162 Sv)")
    assert {"id": "aangifte_doen", "naam": "Aangifte doen bij politie/OM (art. 162 Sv)", "afgerond": True} \
        in proof["elementen"]
    letters = [(b["sjabloon"], b["ontvanger"], b["stap"]) for b in proof["brieven"]]
    assert ("melding_politie_om", "politie_om", "aangifte_doen") in letters, letters
    for b in proof["brieven"]:
        with zipfile.ZipFile(folder / b["bestand"]) as docx:  # the evidence is the real letter
            assert "word/document.xml" in docx.namelist()

    late = next(s for s in row["scenarios"] if s["scenario"].startswith("Een aangifte die blijft liggen"))
    assert any(e["id"] == "escalatie_aangifte" and not e["afgerond"] for e in late["elementen"]), late["elementen"]

    # other articles were not run here: their scenarios are listed as not run, none are "without scenario"
    assert report["zonder_scenario"] == []
    other = next(a for a in report["artikelen"] if a["artikel"] == "avg:art15")
    assert other["scenarios"] and {s["resultaat"] for s in other["scenarios"]} == {"niet gedraaid"}

    page = (folder / "rapport.html").read_text(encoding="utf-8")
    assert f"id='{article}'" in page and "Artikelen zonder scenario" in page
    assert f"href='{proof['brieven'][-1]['bestand']}'" in page


UNKNOWN_ARTICLE = """# language: nl
@wet:Woo-art4.4
Functionaliteit: Een wetsartikel dat het bewijsrapport niet kent

  Scenario: Het Woo-besluit binnen vier weken
    Dan eindigt de termijn van 4 weken vanaf 2 november 2026 op 30 november 2026
"""


def test_an_unknown_law_tag_is_told_to_the_tester_in_dutch(tmp_path):
    """The tester's own command says that a law tag is not a known article (file, line, nearest known tags, where
    the list is), instead of running it silently into the report as an article titled by its tag."""
    copy = tmp_path / "features"
    import shutil

    shutil.copytree(REPO / "features", copy, ignore=shutil.ignore_patterns("*.feature", "__pycache__", "test_framework.py",
                                                                               "test_evidence.py"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")  # the markers
    (copy / "woo.feature").write_text(UNKNOWN_ARTICLE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "cli.main", "scenarios", "woo.feature"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "Let op: de tag '@wet:Woo-art4.4' (features/woo.feature, regel 2) is geen bekend wetsartikel" in out, out
    assert "Bedoelt u: @wet:" in out, out
    assert "features/README.md" in out and "features/evidence.py (ARTICLES)" in out, out


def test_the_report_lists_unknown_law_tags():
    refs = [runner.ScenarioRef(path=REPO / "features" / "woo.feature", name="Woo", line=5,
                               tags=frozenset({"wet:Woo-art4.4"}))]
    report = evidence.build([], refs, set())
    assert report["onbekende_wetsartikelen"] == [
        {"tag": "@wet:Woo-art4.4", "bestand": "features/woo.feature", "scenario": "Woo"}], report
    row = next(a for a in report["artikelen"] if a["artikel"] == "wet:Woo-art4.4")
    assert row["titel"].startswith("Onbekend wetsartikel"), row
    assert "Onbekende wetsartikelen" in evidence.to_html(report)
