"""Models are registered in one place: importing any entry point knows every table.

A command that happened to import only part of the models crashed in a fresh process
(``NoReferencedTableError`` for ``org_units.director_id`` → ``users``). These tests run each entry
point in a fresh interpreter, so nothing imported by the test session can hide the fault.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.models import MODEL_MODULES

ROOT = Path(__file__).resolve().parents[2]

# Every way the product is started: console script, server factory, timer worker, bench, migrations.
ENTRY_POINTS = ["cli.main", "api.app", "engine.timers.worker", "bench.__main__", "engine.migrations.runner"]


def _defines_mapped_class(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.ClassDef) and any(getattr(b, "id", None) == "Base" for b in node.bases)
               for node in ast.walk(tree))


def test_every_module_with_a_mapped_class_is_registered():
    defining = set()
    for package in ("engine", "documents", "api", "web", "cli"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            if _defines_mapped_class(path):
                defining.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    assert defining, "the scan found no model module at all"
    assert defining <= set(MODEL_MODULES), f"not in engine/models.py MODEL_MODULES: {sorted(defining - set(MODEL_MODULES))}"


def _tables_after_import(module: str) -> set[str]:
    code = ("import importlib, json, sys\n"
            f"importlib.import_module({module!r})\n"
            "from sqlalchemy.orm import configure_mappers\n"
            "from engine.db import Base\n"
            "configure_mappers()\n"
            "for table in Base.metadata.sorted_tables:\n"
            "    for fk in table.foreign_keys:\n"
            "        fk.column  # raises NoReferencedTableError when the target is not registered\n"
            "print(json.dumps(sorted(Base.metadata.tables)))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{module}: {proc.stderr[-2000:]}"
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_importing_an_entry_point_registers_every_model(module):
    expected = _tables_after_import("engine.models")
    assert "users" in expected and "process_versions" in expected
    assert _tables_after_import(module) == expected
