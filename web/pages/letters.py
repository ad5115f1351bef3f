"""Files of a case: letters (``engine.cases.letters``, the same door as the API) and the process diagram."""
from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.raw_files import process_file_response
from engine.cases import letters as case_letters
from engine.errors import DomainError, NotFound
from engine.processes import service as processes
from web.pages.common import domain_error, get_database, not_found, visible_case

router = APIRouter(include_in_schema=False)


@router.get("/zaken/{case_id:id}/diagram")
def case_diagram(request: Request, case_id: int, bestand: str):
    with get_database().session() as s:
        web, case = visible_case(request, s, case_id)
        if case is None:
            return not_found(request, web.user, web)
        try:  # the API's door (engine.processes.service.case_process_file): an imported case has no process file
            path, content = processes.case_process_file(session=s, case=case, path=bestand)
        except NotFound:
            return not_found(request, web.user, web)
        return process_file_response(path, content)


@router.get("/zaken/{case_id:id}/brieven/{letter_id:id}")
def letter_download(request: Request, case_id: int, letter_id: int):
    """Same door as the API (``engine.cases.letters``): visibility, the identity rule, sha256 check, audit."""
    try:
        with get_database().session() as s:
            web, case = visible_case(request, s, case_id)
            if case is None:
                return not_found(request, web.user, web)
            letter = case_letters.visible_letter(session=s, user=web.user, case_id=case.id, letter_id=letter_id)
            content = case_letters.read_letter(session=s, letter=letter, actor=web.user.username)
            name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{case.reference}-{letter.template}-v{letter.version}.docx")
            return Response(content, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                              "Cache-Control": "no-store", "X-Content-SHA256": letter.sha256},
                            media_type=letter.media_type)
    except DomainError as exc:
        return domain_error(request, exc)
