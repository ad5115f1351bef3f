"""Import of historical closed cases (issue 17): the same engine door as ``POST /api/v1/rapportages/import``
(``engine.reports.importer``). The engine checks the whole file first; any error refuses all of it, and the page
lists every error by row and column. The transaction of a refused import is rolled back, so nothing is written."""
from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from engine.errors import DomainError, InvalidData
from engine.reports import importer
from web.pages.common import checked_form, domain_error, FormDep, get_database, login_required, render

router = APIRouter(include_in_schema=False)

MAX_BYTES = 20 * 1024 * 1024
WHERE = re.compile(r"^rij (\d+)(?:, kolom (\S+))?$")


def _page(request: Request, web, status_code: int = 200, **context):
    return render(request, "import.html", status_code=status_code, user=web.user, web=web, header=importer.HEADER,
                  **{"errors": [], "error": None, "summary": None, "filename": "", **context})


def _errors(exc: InvalidData) -> list[dict]:
    out = []
    for e in exc.errors:
        match = WHERE.match(e.field)
        out.append({"row": match.group(1) if match else "", "column": (match.group(2) or "") if match else "",
                    "message": e.message if match else f"{e.field}: {e.message}"})
    return out


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request):
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            importer.require_importer(web.user)
            return _page(request, web)
    except DomainError as exc:
        return domain_error(request, exc)


@router.post("/import", response_class=HTMLResponse)
def import_upload(request: Request, form: FormDep):
    upload = form.get("bestand")
    filename = ((getattr(upload, "filename", None) or "").replace("\\", "/").split("/")[-1])[:300]
    try:
        with get_database().session() as s:
            web = login_required(request, s)
            checked_form(form, web)
            importer.require_importer(web.user)
            content = upload.file.read(MAX_BYTES + 1) if hasattr(upload, "file") else b""
            if not filename or not content:
                return _page(request, web, 422, error="Bestand: kies een CSV-bestand met de historische zaken.")
            if len(content) > MAX_BYTES:
                return _page(request, web, 422, error="Bestand: het bestand is groter dan 20 MB; splits het op.",
                             filename=filename)
            summary = importer.import_cases(session=s, content=content, filename=filename, actor=web.user.username)
            result = {"rows": summary.rows, "units": summary.units_created, "import_id": summary.import_id}
            page = _page(request, web, summary=result, filename=filename)
    except InvalidData as exc:  # the transaction is rolled back: nothing of the file is written
        return _refused(request, filename, errors=_errors(exc))
    except importer.AlreadyImported as exc:
        return _refused(request, filename, error=exc.detail, status_code=409)
    except DomainError as exc:
        return domain_error(request, exc)
    return page


def _refused(request: Request, filename: str, status_code: int = 422, **context):
    with get_database().session() as s:
        web = login_required(request, s)
        return _page(request, web, status_code, filename=filename, **context)
