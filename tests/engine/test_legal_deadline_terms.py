"""The terms of the legal deadlines: declared in the manifest, floored by the engine, held by check and deploy.

A process owner edits a copy of the shipped processes/: lengthens a term the organisation must keep (the
acknowledgement's 7 days, the feedback's 3 months, the 12 weeks, the aangifte setting), shortens a term a person
is given (bezwaar, kantonrechter, zienswijze, the witness's correction term), or loosens the term in the manifest
itself or drops the deadline. Each passed `processes check` and deploy before; each is refused now, naming file,
element and the rule.
"""
from __future__ import annotations

import json

import pytest

from engine.errors import ProcessValidationError
from engine.processes import service
from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)
from tests.process.driver import PROCESSES

WBK = "EU-richtlijn 2019/1937 art. 9; Wet bescherming klokkenluiders"


def _manifest(directory, change) -> None:
    path = directory / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _deadline(data: dict, milestone: str) -> dict:
    return next(d for d in data["legal_rules"]["deadlines"] if d["milestone"] == milestone)


def test_the_shipped_manifest_declares_every_statutory_term():
    from engine.processes.legal_rules import STATUTORY_TERMS, looser

    data = json.loads((PROCESSES / "manifest.json").read_text(encoding="utf-8"))
    for floor in STATUTORY_TERMS:
        declared = _deadline(data, floor.milestone)
        assert declared["bound"] == floor.bound, floor.milestone
        assert not looser(declared["term"], floor.term, floor.bound), floor.milestone
    assert _deadline(data, "aangifte")["term"] == data["settings"]["aangifte_termijn"] == "P1D"


def test_looser_answers_the_same_when_asked_again_and_refuses_what_is_no_term_in_dutch():
    """``looser`` is remembered per three texts (it is asked at every step): the second answer is the first, month
    arithmetic included, and what is not a term (a number, a list, a unit that does not exist) is still refused
    with the Dutch message every time, never remembered and never a TypeError."""
    from engine.processes.legal_rules import MAXIMUM, MINIMUM, looser

    cases = [("P8D", "P7D", MAXIMUM, True), ("P6D", "P7D", MAXIMUM, False), ("P1M", "P30D", MAXIMUM, True),
             ("P1M", "P31D", MAXIMUM, False), ("P4W", "P1M", MINIMUM, True), ("P1M", "P28D", MINIMUM, False)]
    for _ in range(2):
        assert [looser(a, b, bound) for a, b, bound, _ in cases] == [want for *_, want in cases]
    for bad in (7, ["P7D"], "P7X"):
        for _ in range(2):
            with pytest.raises(ValueError, match="Ongeldige duur"):
                looser(bad, "P7D", MAXIMUM)


@pytest.mark.parametrize("file, old, new, element, words", [
    ("integriteitsmelding.bpmn", 'legal_term("P7D", start=datum_melding)', 'legal_term("P70D", start=datum_melding)',
     "ontvangst_termijn", "de timer rekent met 'P70D', langer dan de verklaarde termijn 'P7D'"),
    ("melding.bpmn", 'terugkoppeling_uiterlijk = legal_date("P3M"', 'terugkoppeling_uiterlijk = legal_date("P4M"',
     "registratie_terugkoppelingstermijn", "de timer rekent met 'P4M', langer dan de verklaarde termijn 'P3M'"),
    ("melding.bpmn", 'gegrondheid_termijn = legal_date("P12W"', 'gegrondheid_termijn = legal_date("P13W"',
     "registratie_gegrondheidstermijn", "de timer rekent met 'P13W', langer dan de verklaarde termijn 'P12W'"),
    ("afdoening.bpmn", 'legal_date("P6W", start=besluit_datum if besluit_datum &gt;= today() else today())', 'legal_date("P0D", start=besluit_datum if besluit_datum &gt;= today() else today())',
     "bezwaar_termijn", "de timer rekent met 'P0D', korter dan de verklaarde termijn 'P6W'"),
    ("afdoening.bpmn", 'legal_date("P2M", start=besluit_datum if besluit_datum &gt;= today() else today())', 'legal_date("P1M", start=besluit_datum if besluit_datum &gt;= today() else today())',
     "aantastingstermijn", "de timer rekent met 'P1M', korter dan de verklaarde termijn 'P2M'"),
    ("afdoening.bpmn", 'legal_date("P14D", start=voornemen_datum)', 'legal_date("P2D", start=voornemen_datum)',
     "zienswijze_termijn_verstreken", "de timer rekent met 'P2D', korter dan de verklaarde termijn 'P14D'"),
    ("onderzoek.bpmn", 'getuige_correctie_termijn = legal_date("P14D"', 'getuige_correctie_termijn = legal_date("P0D"',
     "getuigenverslag_termijn", "de timer rekent met 'P0D', korter dan de verklaarde termijn 'P14D'"),
    # the subject heard is given the same term as a witness to check, correct and sign the minutes of the hearing
    ("onderzoek.bpmn", 'correctie_termijn = legal_date("P14D", start=verslag_aangeboden_op)',
     'correctie_termijn = legal_date("P3D", start=verslag_aangeboden_op)',
     "correctie_termijn_verstreken", "de timer rekent met 'P3D', korter dan de verklaarde termijn 'P14D'"),
], ids=["ontvangst-P70D", "terugkoppeling-P4M", "gegrondheid-P13W", "bezwaar-P0D", "kantonrechter-P1M",
        "zienswijze-P2D", "getuigenverslag-P0D", "hoorverslag-P3D"])
def test_a_timer_term_looser_than_declared_is_refused(copy, file, old, new, element, words):
    edit(copy / file, old, new)
    named(refusals(copy), file, element, words)


def test_a_setting_that_loosens_the_aangifte_term_is_refused(copy):
    _manifest(copy, lambda m: m["settings"].__setitem__("aangifte_termijn", "P1Y"))
    issue = named(refusals(copy), "beoordeling.bpmn", "aangifte_termijn_verstreken",
                  "de instelling 'aangifte_termijn' ('P1Y'), langer dan de verklaarde termijn 'P1D'")
    assert "art. 162 Wetboek van Strafvordering" in issue


@pytest.mark.parametrize("change, words", [
    (lambda m: _deadline(m, "ontvangstbevestiging").__setitem__("term", "P70D"),
     f"'term' 'P70D' is langer dan de wet toestaat: ten hoogste P7D ({WBK})"),
    (lambda m: (_deadline(m, "aangifte").__setitem__("term", "P1Y"), m["settings"].__setitem__("aangifte_termijn", "P1Y")),
     "'term' 'P1Y' is langer dan de wet toestaat: ten hoogste P1W (art. 162 Wetboek van Strafvordering (onverwijld))"),
    (lambda m: _deadline(m, "bezwaar").__setitem__("term", "P1D"),
     "'term' 'P1D' is korter dan de wet toestaat: ten minste P6W (Awb art. 6:7)"),
    (lambda m: _deadline(m, "kantonrechter").__setitem__("bound", "maximum"),
     "'bound' moet 'minimum' zijn; de wet geeft ten minste P2M (BW art. 7:686a lid 4)"),
    (lambda m: m["legal_rules"].__setitem__("deadlines", [d for d in m["legal_rules"]["deadlines"]
                                                          if d["milestone"] != "terugkoppeling"]),
     f"'deadlines' mist de wettelijke termijn voor mijlpaal 'terugkoppeling': ten hoogste P3M ({WBK})"),
    (lambda m: _deadline(m, "hoorverslag").__setitem__("term", "P7D"),
     "'term' 'P7D' is korter dan de wet toestaat: ten minste P14D (Protocol integriteitsonderzoek (hoor en "
     "wederhoor): verslag ter correctie en ondertekening)"),
], ids=["ontvangst-P70D", "aangifte-P1Y", "bezwaar-P1D", "kantonrechter-maximum", "terugkoppeling-weggelaten",
        "hoorverslag-P7D"])
def test_a_manifest_that_loosens_a_statutory_term_is_refused(copy, change, words):
    _manifest(copy, change)
    issues = refusals(copy)
    assert any(i.startswith("manifest.json [legal_rules]: ") and words in i for i in issues), issues


def test_a_deadline_without_a_term_is_refused(copy):
    _manifest(copy, lambda m: _deadline(m, "aangifte").pop("term"))
    issues = refusals(copy)
    assert any(i.startswith("manifest.json [legal_rules]: Wettelijke termijn 'aangifte ambtsmisdrijf onverwijld")
               and "noem de termijn ('term'" in i for i in issues), issues


def test_a_version_stored_without_terms_still_loads_and_is_held_to_the_floor():
    """A running case's version from before the terms were declared must load (no proof at load); the engine then
    holds its deadlines to the statutory floor."""
    from engine.processes.legal_rules import effective_term, parse_legal_rules

    data = json.loads((PROCESSES / "manifest.json").read_text(encoding="utf-8"))["legal_rules"]
    for deadline in data["deadlines"]:
        for key in ("term", "bound", "from", "after"):
            deadline.pop(key, None)
    rules = parse_legal_rules(data)
    aangifte = next(d for d in rules.deadlines if d.milestone == "aangifte")
    assert effective_term(aangifte, "aangifte") == ("P1W", "maximum", None, None)
    bezwaar = next(d for d in rules.deadlines if d.milestone == "bezwaar")
    assert effective_term(bezwaar, "bezwaar")[:2] == ("P6W", "minimum")


def test_deploy_refuses_a_loosened_term(db, copy):
    edit(copy / "integriteitsmelding.bpmn", 'legal_term("P7D", start=datum_melding)',
         'legal_term("P70D", start=datum_melding)')
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.file == "integriteitsmelding.bpmn" and i.element_id == "ontvangst_termijn" and "'P70D'" in i.message
               for i in info.value.issues), info.value.issues


def test_a_stricter_term_passes(copy):
    """The floor bounds one way: acknowledging sooner, or giving the subject more time, is fine."""
    edit(copy / "integriteitsmelding.bpmn", 'legal_term("P7D", start=datum_melding)',
         'legal_term("P5D", start=datum_melding)')
    edit(copy / "afdoening.bpmn", 'legal_date("P6W", start=besluit_datum if besluit_datum &gt;= today() else today())', 'legal_date("P8W", start=besluit_datum if besluit_datum &gt;= today() else today())')
    assert refusals(copy) == []
