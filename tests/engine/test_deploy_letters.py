"""Letters belong to the process version (issue 19): the templates in ``letters/`` are deployed, hashed and
pinned with the process set; a running case renders with its own version's templates, also after a later
version changed the wording, and also after a restart (the templates are read from the stored version)."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from documents import service as letters
from documents.build_templates import TemplateBuilder
from documents.render import docx_text
from engine.cases import service as cases
from engine.errors import ProcessValidationError
from engine.identity.models import User
from engine.processes import service as processes
from engine.worklist import service as worklist
from tests.factories import REVIEW, copy_process_set, make_user

pytestmark = pytest.mark.db

LETTER = "intake_notitie"
TASK = '<spiffworkflow:property name="priority" value="1"/>'
DECLARATION = (TASK + f'\n          <spiffworkflow:property name="letter" value="{LETTER}"/>'
               '\n          <spiffworkflow:property name="letter_recipient" value="onderzoeker"/>')


def write_letter(directory, wording: str) -> bytes:
    builder = TemplateBuilder(LETTER)
    builder.p(f"{wording} Zaak {{{{ zaaknummer }}}}, dienstonderdeel {{{{ dienstonderdeel }}}}.")
    content = builder.bytes()
    (directory / "letters").mkdir(exist_ok=True)
    (directory / "letters" / f"{LETTER}.docx").write_bytes(content)
    return content


@pytest.fixture
def process_set(tmp_path):
    """The review process with a letter of its own on the intake task, its template in letters/."""
    target = copy_process_set(REVIEW, tmp_path / "review")
    bpmn = target / "review.bpmn"
    bpmn.write_text(bpmn.read_text().replace(TASK, DECLARATION, 1))
    return target


def _intake(session, case_id: int):
    desk = session.execute(select(User).where(User.username == "desk")).scalar_one()
    item = worklist.items_of_case(session=session, case_id=case_id)[0]
    return cases.complete_task(session=session, work_item_id=item.id, user=desk,
                               data={"ernstig": False, "dienstonderdeel": "Douane"})


def _letter_text(session, case_id: int) -> tuple[str, str]:
    (letter,) = letters.list_letters(session=session, case_id=case_id)
    content = letters.letter_content(session=session, letter=letter)
    return docx_text(content), letter.template_sha256


def test_a_case_on_version_n_renders_with_n_s_template_after_n_plus_1_changed_the_wording(db, clock, process_set):
    v1_template = write_letter(process_set, "Versie een van de tekst.")
    with db.session() as s:
        v1 = processes.deploy(session=s, directory=process_set)
        assert {f.path for f in v1.files} >= {f"letters/{LETTER}.docx"}
        make_user(s, "desk", "meldpunt")
        desk = s.execute(select(User)).scalars().first()
        old_case = cases.start_case(session=s, actor=desk, data={}).id
        v1_id = v1.id
    v2_template = write_letter(process_set, "Versie twee, herschreven door de proceseigenaar.")
    with db.session() as s:
        v2 = processes.deploy(session=s, directory=process_set)
        assert v2.id != v1_id  # the wording is part of the version's hash
        desk = s.execute(select(User)).scalars().first()
        new_case = cases.start_case(session=s, actor=desk, data={}).id
    processes._cache._entries.clear()  # as after a restart: the templates come from the stored version
    with db.session() as s:
        _intake(s, old_case)
        _intake(s, new_case)
    with db.session() as s:
        text, sha = _letter_text(s, old_case)
        assert "Versie een van de tekst." in text and "Versie twee" not in text
        assert sha == hashlib.sha256(v1_template).hexdigest()
        text, sha = _letter_text(s, new_case)
        assert "Versie twee, herschreven door de proceseigenaar." in text
        assert sha == hashlib.sha256(v2_template).hexdigest()


def test_deploy_refuses_a_process_set_naming_a_letter_it_does_not_carry(db, clock, process_set, tmp_path):
    write_letter(process_set, "Tekst.")
    (process_set / "letters" / f"{LETTER}.docx").rename(process_set / "letters" / "andere_brief.docx")
    with db.session() as s, pytest.raises(ProcessValidationError) as exc:
        processes.deploy(session=s, directory=process_set)
    assert any(f"Briefsjabloon '{LETTER}' bestaat niet" in str(i) for i in exc.value.issues)


def test_deploy_refuses_a_template_with_word_internals(db, clock, process_set):
    from tests.documents.test_sanitised import word_internals_template

    write_letter(process_set, "Tekst.")
    word_internals_template(process_set / "letters", LETTER)
    with db.session() as s, pytest.raises(ProcessValidationError) as exc:
        processes.deploy(session=s, directory=process_set)
    issues = [str(i) for i in exc.value.issues]
    assert any(i.startswith(f"letters/{LETTER}.docx") and "bijgehouden wijzigingen" in i for i in issues), issues
    assert any("MERGEFIELD" in i for i in issues), issues
