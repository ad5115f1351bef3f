"""Process files (BPMN/DMN) served raw: always as a download a browser will not render.

A process file is XML written by a process owner. Served inline, a browser would render it in the
application's origin (an XHTML ``<script>`` inside it would run with the user's cookie). Deployment refuses
such markup (engine.processes.validation); this is the second line: ``Content-Disposition: attachment``,
``nosniff`` and a sandboxing CSP that allows nothing. The diagram viewer fetches the XML with ``fetch()``,
which these headers do not affect.
"""
from __future__ import annotations

import re

from fastapi.responses import Response

RAW_FILE_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def _download_name(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "proces.xml"


def process_file_response(path: str, content: bytes, headers: dict[str, str] | None = None) -> Response:
    """``content`` of process file ``path`` as an attachment, never rendered by a browser."""
    return Response(content, media_type="application/xml", headers={
        **(headers or {}),
        "Content-Disposition": f'attachment; filename="{_download_name(path)}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": RAW_FILE_CSP,
        "Cache-Control": "no-store",
    })
