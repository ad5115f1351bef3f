"""A small world for the case-work API tests: the real process deployed, one user per role, two cases.

Case A (unit "Directie Toezicht") has a known reporter, a subject and the subject's line manager, each of
whom also holds an oversight role (so their exclusion is what keeps them out). Every case role is bound to
case A through an actor slot (their "own" case); case B (unit "Douane") is nobody's but the organisation-wide
bureau. Each user gets a bearer token.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from engine.identity import service as identity
from engine.intake import service as intake
from engine.processes import service as processes
from tests.factories import bind_to_slot
from tests.process.driver import PROCESSES

REPORTER_NAME = "Rita Geheimnaam"
UNIT = "Directie Toezicht"
CASE_ROLES = ["meldpunt", "integriteitscoordinator", "onderzoeker", "bevoegd_gezag", "hr_adviseur", "jurist",
              "vertrouwenspersoon", "bureau_vi"]
SYSTEM_ROLES = ["procesbeheerder", "auditor"]
EXCLUDED = ["melder", "betrokkene", "leidinggevende"]

REPORT = {
    "kanaal": "meldpunt_integriteit", "categorie": "Financiële schendingen", "subcategorie": "fraude",
    "omschrijving": "Declaraties voor reizen die niet zijn gemaakt.", "dienstonderdeel": UNIT,
    "betrokkene_naam": "B. Betrokkene", "betrokkene_functie": "Inspecteur", "risicofunctie": "geen",
    "melder_anoniem": False, "via_vertrouwenspersoon": False,
}


@dataclass
class World:
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    case_a: int = 0
    case_b: int = 0
    version_id: int = 0

    def h(self, who: str | None) -> dict:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}


@pytest.fixture
def app(db, clock):
    return create_app(ApiSettings(cookie_secure=True))


@pytest.fixture
def client(app):
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def world(db, clock, client) -> World:
    w = World(client=client)
    with db.session() as s:
        w.version_id = processes.deploy(session=s, directory=PROCESSES).id
        for role in CASE_ROLES + SYSTEM_ROLES:
            unit = None if role in SYSTEM_ROLES else UNIT
            u = identity.create_user(session=s, username=role, display_name=role.title(), roles=[role], unit=unit)
            w.users[role] = u.id
        # A second coordinator (to approve reveals requested by the first) and a colleague in another unit.
        u = identity.create_user(session=s, username="coordinator2", display_name="Coördinator Twee",
                                 roles=["integriteitscoordinator"], unit=UNIT)
        w.users["coordinator2"] = u.id
        mgr = identity.create_user(session=s, username="leidinggevende", display_name="Lea Leiding",
                                   roles=["integriteitscoordinator"], unit=UNIT)
        subj = identity.create_user(session=s, username="betrokkene", display_name="B. Betrokkene",
                                    roles=["integriteitscoordinator", "meldpunt"], unit=UNIT, manager_id=mgr.id)
        rep = identity.create_user(session=s, username="melder", display_name=REPORTER_NAME,
                                   roles=["integriteitscoordinator"], unit=UNIT)
        w.users.update(leidinggevende=mgr.id, betrokkene=subj.id, melder=rep.id)
        desk = s.get(type(rep), w.users["meldpunt"])
        a = intake.submit_report(session=s, actor=desk, data={**REPORT, "melder_naam": REPORTER_NAME,
                                                              "melder_email": "rita@example.org"},
                                 reporter_user_id=rep.id, subject_user_id=subj.id).case
        b = intake.submit_report(session=s, actor=desk, data={**REPORT, "dienstonderdeel": "Douane",
                                                              "melder_naam": "Iemand Anders"}).case
        w.case_a, w.case_b = a.id, b.id
        for role in CASE_ROLES:  # every case role is involved in case A: bound to a slot of its role
            bind_to_slot(s, case_id=a.id, user_id=w.users[role], role=role, slot=f"test_{role}")
        s.flush()
        for name, uid in w.users.items():
            user = s.get(type(rep), uid)
            w.tokens[name] = identity.issue_token(session=s, user=user, name="test")[0]
    return w
