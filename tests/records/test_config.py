"""The ``retention`` block of processes/manifest.json: checked by ``meldpunt processes check``, Dutch errors
naming the key (issue 20)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from engine.processes import service as processes
from engine.records.retention import DEFAULT_RULES, DEFAULTS, outcome_class, parse_retention

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def _with_retention(tmp_path: Path, retention) -> Path:
    target = shutil.copytree(PROCESSES, tmp_path / "processes")
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    manifest["retention"] = retention
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return target


def test_shipped_manifest_carries_the_documented_defaults():
    manifest = json.loads((PROCESSES / "manifest.json").read_text(encoding="utf-8"))
    shipped = parse_retention(manifest["retention"])
    assert shipped == DEFAULT_RULES
    docs = (PROCESSES.parent / "docs" / "RETENTION.md").read_text(encoding="utf-8")
    for name, rule in {**shipped.classes, **shipped.parts}.items():
        assert f"`{name}`" in docs and rule.term in docs and rule.source in docs


@pytest.mark.parametrize("change, message", [
    (lambda r: r["klassen"]["ongegrond"].update(termijn="10 jaar"), "'retention.klassen.ongegrond.termijn': Ongeldige duur"),
    (lambda r: r["klassen"]["maatregel"].pop("bron"), "'retention.klassen.maatregel.bron' ontbreekt"),
    (lambda r: r["klassen"].pop("gegrond_zonder_maatregel"), "'retention.klassen' mist de klasse(n) gegrond_zonder_maatregel"),
    (lambda r: r["klassen"].update(onbekend={"termijn": "P1Y", "bron": "x"}), "'retention.klassen.onbekend' is geen bekende"),
    (lambda r: r["klassen"]["ongegrond"].update(termijn="P20Y"), "'retention.klassen.ongegrond.termijn' is langer dan die van"),
    (lambda r: r["onderdelen"]["ontvangstcodes"].update(termijn="P2Y"), "'retention.onderdelen.ontvangstcodes.termijn' is langer"),
    (lambda r: r["onderdelen"]["bijlagen"].update(termijn="P1M"), "'retention.onderdelen.bijlagen.termijn' kan nu alleen 'zaak'"),
    (lambda r: r["klassen"]["maatregel"].update(termijn="PT10H"), "'retention.klassen.maatregel.termijn' moet een positieve duur"),
])
def test_check_names_the_wrong_key_in_dutch(tmp_path, change, message):
    retention = json.loads(json.dumps(DEFAULTS))
    change(retention)
    directory = _with_retention(tmp_path, retention)
    issues = [str(i) for i in processes.check(directory=directory)]
    assert any(message in i for i in issues), issues
    result = CliRunner().invoke(app, ["processes", "check", str(directory)])
    assert result.exit_code != 0 and message in result.output


def test_outcome_classes_follow_the_closing_form():
    assert outcome_class({"afdoeningen": ["Schriftelijke berisping"], "uitkomst": "aangetoond"}) == "maatregel"
    assert outcome_class({"afdoeningen": ["Ontslag op initiatief van de medewerker"]}) == "maatregel"
    assert outcome_class({"afdoeningen": ["Geen afdoening/actie"], "uitkomst": "deels_aangetoond"}) == \
        "gegrond_zonder_maatregel"
    assert outcome_class({"afdoeningen": ["Geen afdoening/actie"], "uitkomst": "niet_aangetoond"}) == "ongegrond"
    assert outcome_class({"route": "doorverwijzen"}) == "ongegrond"


def _with_privacy(tmp_path: Path, privacy) -> Path:
    target = shutil.copytree(PROCESSES, tmp_path / "processes")
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    manifest["privacy"] = privacy
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return target


@pytest.mark.parametrize("privacy, message", [
    ({"inzagetermijn": {"termijn": "een maand"}}, "'privacy.inzagetermijn.termijn': Ongeldige duur"),
    ({"inzagetermijn": {"termijn": "P1M", "bron": " "}}, "'privacy.inzagetermijn.bron' moet de bron"),
    ({"personen": {"collega": ["x"]}}, "'privacy.personen.collega' is geen bekende rol"),
    ({"personen": {"betrokkene": ["betrokkene_nam"]}}, "privacy.personen.betrokkene: het veld 'betrokkene_nam' staat "
                                                       "in geen enkel formulier"),
    ({"onbekend": 1}, "'privacy' kent de sleutel(s) onbekend niet"),
    # AVG art. 12 lid 3: one month, extendable by two: a manifest may shorten these terms, never lengthen them
    ({"inzagetermijn": {"termijn": "P6W", "verlenging": "P2M", "bron": "AVG art. 12 lid 3"}},
     "'privacy.inzagetermijn.termijn' is 'P6W', langer dan de wettelijke termijn 'P1M' (AVG art. 12 lid 3)"),
    ({"inzagetermijn": {"termijn": "P1M", "verlenging": "P3M", "bron": "AVG art. 12 lid 3"}},
     "'privacy.inzagetermijn.verlenging' is 'P3M', langer dan de wettelijke termijn 'P2M' (AVG art. 12 lid 3)"),
])
def test_check_validates_the_privacy_block(tmp_path, privacy, message):
    issues = [str(i) for i in processes.check(directory=_with_privacy(tmp_path, privacy))]
    assert any(message in i for i in issues), issues


def test_shipped_privacy_block_is_valid_and_one_month():
    from engine.records.subject_rights import parse_privacy

    manifest = json.loads((PROCESSES / "manifest.json").read_text(encoding="utf-8"))
    rules = parse_privacy(manifest["privacy"])
    assert (rules.term, rules.extension) == ("P1M", "P2M") and rules.persons["betrokkene"]
    assert processes.check(directory=PROCESSES) == []
