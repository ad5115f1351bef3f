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


def make_engine(url: str, **kwargs) -> Engine:
    if is_sqlite(url):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
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
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


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
