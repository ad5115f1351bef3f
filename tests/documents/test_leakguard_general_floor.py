"""A general term cannot whitelist a penalty (DOMAIN §4: feedback to the reporter in general terms).

``leak_guard.algemene_termen`` lists the words that stay allowed in everything the reporter gets, even when they share
a stem with a measure word ("strafbaar" next to "straf"). Nothing kept a process owner from listing a penalty's own
word there: with "berisping" a general term, "De betrokkene krijgt een berisping" passed the guard in feedback to the
reporter. `processes check` and deploy now refuse a general term that is, or contains after the guard's own
normalisation and Dutch stemming, a measure word of a statutory penalty or of a measure of the floor's fields
(``afdoeningen``, ``ordemaatregel``), naming the term and the penalty; and a version stored before is read without
such a term (the floor's words are never general at run time).
"""
from __future__ import annotations

import json

import pytest

from documents.context import check_reporter_text
from documents.errors import NotInGeneralTerms
from documents.leakguard import Vocabulary
from engine.processes import service
from tests.documents.test_leakguard_floor import CASE, _shipped
from tests.engine.test_legal_proof import copy, refusals  # noqa: F401  (copy: fixture)


def _with_general(config: dict, *terms: str) -> dict:
    return dict(config, algemene_termen=[*config["algemene_termen"], *terms])


@pytest.mark.parametrize("terms, text", [
    (("berisping",), "De betrokkene krijgt een berisping."),
    (("berispingen",), "De betrokkene heeft berispingen gekregen."),
    (("schriftelijke", "berisping"), "De betrokkene krijgt een schriftelijke berisping."),
    (("ontslag",), "Er volgt ontslag."),
    (("boetes",), "Er zijn boetes opgelegd."),
    (("schorsing",), "Er is een schorsing."),
    (("verplaatsingsbesluit",), "Er is een verplaatsingsbesluit genomen."),
])
def test_a_stored_version_that_whitelists_a_penalty_word_still_refuses_it(terms, text):
    config, forms = _shipped()
    with pytest.raises(NotInGeneralTerms):
        check_reporter_text(field="terugkoppeling_tekst", text=text, cases=CASE,
                            vocabulary=Vocabulary.build(_with_general(config, *terms), forms))


def test_the_penalty_words_hold_without_the_synonym_table():
    """The statutory penalties' own words are the floor's, not the table's: an owner who gave 'Schriftelijke
    berisping' only a phrase still has "berisping" refused."""
    config, forms = _shipped()
    config = dict(config, maatregelen={**config["maatregelen"], "Schriftelijke berisping": ["schriftelijk berispt"],
                                       "Beëindiging dienstverband": ["dienstverband beëindigd"]})
    for text in ("De betrokkene krijgt een berisping.", "Er volgt ontslag."):
        with pytest.raises(NotInGeneralTerms):
            check_reporter_text(field="terugkoppeling_tekst", text=text, cases=CASE,
                                vocabulary=Vocabulary.build(config, forms))


def test_the_shipped_general_terms_stay_general():
    from documents.leakguard import floor_general_conflicts

    config, forms = _shipped()
    assert floor_general_conflicts(config, forms) == []
    check_reporter_text(field="terugkoppeling_tekst", cases=CASE, vocabulary=Vocabulary.build(config, forms),
                        text="De medewerker is niet strafbaar; de organisatie heeft passende maatregelen genomen.")


def test_check_names_the_general_term_and_the_penalty(copy):
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["leak_guard"] = _with_general(manifest["leak_guard"], "berisping", "ontslagen", "schorsingen")
    (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    issues = [i for i in refusals(copy) if "leak_guard.algemene_termen" in i]
    assert any("'berisping'" in i and "'Schriftelijke berisping'" in i and "CAO Rijk" in i for i in issues), issues
    assert any("'ontslagen'" in i and "'Beëindiging dienstverband'" in i for i in issues), issues
    assert any("'schorsingen'" in i and "ordemaatregel" in i for i in issues), issues
    assert len(issues) == 3, issues


def test_deploy_refuses_a_general_term_that_is_a_penalty(db, copy):
    from engine.errors import ProcessValidationError

    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["leak_guard"] = _with_general(manifest["leak_guard"], "Berisping")
    (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any("leak_guard.algemene_termen" in i.message and "'Berisping'" in i.message
               and "'Schriftelijke berisping'" in i.message for i in info.value.issues), info.value.issues
