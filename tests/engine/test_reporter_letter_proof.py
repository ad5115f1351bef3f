"""Issue 15: `processes check` and deploy refuse a process version in which a letter to the reporter could be sent
without the leak guard. The guarantee is declarative: every letter task declares its recipient
(``letter_recipient``); the engine guards every letter declared to the reporter (documents.context.leak_check), so
the check refuses a reporter letter declared as anything else, a letter without a declared recipient, and a
reporter letter whose template shows data off the reporter's whitelist. Broken copies of the real processes/ (and
of the templates); each refusal names file, element and rule.
"""
from __future__ import annotations

import pytest

from documents.build_templates import TemplateBuilder
from documents.errors import LetterRenderError
from tests.engine.test_legal_proof import copy, edit, named, refusals  # noqa: F401  (copy: fixture)

RULE = "Alles wat de melder krijgt, gaat door de lekbewaking"
FEEDBACK = ('<spiffworkflow:property name="letter" value="terugkoppeling_melder" />\n'
            '          <spiffworkflow:property name="letter_recipient" value="melder" />')


def test_a_reporter_letter_declared_for_someone_else_is_refused(copy):
    edit(copy / "integriteitsmelding.bpmn", FEEDBACK,
         FEEDBACK.replace('value="melder"', 'value="betrokkene"'))
    issue = named(refusals(copy), "integriteitsmelding.bpmn", "terugkoppeling_melder", "buiten de lekbewaking om")
    assert RULE in issue and "'terugkoppeling_melder'" in issue


def test_a_letter_without_a_declared_recipient_is_refused(copy):
    edit(copy / "integriteitsmelding.bpmn", FEEDBACK,
         '<spiffworkflow:property name="letter" value="terugkoppeling_melder" />')
    issue = named(refusals(copy), "integriteitsmelding.bpmn", "terugkoppeling_melder", "verklaart geen ontvanger")
    assert RULE in issue


@pytest.fixture
def own_templates(copy):
    """The letters of the copied process set, in which the process owner adds their own letter (issue 19: the
    templates are process files, deployed and pinned with the version)."""
    return copy / "letters"


def _own_letter(directory, name: str, *lines: str) -> None:
    letter = TemplateBuilder(name)
    letter.letterhead()
    letter.meta_block("Terugkoppeling")
    for line in lines:
        letter.text(line)
    (directory / f"{name}.docx").write_bytes(letter.bytes())


def test_a_reporter_template_that_shows_the_measure_is_refused(copy, own_templates):
    _own_letter(own_templates, "terugkoppeling_eigen", "Geachte {{ melder_naam }},",
                "Wij hebben {{ afdoeningen|join(', ') }} opgelegd aan {{ betrokkene_naam }}.")
    edit(copy / "integriteitsmelding.bpmn", '<spiffworkflow:property name="letter" value="terugkoppeling_melder" />',
         '<spiffworkflow:property name="letter" value="terugkoppeling_eigen" />')
    issue = named(refusals(copy), "integriteitsmelding.bpmn", "terugkoppeling_melder",
                  "niet op de lijst van gegevens voor de melder")
    assert "'afdoeningen'" in issue and "'betrokkene_naam'" in issue and RULE in issue


def test_an_own_template_addressing_the_reporter_must_be_declared_as_such(copy, own_templates):
    _own_letter(own_templates, "bericht_eigen", "Geachte {{ melder_naam }},", "Uw melding is in behandeling.")
    edit(copy / "integriteitsmelding.bpmn", FEEDBACK,
         '<spiffworkflow:property name="letter" value="bericht_eigen" />\n'
         '          <spiffworkflow:property name="letter_recipient" value="onderzoeker" />')
    named(refusals(copy), "integriteitsmelding.bpmn", "terugkoppeling_melder", "buiten de lekbewaking om")


def test_the_engine_never_renders_the_reporter_letter_for_another_recipient():
    from documents.service import render_letter
    from tests.documents.conftest import case_data, make_settings

    with pytest.raises(LetterRenderError, match="brief aan de melder"):
        render_letter(template="terugkoppeling_melder", recipient="betrokkene", data=case_data(),
                      settings=make_settings(), case_reference="INT-2026-0042")
