"""Database plumbing: declarative base, engines, sessions, portable column types."""
from __future__ import annotations

import base64
import contextlib
import zlib
from datetime import datetime, timezone
from typing import Iterator

from sqlalchemy import DateTime, MetaData, Text, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


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


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def postgres_options(settings) -> str:
    """libpq ``options``: the bounds on every wait of a PostgreSQL connection (engine.config)."""
    return (f"-c lock_timeout={settings.db_lock_timeout_ms} -c statement_timeout={settings.db_statement_timeout_ms}"
            f" -c idle_in_transaction_session_timeout={settings.db_idle_in_transaction_timeout_ms}")


def make_engine(url: str, **kwargs) -> Engine:
    from engine.config import get_settings

    settings = get_settings()
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
            cur.close()

        @event.listens_for(eng, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - trivial
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
    return create_engine(url, connect_args=connect_args, **kwargs)


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


class Database:
    """An engine plus its session factory. One per process (see :func:`get_database`)."""

    def __init__(self, url: str, **engine_kwargs):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

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
