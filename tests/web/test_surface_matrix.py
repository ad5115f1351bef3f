"""One access matrix over both surfaces (issue 16): every route of the app × every person, against ONE policy table.

The routes are enumerated from the running app, not listed by hand: the API's from its OpenAPI document, the HTML
pages by walking the app's routes (FastAPI includes routers lazily, so the walk follows ``original_router``). A route
without an entry in :data:`POLICY` fails the suite, naming the route. Each entry says who may use the route (the
audience), which answers count as "allowed", and what everyone else gets: 404 for a case, task or letter one may not
see (not visible and not existing look the same), 403 for a role one lacks, 401 (API) or the login page (web)
without credentials.

The persons: every user of the demo organisation (``engine.identity.seed``), plus the case's reporter, its subject
and the subject's line manager (users without case roles; the manager is a process owner, so the process owner's
doors are also probed for a party of the case), someone without credentials and an anonymous reporter with a
receipt code; a handler the reporter excluded at intake (``engine.intake.exclusions``: a desk member and
integrity coordinator of the case's unit, party ``uitgesloten``), to whom every door of the case answers as for a
case that does not exist, whose answers never hold the case's reference or substance, and whose figures do not count
it; and two who could see the case when they logged in and lost that while logged in: a Bureau V&I member whose
account was then blocked (every door answers as to someone without credentials) and an organisation-wide
coordinator whose roles were then taken away (every door answers as to a staff member without a role). The case: a named report (name, e-mail, address, phone) worked up to the director's decision, so
investigators, HR, the director and Bureau V&I all work it; it has letters (one to the reporter), an attachment from
the reporter and a reveal request. Every answer's bytes (HTML, JSON, .docx text, CSV) are searched for the reporter's
identity; only the identity-authorised (desk, coordinator) and the reporter may get it.

One seeded database per module (SQLite or PostgreSQL: ``db`` mark); one test per person.
"""
from __future__ import annotations

import html as html_lib
import io
import json
import re
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web import flow

pytestmark = pytest.mark.db

PASSWORD = "meldpunt-demo"
REPORTER = {"melder_naam": "Rosalind Vermeulen", "melder_email": "rosalind.vermeulen@example.org",
            "melder_adres": "Lindelaan 77, 9999 ZZ Ergenshuizen", "melder_telefoon": "0612345678"}
# What identifies her in any answer: name (and surname alone), e-mail, address, phone.
NEEDLES = ("Rosalind Vermeulen", "Vermeulen", "rosalind.vermeulen@example.org", "Lindelaan 77", "0612345678")
NAME_NEEDLES = ("Rosalind Vermeulen", "Vermeulen")
CASE_TEXT = "Declaraties voor reizen, gemeld door een collega"  # the report's substance (its description)

DEMO = ("directeur", "teamleider", "medewerker", "meldpunt", "coordinator", "onderzoeker1", "onderzoeker2", "hr",
        "jurist1", "jurist2", "vertrouwenspersoon", "bvi", "procesbeheerder", "auditor", "beheerder",
        "leidinggevende", "dlso", "mtlid")  # the last three: the risk inventory's roles (issue 24)
PARTIES = ("melder", "betrokkene", "chef")  # the case's reporter, its subject, the subject's line manager
# The reporter's account name carries her surname: a timeline or audit line naming her account is caught too.
USERNAMES = {"melder": "rvermeulen"}
ANONYMOUS, RECEIPT = "anoniem", "ontvangstcode"
# Logged in while they could see the case, then blocked / their roles taken away (engine.staff, engine.identity.admin)
BLOCKED, ROLE_REMOVED = "geblokkeerd", "rol-ingetrokken"
FORMER = (BLOCKED, ROLE_REMOVED)
# Holds exactly the roles that see the case (the desk, the coordinator of its unit), but the reporter excluded her at
# intake (party ``uitgesloten``, engine.identity.access.EXCLUDED_HANDLER): every case-bound door answers as for a
# case that does not exist, and no figure she reads counts the case.
EXCLUDED = "uitgesloten"
EXCLUDED_HANDLERS = frozenset({EXCLUDED})
PERSONS = DEMO + PARTIES + (ANONYMOUS, RECEIPT) + FORMER + (EXCLUDED,)
STAFF = frozenset(DEMO + PARTIES + (ROLE_REMOVED, EXCLUDED))  # a blocked account is no staff session any more

# --------------------------------------------------------------------------- who is who (declared, not asked)

# Who may see the case: those who worked it (desk, both investigators, HR, director) and the oversight roles
# (coordinator of its unit, Bureau V&I organisation-wide). Never its reporter, subject or subject's manager.
CASE = frozenset({"meldpunt", "coordinator", "onderzoeker1", "onderzoeker2", "hr", "directeur", "bvi"})
IDENTITY = frozenset({"meldpunt", "coordinator"})  # may see who reported (DOMAIN §4)
MAY_SEE_IDENTITY = IDENTITY | {"melder"}  # ... and the reporter herself, in her own channel
ROLE_HOLDERS = {
    "meldpunt": {"meldpunt", EXCLUDED}, "integriteitscoordinator": {"coordinator", EXCLUDED}, "bureau_vi": {"bvi"},
    "bevoegd_gezag": {"directeur"}, "vertrouwenspersoon": {"vertrouwenspersoon"}, "auditor": {"auditor"},
    "procesbeheerder": {"procesbeheerder", "chef"}, "functioneel_beheerder": {"beheerder"},
    "leidinggevende": {"leidinggevende"}, "beveiligingsadviseur": {"dlso"}, "managementteam": {"mtlid"},
}
LINE_MANAGERS = {"directeur", "teamleider", "chef"}  # manage someone: may register a report (api/routers/intake.py)


def holders(*roles: str) -> frozenset[str]:
    return frozenset().union(*(ROLE_HOLDERS[r] for r in roles))


# --------------------------------------------------------------------------- the policy table


@dataclass(frozen=True)
class Policy:
    """Who may use a route, and what counts as an answer for them.

    ``who``: a set of persons, or ``"open"`` (anyone, also without credentials) or ``"once"`` (anyone: a login or
    logout door, probed once without credentials). ``ok``: the statuses that mean "allowed" for the probe sent
    (a probe that would change something is made to stop just after the access decision: an empty text, a task
    already done). ``denied``: the answer for a logged-in person outside ``who`` (404 for case-bound resources,
    403 for a missing role); without credentials the API answers 401 and a page sends to the login page.
    ``inside``: persons who may see the case but not this part of it, and their answer.
    ``shows_identity``: the identity-authorised must get the reporter's identity here (the check is not vacuous).
    ``names_accounts``: the answer names user accounts outside any case (the user list; the whole audit trail with
    its log-ins): a name alone links no one to a report, so only e-mail, address and phone are searched. The
    same events per case (``/audit/zaken/{case_id}``) are searched for the name too."""

    who: frozenset[str] | str
    ok: tuple[int, ...] = (200,)
    denied: int = 404
    inside: tuple[frozenset[str], int] | None = None
    probe: dict = field(default_factory=dict)
    shows_identity: bool = False
    names_accounts: bool = False
    staff_anonymous: int | None = None  # status for logged-in staff on a reporter-session route


def case(ok=(200,), **kw) -> Policy:
    return Policy(CASE, ok, 404, **kw)


def identity_only(ok=(200,), inside: int = 403, **kw) -> Policy:
    """Identity-bearing: the identity-authorised; the others who see the case get ``inside``; the rest 404."""
    return Policy(IDENTITY, ok, 404, inside=(CASE - IDENTITY, inside), **kw)


def role(*roles: str, ok=(200,), **kw) -> Policy:
    return Policy(holders(*roles), ok, 403, **kw)


def staff(ok=(200,), **kw) -> Policy:
    return Policy(STAFF, ok, 403, **kw)


def case_role(*roles: str, ok=(200,), **kw) -> Policy:
    """A role's door on the case: the role's holders, except a holder excluded from the case, who finds the case as
    little as one that does not exist (404); the rest are refused the role (403)."""
    return Policy(holders(*roles) - EXCLUDED_HANDLERS, ok, 403, inside=(EXCLUDED_HANDLERS, 404), **kw)


REPORTER_CHANNEL = frozenset({"melder"})
VIEW_OWNER = frozenset({"coordinator"})
ABSENCE_KEEPERS = frozenset({"coordinator", "beheerder", EXCLUDED})  # besides the person themselves (issue 22)  # owns the saved views of the world
MESSAGE = {"json": {"tekst": "Kunt u dit toelichten?"}}
MANIFEST = ("manifest.json", b'{"main_process": "x", "roles": {}}', "application/json")
PROCESS_UPLOAD = {"files": [("bestanden", MANIFEST)]}
WEB_EMPTY = {"data": {}}  # a page form with only the CSRF token
NOT_A_DOCX = ("ontvangstbevestiging.docx", b"geen Word-bestand",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
TEMPLATE_UPLOAD = {"files": [("sjabloon", NOT_A_DOCX)]}  # checked and refused: nothing rendered
REDACTORS = frozenset({"meldpunt"})
REDACTED = "Een collega zou reizen hebben gedeclareerd die niet zijn gemaakt."

INCIDENT_ROLES = ("procesbeheerder", "integriteitscoordinator", "bureau_vi")


def incident(ok=(200,), **kw) -> Policy:
    """The case's incident: the process owner and the oversight roles; a process owner who is a party of the case
    (the subject's manager) finds it as little as an unknown one (404); everyone else is refused the role (403)."""
    parties = PARTY_PROCESS_OWNERS | EXCLUDED_HANDLERS
    return Policy(holders(*INCIDENT_ROLES) - parties, ok, 403, inside=(parties, 404), **kw)


PARTY_PROCESS_OWNERS = frozenset({"chef"})
INTAKE = IDENTITY | {"vertrouwenspersoon", EXCLUDED} | LINE_MANAGERS  # who may register a report
REGISTER_READERS = ("beveiligingsadviseur", "managementteam", "integriteitscoordinator", "bureau_vi", "leidinggevende")

POLICY: dict[str, Policy] = {
    # ---- open doors
    "GET /": Policy("open", (303,)),
    "GET /inloggen": Policy("open"),
    "POST /inloggen": Policy("once", (403,)),  # no pre-login token: refused before any account is tried
    "POST /uitloggen": Policy("once", (303,)),
    # two-factor login (issue 22): the code page after the password sends a full session on (and no session to
    # the login page); enrolment is each staff member's own page (an empty code: the form again, 422)
    "GET /inloggen/code": Policy("open", (303,)),
    "POST /inloggen/code": Policy("once", (303,)),
    "GET /account/tweestapsverificatie": staff(),
    "POST /account/tweestapsverificatie": staff((422,), probe=WEB_EMPTY),
    # new recovery codes / switching it off: one's own, after a code (not enrolled: back to the enrolment page)
    "POST /account/tweestapsverificatie/herstelcodes": staff((303,), probe=WEB_EMPTY),
    "POST /account/tweestapsverificatie/uitschakelen": staff((303,), probe=WEB_EMPTY),
    # Login through the organisation's OpenID provider: not configured here, so not found for anyone
    # (tests/web/test_oidc.py runs them against a real provider).
    "GET /inloggen/oidc": Policy("open", (404,)),
    "GET /inloggen/oidc/terug": Policy("open", (404,)),
    "GET /melden": Policy("open"),
    "POST /melden": Policy("once", (422,), probe=WEB_EMPTY),
    "GET /melden/ontvangen": Policy("open"),
    "GET /mijn-melding": Policy("open"),  # the code form, or the inbox for a reporter session
    "POST /mijn-melding/code": Policy("once", (403,)),
    "POST /mijn-melding/afmelden": Policy("once", (303,)),
    "GET /api/v1/docs": Policy("open"),
    "GET /api/v1/openapi.json": Policy("open"),
    "GET /api/v1/gezondheid": Policy("open"),
    "GET /api/v1/gereed": Policy("open"),
    # Prometheus figures (api/observability.py): only a scraper with MELDPUNT_METRICS_TOKEN or from
    # MELDPUNT_METRICS_NETWORKS (neither is set here): every person, logged in or not, gets 401
    "GET /metrics": Policy(frozenset(), denied=401),
    "POST /api/v1/auth/inloggen": Policy("once", (401,), probe={"json": {"username": "meldpunt", "password": "fout"}}),
    "POST /api/v1/auth/uitloggen": Policy("once", (401,)),
    "POST /api/v1/melder/sessie": Policy("once", (401,), probe={"json": {"ontvangstcode": "0000 0000 0000 0000"}}),
    "DELETE /api/v1/melder/sessie": Policy("once", (401,)),
    "POST /api/v1/publiek/meldingen": Policy("once", (422,), probe={"json": {}}),
    # who would see a new report, display names only, for the reporter to exclude (engine.intake.exclusions)
    "GET /api/v1/publiek/behandelaars": Policy("open"),
    # ---- the reporter with a receipt code (staff credentials open no reporter session)
    "GET /api/v1/melder/melding": Policy(frozenset({RECEIPT}), denied=401),
    "GET /api/v1/melder/berichten": Policy(frozenset({RECEIPT}), denied=401),
    "POST /api/v1/melder/berichten": Policy(frozenset({RECEIPT}), (201,), 401, probe=MESSAGE),
    "GET /api/v1/melder/bijlagen": Policy(frozenset({RECEIPT}), denied=401),
    "POST /api/v1/melder/bijlagen": Policy(frozenset({RECEIPT}), (201,), 401, probe={
        "files": [("bestand", ("notitie.txt", b"Aanvulling.", "text/plain"))]}),
    "GET /api/v1/melder/brieven": Policy(frozenset({RECEIPT}), denied=401),
    # a letter of another case (the named case's letter to its reporter) is not found in one's own channel
    "GET /api/v1/melder/brieven/{letter_id}": Policy(frozenset({RECEIPT}), (404,), 401),
    "GET /mijn-melding/brieven/{letter_id}": Policy(frozenset({RECEIPT}), (404,), 401),
    "GET /mijn-melding/brieven/{letter_id}/lezen": Policy(frozenset({RECEIPT}), (404,), 401),
    "POST /mijn-melding/antwoord": Policy(frozenset({RECEIPT}), (303,), 401, probe={"data": {"tekst": "Aanvulling."}}),
    "POST /mijn-melding/bijlagen": Policy(frozenset({RECEIPT}), (422,), 401, probe=WEB_EMPTY),
    # oral reports and follow-up (engine.contact): the reporter asks for a meeting, signs or corrects a transcript,
    # answers a check-in; an unknown transcript or check-in is not found
    "POST /mijn-melding/gesprek": Policy(frozenset({RECEIPT}), (422,), 401, probe=WEB_EMPTY),
    "POST /api/v1/melder/gesprek": Policy(frozenset({RECEIPT}), (201,), 401, probe={"json": {"soort": "telefoon"}}),
    "GET /api/v1/melder/verslagen": Policy(frozenset({RECEIPT}), denied=401),
    "POST /api/v1/melder/verslagen/{verslag_id}/ondertekening": Policy(
        frozenset({RECEIPT}), (404,), 401, probe={"json": {"versie": 1, "akkoord": True}}),
    "POST /api/v1/melder/verslagen/{verslag_id}/correcties": Policy(frozenset({RECEIPT}), (404,), 401,
                                                                    probe={"json": {"tekst": "Correctie."}}),
    "GET /api/v1/melder/nazorg": Policy(frozenset({RECEIPT}), denied=401),
    "POST /api/v1/melder/nazorg/{nazorg_id}": Policy(frozenset({RECEIPT}), (404,), 401,
                                                     probe={"json": {"nadelige_gevolgen": "nee"}}),
    "POST /mijn-melding/verslagen/{report_id}/ondertekenen": Policy(frozenset({RECEIPT}), (404,), 401,
                                                                    probe=WEB_EMPTY),
    "POST /mijn-melding/verslagen/{report_id}/correcties": Policy(frozenset({RECEIPT}), (404,), 401,
                                                                  probe=WEB_EMPTY),
    "POST /mijn-melding/nazorg/{follow_up_id}": Policy(frozenset({RECEIPT}), (404,), 401, probe=WEB_EMPTY),
    # ---- the known reporter's own channel (her staff login)
    "GET /api/v1/mijn-meldingen/{case_id}": Policy(REPORTER_CHANNEL),
    "GET /api/v1/mijn-meldingen/{case_id}/berichten": Policy(REPORTER_CHANNEL),
    "POST /api/v1/mijn-meldingen/{case_id}/berichten": Policy(REPORTER_CHANNEL, (201,), probe=MESSAGE),
    "GET /api/v1/mijn-meldingen/{case_id}/bijlagen": Policy(REPORTER_CHANNEL),
    "POST /api/v1/mijn-meldingen/{case_id}/bijlagen": Policy(
        REPORTER_CHANNEL, (201,), probe={"files": [("bestand", ("nog.txt", b"Nog een aanvulling.", "text/plain"))]}),
    "GET /api/v1/mijn-meldingen/{case_id}/brieven": Policy(REPORTER_CHANNEL),
    "GET /api/v1/mijn-meldingen/{case_id}/brieven/{letter_id}": Policy(REPORTER_CHANNEL, shows_identity=True),
    # ---- any logged-in user
    "GET /werkvoorraad": staff(),
    "GET /meldingsvoorkeuren": staff(),  # one's own e-mail notification preference (issue 22)
    "POST /meldingsvoorkeuren": staff((422,), probe=WEB_EMPTY),
    "GET /api/v1/gebruikers/ik/meldingsvoorkeuren": staff(),
    "PUT /api/v1/gebruikers/ik/meldingsvoorkeuren": staff((422,), probe={"json": {"voorkeur": "soms"}}),
    "GET /zaken": staff(),  # the case list: every hit under the visibility condition (count included)
    "GET /api/v1/auth/ik": staff(),
    "GET /api/v1/auth/tokens": staff(),
    "POST /api/v1/auth/tokens": staff((201,), probe={"json": {"name": "matrix"}}),
    "DELETE /api/v1/auth/tokens/{token_id}": Policy(frozenset({"coordinator", "beheerder"}), (204,), 404),
    "GET /api/v1/rollen": staff(),
    "GET /api/v1/zaken": staff(),
    # saved views of the case list: one's own (the coordinator owns the world's views; anyone else: not found)
    "GET /api/v1/zaken/weergaven": staff(),
    "POST /api/v1/zaken/weergaven": staff((201,), probe={"json": {"naam": "Matrix API",
                                                                 "zoekopdracht": {"status": "open"}}}),
    "GET /api/v1/zaken/weergaven/meldingen": staff(),  # one's own notes that views went with a destroyed case
    "DELETE /api/v1/zaken/weergaven/meldingen": staff((204,)),
    "POST /zaken/weergaven/meldingen/gelezen": staff((303,), probe=WEB_EMPTY),
    "GET /api/v1/zaken/weergaven/{view_id}": Policy(VIEW_OWNER),
    "DELETE /api/v1/zaken/weergaven/{view_id}": Policy(VIEW_OWNER, (204,), probe={"view": "api"}),
    "POST /zaken/weergaven": staff((303,), probe={"data": {"naam": "Matrix web", "status": "open"}}),
    "POST /zaken/weergaven/{view_id}/verwijderen": Policy(VIEW_OWNER, (303,), probe={"view": "web", **WEB_EMPTY}),
    # the export of the case list: the oversight roles (engine.identity.roles.EXPORT_ROLES), the list's columns only
    "GET /api/v1/zaken/export": role("integriteitscoordinator", "bureau_vi", probe={"params": {"formaat": "csv"}}),
    "GET /api/v1/zaken/export#xlsx": role("integriteitscoordinator", "bureau_vi",
                                          probe={"params": {"formaat": "xlsx"}}),
    "GET /zaken/export": role("integriteitscoordinator", "bureau_vi", probe={"params": {"formaat": "csv"}}),
    "GET /zaken/export#xlsx": role("integriteitscoordinator", "bureau_vi", probe={"params": {"formaat": "xlsx"}}),
    "GET /api/v1/taken/mijn": staff(),
    "GET /api/v1/taken/onverdeeld": staff(),
    "GET /api/v1/taken/te-laat": staff(),
    "GET /api/v1/processen": staff(),
    "GET /api/v1/processen/{version_id}/bpmn": staff(),
    # versions (issue 18): the differences between two versions (here the version with itself: none) for staff,
    # like the files; activating a version (here the active one: nothing changes) only for the process owner
    "GET /api/v1/processen/{version_id}/verschillen": staff(probe={"params": {"met": "{version_id}"}}),
    "POST /api/v1/processen/{version_id}/activeren": role("procesbeheerder"),
    "POST /processen/{version_id}/activeren": role("procesbeheerder", ok=(303,), probe=WEB_EMPTY),
    "GET /api/v1/rapportages/maandoverzichten": staff(),
    "GET /api/v1/rapportages/maandoverzichten/{overview_id}": staff((404,)),  # someone else's: not found
    "GET /api/v1/rapportages/dienstonderdelen": staff(),
    "POST /api/v1/meldingen": Policy(INTAKE, (201,), 403, probe={"json": {
        "kanaal": "meldpunt_integriteit", "categorie": "Financiële schendingen", "dienstonderdeel": "Elders",
        "omschrijving": "Een melding voor de toegangsmatrix.", "toestemming_doorgeven": True}}),
    # ---- roles
    "GET /processen": role("procesbeheerder"),
    "POST /processen": role("procesbeheerder", probe=WEB_EMPTY),
    "GET /processen/{version_id}/diagram": role("procesbeheerder"),
    "GET /processen/modelleren": role("procesbeheerder"),
    "GET /processen/modelleren/bestand": role("procesbeheerder"),  # without a choice: the main process
    "GET /processen/modelleren/verschillen": role("procesbeheerder"),
    "POST /processen/modelleren/opslaan": role("procesbeheerder", ok=(422,), probe=WEB_EMPTY),  # no file named
    "POST /processen/modelleren/uitrollen": role("procesbeheerder", ok=(422,), probe=WEB_EMPTY),  # no draft
    "POST /processen/modelleren/weggooien": role("procesbeheerder", ok=(303,), probe=WEB_EMPTY),
    "POST /processen/modelleren/repeteren": role("procesbeheerder", ok=(422,), probe=WEB_EMPTY),  # no draft
    "POST /api/v1/processen": role("procesbeheerder", ok=(422,), probe=PROCESS_UPLOAD),
    "POST /api/v1/processen/valideren": role("procesbeheerder", probe=PROCESS_UPLOAD),
    "POST /api/v1/processen/repetitie": role("procesbeheerder", ok=(422,), probe=PROCESS_UPLOAD),
    "POST /processen/repeteren": role("procesbeheerder", probe=WEB_EMPTY),
    # a dry run towards a version that does not exist: 404 naming "naar", nothing changed
    "POST /api/v1/processen/{version_id}/migratie": role("procesbeheerder", ok=(404,), probe={
        "json": {"naar": 999999, "proefdraai": True}}),
    "POST /processen/migratie": role("procesbeheerder", ok=(422,), probe=WEB_EMPTY),  # no versions chosen
    "POST /processen/brieven": role("procesbeheerder", ok=(422,), probe=WEB_EMPTY),  # no letter chosen
    "POST /api/v1/processen/brieven/{brief}/controleren": role("procesbeheerder", probe=TEMPLATE_UPLOAD),
    "POST /api/v1/processen/brieven/{brief}/voorbeeld": role("procesbeheerder", ok=(422,), probe=TEMPLATE_UPLOAD),
    "GET /rapportages": role("integriteitscoordinator", "bureau_vi", "bevoegd_gezag", ok=(303,)),
    # the register of critical and risky functions (issue 24; engine.register.access): readers, a manager for the
    # own team; the rotation names people; the adviser keeps it. It holds nothing of any case.
    "GET /risicofuncties": role(*REGISTER_READERS),
    "GET /api/v1/register/functies": role(*REGISTER_READERS),
    "GET /api/v1/register/functies/{functie_id}/beoordelingen": role(*REGISTER_READERS, ok=(404,)),
    "GET /api/v1/register/overzicht": role(*REGISTER_READERS, probe={"params": {"formaat": "csv"}}),
    "GET /api/v1/register/vervolgacties": role(*REGISTER_READERS),
    "GET /api/v1/register/roulatie": role("beveiligingsadviseur", "managementteam", "bureau_vi"),
    "POST /api/v1/register/inventarisaties": role("beveiligingsadviseur", ok=(422,), probe={
        "json": {"team": "Geen team", "aanleiding": "reorganisatie"}}),
    "POST /risicofuncties/inventarisaties": role("beveiligingsadviseur", ok=(422,), probe=WEB_EMPTY),
    "POST /risicofuncties/functiehouders": role("beveiligingsadviseur", ok=(422,), probe=WEB_EMPTY),
    "POST /api/v1/register/functiehouders": role("beveiligingsadviseur", ok=(422,), probe={
        "json": {"medewerker_id": "spare", "functie_id": 999999, "sinds": "2026-11-02"}}),
    "GET /rapportages/jaarbijlage": role("integriteitscoordinator", "bureau_vi"),
    "GET /rapportages/dashboard": role("integriteitscoordinator", "bureau_vi", "bevoegd_gezag"),
    "GET /api/v1/rapportages/annex": role("integriteitscoordinator", "bureau_vi", probe={"params": {"formaat": "csv"}}),
    "GET /api/v1/rapportages/woo": role("integriteitscoordinator", "bureau_vi"),
    "GET /api/v1/rapportages/dashboard": role("integriteitscoordinator", "bureau_vi", "bevoegd_gezag"),
    "GET /api/v1/rapportages/vp": role("vertrouwenspersoon", "integriteitscoordinator"),
    "POST /api/v1/rapportages/vp-registraties": role("vertrouwenspersoon", ok=(201,), probe={"json": {
        "datum": "2026-10-12", "dienstonderdeel": "Douane", "categorie": "5 Ongewenste omgangsvormen",
        "subcategorie": "intimidatie", "betreft": "leidinggevende", "afhandeling": "klankbordgesprek",
        "situatie_na": "loopt_nog"}}),
    "POST /api/v1/rapportages/import": role("integriteitscoordinator", "procesbeheerder", ok=(422,),
                                        probe={"content": b"geen;csv\n", "headers": {"Content-Type": "text/csv"}}),
    "PUT /api/v1/rapportages/dienstonderdelen/{naam}": role("procesbeheerder", "functioneel_beheerder",
                                                        probe={"json": {"medewerkers": 120}}),
    "GET /api/v1/audit": role("auditor", names_accounts=True),
    "GET /api/v1/audit/zaken/{case_id}": role("auditor"),
    "POST /api/v1/audit/verificatie": role("auditor"),
    "GET /api/v1/gebruikers": role("functioneel_beheerder", names_accounts=True),
    "GET /api/v1/gebruikers/{user_id}": role("functioneel_beheerder", names_accounts=True),
    "POST /api/v1/gebruikers": role("functioneel_beheerder", ok=(422,), probe={"json": {
        "username": "matrix", "display_name": "Matrix", "roles": ["geen_rol"],
        "password": "Lang-genoeg-wachtwoord-1"}}),
    "POST /api/v1/gebruikers/{user_id}/blokkeren": role("functioneel_beheerder", names_accounts=True),
    "PUT /api/v1/gebruikers/{user_id}": role("functioneel_beheerder", ok=(422,), probe={"json": {"roles": ["geen_rol"]}}),
    # staff changes (issue 22, engine.staff.service): the coordinator hands over a person's work; absences are
    # recorded by the person themselves (the probed account is none of the persons), the coordinator and the
    # functional administrator
    "GET /api/v1/gebruikers/{user_id}/werk": role("integriteitscoordinator"),
    "POST /api/v1/gebruikers/{user_id}/werk-overdragen": role("integriteitscoordinator", probe={
        "json": {"naar_id": None, "reden": "Toegangsmatrix"}}),
    "GET /api/v1/gebruikers/{user_id}/afwezigheden": Policy(ABSENCE_KEEPERS, denied=403),
    "POST /api/v1/gebruikers/{user_id}/afwezigheden": Policy(ABSENCE_KEEPERS, (422,), 403, probe={
        "json": {"van": "2026-11-10", "tot": "2026-11-09"}}),
    "DELETE /api/v1/gebruikers/{user_id}/afwezigheden/{absence_id}": Policy(ABSENCE_KEEPERS, (404,), 403),
    # the pages of the roles without case work (issue 17): the same engine doors and roles as the API above
    "GET /audit": role("auditor", names_accounts=True),
    "GET /audit/zaken/{case_id}": role("auditor"),
    "POST /audit/controleren": role("auditor", probe=WEB_EMPTY),
    "GET /gebruikers": role("functioneel_beheerder", names_accounts=True),
    "POST /gebruikers": role("functioneel_beheerder", ok=(422,), probe=WEB_EMPTY, names_accounts=True),
    "POST /gebruikers/{user_id}/blokkeren": role("functioneel_beheerder", ok=(303,), probe=WEB_EMPTY),
    "GET /gebruikers/{user_id}": role("functioneel_beheerder", names_accounts=True),
    "POST /gebruikers/{user_id}": role("functioneel_beheerder", ok=(422,), probe=WEB_EMPTY, names_accounts=True),
    "GET /gebruikers/{user_id}/werk": Policy(ABSENCE_KEEPERS, denied=403, names_accounts=True),
    "POST /gebruikers/{user_id}/werk-overdragen": role("integriteitscoordinator", ok=(422,), probe=WEB_EMPTY,
                                                       names_accounts=True),
    "POST /gebruikers/{user_id}/afwezigheden": Policy(ABSENCE_KEEPERS, (422,), 403, probe=WEB_EMPTY,
                                                      names_accounts=True),
    "POST /gebruikers/{user_id}/afwezigheden/{absence_id}/intrekken": Policy(ABSENCE_KEEPERS, (404,), 403,
                                                                             probe=WEB_EMPTY),
    # someone else's second factor reset (lost phone): the coordinator and the functional administrator
    "POST /gebruikers/{user_id}/tweede-factor-herstellen": Policy(ABSENCE_KEEPERS, (303,), 403, probe=WEB_EMPTY),
    # the coordinator's staff list: the people of their unit, claimed tasks, current absence
    "GET /medewerkers": role("integriteitscoordinator", names_accounts=True),
    "POST /werkvoorraad/personeelsmeldingen/{notice_id}/gezien": role("integriteitscoordinator", ok=(404,),
                                                                       probe=WEB_EMPTY),
    # the same notices through the API (engine.staff.service.notices_to_read / mark_notice_seen)
    "GET /api/v1/personeelsmeldingen": role("integriteitscoordinator"),
    "POST /api/v1/personeelsmeldingen/{notice_id}/gezien": role("integriteitscoordinator", ok=(404,)),
    "GET /vertrouwenspersoon": role("vertrouwenspersoon"),
    "POST /vertrouwenspersoon": role("vertrouwenspersoon", ok=(422,), probe=WEB_EMPTY),
    "GET /rapportages/vertrouwenspersonen": role("vertrouwenspersoon", "integriteitscoordinator"),
    "GET /import": role("integriteitscoordinator", "procesbeheerder"),
    # Incidents (issue 18): the process owner and the oversight roles, never a party of the case (engine.incidents).
    # The case has one (a failed term); retrying it answers that it cannot be fired (400; once closed, 409), the
    # first to close it closes it (then: already resolved, 409); an unknown incident is not found.
    "GET /api/v1/incidenten": role(*INCIDENT_ROLES),
    "GET /api/v1/incidenten/{incident_id}": incident(),
    "GET /api/v1/incidenten/{incident_id}#unknown": role(*INCIDENT_ROLES, ok=(404,), probe={"incident": "unknown"}),
    "POST /api/v1/incidenten/{incident_id}/opnieuw-proberen": incident((400, 409)),
    "POST /api/v1/incidenten/{incident_id}/afsluiten": incident((200, 409)),
    "GET /incidenten": role(*INCIDENT_ROLES),
    "POST /incidenten/{incident_id}/opnieuw": incident((400, 409), probe=WEB_EMPTY),
    "POST /incidenten/{incident_id}/afsluiten": incident((303, 409), probe=WEB_EMPTY),
    "POST /import": role("integriteitscoordinator", "procesbeheerder", ok=(422,), probe=WEB_EMPTY),
    "GET /dienstonderdelen": role("procesbeheerder", "functioneel_beheerder", names_accounts=True),
    "POST /dienstonderdelen": role("procesbeheerder", "functioneel_beheerder", ok=(422,), probe=WEB_EMPTY,
                                   names_accounts=True),
    # ---- records lifecycle (issue 20): the coordinator manages, Bureau V&I also reads and approves (a list
    # that does not exist: the readers get 404, everyone else 403 before any lookup)
    "GET /api/v1/bewaartermijnen/vernietigingslijsten": role("integriteitscoordinator", "bureau_vi"),
    "GET /api/v1/bewaartermijnen/vernietigingslijsten/{list_id}": role("integriteitscoordinator", "bureau_vi",
                                                                      ok=(404,)),
    "GET /api/v1/bewaartermijnen/vernietigingslijsten/{list_id}/verklaring": role(
        "integriteitscoordinator", "bureau_vi", ok=(404,)),
    "POST /api/v1/bewaartermijnen/vernietigingslijsten/{list_id}/voorstellen": role("integriteitscoordinator",
                                                                                   ok=(404,)),
    "POST /api/v1/bewaartermijnen/vernietigingslijsten/{list_id}/goedkeuren": role(
        "integriteitscoordinator", "bureau_vi", ok=(404,)),
    "POST /api/v1/zaken/{case_id}/bewaarplicht": case_role("integriteitscoordinator", ok=(201, 409),
                                                      probe={"json": {"reden": "Lopende rechtszaak."}}),
    "DELETE /api/v1/zaken/{case_id}/bewaarplicht": case_role("integriteitscoordinator", ok=(200, 409)),
    # access requests and person flags (AVG art. 15, 16, 18): the coordinator only, refused (403) for everyone else
    # before any lookup; a request that does not exist is 404 for the coordinator
    "GET /api/v1/inzageverzoeken": role("integriteitscoordinator"),
    "POST /api/v1/inzageverzoeken": role("integriteitscoordinator", ok=(201,), probe={"json": {"naam": "Matrix Persoon"}}),
    "GET /api/v1/inzageverzoeken/{request_id}": role("integriteitscoordinator", ok=(404,)),
    "POST /api/v1/inzageverzoeken/{request_id}/zaken": role("integriteitscoordinator", ok=(404,), probe={
        "json": {"zaaknummer": "Z-0", "rol": "melder"}}),
    "POST /api/v1/inzageverzoeken/{request_id}/verlengen": role("integriteitscoordinator", ok=(404,),
                                                               probe={"json": {"reden": "Veel zaken."}}),
    "POST /api/v1/inzageverzoeken/{request_id}/afhandelen": role("integriteitscoordinator", ok=(404,)),
    "GET /api/v1/inzageverzoeken/{request_id}/export": role("integriteitscoordinator", ok=(404,)),
    "POST /api/v1/zaken/{case_id}/persoonsmarkeringen": case_role("integriteitscoordinator", ok=(422,), probe={"json": {
        "rol": "getuige", "persoon": "Niemand Bekend", "soort": "beperking", "toelichting": "Probe."}}),
    "DELETE /api/v1/zaken/{case_id}/persoonsmarkeringen/{flag_id}": case_role("integriteitscoordinator", ok=(404,)),
    "GET /api/v1/zaken/{case_id}/persoonsmarkeringen": case(),
    # the same on the pages (web/pages/records.py: the same engine functions)
    "GET /bewaartermijnen": role("integriteitscoordinator", "bureau_vi"),
    "POST /bewaartermijnen/lijsten/{list_id}/voorstellen": role("integriteitscoordinator", ok=(404,), probe=WEB_EMPTY),
    "POST /bewaartermijnen/lijsten/{list_id}/goedkeuren": role("integriteitscoordinator", "bureau_vi", ok=(404,),
                                                              probe=WEB_EMPTY),
    "GET /bewaartermijnen/lijsten/{list_id}/verklaring": role("integriteitscoordinator", "bureau_vi", ok=(404,)),
    "POST /zaken/{case_id}/bewaarplicht": case_role("integriteitscoordinator", ok=(303, 409),
                                               probe={"data": {"reden": "Lopende rechtszaak."}}),
    "POST /zaken/{case_id}/bewaarplicht/opheffen": case_role("integriteitscoordinator", ok=(303, 409), probe=WEB_EMPTY),
    "POST /zaken/{case_id}/persoonsmarkeringen": case_role("integriteitscoordinator", ok=(422,), probe={"data": {
        "rol": "getuige", "persoon": "Niemand Bekend", "soort": "beperking", "toelichting": "Probe."}}),
    "POST /zaken/{case_id}/persoonsmarkeringen/{flag_id}/opheffen": case_role("integriteitscoordinator", ok=(404,),
                                                                        probe=WEB_EMPTY),
    "GET /inzageverzoeken": role("integriteitscoordinator"),
    "POST /inzageverzoeken": role("integriteitscoordinator", ok=(303,), probe={"data": {"naam": "Matrix Persoon"}}),
    "GET /inzageverzoeken/{request_id}": role("integriteitscoordinator", ok=(404,)),
    "POST /inzageverzoeken/{request_id}/zaken": role("integriteitscoordinator", ok=(404,), probe={"data": {
        "zaaknummer": "Z-0", "rol": "melder"}}),
    "POST /inzageverzoeken/{request_id}/verlengen": role("integriteitscoordinator", ok=(404,),
                                                        probe={"data": {"reden": "Veel zaken."}}),
    "POST /inzageverzoeken/{request_id}/afhandelen": role("integriteitscoordinator", ok=(404,), probe=WEB_EMPTY),
    "GET /inzageverzoeken/{request_id}/export": role("integriteitscoordinator", ok=(404,)),
    # ---- the case (need to know)
    "GET /api/v1/zaken/{case_id}/bewaartermijn": case(),
    "GET /api/v1/zaken/{case_id}/brieven-in-aanmaak": case(),  # letters waiting in the outbox (VisibleCase)
    # completed work stays readable for the case's people (classes applied by the engine)
    "GET /api/v1/zaken/{case_id}/taken/afgerond": case(),
    "GET /api/v1/zaken/{case_id}/taken/afgerond/{task_id}": case(probe={"task": "done"}),
    # the desk redacts the report's substance; the others who see the case are refused, the rest find nothing
    "PUT /api/v1/zaken/{case_id}/geredigeerd/{veld}": Policy(
        REDACTORS, (200,), 404, inside=(CASE - REDACTORS, 403), probe={"json": {"tekst": REDACTED}}),
    "POST /zaken/{case_id}/geredigeerd/{veld}": Policy(
        REDACTORS, (303,), 404, inside=(CASE - REDACTORS, 403), probe={"data": {"tekst": REDACTED}}),
    "GET /zaken/{case_id}": case(shows_identity=True),
    "GET /zaken/{case_id}/diagram": case(),
    "GET /zaken/{case_id}/brieven/{letter_id}": identity_only(inside=404, shows_identity=True),
    # a variant ("#..."): the same route with another probe - the rest of the case file is for the case's people
    "GET /zaken/{case_id}/brieven/{letter_id}#other-letter": case(probe={"letter": "other"}),
    "POST /zaken/{case_id}/berichten": identity_only((422,), probe={"data": {"tekst": ""}}),
    "GET /api/v1/zaken/{case_id}": case(shows_identity=True),
    "GET /api/v1/zaken/{case_id}/tijdlijn": case(),
    "GET /api/v1/zaken/{case_id}/positie": case(),
    "GET /api/v1/zaken/{case_id}/bpmn": case(),
    "GET /api/v1/zaken/{case_id}/documenten": case(),
    "GET /api/v1/zaken/{case_id}/documenten/{document_id}": identity_only(inside=404, shows_identity=True),
    "GET /api/v1/zaken/{case_id}/documenten/{document_id}#other-letter": case(probe={"letter": "other"}),
    "GET /api/v1/zaken/{case_id}/onthullingen": case(),
    "POST /api/v1/zaken/{case_id}/onthullingen": case((201, 403), probe={"json": {"ontvanger_id": "hr",
                                                                                  "reden": "Nodig voor het horen."}}),
    "POST /api/v1/zaken/{case_id}/onthullingen/{reveal_id}/besluit": case((200, 403, 409), probe={"json": {
        "goedkeuren": False, "toelichting": "Niet nodig."}}),
    # identity reveal pages (engine.cases.reveal): the case's people request; only the coordinator who neither asked
    # nor is the grantee decides (here the coordinator asked: everyone is refused, the request stays open)
    "GET /zaken/{case_id}/onthullingen": case(),
    "POST /zaken/{case_id}/onthullingen": case((422,), probe=WEB_EMPTY),
    "GET /zaken/{case_id}/onthullingen/{reveal_id}": case(),
    "POST /zaken/{case_id}/onthullingen/{reveal_id}/besluit": case((403,), probe={"data": {
        "besluit": "afwijzen", "toelichting": "Niet nodig."}}),
    # staff intake (engine.intake.staff): the form for who may register, the way to pass a report on for the rest
    # (the form offers the organisation's people as reporter and subject: names of accounts, linked to no report)
    "GET /meldingen/nieuw": staff(names_accounts=True),
    "POST /meldingen/nieuw": Policy(INTAKE, (422,), 403, probe=WEB_EMPTY,
                                    names_accounts=True),
    "GET /meldingen/ingevoerd": staff(),
    "GET /api/v1/zaken/{case_id}/berichten": identity_only(),
    "POST /api/v1/zaken/{case_id}/berichten": identity_only((201,), probe=MESSAGE),
    "GET /api/v1/zaken/{case_id}/bijlagen": identity_only(),
    # one of her files, by id: for who may not read it, not found - as through the case file on both surfaces
    "GET /api/v1/zaken/{case_id}/bijlagen/{attachment_id}": identity_only(inside=404, shows_identity=True),
    # internal notes (issue 23): the case's people, never its reporter, subject or subject's manager; only the
    # author (the coordinator) edits, shortly after writing
    "GET /api/v1/zaken/{case_id}/notities": case(),
    "POST /api/v1/zaken/{case_id}/notities": case((201,), probe={"json": {"tekst": "Probe-notitie."}}),
    "PUT /api/v1/zaken/{case_id}/notities/{note_id}": case((200, 403), probe={"json": {"tekst": "Bijgewerkt."}}),
    "POST /zaken/{case_id}/notities": case((422,), probe=WEB_EMPTY),
    "POST /zaken/{case_id}/notities/{note_id}": case((422, 403), probe=WEB_EMPTY),
    # files in the case file: the handlers' for the case's people; the reporter's (she may be named in it) for
    # the identity-authorised only
    "GET /api/v1/zaken/{case_id}/bestanden": case(),
    "POST /api/v1/zaken/{case_id}/bestanden": case((201,), probe={
        "files": [("bestand", ("probe.txt", b"Probe.", "text/plain"))], "data": {"soort": "overig"}}),
    "GET /api/v1/zaken/{case_id}/bestanden/{file_id}": case(),
    "GET /api/v1/zaken/{case_id}/bestanden/{file_id}#reporter-file": identity_only(
        inside=404, shows_identity=True, probe={"file": "reporter"}),
    "POST /zaken/{case_id}/bestanden": case((422,), probe=WEB_EMPTY),
    # an oral report and its transcript go to the reporter: who may write the reporter; the follow-up's signal is
    # the coordinator's (an unknown one is not found for whoever sees the case)
    "POST /zaken/{case_id}/mondeling": identity_only((422,), probe=WEB_EMPTY),
    "GET /api/v1/zaken/{case_id}/gespreksverzoeken": identity_only(),
    "GET /api/v1/zaken/{case_id}/mondelinge-meldingen": identity_only(),
    "POST /api/v1/zaken/{case_id}/mondelinge-meldingen": identity_only((422,), probe={"json": {
        "kanaal": "brief", "datum": "2026-11-02", "verslag": "Probe."}}),
    "POST /api/v1/zaken/{case_id}/mondelinge-meldingen/{verslag_id}/versies": identity_only(
        (404,), probe={"json": {"verslag": "Probe."}}),
    "GET /api/v1/zaken/{case_id}/nazorg": identity_only(),
    # contact tasks outside the process (unsigned transcript, retaliation signal): the case's people list the ones
    # they may see; the open retaliation task's page for who may see the follow-up (desk, coordinator), not found
    # for the case's other people; claiming or completing an unknown task is not found for whoever sees the case
    "GET /api/v1/zaken/{case_id}/contacttaken": case(),
    "POST /api/v1/zaken/{case_id}/contacttaken/{contacttaak_id}/oppakken": case((404,)),
    "POST /api/v1/zaken/{case_id}/contacttaken/{contacttaak_id}/afronden": case((404,), probe={"json": {
        "uitkomst": "herinnerd"}}),
    "POST /api/v1/zaken/{case_id}/contacttaken/{contacttaak_id}/teruggeven": case((404,)),
    "GET /zaken/{case_id}/contacttaken/{contacttaak_id}": identity_only(inside=404, probe={"contacttaak": "open"}),
    "POST /zaken/{case_id}/contacttaken/{contacttaak_id}/oppakken": case((404,), probe=WEB_EMPTY),
    "POST /zaken/{case_id}/contacttaken/{contacttaak_id}/afronden": case((404,), probe=WEB_EMPTY),
    "POST /zaken/{case_id}/contacttaken/{contacttaak_id}/teruggeven": case((404,), probe=WEB_EMPTY),
    "POST /zaken/{case_id}/mondeling/{report_id}/versies": identity_only((404,), probe=WEB_EMPTY),
    "GET /zaken/{case_id}/bestanden/{file_id}": case(),
    "GET /zaken/{case_id}/bestanden/{file_id}#reporter-file": identity_only(
        inside=404, shows_identity=True, probe={"file": "reporter"}),
    # ---- tasks: the open task of the case (API: who sees the case or may take it from the pool; the page: who
    # holds it or may take it), and a task already done (claiming it answers 409 to who sees the case)
    "GET /api/v1/taken/{task_id}": Policy("task"),
    "GET /api/v1/taken/{task_id}/formulier": Policy("task"),
    "POST /api/v1/taken/{task_id}/afronden": Policy("task", (403, 409, 422), probe={"json": {"gegevens": {}}}),
    "POST /api/v1/taken/{task_id}/claimen": case((403, 409), probe={"task": "done"}),
    "POST /api/v1/taken/{task_id}/claimen-en-openen": case((403, 409), probe={"task": "done"}),
    "POST /api/v1/taken/{task_id}/vrijgeven": case((409, 403), probe={"task": "done"}),
    "POST /api/v1/taken/{task_id}/toewijzen": case((403, 409), probe={"task": "done", "json": {
        "medewerker_id": "meldpunt", "reden": "Werkverdeling"}}),
    # the one decision on a task (engine.identity.access.task_access), the API's too: work on it (its holder, the
    # pool while unassigned) or read it (who sees the case: a colleague's open task, read only)
    "GET /taken/{item_id}": Policy("task"),
    # a task already done: its page and the API's task are for who sees the case (engine.cases.completed; the
    # pool of its role has nothing to do with it any more)
    "GET /taken/{item_id}#done": case(probe={"task": "done"}),
    "GET /api/v1/taken/{task_id}#done": case(probe={"task": "done"}),
    "GET /api/v1/taken/{task_id}/formulier#done": case(probe={"task": "done"}),
    "POST /taken/{item_id}": Policy("task-page", (422, 403, 409), probe=WEB_EMPTY),
    "POST /taken/{item_id}/oppakken": case((403, 409), probe={"task": "done", **WEB_EMPTY}),
    "POST /taken/{item_id}/teruggeven": case((409, 403), probe={"task": "done", **WEB_EMPTY}),
    # a draft of a task: only its assignee while it is open (a done task answers 409 to who sees the case)
    "POST /taken/{item_id}/concept": case((409, 403), probe={"task": "done", **WEB_EMPTY}),
    "POST /taken/{item_id}/toewijzen": case((403, 409, 422), probe={"task": "done", "data": {
        "medewerker": "meldpunt", "reden": "Werkverdeling"}}),
}


# --------------------------------------------------------------------------- the routes of the app

def _walk(container, prefix=""):
    for route in container.routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _walk(included, prefix + route.include_context.prefix)
        elif getattr(route, "methods", None):
            yield prefix + route.path, route


def app_routes(app: FastAPI) -> list[str]:
    """'METHOD path' for every route: the API's from its OpenAPI document, the rest (pages, API docs) from the
    app's routes as mounted. Path convertors are left out (``{case_id:id}`` → ``{case_id}``)."""
    found = set()
    document = app.openapi()
    base = document["servers"][0]["url"].split("://", 1)[-1]
    base = base[base.index("/"):] if "/" in base else ""  # the document's paths are relative to its server
    for path, operations in document["paths"].items():
        for method in operations:
            found.add(f"{method.upper()} {base}{path}")
    for path, route in _walk(app):
        if route.include_in_schema and path.startswith("/api/"):
            continue  # documented above (a route in the schema is in the OpenAPI document)
        for method in route.methods - {"HEAD"}:
            found.add(f"{method} {re.sub(r':[a-z]+}', '}', path)}")
    return sorted(found)


# --------------------------------------------------------------------------- the world


@dataclass
class World:
    database: object
    case_id: int
    ids: dict  # name -> id: users, tasks, letters, version, attachment, reveal, token
    receipt_code: str
    bpmn_file: str
    reference: str = ""  # the case's reference: nowhere in an answer to who is excluded from it
    clients: dict = field(default_factory=dict)


def _create_party_users(s):
    from engine.identity import service as identity

    chef = identity.create_user(session=s, username="chef", display_name="Chris Chef", roles=["procesbeheerder"],
                                unit="Douane", password=PASSWORD)
    subject = identity.create_user(session=s, username="betrokkene", display_name="Bert Betrokkene", roles=[],
                                   unit="Douane", manager_id=chef.id, password=PASSWORD)
    reporter = identity.create_user(session=s, username=USERNAMES["melder"], display_name=REPORTER["melder_naam"],
                                    roles=[],
                                    unit="Douane", password=PASSWORD)
    spare = identity.create_user(session=s, username="oud-account", display_name="Oud Account", roles=[],
                                 unit="Douane", password=PASSWORD)
    # organisation-wide oversight (they see the case) until the world takes it away (:func:`_take_away`)
    identity.create_user(session=s, username=BLOCKED, display_name="Gijs Geblokkeerd", roles=["bureau_vi"],
                         unit=None, password=PASSWORD)
    identity.create_user(session=s, username=ROLE_REMOVED, display_name="Roos Ingetrokken",
                         roles=["integriteitscoordinator"], unit=None, password=PASSWORD)
    # the desk and the coordinator of the case's unit, whom the reporter excludes at intake (:func:`_seed`)
    excluded = identity.create_user(session=s, username=EXCLUDED, display_name="Ulla Uitgesloten",
                                    roles=["meldpunt", "integriteitscoordinator"], unit="Douane", password=PASSWORD)
    return reporter, subject, spare, excluded


def _seed(database) -> World:
    from documents.models import Letter
    from engine.cases import reveal
    from engine.demo import seed
    from engine.identity import service as identity
    from engine.intake import public
    from engine.intake import service as intake
    from engine.processes import service as processes
    from engine.worklist.models import WorkItem

    with database.session() as s:
        seed(session=s)
        reporter, subject, spare, excluded = _create_party_users(s)
        reporter_id, subject_id, spare_id, excluded_id = reporter.id, subject.id, spare.id, excluded.id
    registration = {**flow.ANSWERS["melding_registreren"], **REPORTER, "melder_anoniem": False,
                    "kanaal": "meldpunt_integriteit", "betrokkene_naam": "Bert Betrokkene",
                    "omschrijving": f"{CASE_TEXT}."}
    with database.session() as s:
        case = intake.submit_report(session=s, actor=identity.get_user(session=s, username="meldpunt"),
                                    data=registration, reporter_user_id=reporter_id, subject_user_id=subject_id,
                                    excluded_user_ids=[excluded_id]).case
        case_id, reference = case.id, case.reference
    flow.complete(database, case_id, "melding_registreren", registration)
    flow.advance_until(database, case_id, "besluit_disciplinaire_maatregel")
    flow.complete(database, case_id, "besluit_disciplinaire_maatregel", username="directeur")
    receipt = public.submit_public_report(database=database, client_key="matrix", values={
        "omschrijving": "Iemand neemt spullen mee van het werk.", "categorie": "Overig", "dienstonderdeel": "Douane"})
    with database.session() as s:
        users = {u.username: u.id for u in identity.list_users(session=s)}
        open_task = s.scalar(select(WorkItem).where(WorkItem.case_id == case_id, WorkItem.state == "open")
                             .order_by(WorkItem.id))
        done_task = s.scalar(select(WorkItem.id).where(WorkItem.case_id == case_id, WorkItem.state == "completed")
                             .order_by(WorkItem.id.desc()))
        letters = dict(s.execute(select(Letter.recipient, Letter.id).where(Letter.case_id == case_id)
                                 .order_by(Letter.id)).all())
        version = processes.latest_version(session=s)
        bpmn = next(f.path for f in version.files if f.path.endswith(".bpmn")
                    and f'id="{version.main_process_id}"'.encode() in f.content)
        coordinator = identity.get_user(session=s, username="coordinator")
        rev = reveal.request_reveal(session=s, case_id=case_id, by=coordinator, grantee_id=users["hr"],
                                    reason="Nodig voor het horen van de melder.")
        _, token = identity.issue_token(session=s, user=coordinator, name="matrix")
        from engine.cases import attachments, notes

        note = notes.add(session=s, user=coordinator, case_id=case_id, text="Interne notitie van de coördinator.")
        handler_file = attachments.add(session=s, case_id=case_id, filename="verslag.txt",
                                       content=b"Verslag van het gesprek.", by=coordinator, kind="verslag")
        from engine.contact.models import ContactTask

        # an open contact task (retaliation signal) on the case, as engine.contact opens one: its page is probed
        contact_task = ContactTask(case_id=case_id, kind="represaille", key="represaille:matrix",
                                   role="integriteitscoordinator", state="open")
        s.add(contact_task)
        s.flush()
        from engine.incidents import service as incidents

        # a term of the case that failed in the process model (no timer behind it: it cannot be fired again)
        failed = incidents.record(s, case_id=case_id, source="timer", exc=ZeroDivisionError())
        from engine.cases import search, views

        saved = {key: views.save_view(session=s, user=coordinator, name=f"Weergave {key}",
                                      filters=search.CaseFilters(status="open")).id for key in ("view", "api", "web")}
        ids = {**users, "open_task": open_task.id, "open_task_role": open_task.role,
               "open_task_assignee": open_task.assignee_id, "done_task": done_task,
               "reporter_letter": letters["melder"],
               "other_letter": next(i for r, i in letters.items() if r != "melder"),
               "version": version.id, "reveal": rev.id, "token": token.id, "note": note.id,
               "file": handler_file.id, "contact_task": contact_task.id, "incident": failed.id,
               "spare": spare_id, **{f"view_{k}": v for k, v in saved.items()}}
    assert open_task is not None and done_task is not None and "melder" in letters
    return World(database, case_id, ids, receipt.receipt_code, bpmn, reference)


@pytest.fixture(scope="module")
def world(_schema):
    """One seeded database for the whole module (the persons' tests only read it, or change what the table allows)."""
    from engine import clock as clock_mod
    from engine.db import Database, set_database
    from tests.conftest import _truncate
    from tests.timebase import TEST_START

    database = Database(_schema)
    previous_db = set_database(database)
    previous_clock = clock_mod.set_clock(clock_mod.FrozenClock(TEST_START))
    clock_mod.install_spiff_clock()
    try:
        w = _seed(database)
        w.app = _app()
        _login_everyone(w)
        _take_away(w)
        yield w
    finally:
        clock_mod.set_clock(previous_clock)
        set_database(previous_db)
        _truncate(database)
        database.dispose()


def _app() -> FastAPI:
    from api.app import create_app
    from api.settings import ApiSettings

    return create_app(ApiSettings(cookie_secure=False))


def _login_everyone(w: World) -> None:
    for i, person in enumerate(PERSONS):
        # each person from an address of their own (TEST-NET-1): the login and two-factor rate limits count per
        # client address, and one shared address would make the later persons wait (429)
        client = TestClient(w.app, follow_redirects=False, client=(f"192.0.2.{i + 1}", 50000))
        if person in STAFF or person in FORMER:
            r = client.post("/api/v1/auth/inloggen", json={"username": USERNAMES.get(person, person),
                                                        "password": PASSWORD})
            assert r.status_code == 200, (person, r.text)
        elif person == RECEIPT:
            r = client.post("/api/v1/melder/sessie", json={"ontvangstcode": w.receipt_code})
            assert r.status_code == 200, r.text
            client.headers["X-Reporter-CSRF"] = r.json()["csrf_token"]
        w.clients[person] = client
    # the attachment: a note from the reporter that names her (an identity-bearing file)
    melder = w.clients["melder"]
    r = melder.post(f"/api/v1/mijn-meldingen/{w.case_id}/bijlagen", headers=_csrf(melder),
                    files=[("bestand", ("verklaring.txt", f"Verklaring van {REPORTER['melder_naam']}".encode(),
                                        "text/plain"))])
    assert r.status_code == 201, r.text
    w.ids["attachment"] = r.json()["id"]
    # she reads her acknowledgement herself (a 'document.read' event with her account as actor)
    r = melder.get(f"/api/v1/mijn-meldingen/{w.case_id}/brieven/{w.ids['reporter_letter']}")
    assert r.status_code == 200, r.text


def _take_away(w: World) -> None:
    """Block one logged-in person and take away the other's roles, through the engine as the administrator does,
    after each showed they could see the case: from then on the matrix expects nothing of it for them (their
    browser session and cookies are the ones they logged in with)."""
    from engine.identity import admin
    from engine.identity.service import get_user

    for person in FORMER:
        client = w.clients[person]
        assert client.get(f"/api/v1/zaken/{w.case_id}").status_code == 200, person
        assert client.get(f"/zaken/{w.case_id}").status_code == 200, person
    with w.database.session() as s:
        by = get_user(session=s, username="beheerder")
        admin.disable_user(session=s, by=by, user_id=get_user(session=s, username=BLOCKED).id)
        admin.change_user(session=s, by=by, user_id=get_user(session=s, username=ROLE_REMOVED).id, roles=[])


def _csrf(client: TestClient) -> dict:
    token = client.cookies.get("meldpunt_csrf")
    return {"X-CSRF-Token": token} if token else {}


# --------------------------------------------------------------------------- the matrix


def audience(policy: Policy, w: World) -> frozenset[str]:
    if policy.who in ("open", "once"):
        return frozenset(PERSONS)
    if policy.who == "task":  # API: who sees the case, or the pool of an open unassigned task (not its parties)
        pool = set()
        if w.ids["open_task_assignee"] is None:
            pool = {p for p in DEMO if p in _role_holders_of(w.ids["open_task_role"])}
        return frozenset(CASE | pool)
    if policy.who == "task-page":  # the page with the form: its holder, or the pool while unassigned
        assignee = w.ids["open_task_assignee"]
        if assignee is not None:
            return frozenset(p for p in STAFF if w.ids.get(USERNAMES.get(p, p)) == assignee)
        return frozenset(_role_holders_of(w.ids["open_task_role"]))
    return policy.who


def _role_holders_of(role: str) -> set[str]:
    return set(flow.ROLE_USERS.get(role, []))  # the demo users holding the role


def expected(policy: Policy, person: str, path: str, w: World) -> tuple[int, ...]:
    api = path.startswith("/api/")
    if person in audience(policy, w):
        return policy.ok
    if policy.inside and person in policy.inside[0]:
        return (policy.inside[1],)
    if policy.denied == 401:  # a reporter-session route: staff have no reporter session either
        return (401,)
    if person not in STAFF:
        return (401,) if api else (303,)
    return (policy.denied,)


def _fill(template: str, policy: Policy, w: World) -> str:
    task = w.ids["done_task"] if policy.probe.get("task") == "done" else w.ids["open_task"]
    letter = w.ids["other_letter"] if policy.probe.get("letter") == "other" else w.ids["reporter_letter"]
    view = w.ids[f"view_{policy.probe.get('view', 'view')}"]
    values = {"view_id": view, "case_id": w.case_id, "task_id": task, "item_id": task, "letter_id": letter, "document_id": letter,
              "version_id": w.ids["version"],
              "attachment_id": w.ids["attachment"], "reveal_id": w.ids["reveal"], "token_id": w.ids["token"],
              "note_id": w.ids["note"],
              "file_id": w.ids["attachment"] if policy.probe.get("file") == "reporter" else w.ids["file"],
              "user_id": w.ids["spare"], "overview_id": 999999, "naam": "Douane",
              "list_id": 999999, "veld": "omschrijving", "request_id": 999999, "flag_id": 999999,
              "incident_id": 999999 if policy.probe.get("incident") == "unknown" else w.ids["incident"],
              "report_id": 999999, "follow_up_id": 999999,
              "verslag_id": 999999, "nazorg_id": 999999,
              "contacttaak_id": w.ids["contact_task"] if policy.probe.get("contacttaak") == "open" else 999999,
              "brief": "ontvangstbevestiging",
              "absence_id": 999999, "notice_id": 999999, "functie_id": 999999}
    return re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), template)


QUERY = {"bestand": None, "van": "2026-01-01", "tot": "2026-12-31", "jaar": "2026"}


def _request(client: TestClient, method: str, template: str, policy: Policy, w: World):
    path = _fill(template, policy, w)
    api = path.startswith("/api/")
    params = {"bestand": w.bpmn_file} if "diagram" in path or "bpmn" in path else {}
    if path.startswith("/api/v1/rapportages/"):
        params.update({k: v for k, v in QUERY.items() if v})
    params.update({k: _fill(v, policy, w) if isinstance(v, str) else v
                   for k, v in policy.probe.get("params", {}).items()})
    kwargs: dict = {"params": params}
    if method != "GET":
        headers = dict(policy.probe.get("headers", {}))
        if api:
            headers.update(_csrf(client))
            if "X-Reporter-CSRF" in client.headers:
                headers["X-CSRF-Token"] = client.headers["X-Reporter-CSRF"]
        kwargs["headers"] = headers
        if "json" in policy.probe:
            body = {k: (w.ids[v] if k in ("ontvanger_id", "medewerker_id") else v)
                    for k, v in policy.probe["json"].items()}
            kwargs["json"] = body
        if "files" in policy.probe:
            kwargs["files"] = policy.probe["files"]
        if "content" in policy.probe:
            kwargs["content"] = policy.probe["content"]
        if "data" in policy.probe or not api:
            data = dict(policy.probe.get("data", {}))
            token = client.cookies.get("meldpunt_csrf") or client.headers.get("X-Reporter-CSRF")
            if token:
                data["csrf_token"] = token
            kwargs["data"] = data
    return path, client.request(method, path, **kwargs)


def readable(response) -> str:
    """What a person would read in the answer: .docx text, JSON with its escapes decoded, otherwise the text."""
    from documents.render import docx_text

    body = response.content
    if body[:2] == b"PK" and "spreadsheetml" in response.headers.get("content-type", ""):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(" ".join("" if v is None else str(v) for v in row)
                         for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    if body[:2] == b"PK":
        return docx_text(body)
    if response.headers.get("content-type", "").startswith(("application/json", "application/problem+json")):
        try:
            return json.dumps(response.json(), ensure_ascii=False)
        except ValueError:
            pass
    return body.decode("utf-8", errors="replace")


def check_person(w: World, person: str, policies: dict[str, Policy], routes: list[str]) -> list[str]:
    """Every route for one person; returns the failures, each naming route and person."""
    failures = []
    client = w.clients[person]
    probes = []
    for route in routes:
        if route not in policies:
            failures.append(f"{route}: no entry in the policy table")
        probes += [(k, policies[k]) for k in policies if k.split("#")[0] == route]
    for key, policy in probes:
        if policy.who == "once" and person != ANONYMOUS:
            continue
        method, template = key.split("#")[0].split(" ", 1)
        path, r = _request(client, method, template, policy, w)
        want = expected(policy, person, path, w)
        if r.status_code not in want:
            failures.append(f"{key} as {person}: {r.status_code}, policy says {'/'.join(map(str, want))}"
                            f" ({r.text[:120]!r})")
        if r.status_code == 303 and person not in STAFF and person not in audience(policy, w):
            if not r.headers.get("location", "").startswith("/inloggen"):
                failures.append(f"{key} as {person}: redirected to {r.headers.get('location')}, not the login page")
        text = readable(r)
        needles = [n for n in NEEDLES if not (policy.names_accounts and n in NAME_NEEDLES)]
        found = [n for n in needles if n.lower() in text.lower()]
        if found and person not in MAY_SEE_IDENTITY:
            failures.append(f"{key} as {person}: the reporter's identity in the answer ({found[0]!r})")
        if person in EXCLUDED_HANDLERS and policy.who not in ("open", "once") and (  # those answer all alike
                re.search(rf"\b{w.reference}\b", text) or CASE_TEXT in text):
            failures.append(f"{key} as {person}: the case they are excluded from is in the answer")
        if policy.shows_identity and person in MAY_SEE_IDENTITY and r.status_code == 200 and \
                person in audience(policy, w) and not found:
            failures.append(f"{key} as {person}: the identity-authorised should see the reporter's identity here")
    return failures


# --------------------------------------------------------------------------- the tests


def test_every_route_has_a_policy_and_every_policy_a_route(world):
    routes = app_routes(world.app)
    assert len(routes) > 90, routes  # the enumeration found the app (API and pages)
    missing = [r for r in routes if r not in POLICY]
    stale = [k for k in POLICY if k.split("#")[0] not in routes]
    assert not missing, "routes without an entry in the policy table:\n" + "\n".join(missing)
    assert not stale, "policy entries for routes that do not exist:\n" + "\n".join(stale)


@pytest.mark.parametrize("person", PERSONS)
def test_matrix(world, person):
    failures = check_person(world, person, POLICY, app_routes(world.app))
    assert not failures, "\n".join(failures)


def test_an_unprotected_route_fails_the_matrix_naming_route_and_person(world):
    """The matrix tests itself: a temporary copy of the app with one extra route that serves the case's
    confidential data without asking the engine. Without a policy entry it fails by name; with the entry a
    careful author would write (the case's people; identity for the authorised only) it fails for the person."""
    from engine.cases import confidential

    app = _app()

    @app.get("/zaken/{case_id}/lek", include_in_schema=False)
    def leak(case_id: int):
        with world.database.session() as s:
            return confidential.read(s, case_id=case_id)

    routes = app_routes(app)
    assert "GET /zaken/{case_id}/lek" in routes
    original = world.clients
    try:
        world.clients = {p: TestClient(app, follow_redirects=False, cookies=c.cookies, headers=c.headers)
                         for p, c in original.items()}
        failures = check_person(world, "hr", POLICY, ["GET /zaken/{case_id}/lek"])
        assert failures == ["GET /zaken/{case_id}/lek: no entry in the policy table"]
        policies = {**POLICY, "GET /zaken/{case_id}/lek": case()}
        failures = check_person(world, "hr", policies, ["GET /zaken/{case_id}/lek"])
        assert any(f.startswith("GET /zaken/{case_id}/lek as hr: the reporter's identity") for f in failures), failures
        failures = check_person(world, "jurist1", policies, ["GET /zaken/{case_id}/lek"])
        assert failures and failures[0].startswith("GET /zaken/{case_id}/lek as jurist1: 200, policy says 404"), \
            failures
        failures = check_person(world, ANONYMOUS, policies, ["GET /zaken/{case_id}/lek"])
        assert failures and failures[0].startswith("GET /zaken/{case_id}/lek as anoniem: 200, policy says 303"), \
            failures
    finally:
        world.clients = original



# --------------------------------------------------------------------------- what both surfaces show (parity)
# The matrix above compares who gets an answer; here, for every logged-in person, both surfaces must show the same
# things of the same resource: the same cases in the list, the same tasks in the worklist, the same incidents, and
# on the case the same files, letters, notes, contact tasks and messages with the reporter (one engine door each).

LOGGED_IN = tuple(p for p in PERSONS if p in STAFF)


def _ids(pattern: str, text: str) -> set[int]:
    return {int(m) for m in re.findall(pattern, text)}


def _api_ids(client: TestClient, path: str, **params) -> set[int] | None:
    r = client.get(path, params=params)
    if r.status_code in (403, 404):
        return None
    assert r.status_code == 200, (path, r.status_code, r.text[:200])
    body = r.json()
    return {row["id"] for row in (body["items"] if isinstance(body, dict) else body)}


def parity_failures(w: World, person: str) -> list[str]:
    client, case_id, failures = w.clients[person], w.case_id, []

    def same(what: str, api, web) -> None:
        if api != web:
            failures.append(f"{what} as {person}: API {sorted(api) if api is not None else 'refused'}, "
                            f"web {sorted(web) if web is not None else 'refused'}")

    page = client.get("/zaken")
    same("case list", _api_ids(client, "/api/v1/zaken", limit=200),
         _ids(r'<td><a href="/zaken/(\d+)">', page.text) if page.status_code == 200 else None)
    for tab, path in (("mijn", "/api/v1/taken/mijn"), ("open", "/api/v1/taken/onverdeeld"),
                      ("te-laat", "/api/v1/taken/te-laat")):
        page = client.get("/werkvoorraad", params={"tab": tab})
        same(f"worklist {tab}", _api_ids(client, path),
             _ids(r'href="/taken/(\d+)"', page.text.split('id="werkvoorraad-tabel"', 1)[-1])
             if page.status_code == 200 else None)
    page = client.get("/incidenten", params={"toon": "alle"})
    same("incidents", _api_ids(client, "/api/v1/incidenten", status="alle"),
         _ids(r'data-incident="(\d+)"', page.text) if page.status_code == 200 else None)

    page = client.get(f"/zaken/{case_id}")
    api_case = client.get(f"/api/v1/zaken/{case_id}")
    if (api_case.status_code == 200) != (page.status_code == 200):
        return failures + [f"case as {person}: API {api_case.status_code}, web {page.status_code}"]
    if page.status_code != 200:
        return failures
    html = page.text
    same("files", _api_ids(client, f"/api/v1/zaken/{case_id}/bestanden"),
         _ids(rf'href="/zaken/{case_id}/bestanden/(\d+)"', html))
    same("letters", _api_ids(client, f"/api/v1/zaken/{case_id}/documenten"),
         _ids(rf'href="/zaken/{case_id}/brieven/(\d+)"', html))
    same("contact tasks", _api_ids(client, f"/api/v1/zaken/{case_id}/contacttaken"),
         _ids(rf'href="/zaken/{case_id}/contacttaken/(\d+)"', html))
    api_notes = client.get(f"/api/v1/zaken/{case_id}/notities").json()
    web_notes = re.findall(r'<div class="bericht-item notitie">.*?<p class="tekst">(.*?)</p>', html, re.S)
    same("notes", {n["tekst"] for n in api_notes}, {html_lib.unescape(t) for t in web_notes})
    # the reporter's file by id through every door that serves it: the same answer (the engine's read)
    reporter_file = w.ids["attachment"]
    doors = {path: client.get(path).status_code for path in (
        f"/api/v1/zaken/{case_id}/bijlagen/{reporter_file}", f"/api/v1/zaken/{case_id}/bestanden/{reporter_file}",
        f"/zaken/{case_id}/bestanden/{reporter_file}")}
    if len(set(doors.values())) != 1:
        failures.append(f"the reporter's file as {person}: {doors}")
    messages = client.get(f"/api/v1/zaken/{case_id}/berichten")
    shown = [m["tekst"] for m in messages.json()] if messages.status_code == 200 else []
    if messages.status_code == 200 and not all(html_lib.escape(t, quote=False) in html for t in shown):
        failures.append(f"messages as {person}: the API gives {shown}, the case page does not show them all")
    if messages.status_code != 200 and 'id="berichten"' in html:
        failures.append(f"messages as {person}: refused by the API ({messages.status_code}), shown on the case page")
    return failures


def test_the_world_has_something_to_compare(world):
    """The parity test is not vacuous: the case has a handler's file, a reporter's file, letters, a note, a contact
    task and an incident, and the coordinator sees each of them on both surfaces."""
    coordinator, case_id = world.clients["coordinator"], world.case_id
    assert len(_api_ids(coordinator, f"/api/v1/zaken/{case_id}/bestanden")) >= 2
    assert len(_api_ids(coordinator, f"/api/v1/zaken/{case_id}/documenten")) >= 2
    assert _api_ids(coordinator, f"/api/v1/zaken/{case_id}/contacttaken")
    assert coordinator.get(f"/api/v1/zaken/{case_id}/notities").json()
    assert _api_ids(coordinator, "/api/v1/incidenten", status="alle")
    assert case_id in _api_ids(coordinator, "/api/v1/zaken", limit=200)
    assert not parity_failures(world, "coordinator")


@pytest.mark.parametrize("person", LOGGED_IN)
def test_both_surfaces_show_the_same(world, person):
    failures = parity_failures(world, person)
    assert not failures, "\n".join(failures)



def test_the_excluded_handler_does_not_count_the_case(world):
    """Where figures appear, the case does not count for who is excluded from it (access.counted_condition): the
    excluded handler's dashboard counts exactly one report and one open case fewer than that of the coordinator of
    the same unit, who sees the case (every other report counts alike for both)."""
    def figures(person: str) -> tuple[int, int]:
        period = {"van": QUERY["van"], "tot": QUERY["tot"]}
        r = world.clients[person].get("/api/v1/rapportages/dashboard", params=period)
        assert r.status_code == 200, (person, r.text[:200])
        figures = r.json()["cijfers"]
        return (figures["meldingen_per_100_medewerkers"]["meldingen"],
                sum(v["aantal"] for v in figures["open_per_fase"]["waarden"].values()))

    reports, open_cases = figures("coordinator")
    assert reports >= 2 and open_cases >= 2  # the case and the public report, at least
    assert figures(EXCLUDED) == (reports - 1, open_cases - 1)
