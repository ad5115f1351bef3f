"""Migration of running cases over HTTP (issue 18): dry run by default, procesbeheerder only, Dutch problems."""
from __future__ import annotations

import pytest

from engine.cases.models import Case
from engine.processes import service as processes
from tests.engine.test_case_migration import version_n1

pytestmark = pytest.mark.db


def test_dry_run_then_migration_over_the_api(world, db, tmp_path):
    c, h = world.client, world.h("procesbeheerder")
    with db.session() as s:
        new = processes.deploy(session=s, directory=version_n1(tmp_path), actor="procesbeheerder").id
    url = f"/api/v1/processen/{world.version_id}/migratie"
    assert c.post(url, headers=world.h("integriteitscoordinator"), json={"naar": new}).status_code == 403
    r = c.post(url, headers=h, json={"naar": "twee"})
    assert r.status_code == 422 and "naar" in r.text
    r = c.post(url, headers=h, json={"naar": world.version_id})
    assert r.status_code == 422 and "naar" in r.text
    assert c.post(url, headers=h, json={"naar": 999999}).status_code == 404
    r = c.post(url, headers=h, json={"naar": 2**63, "proefdraai": False})  # beyond any id column: refused, no 500
    assert r.status_code == 422 and [e["label"] for e in r.json()["errors"]] == ["Naar"], r.text

    r = c.post(url, headers=h, json={"naar": new})  # proefdraai is the default
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["proefdraai"] is True and body["gemigreerd"] == 0
    assert {z["zaak_id"] for z in body["zaken"]} == {world.case_a, world.case_b}
    assert all(z["migreerbaar"] and not z["redenen"] for z in body["zaken"])
    with db.session() as s:
        assert {s.get(Case, i).process_version_id for i in (world.case_a, world.case_b)} == {world.version_id}

    r = c.post(url, headers=h, json={"naar": new, "proefdraai": False})
    assert r.status_code == 200, r.text
    assert r.json()["gemigreerd"] == 2
    with db.session() as s:
        assert {s.get(Case, i).process_version_id for i in (world.case_a, world.case_b)} == {new}
