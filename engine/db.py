"""Database plumbing: declarative base, engines, sessions, portable column types."""
from __future__ import annotations

import base64
import contextlib
import zlib
from datetime import datetime, timezone
from typing import Callable, Iterator

from sqlalchemy import (DateTime, MetaData, Text, column, create_engine, delete, event, insert, literal, table,
                        update)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _complete_annotated_statement_classes() -> None:
    """Make SQLAlchemy's annotated statement classes once, at import, before any thread exists.

    The ORM annotates every update, delete and insert it runs. SQLAlchemy makes the annotated variant of a
    statement class the first time one is used and publishes it in its registry a moment before the class is
    complete: a second thread using it in that moment (two first requests at once in the server's threadpool)
    finds no cache-key traversal, writes a warning to stderr (``cprf``: a line outside the JSON log) and never
    caches the compilation of that statement kind in this process. Seen in CI (the topology test, 50 clients) and
    reproduced with 16 threads on a fresh interpreter (3 in 60 runs); tests/engine/test_db_threads.py."""
    probe = table("probe", column("id"))
    for statement in (update(probe), delete(probe), insert(probe)):
        statement._annotate({"probe": True})._generate_cache_key()


_complete_annotated_statement_classes()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class CompressedText(TypeDecorator):
    """Text stored zlib-compressed (base64, prefix ``z1:``); Python sees the plain string.

    Used for the workflow state: its JSON repeats the same keys for every task and
    compresses about 6:1, which keeps a long case's row small (measurement 6 in bench/)
    and cuts what travels between server and database on every step. A value without
    the prefix (written before compression was introduced) is read as it is.
    """

    impl = Text
    cache_ok = True
    PREFIX = "z1:"

    @classmethod
    def pack(cls, value: str) -> str:
        return cls.PREFIX + base64.b64encode(zlib.compress(value.encode("utf-8"), 1)).decode("ascii")

    @classmethod
    def unpack(cls, stored: str) -> str:
        if not stored.startswith(cls.PREFIX):
            return stored
        return zlib.decompress(base64.b64decode(stored[len(cls.PREFIX):])).decode("utf-8")

    def process_bind_param(self, value, dialect):
        return None if value is None else self.pack(value)

    def process_result_value(self, value, dialect):
        return None if value is None else self.unpack(value)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on both SQLite (which drops tz) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def in_values(column, values) -> ColumnElement[bool]:
    """``column IN (v1, v2, ...)`` for a list fixed when the statement is built (roles, parties), one bound parameter
    per value: the same SQL as ``column.in_(values)``, which SQLAlchemy makes an "expanding" parameter instead and
    then renders into the statement's text anew on every execution (issue 25: 70-180 µs of CPU per execution of a
    long statement, more than the rest of its execution). A statement built once with a fixed list runs as it is."""
    values = list(values)
    if not values:
        return column.in_(values)
    return column.in_([literal(value, column.type) for value in values])


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def postgres_options(settings) -> str:
    """libpq ``options``: the bounds on every wait of a PostgreSQL connection (engine.config)."""
    return (f"-c lock_timeout={settings.db_lock_timeout_ms} -c statement_timeout={settings.db_statement_timeout_ms}"
            f" -c idle_in_transaction_session_timeout={settings.db_idle_in_transaction_timeout_ms}")


def make_engine(url: str, **kwargs) -> Engine:
    from engine.config import get_settings

    settings = get_settings()
    # An error's text carries no bound value (SQLAlchemy appends "[parameters: ...]" otherwise): it may reach a log
    # line or a command's printed error, and the values are personal data (tests/engine/test_db_hides_parameters.py).
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        kwargs.setdefault("connect_args", {"check_same_thread": False,
                                           "timeout": settings.sqlite_busy_timeout_seconds})
        eng = create_engine(url, **kwargs)

        @event.listens_for(eng, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            # Let SQLAlchemy drive transactions (BEGIN IMMEDIATE below) for real isolation.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            # What is deleted or overwritten is zeroed in the file, never left readable in its free pages: a destroyed
            # case (engine.records), an old version of a row. Upstream SQLite leaves it there unless told.
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()

        @event.listens_for(eng, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - trivial
            # A pure read (READ_ONLY, see read_session) sends no BEGIN: each statement reads a committed
            # snapshot of its own (the connection is in the driver's autocommit mode, set above), takes no
            # write lock and waits for none (WAL). The connection is query_only meanwhile, so a write that
            # slips past the statement guard below is refused by SQLite itself.
            read = bool(conn.get_execution_options().get(READ_ONLY))
            info = conn.connection.info
            if info.get("query_only", False) != read:
                # on the driver's connection: in-process, no round trip (like the pragmas at connect)
                cur = conn.connection.dbapi_connection.cursor()
                cur.execute(f"PRAGMA query_only={'ON' if read else 'OFF'}")
                cur.close()
                info["query_only"] = read
            if not read:
                # Writers serialise on SQLite: take the write lock at BEGIN, so the
                # optimistic version check can never interleave with another writer.
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return eng
    # No ping per checkout (one round trip on every request, issue 25): a connection the server dropped fails the
    # one statement that finds it, SQLAlchemy then discards every pooled connection older than that failure, and
    # the next request connects afresh. Connections are renewed after an hour all the same.
    kwargs.setdefault("pool_pre_ping", False)
    kwargs.setdefault("pool_recycle", 3600)
    # Sized from the request threads (engine.config): every thread can hold one connection at a time.
    kwargs.setdefault("pool_size", settings.db_pool_size)
    kwargs.setdefault("max_overflow", settings.db_pool_overflow)
    kwargs.setdefault("pool_timeout", settings.db_pool_timeout_seconds)
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("options", postgres_options(settings))
    # Server-side prepared statements (issue 25): psycopg prepares a statement on its second execution on a
    # connection (its default: the sixth), so PostgreSQL parses and plans it fewer times; and it keeps up to
    # PREPARED_MAX of them per connection (its default 100 is less than the ~110 statements of a completion
    # flow, so the least recently used were dropped and prepared again).
    connect_args.setdefault("prepare_threshold", PREPARE_THRESHOLD)
    connect_args.setdefault("cursor_factory", lazy_description_cursor())
    eng = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(eng, "connect")
    def _prepared_max(dbapi_conn, _record):  # pragma: no cover - trivial
        dbapi_conn.prepared_max = PREPARED_MAX

    return eng


PREPARE_THRESHOLD = 1  # executions of a statement on a connection before psycopg prepares it
PREPARED_MAX = 256  # prepared statements psycopg keeps per connection

_LAZY_CURSOR: type | None = None


def lazy_description_cursor() -> type:
    """psycopg's cursor whose ``description`` builds its column objects only when one is read (issue 25).

    SQLAlchemy asks every executed statement's cursor for its ``description``, and for a statement it has run
    before (every statement of the hot paths) only looks whether it is None: the result's columns are known from the
    statement's first run. psycopg builds one ``Column`` per result column on every access (~1 µs each; ~190 per
    completion flow). This cursor answers with a sequence that builds the same list when it is first indexed or
    iterated, from the result it describes even if the cursor has moved on; None exactly when psycopg's would be."""
    global _LAZY_CURSOR
    if _LAZY_CURSOR is not None:
        return _LAZY_CURSOR
    from collections.abc import Sequence

    import psycopg
    from psycopg import pq

    rows = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK)

    class _Described:
        """What psycopg's ``Column`` reads from its cursor, fixed to the result it describes."""
        __slots__ = ("pgresult", "_encoding", "adapters")

    class Description(Sequence):
        __slots__ = ("_cursor", "_result", "_columns")

        def __init__(self, cursor, result):
            self._cursor, self._result, self._columns = cursor, result, None

        def _list(self) -> list:
            if self._columns is None:
                cursor, result = self._cursor, self._result
                if cursor.pgresult is not result:  # the cursor went on to another result meanwhile
                    described = _Described()
                    described.pgresult, described._encoding, described.adapters = (
                        result, cursor._encoding, cursor.adapters)
                    cursor = described
                self._columns = [psycopg.Column(cursor, i) for i in range(result.nfields)]
                self._cursor = self._result = None
            return self._columns

        def __len__(self) -> int:
            return len(self._columns) if self._columns is not None else self._result.nfields

        def __getitem__(self, index):
            return self._list()[index]

        def __iter__(self):
            return iter(self._list())

        def __eq__(self, other) -> bool:
            return self._list() == (list(other) if isinstance(other, Sequence) else other)

        def __repr__(self) -> str:
            return repr(self._list())

    class LazyDescriptionCursor(psycopg.Cursor):
        @property
        def description(self):
            result = self.pgresult
            if result and (result.nfields or result.status in rows):  # as psycopg's own ``description``
                return Description(self, result)
            return None

    _LAZY_CURSOR = LazyDescriptionCursor
    return _LAZY_CURSOR


# SQLSTATEs of a lost wait: lock_not_available (lock_timeout), deadlock_detected, serialization_failure.
LOCK_CONFLICT_STATES = frozenset({"55P03", "40P01", "40001"})
QUERY_CANCELED = "57014"  # statement_timeout


def lock_conflict(exc: BaseException) -> bool:
    """Whether a database error is a lost wait for a lock (PostgreSQL lock_timeout, deadlock; SQLite busy)."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) in LOCK_CONFLICT_STATES:
        return True
    return type(orig).__name__ == "OperationalError" and "database is locked" in str(orig)


def statement_timed_out(exc: BaseException) -> bool:
    return getattr(getattr(exc, "orig", exc), "sqlstate", None) == QUERY_CANCELED


# --------------------------------------------------------------------------- pure reads without a transaction
#
# A unit of work that only reads (a worklist, a form schema, a case list) needs no transaction: on SQLite a
# ``BEGIN IMMEDIATE`` takes the database-wide write lock for the whole request (reads then wait for writers and
# block them), on PostgreSQL ``BEGIN`` and ``COMMIT`` are two round trips around the reads. :meth:`Database.
# read_session` runs its statements in autocommit: every statement reads a committed snapshot of its own. That is
# enough for what a pure read shows (a list, a count, a schema: the same as reloading the page a moment later);
# nothing is decided on it (every write re-checks in its own transaction: the versioned UPDATE of the case, the
# claim's conditional UPDATE). A read that must see several statements at one instant (an export, a report, the
# audit chain's verification) keeps its transaction: it is simply not declared read-only.
#
# What a read must write before it answers - the audit record of what it showed, a worklist visit - goes to
# :func:`write_before_answer`: run in one short write transaction after the reads and before the response; if it
# fails, the request fails (an audited read is never answered without its record). Anything else that writes in a
# read session is a programming error and fails loudly: an ORM flush, or any statement but a plain SELECT
# (:class:`ReadOnlyViolation`); on SQLite the connection is also ``PRAGMA query_only`` meanwhile.

READ_ONLY = "meldpunt_read_only"  # execution option of the read engine; session.info key of a read session


class ReadOnlyViolation(RuntimeError):
    """A unit of work declared read-only tried to write (a programming error, never the user's)."""


def is_read_only(session: Session) -> bool:
    return session.info.get(READ_ONLY) is not None


def write_before_answer(session: Session, func: Callable[[Session], None]) -> None:
    """``func(write_session)``: in ``session``'s own transaction, or - for a read session - in one short write
    transaction after its reads, before the request answers (its failure fails the request)."""
    pending = session.info.get(READ_ONLY)
    if pending is None:
        func(session)
    else:
        pending.append(func)


def _refuse_write_statement(conn, cursor, statement, parameters, context, executemany):
    """On the read engine only: a plain SELECT (or a WITH that writes nothing), no row locks."""
    head = statement.lstrip()[:6].upper()
    if head != "SELECT":
        upper = statement.upper()
        if not head.startswith("WITH") or any(f" {verb} " in upper for verb in ("INSERT", "UPDATE", "DELETE")):
            raise ReadOnlyViolation(f"a read-only unit of work sent a write: {statement.split(None, 1)[0]}")
    if any(f" FOR {lock}" in statement for lock in ("UPDATE", "NO KEY UPDATE", "SHARE", "KEY SHARE")):
        raise ReadOnlyViolation("a read-only unit of work asked for a row lock")


def _refuse_flush(session, flush_context, instances):
    if is_read_only(session) and (session.new or session.dirty or session.deleted):
        raise ReadOnlyViolation("a read-only unit of work changed an object")


class Database:
    """An engine plus its session factory. One per process (see :func:`get_database`)."""

    def __init__(self, url: str, **engine_kwargs):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        # The same pool; PostgreSQL: psycopg's autocommit (set and reset on the client, no round trip); SQLite's
        # connections are in the driver's autocommit mode already and its "begin" listener sends no BEGIN here.
        options = {READ_ONLY: True}
        if not is_sqlite(url):
            options["isolation_level"] = "AUTOCOMMIT"
        self.read_engine = self.engine.execution_options(**options)
        event.listen(self.read_engine, "before_cursor_execute", _refuse_write_statement)
        self.read_sessionmaker = sessionmaker(self.read_engine, expire_on_commit=False, autoflush=False)
        event.listen(self.read_sessionmaker, "before_flush", _refuse_flush)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commit on success, roll back on any exception."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def read_session_begin(self) -> Session:
        """A read session (see above); finish it with :meth:`read_session_end`."""
        session = self.read_sessionmaker()
        session.info[READ_ONLY] = []
        return session

    def read_session_end(self, session: Session, *, ok: bool) -> None:
        """Close a read session; when ``ok``, refuse unflushed changes and write what it left for
        :func:`write_before_answer` in one short transaction (raising if that fails)."""
        try:
            if ok and (session.new or session.dirty or session.deleted):
                raise ReadOnlyViolation("a read-only unit of work changed an object")
        finally:
            pending = session.info.get(READ_ONLY) or []
            session.close()
        if ok and pending:
            with self.session() as writer:
                for func in pending:
                    func(writer)

    @contextlib.contextmanager
    def read_session(self) -> Iterator[Session]:
        """A pure read: no transaction (see above); its :func:`write_before_answer` work afterwards."""
        session = self.read_session_begin()
        ok = False
        try:
            yield session
            ok = True
        finally:
            self.read_session_end(session, ok=ok)

    def dispose(self) -> None:
        self.engine.dispose()


_database: Database | None = None


def get_database() -> Database:
    global _database
    if _database is None:
        from engine.config import get_settings

        _database = Database(get_settings().database_url)
    return _database


def set_database(db: Database | None) -> Database | None:
    global _database
    previous, _database = _database, db
    return previous
