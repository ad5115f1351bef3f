"""The voornemen is made known to the subject in writing (CAO Rijk hoofdstuk 15, former ARAR art. 81 lid 3: "het
voornemen wordt schriftelijk ... meegedeeld"): a declared legal rule (``legal_rules.written_notices``), proven at
`processes check` and deploy over every task that carries the milestone.

A process owner who removes the ``letter`` property from *Voornemen disciplinaire maatregel verzenden*, or points it
at a letter for someone else, would have the subject "heard" on an intention never sent to him: refused, naming
file, element, task and the rule's source. The run-time half is in tests/api/test_written_notices_at_run_time.py.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.errors import ProcessValidationError
from engine.processes import service
from engine.processes.legal_rules import parse_legal_rules
from tests.engine.test_legal_proof import copy, edit, refusals  # noqa: F401  (copy: fixture)
from tests.process.driver import PROCESSES

SOURCE = "CAO Rijk hoofdstuk 15: het voornemen wordt schriftelijk meegedeeld"
RULE = "wordt schriftelijk meegedeeld aan 'betrokkene'"
LETTER = '<spiffworkflow:property name="letter" value="voornemen_disciplinaire_maatregel" />'


def edit_rules(directory: Path, change) -> None:
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    change(manifest["legal_rules"])
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def on_voornemen(issues: list[str], *words: str) -> str:
    found = [i for i in issues if i.startswith("afdoening.bpmn:") and "[voornemen_verzenden]" in i
             and "'Voornemen disciplinaire maatregel verzenden'" in i and RULE in i and SOURCE in i
             and all(w in i for w in words)]
    assert found, "\n".join(issues)
    return found[0]


def test_the_real_manifest_declares_the_voornemen_the_besluit_and_the_notice_in_writing_and_passes():
    manifest = json.loads((PROCESSES / "manifest.json").read_text(encoding="utf-8"))
    rules = parse_legal_rules(manifest["legal_rules"])
    assert [(n.milestone, n.recipient) for n in rules.written_notices] == [
        ("voornemen", "betrokkene"), ("besluit", "betrokkene"), ("kennisgeving", "betrokkene")]
    assert rules.written_notices[0].source == SOURCE and "Awb art. 3:41" in rules.written_notices[1].source
    assert refusals(PROCESSES) == []


def test_a_voornemen_without_letter_is_refused(copy):
    edit(copy / "afdoening.bpmn", LETTER, "")
    on_voornemen(refusals(copy), "verklaart geen brief (eigenschap 'letter')")


def test_a_voornemen_with_a_letter_to_the_reporter_is_refused(copy):
    edit(copy / "afdoening.bpmn", LETTER, '<spiffworkflow:property name="letter" value="terugkoppeling_melder" />')
    on_voornemen(refusals(copy), "'terugkoppeling_melder'", "een brief aan 'melder'")


def test_a_voornemen_whose_letter_goes_to_someone_else_is_refused(copy):
    edit(copy / "afdoening.bpmn",
         '<spiffworkflow:property name="letter" value="voornemen_disciplinaire_maatregel" />\n'
         '          <spiffworkflow:property name="letter_recipient" value="betrokkene" />',
         '<spiffworkflow:property name="letter" value="sanctieadvies" />\n'
         '          <spiffworkflow:property name="letter_recipient" value="bevoegd_gezag" />')
    on_voornemen(refusals(copy), "'sanctieadvies'", "een brief aan 'bevoegd_gezag'")


def test_deploy_refuses_a_voornemen_without_letter(db, copy):
    from sqlalchemy import func, select

    from engine.processes.models import ProcessVersion

    edit(copy / "afdoening.bpmn", LETTER, "")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.element_id == "voornemen_verzenden" and RULE in i.message and SOURCE in i.message
               for i in info.value.issues), info.value.issues
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(ProcessVersion)).scalar_one() == 0


def test_the_unchanged_processes_deploy(db):
    with db.session() as s:
        version = service.deploy(session=s, directory=PROCESSES)
        assert version.id is not None


@pytest.mark.parametrize("declaration, words", [
    ({"milestone": "voornemen", "recipient": "betrokkene"}, "'written_notices[].source' moet een niet-lege tekst"),
    ({"milestone": "", "recipient": "betrokkene", "source": "x"}, "'written_notices[].milestone' moet"),
    ({"milestone": "voornemen", "source": "x"}, "'written_notices[].recipient' moet"),
    ("voornemen", "'written_notices[]' moet een object zijn"),
])
def test_a_malformed_declaration_is_refused(declaration, words):
    manifest = json.loads((PROCESSES / "manifest.json").read_text(encoding="utf-8"))
    manifest["legal_rules"]["written_notices"] = [declaration]
    with pytest.raises(ProcessValidationError) as info:
        parse_legal_rules(manifest["legal_rules"])
    assert any(words in str(i) for i in info.value.issues), info.value.issues


def test_written_notices_must_be_a_list_without_duplicates():
    manifest = json.loads((PROCESSES / "manifest.json").read_text(encoding="utf-8"))
    manifest["legal_rules"]["written_notices"] = {"milestone": "voornemen"}
    with pytest.raises(ProcessValidationError) as info:
        parse_legal_rules(manifest["legal_rules"])
    assert "'written_notices' moet een lijst zijn" in str(info.value.issues[0])
    notice = {"milestone": "voornemen", "recipient": "betrokkene", "source": SOURCE}
    manifest["legal_rules"]["written_notices"] = [notice, dict(notice)]
    with pytest.raises(ProcessValidationError) as info:
        parse_legal_rules(manifest["legal_rules"])
    assert "'voornemen' staat meer dan eens in 'written_notices'" in str(info.value.issues[0])


def test_an_unknown_recipient_is_refused(copy):
    edit_rules(copy, lambda rules: rules["written_notices"][0].update(recipient="buurman"))
    issues = refusals(copy)
    assert any(i.startswith("manifest.json [legal_rules]:") and "onbekende ontvanger 'buurman'" in i
               and "betrokkene" in i and "melder" in i for i in issues), issues


def test_a_milestone_no_task_carries_is_refused(copy):
    """A rule over a milestone no task carries would enforce nothing: refused, not silently accepted."""
    edit_rules(copy, lambda rules: rules["written_notices"].append(
        {"milestone": "ontslagbrief", "recipient": "betrokkene", "source": "Awb 3:41"}))
    issues = refusals(copy)
    assert any(i.startswith("manifest.json [legal_rules]:") and "'ontslagbrief'" in i and "geen taak" in i
               for i in issues), issues


def test_a_besluit_without_its_letter_to_the_subject_is_refused(copy):
    """Awb 3:41: the decision on a penalty is made known by sending it to the subject."""
    edit(copy / "afdoening.bpmn", '<spiffworkflow:property name="letter" value="besluit_disciplinaire_maatregel" />', "")
    issues = [i for i in refusals(copy) if "schriftelijk meegedeeld" in i]
    assert len(issues) == 1 and "[besluit_disciplinaire_maatregel]" in issues[0] and "Awb art. 3:41" in issues[0] \
        and "verklaart geen brief" in issues[0], issues


# --------------------------------------------------------------------------- the voornemen letter shows the intention

VOORNEMEN_DOCX = "letters/voornemen_disciplinaire_maatregel.docx"
INTENTION = b"{{ voorgenomen_maatregel|map('klein')|list|opsomming }}"
NOT_SHOWN = "toont de voorgenomen straf niet"


def edit_letter(directory: Path, new: bytes, name: str = VOORNEMEN_DOCX) -> None:
    """The process owner's edit in Word, done on the template's document.xml (the placeholder is one run)."""
    import io
    import zipfile

    path = directory / name
    out = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                assert data.count(INTENTION) == 1
                data = data.replace(INTENTION, new)
            zout.writestr(item, data)
    path.write_bytes(out.getvalue())


def not_shown(issues: list[str], letter: str = "voornemen_disciplinaire_maatregel") -> str:
    found = [i for i in issues if NOT_SHOWN in i]
    assert len(found) == 1, "\n".join(issues)
    issue = found[0]
    assert issue.startswith("afdoening.bpmn:") and "[voornemen_verzenden]" in issue, issue
    assert f"letters/{letter}.docx" in issue and "mijlpaal 'voornemen'" in issue, issue
    assert "{{ voorgenomen_maatregel }}" in issue and "legal_rules.hearing.voornemen.measures_field" in issue, issue
    assert "CAO Rijk hoofdstuk 15" in issue, issue
    return issue


@pytest.mark.parametrize("new", [
    b"een passende disciplinaire maatregel",  # the penalty written out of the letter
    b"{{ voorgenomen_maatregel|length }} maatregel(en)",  # a count, not the penalty
    b"{% if betrokkene_functie == 'x' %}{{ voorgenomen_maatregel|map('klein')|list|opsomming }}{% endif %}",
    b"{% for m in bevindingen %}{{ voorgenomen_maatregel|opsomming }}{% endfor %}",  # gone when nothing was found
], ids=["weggehaald", "aantal", "alleen-binnen-if", "for-over-iets-anders"])
def test_a_voornemen_letter_that_does_not_show_the_intended_penalty_is_refused(copy, new):
    """The subject is heard on the penalty in 'voorgenomen_maatregel': a letter that does not say it, has him heard
    on a penalty he was never told."""
    edit_letter(copy, new)
    not_shown(refusals(copy))


def test_the_intended_penalty_shown_item_by_item_passes(copy):
    edit_letter(copy, b"{% for m in voorgenomen_maatregel %}{{ m|klein }} {% endfor %}")
    assert [i for i in refusals(copy) if NOT_SHOWN in i] == []


def test_a_voornemen_pointed_at_another_letter_to_the_subject_is_refused(copy):
    """A letter to the subject that says nothing of a penalty (the notice of the investigation) as the voornemen."""
    edit(copy / "afdoening.bpmn", LETTER, '<spiffworkflow:property name="letter" value="kennisgeving_onderzoek" />')
    not_shown(refusals(copy), "kennisgeving_onderzoek")


def test_deploy_refuses_a_voornemen_letter_without_the_intended_penalty(db, copy):
    from sqlalchemy import func, select

    from engine.processes.models import ProcessVersion

    edit_letter(copy, b"een passende disciplinaire maatregel")
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.element_id == "voornemen_verzenden" and NOT_SHOWN in i.message
               and "voornemen_disciplinaire_maatregel.docx" in i.message for i in info.value.issues), info.value.issues
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(ProcessVersion)).scalar_one() == 0
