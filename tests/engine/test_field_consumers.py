"""Issue 15: every field a step asks for has a consumer. `processes check` and deploy refuse a form field that no
letter, page (a read-only field of a later form), report or later step (script, condition, timer, DMN, manifest)
reads, unless the form declares it archival with ``"x-archief": "<reden>"``.

Each test copies the real processes/ to a temporary directory and breaks it the way a process owner could.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import ProcessValidationError
from engine.processes import service
from engine.processes.consumers import names_read
from tests.engine.test_legal_proof import ISSUE, copy, edit, named, refusals  # noqa: F401  (copy: fixture)
from tests.process.driver import PROCESSES

UNREAD = "wordt door niets gelezen"


def _form(directory: Path, name: str) -> dict:
    return json.loads((directory / "forms" / f"{name}.json").read_text(encoding="utf-8"))


def _write(directory: Path, name: str, schema: dict) -> None:
    (directory / "forms" / f"{name}.json").write_text(json.dumps(schema, ensure_ascii=False, indent=2),
                                                       encoding="utf-8")


def _unread(issues: list[str], file: str, field: str) -> re.Match:
    return ISSUE.match(named(issues, file, field, UNREAD))


def test_the_real_processes_leave_no_field_unread():
    assert [i for i in refusals(PROCESSES) if UNREAD in i or "x-archief" in i] == []


def test_a_field_nobody_reads_is_refused_with_file_line_and_field(copy):
    schema = _form(copy, "ordemaatregel_besluit")
    schema["properties"]["ordemaatregel_einddatum_gepland"] = {"type": "string", "title": "Gepland einde",
                                                               "format": "date"}
    _write(copy, "ordemaatregel_besluit", schema)
    m = _unread(refusals(copy), "forms/ordemaatregel_besluit.json", "ordemaatregel_einddatum_gepland")
    lines = (copy / "forms/ordemaatregel_besluit.json").read_text(encoding="utf-8").splitlines()
    assert '"ordemaatregel_einddatum_gepland"' in lines[int(m["line"]) - 1]
    assert "x-archief" in m["message"]  # the message says how to fix it


@pytest.mark.parametrize("file, old, new, form, field", [
    # the finding itself: the 12-week notice rendering the feedback template again leaves the verdict text unread
    ("integriteitsmelding.bpmn", '<spiffworkflow:property name="letter" value="gegrondheid_melder" />',
     '<spiffworkflow:property name="letter" value="terugkoppeling_melder" />',
     "melder_informeren_gegrondheid", "gegrondheid_tekst"),
    # a page: the report writer no longer sees the investigation plan
    ("forms/rapport_opstellen.json", '"onderzoeksplan": {', '"onderzoeksplan_weg": {',
     "onderzoek_starten", "onderzoeksplan"),
    # a later step: the script no longer keeps what the investigator did to reach a silent witness (the date the
    # minutes were offered, this case before, is now also read by the manifest's deadline for the subject's minutes)
    ("onderzoek.bpmn", '"toelichting": getuige_zonder_reactie_toelichting}', '"toelichting": None}',
     "getuigenverslag_zonder_reactie", "getuige_zonder_reactie_toelichting"),
], ids=["letter", "page", "script"])
def test_a_field_whose_only_consumer_goes_is_refused(copy, file, old, new, form, field):
    edit(copy / file, old, new)
    _unread(refusals(copy), f"forms/{form}.json", field)


def test_archival_fields_need_a_reason(copy):
    schema = _form(copy, "escalatie_aangifte")
    schema["properties"]["escalatie_aangifte_actie"]["x-archief"] = ""
    _write(copy, "escalatie_aangifte", schema)
    assert any(i.startswith("forms/escalatie_aangifte.json:") and "[escalatie_aangifte_actie]" in i
               and "moet de reden noemen" in i for i in refusals(copy)), refusals(copy)
    del schema["properties"]["escalatie_aangifte_actie"]["x-archief"]
    _write(copy, "escalatie_aangifte", schema)
    _unread(refusals(copy), "forms/escalatie_aangifte.json", "escalatie_aangifte_actie")


def test_deploy_refuses_an_unread_field(db, copy):
    schema = _form(copy, "hoorgesprek_voeren")
    schema["properties"]["sfeer_gesprek"] = {"type": "string", "title": "Sfeer van het gesprek"}
    _write(copy, "hoorgesprek_voeren", schema)
    with db.session() as s, pytest.raises(ProcessValidationError) as info:
        service.deploy(session=s, directory=copy)
    assert any(i.element_id == "sfeer_gesprek" and UNREAD in i.message for i in info.value.issues)


def test_the_cli_check_lists_the_unread_field(copy):
    schema = _form(copy, "rapport_opstellen")
    schema["properties"]["rapport_bijlagen"] = {"type": "string", "title": "Bijlagen"}
    _write(copy, "rapport_opstellen", schema)
    meldpunt = str(Path(sys.executable).with_name("meldpunt"))
    out = subprocess.run([meldpunt, "processes", "check", str(copy)], capture_output=True, text=True, timeout=180)
    assert out.returncode != 0
    assert re.search(r"forms/rapport_opstellen\.json:\d+ \[rapport_bijlagen\]: Veld 'rapport_bijlagen' " + UNREAD,
                     out.stdout + out.stderr), out.stdout + out.stderr


def test_names_read_counts_loads_not_stores():
    assert names_read("termijn = legal_date('P14D', start=aangeboden_op)\nx = termijn") == {
        "legal_date", "aangeboden_op", "termijn"}
    assert "nieuw" not in names_read("nieuw = 1")
