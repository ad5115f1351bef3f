"""A process owner adds a case field to a letter and adds a letter through the process files only (issue 19):
the catalogue and the per-recipient allow-lists live in ``letters.json``, the template in ``letters/``, the
field in a form; the sample data for the check comes from the form schemas. In a copy of processes/: checked,
deployed and rendered with the deployed version's files. A declaration giving a recipient a field that is
confidential for them is refused whatever it says."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from documents.build_templates import TemplateBuilder
from documents.catalog import CATALOGUE_FILE
from documents.errors import LetterRenderError
from documents.render import docx_text
from documents.sample import forms_of, sample_from_forms
from documents.service import render_letter
from engine.config import get_settings
from engine.processes import service as processes
from engine.processes.validation import read_process_dir

pytestmark = pytest.mark.usefixtures("clock")

NEW_LETTER = "terugkoppeling_met_contactpersoon"
NEW_FIELD = "contactpersoon_meldpunt"
TASK_LETTER = '<spiffworkflow:property name="letter" value="terugkoppeling_melder" />'


@pytest.fixture
def owner_copy(tmp_path) -> Path:
    target = tmp_path / "processes"
    shutil.copytree(get_settings().processes_dir, target)
    return target


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, doc: dict) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def add_field_and_letter(directory: Path) -> None:
    """What the worked example in docs/PROCESS_OWNERS.md does, file by file."""
    form = directory / "forms" / "terugkoppeling_melder.json"
    schema = _json(form)
    schema["properties"][NEW_FIELD] = {"type": "string", "title": "Contactpersoon bij het meldpunt"}
    _write(form, schema)

    catalogue = _json(directory / CATALOGUE_FILE)
    catalogue["letters"][NEW_LETTER] = {"titel": "Terugkoppeling met contactpersoon", "ontvanger": "melder"}
    catalogue["ontvangers"]["melder"].append(NEW_FIELD)
    _write(directory / CATALOGUE_FILE, catalogue)

    letter = TemplateBuilder(NEW_LETTER)
    letter.p("Geachte {{ melder_naam|aanhef(melder_aanspreekvorm) }},")
    letter.p("{{ terugkoppeling_tekst }}")
    letter.p("Uw contactpersoon bij het meldpunt is {{ contactpersoon_meldpunt }}.")
    (directory / "letters" / f"{NEW_LETTER}.docx").write_bytes(letter.bytes())

    bpmn = directory / "integriteitsmelding.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    assert TASK_LETTER in text
    bpmn.write_text(text.replace(TASK_LETTER, f'<spiffworkflow:property name="letter" value="{NEW_LETTER}" />', 1),
                    encoding="utf-8")


def test_a_new_field_and_a_new_letter_through_process_files_only_checked_deployed_rendered(owner_copy, db):
    add_field_and_letter(owner_copy)
    result = CliRunner().invoke(app, ["processes", "check", str(owner_copy)])
    assert result.exit_code == 0, result.output
    assert "Procesbestanden en briefsjablonen in orde." in result.output

    with db.session() as s:
        version = processes.deploy(session=s, directory=owner_copy)
        stored = {f.path for f in version.files}
        version_id, digest = version.id, version.content_hash
    assert {CATALOGUE_FILE, f"letters/{NEW_LETTER}.docx"} <= stored
    processes._cache._entries.clear()  # read back from the stored version, as after a restart
    with db.session() as s:
        parsed = processes.parsed_version(session=s, version_id=version_id, content_hash=digest)
    assert parsed.letter_catalogue.letters[NEW_LETTER].recipient == "melder"

    sample = sample_from_forms(forms_of(read_process_dir(owner_copy)))
    assert sample["data"][NEW_FIELD] == "Voorbeeld Contactpersoon bij het meldpunt"  # from the form schema
    data = {**sample["data"], NEW_FIELD: "mevrouw De Vries", "terugkoppeling_tekst": "Wij hebben de melding "
            "onderzocht en passende maatregelen genomen."}
    content, _ = render_letter(template=NEW_LETTER, recipient="melder", data=data, settings=parsed.manifest.settings,
                               case_reference="INT-2026-0042", templates_dir=parsed.templates,
                               catalogue=parsed.letter_catalogue)
    text = docx_text(content)
    assert "Uw contactpersoon bij het meldpunt is mevrouw De Vries." in text
    assert "Geachte mevrouw Verbeek," in text

    # the shipped catalogue does not know the field: the version's own declaration is what lets it through
    with pytest.raises(LetterRenderError) as exc:
        render_letter(template=NEW_LETTER, recipient="melder", data=data, settings=parsed.manifest.settings,
                      case_reference="INT-2026-0042", templates_dir=parsed.templates)
    assert exc.value.placeholder == NEW_FIELD


def test_the_check_names_a_placeholder_that_no_declaration_allows(owner_copy):
    add_field_and_letter(owner_copy)
    catalogue = _json(owner_copy / CATALOGUE_FILE)
    catalogue["ontvangers"]["melder"].remove(NEW_FIELD)
    _write(owner_copy / CATALOGUE_FILE, catalogue)
    result = CliRunner().invoke(app, ["processes", "check", str(owner_copy)])
    assert result.exit_code == 1
    assert f"Sjabloon '{NEW_LETTER}'" in result.output and NEW_FIELD in result.output


@pytest.mark.parametrize("recipient, field", [
    ("betrokkene", "melder_naam"),        # the reporter's identity to the subject
    ("onderzoeker", "omschrijving"),      # the report's own words identify the reporter
    ("melder", "betrokkene_naam"),        # the subject's name to the reporter
    ("melder", "afdoeningen"),            # the measure to the reporter
])
def test_a_confidential_field_is_refused_whatever_the_declaration_says(owner_copy, recipient, field):
    catalogue = _json(owner_copy / CATALOGUE_FILE)
    catalogue["ontvangers"][recipient].append(field)
    _write(owner_copy / CATALOGUE_FILE, catalogue)
    issues = [str(i) for i in processes.check(directory=owner_copy)]
    assert any(i.startswith(CATALOGUE_FILE) and f"ontvanger '{recipient}' mag gegeven '{field}' niet krijgen" in i
               for i in issues), issues
    result = CliRunner().invoke(app, ["processes", "check", str(owner_copy)])
    assert result.exit_code == 1 and f"'{field}'" in result.output


def test_a_template_outside_the_catalogue_and_a_letter_without_template_are_named(owner_copy):
    shutil.copy(owner_copy / "letters" / "terugkoppeling_melder.docx", owner_copy / "letters" / "extra_brief.docx")
    catalogue = _json(owner_copy / CATALOGUE_FILE)
    catalogue["letters"]["nog_te_schrijven"] = {"titel": "Nog te schrijven", "ontvanger": "melder"}
    _write(owner_copy / CATALOGUE_FILE, catalogue)
    issues = [str(i) for i in processes.check(directory=owner_copy)]
    assert any(i.startswith("letters/extra_brief.docx") and "staat niet in letters.json" in i for i in issues), issues
    assert any(i.startswith(CATALOGUE_FILE) and "'nog_te_schrijven' heeft geen sjabloon" in i for i in issues), issues


def test_a_stored_declaration_cannot_give_a_confidential_field_at_render():
    """A version deployed before a stricter floor still loads, but the letter never gets the field."""
    from documents.catalog import SHIPPED_CATALOGUE, CatalogueError, parse_catalogue
    from documents.context import build_context
    from tests.documents.conftest import case_data, make_settings

    declared = json.loads(SHIPPED_CATALOGUE.read_text(encoding="utf-8"))
    declared["ontvangers"]["melder"].append("betrokkene_naam")
    declared["ontvangers"]["betrokkene"].append("melder_naam")
    with pytest.raises(CatalogueError):
        parse_catalogue(json.dumps(declared))
    catalogue = parse_catalogue(json.dumps(declared), strict=False)
    for recipient, field in (("melder", "betrokkene_naam"), ("betrokkene", "melder_naam")):
        assert field in catalogue.whitelists[recipient]
        context = build_context(recipient=recipient, data=case_data(), settings=make_settings(),
                                case_reference="INT-2026-0042", catalogue=catalogue)
        assert field not in context


def test_recipient_names_are_declared_in_the_process_files(owner_copy):
    """How the screens name a recipient comes from letters.json (``ontvanger_namen``), not from Python."""
    from documents.catalog import parse_catalogue
    from documents.service import recipient_label

    catalogue = _json(owner_copy / CATALOGUE_FILE)
    catalogue["ontvanger_namen"]["melder"] = "de melder van de zaak"
    parsed = parse_catalogue(json.dumps(catalogue))
    assert recipient_label("melder", parsed) == "de melder van de zaak"
    assert recipient_label("politie_om") == "politie/OM"  # the shipped declaration

    del catalogue["ontvanger_namen"]["getuige"]
    catalogue["ontvanger_namen"]["onbekend"] = "iemand"
    _write(owner_copy / CATALOGUE_FILE, catalogue)
    issues = [str(i) for i in processes.check(directory=owner_copy)]
    assert any("ontvanger 'getuige' heeft geen naam onder 'ontvanger_namen'" in i for i in issues), issues
    assert any("ontvanger_namen: ontvanger 'onbekend' staat niet onder 'ontvangers'" in i for i in issues), issues
