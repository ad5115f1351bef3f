"""``meldpunt templates check``: every placeholder must exist in the case data; referenced templates must exist."""
from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from cli.main import app
from documents.build_templates import TemplateBuilder
from documents.checks import check_templates, load_sample_case, missing_templates, template_exists
from documents.render import TEMPLATES_DIR

pytestmark = pytest.mark.usefixtures("clock")

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:userTask id="Ontvangst_bevestigen" name="Ontvangst bevestigen">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="letter" value="{letter}"/>
          <spiffworkflow:property name="letter_recipient" value="melder"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>
"""


def copy_templates(tmp_path):
    target = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, target)
    return target


def add_template(directory, name, *paragraphs):
    builder = TemplateBuilder(name)
    for text in paragraphs:
        builder.p(text)
    (directory / f"{name}.docx").write_bytes(builder.bytes())


def test_shipped_templates_pass_the_check():
    assert check_templates(TEMPLATES_DIR, load_sample_case()) == []


def test_unknown_placeholder_is_reported_with_template_and_placeholder(tmp_path):
    templates = copy_templates(tmp_path)
    add_template(templates, "ontvangstbevestiging", "Beste {{ melder_voornaam }},",
                 "{%p if melder_anoniem %}", "{{ organisatie.fax }}", "{%p endif %}")
    issues = check_templates(templates, load_sample_case())
    # both placeholders are named, including the one in the branch the sample does not take
    assert "Sjabloon 'ontvangstbevestiging': placeholder 'melder_voornaam' bestaat niet in de zaakgegevens" in issues
    assert "Sjabloon 'ontvangstbevestiging': placeholder 'organisatie.fax' bestaat niet in de zaakgegevens" in issues
    assert len(issues) == 2


def test_placeholder_not_allowed_for_the_recipient_is_reported(tmp_path):
    templates = copy_templates(tmp_path)
    add_template(templates, "terugkoppeling_melder", "Betrokkene: {{ betrokkene_naam }}",
                 "Maatregel: {{ afdoeningen|opsomming }}")
    issues = check_templates(templates, load_sample_case())
    assert any("'terugkoppeling_melder'" in i and "'betrokkene_naam'" in i and "'melder'" in i for i in issues)
    assert any("'afdoeningen'" in i and "vertrouwelijk" in i for i in issues)


def test_template_unknown_to_the_catalog_is_checked_as_a_reporter_letter(tmp_path):
    templates = tmp_path / "t"
    templates.mkdir()
    add_template(templates, "extra_brief", "{{ zaaknummer }} {{ betrokkene_naam }}")
    issues = check_templates(templates, load_sample_case())
    assert any("extra_brief" in i and "letters.json" in i for i in issues)
    assert any("extra_brief" in i and "betrokkene_naam" in i for i in issues)


def test_syntax_error_is_reported(tmp_path):
    templates = tmp_path / "t"
    templates.mkdir()
    add_template(templates, "sanctieadvies", "{% if uitkomst %}zonder einde")
    issues = check_templates(templates, load_sample_case())
    assert len(issues) == 1 and "sanctieadvies" in issues[0] and "syntaxfout" in issues[0]


def test_template_exists():
    assert template_exists("ontvangstbevestiging")
    assert not template_exists("bestaat_niet")
    assert not template_exists("../templates/ontvangstbevestiging")
    assert missing_templates(["ontvangstbevestiging", "bestaat_niet"]) == [
        "Sjabloon 'bestaat_niet' bestaat niet (verwacht: bestaat_niet.docx)"
    ]


def test_cli_check_passes_on_the_shipped_templates(tmp_path):
    processes = tmp_path / "processes"
    processes.mkdir()
    (processes / "melding.bpmn").write_text(BPMN.format(letter="ontvangstbevestiging"), encoding="utf-8")
    result = CliRunner().invoke(app, ["templates", "check", "--processes", str(processes)])
    assert result.exit_code == 0, result.output
    assert "Alle sjablonen in orde." in result.output


def test_cli_check_fails_naming_template_and_placeholder(tmp_path):
    templates = copy_templates(tmp_path)
    add_template(templates, "besluit_ordemaatregel", "{{ ordemaatregel_einddatum|nl_datum }}")
    result = CliRunner().invoke(app, ["templates", "check", "--templates", str(templates),
                                      "--processes", str(tmp_path / "leeg")])
    assert result.exit_code == 1
    assert "besluit_ordemaatregel" in result.output and "ordemaatregel_einddatum" in result.output


def test_cli_check_fails_when_a_process_names_a_missing_template(tmp_path):
    processes = tmp_path / "processes"
    processes.mkdir()
    (processes / "melding.bpmn").write_text(BPMN.format(letter="ontvangstbevestiging_oud"), encoding="utf-8")
    result = CliRunner().invoke(app, ["templates", "check", "--processes", str(processes)])
    assert result.exit_code == 1
    assert "melding.bpmn [Ontvangst_bevestigen]: sjabloon 'ontvangstbevestiging_oud' bestaat niet" in result.output
