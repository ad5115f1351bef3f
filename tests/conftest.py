"""Shared fixtures: a real database (SQLite file or a fresh PostgreSQL database) and a frozen clock.

``MELDPUNT_TEST_DATABASE_URL`` selects PostgreSQL, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``; the session then creates its
own database next to it (and drops it afterwards) so parallel runs never meet.

Speed (CI runs the suite four times on a 2-core machine): ``tests/argon2_memo.py`` (a plugin in pyproject's
addopts) computes each Argon2id hash once per secret in a test process, so creating the demo users with one
password, and logging in again and again, costs one real hash and one real verification per worker (receipt codes
follow a per-test sequence there, so each of those too is hashed once per worker);
``tests/parse_memo.py`` parses and validates a valid process set once per test process (deploying it into each
test's database still writes the version as before). Turn either off with ``-p no:tests.argon2_memo`` or
``-p no:tests.parse_memo``.
"""
from __future__ import annotations

import os
import uuid
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine import clock as clock_mod
from engine.db import Base, Database, set_database
from tests.timebase import TEST_START

PG_URL = os.environ.get("MELDPUNT_TEST_DATABASE_URL", "")

# The suites log in as demo users with a password only: two-factor login is off unless a test switches it on
# (tests/identity_factor.py: the ``tweede_factor_verplicht`` fixture). Set in the environment before any settings
# are read, so servers and CLI processes the tests start see the same.
os.environ.setdefault("MELDPUNT_TWEEDE_FACTOR", "uit")
# Deploying test process sets needs no rehearsal against the scenarios, unless a test switches it on
# (tests/engine/test_rehearsal.py).
os.environ.setdefault("MELDPUNT_REPETITIE", "uit")
# Letters are rendered after the step's commit (engine.letter_outbox). In the suites the process that commits a
# step renders its letters right after that commit (na_commit), so a test reads a step's letter as soon as the
# step's call returned, without waiting for a worker; the worker's own path has its tests
# (tests/engine/test_letter_outbox.py). Production renders in the letter worker (achtergrond).
os.environ.setdefault("MELDPUNT_BRIEVEN", "na_commit")
# ... so no server the tests start needs the letter worker thread, which would sweep the test database every few
# seconds beside the test (SQLite: "database is locked" under a long seeding transaction).
os.environ.setdefault("MELDPUNT_BRIEVEN_IN_SERVER", "false")


def pytest_collection_modifyitems(config, items):
    """Every test that uses the database is marked ``db`` (run again on PostgreSQL in CI)."""
    for item in items:
        if "db" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("db"):
            item.add_marker(pytest.mark.db)


# Marks of the tests .ci/run runs on the machine's real date (`make test-pg`, after `make test` with the date moved).
REAL_DATE_RUN = ("db", "postgres_only", "real_date")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test that skips itself under libfaketime (a timed wait on the monotonic clock it moves) must be one .ci/run
    also runs on the real date, else no run would ever test it: marked ``real_date`` (or a database test)."""
    outcome = yield
    report = outcome.get_result()
    if (report.skipped and os.environ.get("FAKETIME") and "libfaketime" in str(report.longrepr)
            and not any(item.get_closest_marker(name) for name in REAL_DATE_RUN)):
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} skips itself under libfaketime but is not marked real_date: no CI run "
                           f"would test it on the real date (.ci/run: `make test-pg -m 'db or postgres_only or "
                           f"real_date'`)")


def _worker_id(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, request):
    if PG_URL.startswith("postgresql"):
        base = make_url(PG_URL)
        name = f"meldpunt_t_{_worker_id(request)}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            # No flush to disk at each commit in a test database (every connection to it, the servers and workers
            # the tests start included): a commit still ends the transaction and is seen by every other
            # connection at once; only a crash of the database server itself could lose the last commits, and
            # no test crashes it. Measured here: a commit waits 4.5 ms for the disk, 0.1 ms without.
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        yield base.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("db") / "meldpunt-test.db"
        yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def _schema(database_url):
    from engine.migrations.runner import upgrade

    upgrade(database_url)
    return database_url


@pytest.fixture
def db(_schema):
    """A migrated database, emptied after each test. Installed as the process default."""
    database = Database(_schema)
    previous = set_database(database)
    try:
        yield database
    finally:
        set_database(previous)
        _truncate(database)
        database.dispose()


def _truncate(database: Database) -> None:
    from engine.models import import_all

    import_all()
    tables = list(reversed(Base.metadata.sorted_tables))
    with database.engine.begin() as conn:
        if database.dialect == "postgresql":
            # TRUNCATE of every table cost 0.8-1.6 s per test (a new file for each of ~55 tables and their
            # indexes), most of them empty: one query finds the tables holding rows (up to a bound), the big ones
            # are truncated, the rest emptied by DELETE in dependency order, and the used sequences restart, as
            # RESTART IDENTITY did. About a tenth of the time.
            big = 5000
            counts = dict(conn.execute(text(" UNION ALL ".join(
                f"SELECT '{t.name}', (SELECT count(*) FROM (SELECT 1 FROM \"{t.name}\" LIMIT {big + 1}) AS x)"
                for t in tables))).all())
            large = [t.name for t in tables if counts[t.name] > big]
            if large:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in large) + " CASCADE"))
            for table in tables:
                if 0 < counts[table.name] <= big:
                    conn.execute(table.delete())
            conn.execute(text("SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false) "
                              "FROM pg_sequences WHERE last_value IS NOT NULL"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture(autouse=True)
def clock():
    """A frozen engine clock at Monday 2 November 2026, 09:00 UTC (``tests.timebase.TEST_START``).

    Autouse: no test runs on the wall clock, whether or not it asks for the clock. SpiffWorkflow's
    timer module reads the same clock (``install_spiff_clock``), so the bare-SpiffWorkflow driver in
    tests/process and the engine agree on 'now'. A test that moves time asks for this fixture.
    """
    frozen = clock_mod.FrozenClock(TEST_START)
    previous = clock_mod.set_clock(frozen)
    clock_mod.install_spiff_clock()
    try:
        yield frozen
    finally:
        clock_mod.set_clock(previous)


@pytest.fixture
def demo(db, clock):
    """The demo organisation (``engine.demo.seed``: users of every role, units, sample cases) in the test
    database; a test file may define its own ``demo`` when it needs another set-up."""
    from engine.demo import seed

    with db.session() as s:
        seed(session=s)
    return db


@pytest.fixture(autouse=True, scope="session")
def _audit_key():
    """The audit chain is keyed (HMAC) in every test, as in production, unless the environment sets keys.

    Set in the environment, so processes the tests start (CLI, servers, workers) key with it too."""
    from engine.audit.keys import ENV_VAR
    from engine.crypto import generate_key

    if os.environ.get(ENV_VAR):
        yield
        return
    os.environ[ENV_VAR] = generate_key()
    try:
        yield
    finally:
        os.environ.pop(ENV_VAR, None)


@pytest.fixture
def key():
    """A fresh encryption key, installed in this process; tests that start servers pass it to them."""
    from engine import crypto

    value = crypto.generate_key()
    previous = crypto.set_keyring(crypto.KeyRing.from_string(value))
    try:
        yield value
    finally:
        crypto.set_keyring(previous)


@pytest.fixture(autouse=True, scope="session")
def _encryption_keyring():
    """A test key ring for encrypted columns unless the environment provides keys."""
    from engine import crypto

    if os.environ.get(crypto.ENV_VAR):
        yield
        return
    previous = crypto.set_keyring(crypto.KeyRing.from_string(crypto.generate_key()))
    try:
        yield
    finally:
        crypto.set_keyring(previous)


@pytest.fixture
def tweede_factor_verplicht(monkeypatch):
    """Two-factor login required of the identity roles (``MELDPUNT_TWEEDE_FACTOR=verplicht``, the production
    default) for one test; the suites run with it off (see the top of this file)."""
    from engine.config import get_settings

    monkeypatch.setenv("MELDPUNT_TWEEDE_FACTOR", "verplicht")
    get_settings.cache_clear()
    try:
        yield
    finally:
        get_settings.cache_clear()  # read again after monkeypatch restores the environment
