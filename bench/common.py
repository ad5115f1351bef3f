"""Shared helpers: statistics, benchmark databases, machine facts, users."""
from __future__ import annotations

import contextlib
import math
import os
import platform
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent
LINEAR12 = BENCH_DIR / "processes" / "linear12"
REVIEW = ROOT / "tests" / "engine" / "process_sets" / "review"
INTEGRITY = ROOT / "processes"  # the real process set (arrives with the process issue)

DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

perf = time.perf_counter


# ---- statistics --------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100), as numpy's default."""
    if not values:
        return float("nan")
    s = sorted(values)
    if len(s) == 1:
        return s[0]
    pos = (len(s) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def summary_ms(seconds: list[float]) -> dict:
    """Latency summary in milliseconds."""
    ms = [v * 1000.0 for v in seconds]
    return {
        "n": len(ms),
        "median_ms": statistics.median(ms) if ms else float("nan"),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "mean_ms": statistics.fmean(ms) if ms else float("nan"),
        "min_ms": min(ms) if ms else float("nan"),
        "max_ms": max(ms) if ms else float("nan"),
    }


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = perf()
    out = fn()
    return perf() - t0, out


def linear_fit(xs: list[float], ys: list[float]) -> dict:
    """Least-squares line y = a + b·x with R², plus a quadratic term check.

    Growth is *at most linear* when the per-step increments do not trend upwards (last
    third's mean increment ≤ 1.5 × the first third's): that is what the target asks. It
    is called *linear* when, in addition, the line explains the data (R² ≥ 0.98); a route
    that enters a subprocess adds many tasks in one step, which lowers R² without any
    super-linear growth."""
    n = len(xs)
    if n < 3:
        return {"slope": float("nan"), "intercept": float("nan"), "r2": float("nan"), "linear": None}
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    b = sxy / sxx if sxx else 0.0
    a = my - b * mx
    ss_res = sum((y - (a + b * x)) ** 2 for x, y in zip(xs, ys))
    ss_tot = sum((y - my) ** 2 for y in ys)
    r2 = 1.0 - ss_res / ss_tot if ss_tot else 1.0
    inc = [ys[i + 1] - ys[i] for i in range(n - 1)]
    third = max(1, len(inc) // 3)
    first, last = statistics.fmean(inc[:third]), statistics.fmean(inc[-third:])
    ratio = (last / first) if first > 0 else float("nan")
    at_most_linear = not first > 0 or ratio <= 1.5
    linear = r2 >= 0.98 and at_most_linear
    return {"slope_bytes_per_step": b, "intercept_bytes": a, "r2": r2, "at_most_linear": at_most_linear,
            "increment_first_third": first, "increment_last_third": last,
            "increment_ratio_last_first": ratio, "linear": linear}


# ---- machine -----------------------------------------------------------------------

def machine_info(pg_admin_url: str | None) -> dict:
    import sqlalchemy
    import SpiffWorkflow  # noqa: F401
    from importlib.metadata import version

    info = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "spiffworkflow": version("SpiffWorkflow"),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": __import__("sqlite3").sqlite_version,
        "postgresql": None,
    }
    if pg_admin_url:
        try:
            eng = create_engine(pg_admin_url)
            with eng.connect() as conn:
                info["postgresql"] = conn.execute(text("show server_version")).scalar()
            eng.dispose()
        except Exception as exc:  # pragma: no cover - reported, not fatal
            info["postgresql"] = f"unavailable: {type(exc).__name__}"
    return info


# ---- databases ---------------------------------------------------------------------

@dataclass
class BenchDb:
    dialect: str  # sqlite | postgresql
    url: str


@contextlib.contextmanager
def bench_database(dialect: str, *, pg_admin_url: str = DEFAULT_PG_ADMIN_URL,
                   keep: bool = False) -> Iterator[BenchDb]:
    """A fresh, migrated database for one benchmark run; dropped (or deleted) after."""
    from engine.migrations.runner import upgrade

    if dialect == "sqlite":
        with tempfile.TemporaryDirectory(prefix="meldpunt-bench-") as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            upgrade(url)
            yield BenchDb("sqlite", url)
        return
    base = make_url(pg_admin_url)
    # MELDPUNT_BENCH_DB_PREFIX: a name prefix of one's own on a shared database server
    name = f"{os.environ.get('MELDPUNT_BENCH_DB_PREFIX') or 'meldpunt_bench_'}{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield BenchDb("postgresql", url)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pg_available(pg_admin_url: str) -> bool:
    try:
        eng = create_engine(pg_admin_url, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
        return True
    except Exception:
        return False


# ---- encryption ----------------------------------------------------------------------

def ensure_keyring() -> None:
    """Confidential case fields are encrypted (engine.crypto). Use the configured key ring
    (``MELDPUNT_ENCRYPTION_KEYS``) when there is one, else a throw-away key for this run:
    the benchmark databases are dropped at the end, so nothing needs the key later."""
    from engine import crypto

    try:
        crypto.get_keyring().encrypt("bench", "bench")
    except Exception:
        crypto.set_keyring(crypto.KeyRing.from_string(crypto.generate_key()))


# ---- people ------------------------------------------------------------------------

def make_team(session, manifest, *, per_role: int = 3, prefix: str = "b") -> dict[str, list]:
    """``per_role`` users for every role of a manifest (several, for separation of duties).

    Users of an earlier call with the same prefix are reused (two process sets on one
    database share role codes)."""
    from sqlalchemy import select

    from engine.identity.models import User, UserRole

    team: dict[str, list] = {}
    for code in manifest.roles:
        team[code] = []
        for i in range(per_role):
            username = f"{prefix}_{code}_{i}"
            user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
            if user is None:
                user = User(username=username, display_name=f"{code} {i}", unit="Bench")
                user.roles = [UserRole(role=code)]
                session.add(user)
            team[code].append(user)
    session.flush()
    return team
