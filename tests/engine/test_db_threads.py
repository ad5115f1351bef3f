"""SQLAlchemy's annotated statement classes are complete before the first thread uses them.

The ORM annotates every statement it runs; SQLAlchemy makes the annotated class of a statement kind on first use and
publishes it a moment before it is complete. A thread using it in that moment gets a ``cprf`` warning on stderr and
that statement kind is never compiled from the cache again in the process (CI: the topology test's server wrote the
warning between its JSON lines). ``engine.db`` makes them at import, before any thread exists."""
from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import warnings
warnings.simplefilter("error")
import engine.db
from sqlalchemy.sql import annotation, dml
from sqlalchemy.sql.cache_key import NO_CACHE
for kind in (dml.Update, dml.Delete, dml.Insert):
    made = annotation.annotated_classes.get(kind)
    assert made is not None, kind.__name__ + " not made at import"
    assert "_traverse_internals" in made.__dict__, made.__name__
    assert made.__dict__.get("_generated_cache_key_traversal", None) not in (None, NO_CACHE), made.__name__
print("ok")
"""


def test_annotated_statement_classes_are_made_at_import():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


RACE = """
import sys, threading, warnings
sys.setswitchinterval(1e-7)
warnings.simplefilter("error")
import engine.db
from sqlalchemy import column, table, update
probe = table("t", column("id"), column("x"))
start, errors = threading.Barrier(16), []
def first_use():
    start.wait()
    try:
        update(probe).where(probe.c.id == 1).values(x=1)._annotate({"a": 1})._generate_cache_key()
    except Exception as exc:
        errors.append(type(exc).__name__)
threads = [threading.Thread(target=first_use) for _ in range(16)]
[t.start() for t in threads]
[t.join() for t in threads]
print(len(errors))
"""


@pytest.mark.parametrize("run", range(8))
def test_sixteen_threads_at_first_use_get_no_warning(run):
    """Without the import-time step this failed about once in twenty fresh interpreters."""
    done = subprocess.run([sys.executable, "-c", RACE], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "0", (done.stdout, done.stderr[-2000:])
