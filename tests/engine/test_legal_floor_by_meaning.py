"""The statutory floor of the legal terms holds the legal situation, not a milestone's name.

A process owner edits a copy of the shipped processes/ and renames a milestone (in the BPMN ``legal_milestone``
and the manifest alike): the zienswijze, the witness's review of the minutes, the bezwaar or kantonrechter route,
the aangifte, the reporter's 12 weeks. Before, the floor was keyed on the name, so the renamed term escaped it
(a subject given 2 days for the zienswijze, a witness 1 day). Now the floor follows what the engine knows the
milestone means (the hearing's zienswijze, ``minutes_review.review_milestone``, the remedy after a decision that
can impose a penalty, the task that records the aangifte), and check and deploy refuse the set.

Also refused: a term that starts later than the law lets it (the feedback counted from anything but the end of
the acknowledgement's term), a term given to the subject that starts before the step that opens it (the
zienswijze counted from the report's date), and an order measure (schorsing, toegangsverbod) decided by the
investigator.
"""
from __future__ import annotations

import pytest

from engine.errors import ProcessValidationError
from engine.processes import service
from tests.engine.test_legal_deadline_terms import WBK, _deadline, _manifest
from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)
from tests.engine.test_separation_of_decision import RULE as SEPARATION

CAO = "CAO Rijk hoofdstuk 15 (redelijke termijn voor de zienswijze)"
PROTOCOL = "Protocol integriteitsonderzoek (hoor en wederhoor): verslag ter correctie en ondertekening"


def _in_manifest(issues: list[str], words: str) -> str:
    for issue in issues:
        if issue.startswith("manifest.json [legal_rules]: ") and words in issue:
            return issue
    raise AssertionError(f"no refusal manifest.json [legal_rules] '{words}' in:\n" + "\n".join(issues))


def _rename(directory, file: str, old: str, new: str, count: int = 1) -> None:
    """Rename milestone ``old`` on ``count`` BPMN elements of ``file`` and on its deadline in the manifest."""
    edit(directory / file, f'name="legal_milestone" value="{old}"', f'name="legal_milestone" value="{new}"', count)
    _manifest(directory, lambda m: _deadline(m, old).__setitem__("milestone", new))


def _term(directory, milestone: str, term: str) -> None:
    _manifest(directory, lambda m: _deadline(m, milestone).__setitem__("term", term))


def _drop(directory, milestone: str) -> None:
    _manifest(directory, lambda m: m["legal_rules"].__setitem__(
        "deadlines", [d for d in m["legal_rules"]["deadlines"] if d["milestone"] != milestone]))


# --------------------------------------------------------------------------- gap 1: a renamed milestone

def test_a_renamed_zienswijze_with_two_days_is_refused(copy):
    _rename(copy, "afdoening.bpmn", "zienswijze", "hoorzitting", count=2)
    _manifest(copy, lambda m: m["legal_rules"]["hearing"]["zienswijze"].__setitem__("milestone", "hoorzitting"))
    _term(copy, "hoorzitting", "P2D")
    edit(copy / "afdoening.bpmn", 'legal_date("P14D", start=voornemen_datum)', 'legal_date("P2D", start=voornemen_datum)')
    _in_manifest(refusals(copy), f"'term' 'P2D' is korter dan de wet toestaat: ten minste P14D ({CAO})")


def test_a_renamed_zienswijze_without_a_term_is_refused(copy):
    _rename(copy, "afdoening.bpmn", "zienswijze", "hoorzitting", count=2)
    _manifest(copy, lambda m: m["legal_rules"]["hearing"]["zienswijze"].__setitem__("milestone", "hoorzitting"))
    _drop(copy, "hoorzitting")
    _in_manifest(refusals(copy), "'deadlines' mist de wettelijke termijn voor mijlpaal 'hoorzitting' (de zienswijze: "
                                 f"'hearing.zienswijze.milestone'): ten minste P14D ({CAO})")


def test_a_renamed_witness_review_with_one_day_is_refused(copy):
    _rename(copy, "onderzoek.bpmn", "getuigenverslag", "verslagcontrole")
    _manifest(copy, lambda m: m["legal_rules"]["minutes_review"].__setitem__("review_milestone", "verslagcontrole"))
    _term(copy, "verslagcontrole", "P1D")
    edit(copy / "onderzoek.bpmn", 'getuige_correctie_termijn = legal_date("P14D"',
         'getuige_correctie_termijn = legal_date("P1D"')
    _in_manifest(refusals(copy), f"'term' 'P1D' is korter dan de wet toestaat: ten minste P14D ({PROTOCOL})")


@pytest.mark.parametrize("milestone, new, timer, shorter, law", [
    ("bezwaar", "bezwaarfase", ('legal_date("P6W", start=besluit_datum if besluit_datum &gt;= today() else today())', 'legal_date("P1D", start=besluit_datum if besluit_datum &gt;= today() else today())'),
     "P1D", "ten minste P6W (Awb art. 6:7)"),
    ("kantonrechter", "rechtsgang", ('legal_date("P2M", start=besluit_datum if besluit_datum &gt;= today() else today())', 'legal_date("P1M", start=besluit_datum if besluit_datum &gt;= today() else today())'),
     "P1M", "ten minste P2M (BW art. 7:686a lid 4)"),
], ids=["bezwaar", "kantonrechter"])
def test_a_renamed_remedy_is_refused(copy, milestone, new, timer, shorter, law):
    _rename(copy, "afdoening.bpmn", milestone, new)
    _term(copy, new, shorter)
    edit(copy / "afdoening.bpmn", *timer)
    issue = _in_manifest(refusals(copy), f"'deadlines' mist de wettelijke termijn voor mijlpaal '{milestone}'")
    assert "het rechtsmiddel tegen het besluit" in issue and law in issue


def test_a_remedy_left_out_is_refused(copy):
    edit(copy / "afdoening.bpmn", '<spiffworkflow:property name="legal_milestone" value="kantonrechter" />', "")
    _drop(copy, "kantonrechter")
    _in_manifest(refusals(copy), "'deadlines' mist de wettelijke termijn voor mijlpaal 'kantonrechter'")


def test_a_remedy_on_a_task_before_the_decision_is_refused(copy):
    """The name 'bezwaar' on a decoy before the decision (reconsidering the order measure, whose timer runs 3
    months) while the real remedy task, renamed, gives the subject one day."""
    _rename(copy, "afdoening.bpmn", "bezwaar", "bezwaarfase")
    _manifest(copy, lambda m: m["legal_rules"]["deadlines"].append(
        dict(_deadline(m, "bezwaarfase"), milestone="bezwaar")))
    _term(copy, "bezwaarfase", "P1D")
    edit(copy / "afdoening.bpmn", 'legal_date("P6W", start=besluit_datum if besluit_datum &gt;= today() else today())', 'legal_date("P1D", start=besluit_datum if besluit_datum &gt;= today() else today())')
    edit(copy / "onderzoek.bpmn", '<spiffworkflow:property name="form" value="forms/ordemaatregel_heroverwegen.json" />',
         '<spiffworkflow:property name="form" value="forms/ordemaatregel_heroverwegen.json" />\n'
         '          <spiffworkflow:property name="legal_milestone" value="bezwaar" />')
    _in_manifest(refusals(copy), "geen taak na het besluit over de straf draagt de mijlpaal 'bezwaar'")


def test_a_renamed_aangifte_with_a_year_is_refused(copy):
    _rename(copy, "beoordeling.bpmn", "aangifte", "strafaangifte")
    _term(copy, "strafaangifte", "P1Y")
    _manifest(copy, lambda m: m["settings"].__setitem__("aangifte_termijn", "P1Y"))
    _in_manifest(refusals(copy), "'term' 'P1Y' is langer dan de wet toestaat: ten hoogste P1W (art. 162 Wetboek van "
                                 "Strafvordering (onverwijld))")


def test_an_aangifte_task_without_a_term_is_refused(copy):
    edit(copy / "beoordeling.bpmn", '<spiffworkflow:property name="legal_milestone" value="aangifte" />', "")
    _drop(copy, "aangifte")
    issue = named(refusals(copy), "beoordeling.bpmn", "aangifte_doen", "Deze taak legt de aangifte vast")
    assert "'aangifte_gedaan', 'aangifte_datum'" in issue and "ten hoogste P1W" in issue


def test_a_renamed_twelve_weeks_is_refused(copy):
    for file in ("integriteitsmelding.bpmn", "melding.bpmn"):
        text = (copy / file).read_text(encoding="utf-8")
        text = text.replace('value="gegrondheid"', 'value="oordeel"').replace(', gegrondheid"', ', oordeel"')
        (copy / file).write_text(text, encoding="utf-8")
    _manifest(copy, lambda m: _deadline(m, "gegrondheid").update(milestone="oordeel", term="P26W"))
    edit(copy / "melding.bpmn", 'gegrondheid_termijn = legal_date("P12W"', 'gegrondheid_termijn = legal_date("P26W"')
    _in_manifest(refusals(copy), "'deadlines' mist de wettelijke termijn voor mijlpaal 'gegrondheid': ten hoogste "
                                 "P12W (handreiking Rijk)")


def test_deploy_refuses_a_renamed_remedy(db, copy):
    _rename(copy, "afdoening.bpmn", "bezwaar", "bezwaarfase")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.file == "manifest.json" and "mijlpaal 'bezwaar'" in i.message and "Awb art. 6:7" in i.message
               for i in info.value.issues), info.value.issues


# --------------------------------------------------------------------------- gap 2: where a term starts

@pytest.mark.parametrize("milestone, change, words", [
    ("terugkoppeling", lambda d: (d.pop("after"), d.__setitem__("from", "besluit_datum")),
     "de termijn loopt vanaf het einde van de termijn van mijlpaal 'ontvangstbevestiging' ("
     + WBK + "), niet vanaf de datum in 'besluit_datum'"),
    ("ontvangstbevestiging", lambda d: d.__setitem__("from", "ontvangstbevestigd_op"),
     "de termijn loopt vanaf de datum in 'datum_melding' (" + WBK + "), niet vanaf de datum in 'ontvangstbevestigd_op'"),
    ("gegrondheid", lambda d: d.pop("from"),
     "de termijn loopt vanaf de datum in 'datum_melding' (handreiking Rijk), niet vanaf de dag dat de timer wordt gezet"),
    ("zienswijze", lambda d: d.__setitem__("from", "datum_melding"),
     "de termijn loopt vanaf de datum in 'datum_melding', maar de betrokkene krijgt ten minste P14D (" + CAO
     + ") vanaf het voornemen (mijlpaal 'voornemen')"),
    ("bezwaar", lambda d: (d.pop("from"), d.__setitem__("after", "ontvangstbevestiging")),
     "de termijn loopt vanaf het einde van de termijn van mijlpaal 'ontvangstbevestiging', maar de betrokkene krijgt "
     "ten minste P6W (Awb art. 6:7) vanaf het besluit over de straf"),
], ids=["terugkoppeling-vanaf-besluit", "ontvangst-vanaf-bevestiging", "gegrondheid-zonder-start",
        "zienswijze-vanaf-melding", "bezwaar-na-ontvangst"])
def test_a_term_that_starts_elsewhere_than_the_law_says_is_refused(copy, milestone, change, words):
    _manifest(copy, lambda m: change(_deadline(m, milestone)))
    _in_manifest(refusals(copy), words)


def test_deploy_refuses_a_later_start(db, copy):
    _manifest(copy, lambda m: (_deadline(m, "terugkoppeling").pop("after"),
                               _deadline(m, "terugkoppeling").__setitem__("from", "besluit_datum")))
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.file == "manifest.json" and "niet vanaf de datum in 'besluit_datum'" in i.message
               for i in info.value.issues), info.value.issues


# --------------------------------------------------------------------------- gap 3: the order measure

ORDER = "taak, die over een ordemaatregel beslist ('ordemaatregel'),"
OVERWEGEN = ('<spiffworkflow:property name="form" value="forms/ordemaatregel_overwegen.json" />\n'
             '          <spiffworkflow:property name="slot" value="bevoegd_gezag" />')


def test_an_order_measure_decided_in_an_investigators_slot_is_refused(copy):
    edit(copy / "onderzoek.bpmn", OVERWEGEN, OVERWEGEN.replace("bevoegd_gezag", "onderzoeker_1"))
    issue = named(refusals(copy), "onderzoek.bpmn", "ordemaatregel_overwegen", SEPARATION)
    assert f"deze {ORDER} is gebonden aan 'onderzoeker_1', de plaats van een onderzoeker van de zaak" in issue


def test_an_order_measure_decided_in_the_investigators_lane_is_refused(copy):
    ref = "        <bpmn:flowNodeRef>ordemaatregel_overwegen</bpmn:flowNodeRef>\n"
    edit(copy / "onderzoek.bpmn", ref, "")
    edit(copy / "onderzoek.bpmn", '<bpmn:lane id="Lane_onderzoek_onderzoeker" name="Onderzoeker">\n',
         '<bpmn:lane id="Lane_onderzoek_onderzoeker" name="Onderzoeker">\n' + ref)
    issue = named(refusals(copy), "onderzoek.bpmn", "ordemaatregel_overwegen", SEPARATION)
    assert f"deze {ORDER} ligt in de baan 'Onderzoeker', de rol die de zaak onderzoekt" in issue


def test_deploy_refuses_the_investigator_deciding_an_order_measure(db, copy):
    edit(copy / "onderzoek.bpmn", OVERWEGEN, OVERWEGEN.replace("bevoegd_gezag", "onderzoeker_2"))
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.element_id == "ordemaatregel_overwegen" and SEPARATION in i.message
               for i in info.value.issues), info.value.issues


def test_the_order_measure_field_is_the_one_the_case_summary_reads():
    from engine.cases.service import SUMMARY_KEYS
    from engine.processes.legal_rules import AANGIFTE_FIELDS, ORDER_MEASURE_FIELD

    assert ORDER_MEASURE_FIELD in SUMMARY_KEYS and set(AANGIFTE_FIELDS) <= set(SUMMARY_KEYS)


def test_a_renamed_zienswijze_stored_without_a_term_is_held_to_the_floor_at_run_time():
    """A version stored before terms were declared loads without proof; the engine holds its renamed zienswijze
    to 14 days all the same, by what the milestone means in its rules."""
    import json

    from engine.processes.legal_rules import effective_term, parse_legal_rules
    from tests.process.driver import PROCESSES

    data = json.loads((PROCESSES / "manifest.json").read_text(encoding="utf-8"))["legal_rules"]
    data["hearing"]["zienswijze"]["milestone"] = "hoorzitting"
    deadline = next(d for d in data["deadlines"] if d["milestone"] == "zienswijze")
    deadline["milestone"] = "hoorzitting"
    for key in ("term", "bound"):
        deadline.pop(key)
    rules = parse_legal_rules(data)
    stored = next(d for d in rules.deadlines if d.milestone == "hoorzitting")
    assert effective_term(stored, "hoorzitting", rules) == ("P14D", "minimum", "voornemen_datum", None)
