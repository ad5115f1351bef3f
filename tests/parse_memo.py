"""A process set is parsed and validated once per test process (a pytest plugin: ``-p tests.parse_memo`` in pyproject's
addopts).

Most database tests and every scenario deploy the shipped process set into a fresh (emptied) database, and
``engine.processes.service.parse`` validates it whole each time (BPMN, forms against their schema, letter templates,
the legal proofs): about half a second a deployment, a large share of the scenarios' time. The product itself parses a
version once per process and shares the result between cases (``service._cache``); this plugin shares it between the
tests of one process as well: a successful parse is kept per (files, ``prove_legal``, the letter templates folder and
its files, the engine functions and the template checks in use). A set that fails validation is parsed again every
time, so every test that expects an error still gets it from the real check. ``-p no:tests.parse_memo`` turns it off.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

_parsed: dict[tuple, object] = {}
_real_parse = None


def _templates_key() -> tuple:
    try:
        from documents.render import default_templates_dir

        folder = Path(default_templates_dir())
    except Exception:  # noqa: BLE001  (no templates: part of the key all the same)
        return ("-",)
    h = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                stat = path.stat()
                h.update(f"{path.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return (str(folder), h.hexdigest())


def _memo_parse(files, *, prove_legal: bool = True):
    from engine.processes import service

    key = (service.content_hash(files), prove_legal, _templates_key(),
           tuple(sorted((name, id(fn)) for name, fn in service.ENGINE_FUNCTIONS.items())),
           id(service._template_exists()), id(service._template_fields()),
           service._engine_reads() if prove_legal else None)
    if key not in _parsed:
        _parsed[key] = _real_parse(files, prove_legal=prove_legal)  # an invalid set raises: nothing kept
    return _parsed[key]


def pytest_configure(config):
    global _real_parse
    from engine.processes import service

    _real_parse = service.parse
    service.parse = _memo_parse


def pytest_unconfigure(config):
    from engine.processes import service

    if _real_parse is not None:
        service.parse = _real_parse
    _parsed.clear()
