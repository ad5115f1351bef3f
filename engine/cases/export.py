"""Export of the case list as CSV or XLSX (issue 17), for the roles of ``access.may_export_cases``.

One door: the rows are exactly the pages :func:`engine.cases.search.search_cases` gives the user for the same
filters and sort (visibility, exclusion of the case's parties, full text only for who may search it), walked by
keyset; there is no query of its own. The columns are the list's own (:data:`COLUMNS`): case number, status,
category, unit, priority, created and closed. Never the reporter's identity, a receipt code or the report's free
text: they are not columns, and nothing else of the case is read.

Spreadsheet safety (CSV/formula injection): a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is written with a leading apostrophe, so no spreadsheet program runs it as a formula; in XLSX
every text cell is also written as a string, never as a formula.

Every export is audited (``cases.exported``, system chain): who, format, how many, which cases (ids), the filters
and sort; not the search term itself (a user may type a name), only that there was one.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.cases import search
from engine.cases.models import Case
from engine.clock import now
from engine.errors import FieldError, InvalidData, NotAuthorized
from engine.identity import access
from engine.identity.models import User
from engine.spreadsheet import csv_text, neutralise

FORMATS = ("csv", "xlsx")
COLUMNS = ["Zaaknummer", "Status", "Categorie", "Dienstonderdeel", "Prioriteit", "Aangemaakt op", "Gesloten op"]
STATUS_LABELS = {"open": "Open", "closed": "Gesloten"}
MAX_ROWS = 20_000  # one export; more: narrow the filters
PAGE = 1_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}


@dataclass(frozen=True)
class Export:
    filename: str
    media_type: str
    content: bytes
    rows: int


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(search.LOCAL).replace(tzinfo=None, microsecond=0) if moment else None


def _cells(case: Case) -> list:
    return [case.reference, STATUS_LABELS.get(case.status, case.status), case.category or "", case.unit or "",
            case.priority, _local(case.created_at), _local(case.closed_at)]


def visible_rows(*, session: Session, user: User, filters: search.CaseFilters = search.CaseFilters(),
                 sort: str = search.DEFAULT_SORT) -> tuple[list[int], list[list]]:
    """(case ids, cells) of every case the search gives ``user``, in ``sort`` order: the search's own pages."""
    if not access.may_export_cases(user):
        raise NotAuthorized("Alleen de integriteitscoördinator en Bureau Veiligheid en Integriteit exporteren de "
                            "zakenlijst.")
    ids, rows, after = [], [], None
    while True:
        page = search.search_cases(session=session, user=user, filters=filters, sort=sort, after=after, limit=PAGE)
        if page.total > MAX_ROWS:
            raise InvalidData([FieldError("filters", f"de export is te groot ({page.total} zaken, ten hoogste "
                                                     f"{MAX_ROWS}); verfijn de zoekopdracht")])
        ids += [c.id for c in page.items]
        rows += [_cells(c) for c in page.items]
        after = page.next_cursor
        if not after:
            return ids, rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def to_csv(rows: list[list]) -> bytes:
    """Semicolon-separated with a UTF-8 byte order mark: what Excel with Dutch settings opens as columns."""
    return ("\ufeff" + csv_text(COLUMNS, ([_text(v) for v in row] for row in rows), delimiter=";")).encode("utf-8")


def to_xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook  # openpyxl: the well-kept XLSX writer (README, libraries)
    from openpyxl.cell.cell import TYPE_STRING

    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = "Zaken"
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING  # never a formula, whatever the text
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFG", (16, 10, 30, 24, 10, 18, 18)):
        sheet.column_dimensions[letter].width = width
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _audited_filters(filters: search.CaseFilters, sort: str) -> dict:
    return {"status": filters.status, "categorie": filters.category, "dienstonderdeel": filters.unit,
            "van": filters.created_from.isoformat() if filters.created_from else None,
            "tot": filters.created_to.isoformat() if filters.created_to else None,
            "zoekterm": bool((filters.q or "").strip()), "sorteer": sort}


def export_cases(*, session: Session, user: User, fmt: str, filters: search.CaseFilters = search.CaseFilters(),
                 sort: str = search.DEFAULT_SORT) -> Export:
    """The case list of ``user`` for ``filters`` and ``sort`` as a CSV or XLSX file, audited."""
    if fmt not in FORMATS:
        raise InvalidData([FieldError("formaat", "is geen bekend formaat (csv of xlsx)")])
    ids, rows = visible_rows(session=session, user=user, filters=filters, sort=sort)
    content = to_csv(rows) if fmt == "csv" else to_xlsx(rows)
    audit.append(session=session, actor=user.username, action="cases.exported",
                 details={"formaat": fmt, "aantal": len(ids), "zaak_ids": ids, "filters": _audited_filters(filters, sort)})
    day = now().astimezone(search.LOCAL).date().isoformat()
    return Export(filename=f"zaken-{day}.{fmt}", media_type=MEDIA_TYPES[fmt], content=content, rows=len(ids))
