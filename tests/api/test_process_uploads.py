"""Process versions over HTTP: validate without deploying, deploy (procesbeheerder only), download BPMN;
non-XML, XML bombs, traversal names and oversized uploads are refused quickly with nothing changed."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from engine.processes.models import ProcessVersion
from tests.process.driver import PROCESSES

pytestmark = pytest.mark.db

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol9;</bpmn:definitions>"""


def process_files():
    out = []
    for path in sorted(PROCESSES.rglob("*")):
        if path.is_file() and path.suffix in (".bpmn", ".dmn", ".json", ".docx") and path.name != "gelijkgestelde_dagen.json":
            rel = path.relative_to(PROCESSES).as_posix()
            out.append(("bestanden", (rel, path.read_bytes(), "application/octet-stream")))
    return out


def versions(db):
    with db.session() as s:
        return s.scalar(select(func.count(ProcessVersion.id)))


def test_validate_deploy_and_download(world, db):
    c = world.client
    before = versions(db)
    r = c.post("/api/v1/processen/valideren", headers=world.h("procesbeheerder"), files=process_files())
    assert r.status_code == 200, r.text
    assert r.json() == {"geldig": True, "issues": []}
    assert versions(db) == before
    # a broken set: issues with file and element, nothing deployed
    files = [f if f[1][0] != "melding.bpmn" else ("bestanden", ("melding.bpmn", f[1][1].replace(b'name="Meldpunt"', b'name="Niemand"'), "x"))
             for f in process_files()]
    r = c.post("/api/v1/processen/valideren", headers=world.h("procesbeheerder"), files=files)
    assert r.status_code == 200 and r.json()["geldig"] is False
    assert all(set(i) == {"file", "message", "element_id", "line"} for i in r.json()["issues"])
    assert any(i["file"] == "melding.bpmn" for i in r.json()["issues"])
    # deploying is for the process owner only
    assert c.post("/api/v1/processen", headers=world.h("integriteitscoordinator"), files=process_files()).status_code == 403
    r = c.post("/api/v1/processen", headers=world.h("procesbeheerder"), files=files)
    assert r.status_code == 422 and r.json()["issues"]
    assert versions(db) == before
    r = c.get(f"/api/v1/processen/{world.version_id}/bpmn", headers=world.h("onderzoeker"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml") and b"integriteitsmelding" in r.content
    assert c.get(f"/api/v1/processen/{world.version_id}/bpmn?bestand=../../etc/passwd", headers=world.h("onderzoeker")).status_code == 404
    assert c.get("/api/v1/processen", headers=world.h("onderzoeker")).json()[0]["id"] == world.version_id


def test_xml_bomb_non_xml_and_traversal_are_refused_quickly(world, db):
    c, h = world.client, world.h("procesbeheerder")
    manifest = ("bestanden", ("manifest.json", (PROCESSES / "manifest.json").read_bytes(), "application/json"))
    started = time.monotonic()
    r = c.post("/api/v1/processen/valideren", headers=h, files=[manifest, ("bestanden", ("bom.bpmn", BOMB, "application/xml"))])
    assert r.status_code == 422 and "XML-bom" in r.text
    r = c.post("/api/v1/processen/valideren", headers=h, files=[manifest, ("bestanden", ("x.bpmn", b"\x89PNG not xml", "image/png"))])
    assert r.status_code == 422 and r.json()["issues"][0]["file"] == "x.bpmn"
    r = c.post("/api/v1/processen/valideren", headers=h, files=[manifest, ("bestanden", ("../../evil.bpmn", b"<a/>", "x"))])
    assert r.status_code == 422
    r = c.post("/api/v1/processen/valideren", headers=h, files=[manifest, ("bestanden", ("run.sh", b"#!/bin/sh", "x"))])
    assert r.status_code == 422
    r = c.post("/api/v1/processen", headers=h, files=[manifest, ("bestanden", ("bom.bpmn", BOMB, "application/xml"))])
    assert r.status_code == 422
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("name, content, line, words", [
    ("forms/x.json", b'{"titel": "X",\n "type" "object"}', 2, ["dubbele punt", "kolom 9"]),
    ("forms/x.json", b'{"titel": "X",}', 1, ["naam van een eigenschap", "kolom 15"]),
    ("forms/x.json", b'{"titel": "\xff"}', 1, ["UTF-8", "kolom 12"]),
    ("x.bpmn", b"<a>\n<b>\n</c>\n</a>", 3, ["</c>", "<b>", "regel 2", "kolom 5"]),
    ("x.bpmn", b"<a>\n<b x=1/></a>", 2, ["aanhalingstekens", "kolom"]),
])
def test_an_upload_that_does_not_parse_is_explained_in_dutch(world, db, name, content, line, words):
    from tests.engine.test_parse_errors_dutch import dutch_only

    manifest = ("bestanden", ("manifest.json", (PROCESSES / "manifest.json").read_bytes(), "application/json"))
    r = world.client.post("/api/v1/processen/valideren", headers=world.h("procesbeheerder"),
                          files=[manifest, ("bestanden", (name, content, "application/octet-stream"))])
    assert r.status_code == 422, r.text
    [issue] = r.json()["issues"]
    assert (issue["file"], issue["line"]) == (name, line), issue
    assert issue["message"].startswith("Geen geldige JSON: " if name.endswith(".json") else "Geen geldige XML: ")
    for word in words:
        assert word in issue["message"], issue["message"]
    dutch_only(issue["message"])


def test_fifty_megabyte_upload_is_refused_quickly(world, db):
    c = world.client
    big = b"<a>" + b"x" * (50 * 1024 * 1024) + b"</a>"
    started = time.monotonic()
    r = c.post("/api/v1/processen/valideren", headers=world.h("procesbeheerder"),
               files=[("bestanden", ("groot.bpmn", big, "application/xml"))])
    assert r.status_code == 413, r.text[:200]
    assert r.headers["content-type"].startswith("application/problem+json")
    assert time.monotonic() - started < 10
    before = versions(db)
    assert c.post("/api/v1/processen", headers=world.h("procesbeheerder"),
                  files=[("bestanden", ("groot.bpmn", big, "application/xml"))]).status_code == 413
    assert versions(db) == before


def test_an_integrity_set_without_legal_rules_is_refused_by_validate_and_deploy(world, db, tmp_path):
    """The upload path of `processes check` and deploy: the shipped set without ``legal_rules`` and with the sanction
    as free text (tests/engine/test_integrity_case_floor.py) is not valid, and not deployed."""
    import shutil

    from tests.engine.test_integrity_case_floor import MISSING, strip_legal_rules

    target = tmp_path / "processes"
    shutil.copytree(PROCESSES, target)
    strip_legal_rules(target)
    files = [("bestanden", (p.relative_to(target).as_posix(), p.read_bytes(), "application/octet-stream"))
             for p in sorted(target.rglob("*")) if p.is_file() and p.suffix in (".bpmn", ".dmn", ".json", ".docx")
             and p.name != "gelijkgestelde_dagen.json"]
    h = world.h("procesbeheerder")
    r = world.client.post("/api/v1/processen/valideren", headers=h, files=files)
    assert r.status_code == 200 and r.json()["geldig"] is False, r.text
    assert any(i["file"] == "manifest.json" and i["element_id"] == "legal_rules" and MISSING in i["message"]
               for i in r.json()["issues"]), r.json()["issues"]
    before = versions(db)
    r = world.client.post("/api/v1/processen", headers=h, files=files, data={"zonderRepetitie": "test"})
    assert r.status_code == 422 and any(MISSING in i["message"] for i in r.json()["issues"]), r.text
    assert versions(db) == before
