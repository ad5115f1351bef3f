"""Process versions: list, validate an uploaded set without deploying, deploy (procesbeheerder), download BPMN.

Uploads are multipart (field ``bestanden``, one part per file). Before the engine sees them: the request body
is capped (413 from Content-Length, see ``PROCESS_UPLOAD_LIMIT``), file names must be plain process-set paths
(no traversal), BPMN/DMN must be well-formed XML without a DOCTYPE (no entity expansion: XML bombs are
refused), JSON must parse. Findings come back as the engine's ``ValidationIssue`` (file, line, element, Dutch message).
"""
from __future__ import annotations

import json
import re
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, Response, UploadFile, status
from lxml import etree

from api.deps import CurrentUser, SessionDep, permitted, UnitOfWorkRoute, read_only
from api.raw_files import process_file_response
from api.routers.cases import XML_RESPONSE
from api.routers.common import errors
from api.schemas.casework import (IssueOut, MigrationIn, MigrationOut, ProcessChangeOut, ProcessDiffOut,
                                  ProcessVersionOut, RehearsalOut, ValidationOut)
from engine.errors import NotFound, ProcessValidationError, ValidationIssue
from engine.identity.models import User
from engine.parse_errors import json_problem, xml_problem
from engine.processes import diff as process_diff, rehearsal as process_rehearsal, service as processes

router = APIRouter(prefix="/processen", tags=["processen"], route_class=UnitOfWorkRoute)

PROCESS_UPLOAD_LIMIT = 5 * 1024 * 1024   # whole request (BodySizeLimitMiddleware path limit)
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_FILES = 200
_NAME = re.compile(r"^((forms/)?[A-Za-z0-9][A-Za-z0-9_.\-]{0,150}\.(bpmn|dmn|json)|(letters/)?[a-z0-9_]{1,100}\.docx)$")
_LETTER = re.compile(r"^[a-z0-9_]{1,100}$")

ProcessOwner = Annotated[User, Depends(permitted(processes.require_process_owner))]
UploadFiles = Annotated[list[UploadFile], File(title="Bestanden", description=(
    "De bestanden van de processet (manifest.json, letters.json, *.bpmn, *.dmn, forms/*.json, letters/*.docx)"))]
TemplateUpload = Annotated[UploadFile, File(title="Sjabloon", description="Het briefsjabloon (Word, .docx)")]
LetterName = Annotated[str,
                       Path(title="Brief", min_length=1, max_length=100,
                            description="De brief zoals letters.json hem noemt")]


def _path_of(name: str | None) -> str:
    raw = (name or "").replace("\\", "/").strip()
    if ".." in raw or raw.startswith("/") or not _NAME.match(raw):
        raise ProcessValidationError([ValidationIssue(raw[:100] or "?", "Ongeldige bestandsnaam: alleen "
                                                      "manifest.json, letters.json, *.bpmn, *.dmn, forms/*.json en "
                                                      "letters/*.docx, zonder mappen of '..'.")])
    if raw.endswith(".json") and raw not in ("manifest.json", "letters.json") and not raw.startswith("forms/"):
        raw = "forms/" + raw  # a browser sends the base name only
    if raw.endswith(".docx") and not raw.startswith("letters/"):
        raw = "letters/" + raw
    return raw


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False)


def _precheck(path: str, content: bytes) -> ValidationIssue | None:
    if len(content) > MAX_FILE_BYTES:
        return ValidationIssue(path, f"Bestand is groter dan {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    if path.endswith(".json"):
        try:
            json.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            problem = json_problem(exc)
            return ValidationIssue(path, f"Geen geldige JSON: {problem.text(line=False)}", line=problem.line)
        return None
    if path.endswith(".docx"):
        return None if content[:2] == b"PK" else ValidationIssue(path, "Geen Word-document (.docx).")
    head = content[:4096].lower()
    if b"<!doctype" in content.lower() or b"<!entity" in head:
        return ValidationIssue(path, "XML met een DOCTYPE of entiteiten wordt geweigerd (mogelijke XML-bom).")
    try:
        etree.fromstring(content, _safe_parser())
    except etree.XMLSyntaxError as exc:
        problem = xml_problem(exc)
        return ValidationIssue(path, f"Geen geldige XML: {problem.text(line=False)}", line=problem.line)
    except ValueError:
        return ValidationIssue(path, "Geen geldige XML.")
    return None


def read_upload(files: list[UploadFile]) -> dict[str, bytes]:
    if not files:
        raise ProcessValidationError([ValidationIssue("?", "Geen bestanden ontvangen.")])
    if len(files) > MAX_FILES:
        raise ProcessValidationError([ValidationIssue("?", f"Hoogstens {MAX_FILES} bestanden.")])
    out: dict[str, bytes] = {}
    issues: list[ValidationIssue] = []
    for f in files:
        path = _path_of(f.filename)
        content = f.file.read(MAX_FILE_BYTES + 1)
        if path in out:
            issues.append(ValidationIssue(path, "Dit bestand is twee keer meegestuurd."))
            continue
        issue = _precheck(path, content)
        if issue:
            issues.append(issue)
        out[path] = content
    if issues:
        raise ProcessValidationError(issues)
    if "manifest.json" not in out:
        raise ProcessValidationError([ValidationIssue("manifest.json", "manifest.json ontbreekt.")])
    return out


def _out(session, version, user, outcome=None) -> ProcessVersionOut:
    return ProcessVersionOut.of(version, active_id=processes.active_version(session=session).id,
                                running=processes.running_cases(session=session, reader=user), outcome=outcome)


@router.get("", response_model=list[ProcessVersionOut], summary="Uitgerolde procesversies, met de actieve versie "
            "en het aantal lopende zaken per versie", responses=errors(401))
@read_only
def list_versions(user: CurrentUser, session: SessionDep) -> list[ProcessVersionOut]:
    versions = processes.list_versions(session=session)
    if not versions:
        return []
    active, running = processes.active_version(session=session).id, processes.running_cases(session=session, reader=user)
    return [ProcessVersionOut.of(v, active_id=active, running=running) for v in versions]


@router.post("/valideren", response_model=ValidationOut, summary="Processet controleren zonder uit te rollen",
             responses=errors(401, 403, 413, 422))
def validate(user: ProcessOwner, bestanden: UploadFiles) -> ValidationOut:
    files = read_upload(bestanden)
    issues = processes.check(files=files)
    return ValidationOut(geldig=not issues, issues=[IssueOut(file=i.file, message=i.message, element_id=i.element_id,
                                                             line=i.line) for i in issues])


Override = Annotated[str | None,
                     Form(title="Zonder repetitie", max_length=1000,
                          description="Reden om zonder geslaagde repetitie uit te "
                                                                   "rollen (komt in de audittrail)")]
Selection = Annotated[list[str] | None,
                      Form(title="Keuze", description="Welke scenario's: een .feature-bestand, de precieze naam "
                                                         "van een scenario of een tag (@L7); leeg = alle")]


@router.post("", response_model=ProcessVersionOut, status_code=status.HTTP_201_CREATED,
             summary="Processet uitrollen als nieuwe versie (alleen procesbeheerder); nieuwe bestanden vragen een "
                     "geslaagde repetitie of een reden (zonderRepetitie)", responses=errors(401, 403, 409, 413, 422))
def deploy(user: ProcessOwner, session: SessionDep, bestanden: UploadFiles,
           zonderRepetitie: Override = None) -> ProcessVersionOut:  # noqa: N803  (ADR: lowerCamelCase)
    files = read_upload(bestanden)
    outcome = processes.deploy_files(session=session, files=files, actor=user.username, override=zonderRepetitie)
    return _out(session, outcome.version, user, outcome)


@router.post("/repetitie", response_model=RehearsalOut,
             summary="Conceptversie repeteren: de compliancescenario's draaien tegen de geüploade bestanden, uitkomst "
                     "per scenario met de mislukte stap (alleen procesbeheerder)", responses=errors(401, 403, 413, 422))
def rehearse(user: ProcessOwner, session: SessionDep, bestanden: UploadFiles,
             keuze: Selection = None) -> RehearsalOut:
    files = read_upload(bestanden)
    issues = processes.check(files=files)
    if issues:
        raise ProcessValidationError(issues)
    result = process_rehearsal.rehearse(session=session, files=files, selection=[k for k in keuze or [] if k.strip()],
                                        actor=user.username)
    return RehearsalOut.of(result)


VersionId = Annotated[int, Path(title="Procesversie", ge=1, le=2**31 - 1)]


@router.post("/{version_id}/activeren", response_model=ProcessVersionOut,
             summary="Een eerder uitgerolde versie weer gebruiken voor nieuwe meldingen (alleen procesbeheerder); "
                     "lopende zaken blijven op hun versie", responses=errors(401, 403, 404))
def activate(version_id: VersionId, user: ProcessOwner, session: SessionDep) -> ProcessVersionOut:
    version = processes.activate(session=session, version_id=version_id, actor=user.username)
    return _out(session, version, user)


@router.get("/{version_id}/verschillen", response_model=ProcessDiffOut,
            summary="Wat er per element veranderd is ten opzichte van een andere versie (taken, pijlen, termijnen, "
                    "formulieren, briefsjablonen)", responses=errors(401, 404, 422))
def differences(version_id: VersionId, user: CurrentUser, session: SessionDep,
                met: Annotated[int,
                               Query(title="Vergelijken met versie", ge=1, le=2**31 - 1,
                                     description="De versie om mee te vergelijken")]
                ) -> ProcessDiffOut:
    changes = process_diff.diff_versions(session=session, version_id=version_id, other_id=met)
    return ProcessDiffOut(van=met, naar=version_id, verschillen=[ProcessChangeOut.of(c) for c in changes])


@router.post("/{version_id}/migratie", response_model=MigrationOut,
             summary="Lopende zaken van deze versie naar een andere overzetten; standaard een proefdraai "
                     "(alleen procesbeheerder)", responses=errors(401, 403, 404, 422))
def migrate(user: ProcessOwner, session: SessionDep, body: MigrationIn,
            version_id: int = Path(title="Procesversie", ge=1, le=2**31 - 1,
                                   description="De procesversie waarop de zaken nu staan")) -> MigrationOut:
    from engine.processes import migration

    if body.proefdraai:
        report = migration.dry_run(session=session, from_version=version_id, to_version=body.naar)
    else:  # one savepoint per case: a case that fails rolls back alone and stays on its version
        report = migration.migrate(scope=migration.savepoints(session), from_version=version_id,
                                   to_version=body.naar, actor=user.username)
    return MigrationOut.of(report)


def _letter_check(session, brief: str, sjabloon: UploadFile):
    from documents.preview import MAX_TEMPLATE_BYTES, check_letter_template

    if not _LETTER.match(brief):
        raise NotFound("Brief niet gevonden.")
    content = sjabloon.file.read(MAX_TEMPLATE_BYTES + 1)
    return check_letter_template(processes.draft_files(session=session), brief, content)


@router.post("/brieven/{brief}/controleren", response_model=ValidationOut,
             summary="Briefsjabloon controleren tegen de nieuwste processet (alleen procesbeheerder)",
             responses=errors(401, 403, 404, 413, 422))
def check_letter(brief: LetterName, user: ProcessOwner, session: SessionDep, sjabloon: TemplateUpload) -> ValidationOut:
    result = _letter_check(session, brief, sjabloon)
    path = f"letters/{brief}.docx"
    return ValidationOut(geldig=not result.issues, issues=[IssueOut(file=path, message=m, element_id=None, line=None)
                                                           for m in result.issues])


@router.post("/brieven/{brief}/voorbeeld", response_class=Response,
             summary="Voorbeeld van een briefsjabloon met de voorbeeldzaak: PDF (met LibreOffice) of HTML",
             responses={200: {"content": {"application/pdf": {}, "text/html": {}}}, **errors(401, 403, 404, 413, 422)})
def preview_letter(brief: LetterName, user: ProcessOwner, session: SessionDep, sjabloon: TemplateUpload) -> Response:
    from documents.preview import preview

    result = _letter_check(session, brief, sjabloon)
    if result.issues:
        raise ProcessValidationError([ValidationIssue(f"letters/{brief}.docx", m) for m in result.issues])
    media_type, content = preview(result)
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'inline; filename="voorbeeld-{brief}.'
                                                    f'{"pdf" if media_type.startswith("application/pdf") else "html"}"'})


@router.get("/{version_id}/bpmn", response_class=Response, summary="BPMN-XML van een procesversie",
            responses={**XML_RESPONSE, **errors(401, 404)})
def version_bpmn(version_id: Annotated[int, Path(title="Procesversie", ge=1, le=2**31 - 1)], user: CurrentUser,
                 session: SessionDep,
                 bestand: Annotated[str | None, Query(title="Bestand", max_length=300)] = None) -> Response:
    version = processes.get_version(session=session, version_id=version_id)
    path, content = processes.version_file(version, bestand)
    return process_file_response(path, content, {"X-Bestand": path})
