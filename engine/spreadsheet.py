"""Spreadsheet safety for every CSV the product writes (CSV/formula injection): a text cell that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return is written with a leading apostrophe, so no spreadsheet program runs
it as a formula. The case list (``engine.cases.export``), the annual annex, the Woo overview and the register of
risky functions all write through :func:`csv_text`; a text in such a file may come from anyone who types into a
case (a description, a function's name)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that a spreadsheet would read as a formula, made plain text (leading apostrophe)."""
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        return "'" + value
    return value


def csv_text(columns: Sequence[str], rows: Iterable[Sequence], *, delimiter: str = ",") -> str:
    """The header and the rows as CSV (CRLF line ends), every cell through :func:`neutralise`."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return buf.getvalue()
