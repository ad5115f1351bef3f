"""Feedback to the reporter in general terms (DOMAIN §4) cannot be switched off by the manifest's ``leak_guard``.

The guard knew a measure only through the process owner's ``leak_guard``: the measure fields it names
(``maatregelvelden``), the synonym table (``maatregelen``) and the labels that are no measure (``geen_maatregel``).
An owner who dropped ``afdoeningen`` from the fields and the penalties from the table, or listed a penalty as 'no
measure', deployed a set whose letters and messages to the reporter could say "De betrokkene krijgt een
schriftelijke berisping": nothing refused it, at deployment or at the step. The engine's own measure fields (the
resolution ``afdoeningen``, the order measure ``ordemaatregel``) and the statutory penalties are now always
measures to the guard (every version, every step), and `processes check` names a penalty the table has no words
for or calls 'no measure'.
"""
from __future__ import annotations

import json

import pytest

from documents.context import check_reporter_text
from documents.errors import NotInGeneralTerms
from documents.leakguard import Vocabulary
from engine.processes import service
from tests.engine.test_legal_proof import copy, refusals  # noqa: F401  (copy: fixture)
from tests.process.driver import PROCESSES

CASE = [{"betrokkene_naam": "Anna Jansen", "afdoeningen": ["Schriftelijke berisping"]}]


def _shipped() -> tuple[dict, dict]:
    manifest = json.loads((PROCESSES / "manifest.json").read_text(encoding="utf-8"))
    forms = {f"forms/{p.name}": json.loads(p.read_text(encoding="utf-8")) for p in (PROCESSES / "forms").glob("*.json")}
    return manifest["leak_guard"], forms


def _hostile(config: dict) -> dict:
    """The measure fields without the resolution, the penalties out of the synonym table."""
    config = dict(config, maatregelvelden=["ordemaatregel"])
    config["maatregelen"] = {k: v for k, v in config["maatregelen"].items()
                             if k.startswith(("Schorsing", "Ontzegging"))}
    return config


@pytest.mark.parametrize("text", ["De betrokkene krijgt een schriftelijke berisping.",
                                  "Het besluit is een verplaatsing van de medewerker."])
def test_a_penalty_told_to_the_reporter_is_refused_whatever_the_leak_guard_says(text):
    config, forms = _shipped()
    with pytest.raises(NotInGeneralTerms):
        check_reporter_text(field="terugkoppeling_tekst", text=text, cases=CASE,
                            vocabulary=Vocabulary.build(_hostile(config), forms))


def test_a_penalty_listed_as_no_measure_is_still_a_measure():
    config, forms = _shipped()
    config = dict(config, geen_maatregel=[*config["geen_maatregel"], "Schriftelijke berisping"])
    with pytest.raises(NotInGeneralTerms):
        check_reporter_text(field="terugkoppeling_tekst", text="De betrokkene krijgt een schriftelijke berisping.",
                            cases=CASE, vocabulary=Vocabulary.build(config, forms))


def test_the_shipped_guard_still_allows_general_terms():
    config, forms = _shipped()
    check_reporter_text(field="terugkoppeling_tekst", cases=CASE, vocabulary=Vocabulary.build(config, forms),
                        text="Uw melding is onderzocht en de organisatie heeft passende maatregelen getroffen.")


def test_check_names_the_penalties_a_hostile_leak_guard_has_no_words_for(copy):
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["leak_guard"] = _hostile(manifest["leak_guard"])
    manifest["leak_guard"]["geen_maatregel"].append("Verplaatsing")
    (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    issues = refusals(copy)
    assert any("leak_guard.maatregelen" in i and "'Beëindiging dienstverband'" in i for i in issues), issues
    assert any("leak_guard.geen_maatregel" in i and "'Verplaatsing'" in i for i in issues), issues


def test_deploy_refuses_a_penalty_listed_as_no_measure(db, copy):
    from engine.errors import ProcessValidationError

    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["leak_guard"]["geen_maatregel"].append("Schriftelijke berisping")
    (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any("leak_guard.geen_maatregel" in i.message and "'Schriftelijke berisping'" in i.message
               for i in info.value.issues), info.value.issues
