"""Versions over HTTP (issue 18): the list says which version is active and how many cases run on each; an earlier
version is activated again (procesbeheerder only, audited); the differences between two versions per element."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from tests.api.test_process_uploads import process_files

pytestmark = pytest.mark.db


def _variant():
    """The real process files with a task renamed and a field added to its form."""
    out = []
    for name, (path, content, kind) in process_files():
        if path == "melding.bpmn":
            content = content.replace(b'name="Melding registreren"', b'name="Melding vastleggen"', 1)
        if path == "forms/melding_registreren.json":
            form = json.loads(content)
            form["properties"]["interne_notitie"] = {"type": "string", "title": "Interne notitie",
                                                   "x-archief": "Alleen voor het dossier"}
            content = json.dumps(form, ensure_ascii=False).encode()
        out.append((name, (path, content, kind)))
    return out


def test_versions_activation_and_differences(world, db):
    c, owner = world.client, world.h("procesbeheerder")
    v1 = world.version_id
    (only,) = c.get("/api/v1/processen", headers=world.h("meldpunt")).json()
    assert only["actief"] is True and only["lopende_zaken"] == 2  # the world's two cases
    r = c.post("/api/v1/processen", headers=owner, files=_variant())
    assert r.status_code == 201, r.text
    v2 = r.json()["id"]
    assert r.json()["uitkomst"] == "nieuw" and r.json()["actief"] is True and r.json()["lopende_zaken"] == 0
    listed = {v["id"]: (v["actief"], v["lopende_zaken"]) for v in c.get("/api/v1/processen", headers=owner).json()}
    assert listed == {v1: (False, 2), v2: (True, 0)}

    r = c.get(f"/api/v1/processen/{v2}/verschillen", headers=world.h("meldpunt"), params={"met": v1})
    assert r.status_code == 200, r.text
    changes = [(d["soort"], d["wijziging"], d["naam"], d["element_id"]) for d in r.json()["verschillen"]]
    assert changes == [("taak", "gewijzigd", "Melding vastleggen", "melding_registreren"),
                       ("formulier", "gewijzigd", "Melding registreren", None)], changes
    assert r.json()["verschillen"][1]["details"] == ["velden toegevoegd: Interne notitie",
                                                     "gebruikt door: Melding vastleggen"]
    assert c.get(f"/api/v1/processen/{v2}/verschillen", headers=owner, params={"met": v2 + 50}).status_code == 404
    assert c.get(f"/api/v1/processen/{v2}/verschillen", headers=owner).status_code == 422

    # the rollback: only the process owner; the same files again activate the earlier version
    assert c.post(f"/api/v1/processen/{v1}/activeren", headers=world.h("integriteitscoordinator")).status_code == 403
    r = c.post("/api/v1/processen", headers=owner, files=process_files())
    assert r.status_code == 201 and r.json()["id"] == v1 and r.json()["uitkomst"] == "geactiveerd", r.text
    assert "weer actief" in r.json()["melding"]
    listed = {v["id"]: v["actief"] for v in c.get("/api/v1/processen", headers=owner).json()}
    assert listed == {v1: True, v2: False}
    r = c.post(f"/api/v1/processen/{v2}/activeren", headers=owner)
    assert r.status_code == 200 and r.json()["actief"] is True, r.text
    assert c.post(f"/api/v1/processen/{v2 + 50}/activeren", headers=owner).status_code == 404
    with db.session() as s:
        events = [(e.actor, e.action, e.details["version"]) for e in s.execute(
            select(AuditEvent).where(AuditEvent.action.like("process.%")).order_by(AuditEvent.id)).scalars()]
    assert events[-3:] == [("procesbeheerder", "process.deployed", v2), ("procesbeheerder", "process.activated", v1),
                           ("procesbeheerder", "process.activated", v2)]
