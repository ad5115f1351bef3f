"""Access matrix: every case-work endpoint × every role (and the excluded persons, and no credentials)
× (own case / other case) → the expected status; 404, not 403, for cases one may not see. Every JSON
answer is scanned for the reporter's name and e-mail: they appear only for meldpunt and the coordinator."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.worklist.models import WorkItem
from tests.api.conftest import CASE_ROLES, EXCLUDED, REPORTER_NAME, SYSTEM_ROLES

pytestmark = pytest.mark.db

WHO = [*CASE_ROLES, *SYSTEM_ROLES, *EXCLUDED, None]
IDENTITY_ROLES = {"meldpunt", "integriteitscoordinator"}
ROLES_OF = {**{r: {r} for r in CASE_ROLES + SYSTEM_ROLES}, "melder": {"integriteitscoordinator"},
            "leidinggevende": {"integriteitscoordinator"}, "betrokkene": {"integriteitscoordinator", "meldpunt"},
            None: set()}
SECRETS = (REPORTER_NAME, "rita@example.org")


def sees(who, target):
    return who in CASE_ROLES and target == "own"


def case_endpoint(ok=200):
    return lambda who, target: 401 if who is None else (ok if sees(who, target) else 404)


def identity_endpoint(ok=200):
    def expected(who, target):
        if who is None:
            return 401
        if not sees(who, target):
            return 404
        return ok if who in IDENTITY_ROLES else 403
    return expected


def desk_endpoint(ok=200):
    """Only the desk (which may see the identity) of a case it may see: the redaction of the report."""
    def expected(who, target):
        if who is None:
            return 401
        if not sees(who, target):
            return 404
        return ok if who == "meldpunt" else 403
    return expected


def any_user(ok=200):
    return lambda who, target: 401 if who is None else ok


def only(role, ok=200):
    return lambda who, target: 401 if who is None else (ok if who == role else 403)


def task_expected(who, target):
    if who is None:
        return 401
    excluded = who in EXCLUDED and target == "own"
    return 200 if sees(who, target) or ("meldpunt" in ROLES_OF[who] and not excluded) else 404


def complete_expected(who, target):
    seen = task_expected(who, target)
    if seen != 200:
        return seen
    return 422 if "meldpunt" in ROLES_OF[who] else 403


def assign_expected(who, target):
    if who is None:
        return 401
    if not sees(who, target):
        return 404
    return 200 if who == "integriteitscoordinator" else 403


def intake_expected(who, target):
    if who is None:
        return 401
    return 201 if ROLES_OF[who] & {"meldpunt", "integriteitscoordinator", "vertrouwenspersoon"} or who == "leidinggevende" else 403


def reporter_expected(who, target):
    if who is None:
        return 401
    return 200 if who == "melder" and target == "own" else 404


MANIFEST = ("manifest.json", b'{"main_process": "x", "roles": {}}', "application/json")

ENDPOINTS = [
    ("GET", "/zaken/{case}", None, case_endpoint()),
    ("GET", "/zaken/{case}/tijdlijn", None, case_endpoint()),
    ("GET", "/zaken/{case}/positie", None, case_endpoint()),
    ("GET", "/zaken/{case}/bpmn", None, case_endpoint()),
    ("GET", "/zaken/{case}/documenten", None, case_endpoint()),
    ("GET", "/zaken/{case}/onthullingen", None, case_endpoint()),
    ("GET", "/zaken/{case}/taken/afgerond", None, case_endpoint()),
    ("PUT", "/zaken/{case}/geredigeerd/omschrijving", {"tekst": "Een collega declareert ten onrechte."},
     desk_endpoint()),
    ("GET", "/zaken/{case}/berichten", None, identity_endpoint()),
    ("GET", "/zaken/{case}/bijlagen", None, identity_endpoint()),
    ("POST", "/zaken/{case}/berichten", {"tekst": "Kunt u dit toelichten?"}, identity_endpoint(201)),
    ("POST", "/zaken/{case}/onthullingen", "reveal", case_endpoint(201)),
    ("GET", "/zaken/{case}/notities", None, case_endpoint()),
    ("POST", "/zaken/{case}/notities", {"tekst": "Interne notitie."}, case_endpoint(201)),
    ("GET", "/zaken/{case}/bestanden", None, case_endpoint()),
    ("GET", "/zaken", None, any_user()),
    ("GET", "/taken/mijn", None, any_user()),
    ("GET", "/taken/onverdeeld", None, any_user()),
    ("GET", "/taken/te-laat", None, any_user()),
    ("GET", "/taken/{task}", None, task_expected),
    ("GET", "/taken/{task}/formulier", None, task_expected),
    ("GET", "/processen", None, any_user()),
    ("GET", "/processen/{version}/bpmn", None, any_user()),
    ("POST", "/processen/valideren", "upload", only("procesbeheerder")),
    ("GET", "/audit", None, only("auditor")),
    ("GET", "/audit/zaken/{case}", None, only("auditor")),
    ("POST", "/audit/verificatie", None, only("auditor")),
    ("GET", "/mijn-meldingen/{case}", None, reporter_expected),
    ("GET", "/mijn-meldingen/{case}/berichten", None, reporter_expected),
    ("GET", "/mijn-meldingen/{case}/brieven", None, reporter_expected),
    ("POST", "/meldingen", "report", intake_expected),
    ("GET", "/melder/melding", None, lambda who, target: 401),  # staff credentials open no reporter session
    ("GET", "/melder/berichten", None, lambda who, target: 401),
    ("GET", "/melder/brieven", None, lambda who, target: 401),
    ("POST", "/taken/{task}/afronden", {"gegevens": {}}, complete_expected),  # invalid data: nothing changes
    ("POST", "/taken/{task}/toewijzen", "assign", assign_expected),  # last: it changes the task
]


def test_access_matrix(world, db):
    c = world.client
    with db.session() as s:
        tasks = {cid: s.scalar(select(WorkItem.id).where(WorkItem.case_id == cid)) for cid in (world.case_a, world.case_b)}
    mismatches, leaks, checked = [], [], 0
    for method, template, body, expected in ENDPOINTS:
        for target, case_id in (("own", world.case_a), ("other", world.case_b)):
            if "{case}" not in template and "{task}" not in template and target == "other":
                continue
            for who in WHO:
                path = "/api/v1" + template.format(case=case_id, task=tasks[case_id], version=world.version_id)
                kwargs = {"headers": world.h(who)}
                if body == "upload":
                    kwargs["files"] = [("bestanden", MANIFEST)]
                elif body == "reveal":
                    kwargs["json"] = {"ontvanger_id": world.users["onderzoeker"], "reden": "Nodig om te horen."}
                elif body == "assign":
                    kwargs["json"] = {"medewerker_id": world.users["meldpunt"], "reden": "Werkverdeling"}
                elif body == "report":
                    kwargs["json"] = {"categorie": "Financiële schendingen", "omschrijving": "Een melding van tien tekens.",
                                      "dienstonderdeel": "Elders",
                                      "toestemming_doorgeven": True}  # a vertrouwenspersoon passes on with consent
                elif body is not None:
                    kwargs["json"] = body
                r = c.request(method, path, **kwargs)
                checked += 1
                want = expected(who, target)
                if r.status_code != want:
                    mismatches.append(f"{method} {template} {who} {target}: {r.status_code} != {want} {r.text[:150]}")
                if r.status_code >= 400:
                    assert r.headers["content-type"].startswith("application/problem+json"), path
                if who not in IDENTITY_ROLES and any(secret in r.text for secret in SECRETS):
                    leaks.append(f"{method} {template} {who} {target}")
    assert not mismatches, "\n".join(mismatches)
    assert not leaks, leaks
    assert checked > 400


def test_identity_only_for_desk_and_coordinator_and_reads_are_audited(world, db):
    c = world.client
    for who in WHO:
        r = c.get(f"/api/v1/zaken/{world.case_a}", headers=world.h(who))
        if who in IDENTITY_ROLES:
            assert r.json()["melder"]["identiteit"]["melder_naam"] == REPORTER_NAME
        elif r.status_code == 200:
            assert r.json()["melder"]["identiteit"] is None
            assert r.json()["melder"]["pseudoniem"].startswith("Melder A-")
            assert REPORTER_NAME not in r.text
    with db.session() as s:
        reads = s.execute(select(AuditEvent.actor).where(AuditEvent.action == "identity.read",
                                                         AuditEvent.case_id == world.case_a)).scalars().all()
    assert sorted(reads) == ["integriteitscoordinator", "meldpunt"]
