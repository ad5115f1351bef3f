"""Alembic brings an empty or older database to the current schema, which matches the models."""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from engine.db import Base
from alembic.script import ScriptDirectory

from engine.migrations.runner import alembic_config, current, upgrade
from engine.models import import_all

pytestmark = pytest.mark.db

EXPRESSION_INDEXES = {"ix_cases_list", "ix_cases_list_category", "ix_work_items_open_assignee",
                      "ix_work_items_open_pool", "ix_work_items_open_due", "ix_cases_precedents"}


@pytest.fixture
def empty_url(database_url, tmp_path):
    """A brand-new, empty database of the same kind as the test database."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    base = make_url(database_url)
    name = f"meldpunt_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_reaches_head_and_matches_the_models(empty_url):
    upgrade(empty_url)
    import_all()
    eng = create_engine(empty_url)
    try:
        with eng.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
        if conn.dialect.name == "sqlite":
            # SQLite cannot reflect indexes with expressions (DESC columns); PostgreSQL checks them.
            diff = [d for d in diff if not (d[0] in ("add_index", "remove_index") and d[1].name in EXPRESSION_INDEXES)]
            # The case search index is an FTS5 table (and its shadow tables) on SQLite, a GIN index on PostgreSQL.
            diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("case_search_fts"))
                    and not (d[0] == "add_index" and d[1].name == "ix_case_search_terms")]
        assert diff == [], diff
        assert "work_items" in inspect(eng).get_table_names()
    finally:
        eng.dispose()


def test_upgrade_from_the_first_revision_keeps_data(empty_url):
    upgrade(empty_url, "0001")
    assert current(empty_url) == "0001"
    eng = create_engine(empty_url)
    try:
        with eng.begin() as conn:
            conn.execute(text("INSERT INTO users (username, display_name, active, created_at) "
                              "VALUES ('oud', 'Oude gebruiker', true, CURRENT_TIMESTAMP)"))
        upgrade(empty_url)
        with eng.connect() as conn:
            assert conn.execute(text("SELECT display_name FROM users WHERE username = 'oud'")).scalar() == "Oude gebruiker"
    finally:
        eng.dispose()
    assert current(empty_url) == ScriptDirectory.from_config(alembic_config(empty_url)).get_current_head()


def _insert_minimal(conn, table: str, values: dict) -> None:
    """A row with ``values`` and a plain value in every other required column (by type), for a data migration."""
    from sqlalchemy import inspect as sa_inspect

    row = dict(values)
    for col in sa_inspect(conn).get_columns(table):
        if col["name"] in row or col["nullable"] or col.get("default") is not None or col.get("autoincrement") is True:
            continue
        kind = str(col["type"]).upper()
        row[col["name"]] = (0 if "INT" in kind else True if "BOOL" in kind else "2026-11-02 09:00:00+00:00"
                            if "TIME" in kind else "2026-11-02" if "DATE" in kind else "{}" if "JSON" in kind else "x")
    names = ", ".join(row)
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + k for k in row)})"), row)


def test_an_open_retaliation_signal_becomes_an_open_contact_task(empty_url):
    """0034: a follow-up answer "ja" whose signal was open before contact tasks existed becomes an open task for
    its signal role; a handled one does not."""
    upgrade(empty_url, "0033_perf2_work_item_view")
    eng = create_engine(empty_url)
    try:
        with eng.begin() as conn:
            _insert_minimal(conn, "cases", {"id": 7})
            for fid, signal in ((1, "open"), (2, "afgehandeld")):
                _insert_minimal(conn, "follow_ups", {"id": fid, "case_id": 7, "term": "P3M", "state": "beantwoord",
                                                     "answer": "ja", "answered_at": "2027-02-02 09:00:00+00:00",
                                                     "signal": signal, "signal_role": "integriteitscoordinator"})
        upgrade(empty_url)
        with eng.connect() as conn:
            rows = conn.execute(text("SELECT case_id, kind, key, follow_up_id, role, state FROM contact_tasks")).all()
        assert [tuple(r) for r in rows] == [(7, "represaille", "represaille:1", 1, "integriteitscoordinator", "open")]
    finally:
        eng.dispose()


def test_the_names_of_stored_files_are_encrypted(empty_url):
    """0038: a file name already stored in plain (it may name the reporter or the moment a photo was taken) is
    encrypted like the file itself, and reads back unchanged through the model."""
    from sqlalchemy import select

    from engine.cases.reveal_models import ReporterAttachment
    from engine.db import Database

    name = "IMG_20261102_094512.jpg"
    upgrade(empty_url, "0037_case_state_tag_guard")
    eng = create_engine(empty_url)
    try:
        with eng.begin() as conn:
            _insert_minimal(conn, "cases", {"id": 7})
            _insert_minimal(conn, "reporter_attachments", {"id": 1, "case_id": 7, "filename": name,
                                                           "content": "x", "source": "melder"})
        upgrade(empty_url, "0038_attachment_names_encrypted")  # 0042 then renames it (the test below)
        with eng.connect() as conn:
            raw = conn.execute(text("SELECT filename FROM reporter_attachments")).scalar()
        assert name not in raw and raw.startswith("v1:")
    finally:
        eng.dispose()
    database = Database(empty_url)
    try:
        with database.session() as s:
            assert s.scalar(select(ReporterAttachment.filename)) == name
    finally:
        database.dispose()


def test_the_names_of_saved_views_are_encrypted(empty_url):
    """0041: a saved view's name already stored in plain (people name a search after whom it looks for) is encrypted
    like its search, and reads back unchanged through the model; two views may no longer rely on a unique index."""
    from sqlalchemy import select

    from engine.cases.search_models import SavedView
    from engine.db import Database

    name = "Melding over J. Jansen"
    upgrade(empty_url, "0040_saved_view_notices")
    eng = create_engine(empty_url)
    try:
        with eng.begin() as conn:
            _insert_minimal(conn, "users", {"id": 3, "username": "coord"})
            _insert_minimal(conn, "saved_views", {"id": 1, "user_id": 3, "name": name, "query": "x"})
        upgrade(empty_url)
        with eng.connect() as conn:
            raw = conn.execute(text("SELECT name FROM saved_views")).scalar()
        assert "Jansen" not in raw and raw.startswith("v1:")
    finally:
        eng.dispose()
    database = Database(empty_url)
    try:
        with database.session() as s:
            assert s.scalar(select(SavedView.name)) == name
    finally:
        database.dispose()


def test_reporter_files_stored_under_the_name_she_gave_get_the_neutral_name(empty_url):
    """0042: a reporter's file stored before names were dropped (its encrypted name may name her) is renamed
    ``bijlage-<n>.<ext>``: n its place among the case's reporter files by id (what ``attachments.add`` gives, which
    counts them), the extension hers in lower case. A handler's file keeps its name; a name already neutral stays.
    The downgrade cannot give the names back and leaves them neutral."""
    from sqlalchemy import select

    from engine.cases import attachments
    from engine.cases.reveal_models import ReporterAttachment
    from engine.crypto import get_keyring
    from alembic import command

    from engine.db import Database

    files = [(1, 7, "Verklaring_Jan_Jansen.DOCX", "melder"), (2, 7, "Notulen gesprek.pdf", "behandelaar"),
             (3, 7, "IMG_20261102_094512.jpeg", "melder"), (4, 8, "foto van Jansen.png", "melder"),
             (5, 8, "bijlage-2.pdf", "melder")]
    upgrade(empty_url, "0041_saved_view_names_encrypted")
    eng = create_engine(empty_url)
    try:
        with eng.begin() as conn:
            for case_id in (7, 8):
                _insert_minimal(conn, "cases", {"id": case_id, "reference": f"M-{case_id}"})
            for file_id, case_id, name, source in files:
                _insert_minimal(conn, "reporter_attachments", {
                    "id": file_id, "case_id": case_id, "source": source, "content": "x",
                    "filename": get_keyring().encrypt(name, "reporter_attachments.filename")})
            if conn.dialect.name == "postgresql":  # rows inserted with their ids: the next one the sequence gives
                conn.execute(text("SELECT setval(pg_get_serial_sequence('reporter_attachments', 'id'), 5)"))
        upgrade(empty_url)
        with eng.connect() as conn:
            raw = " ".join(conn.execute(text("SELECT filename FROM reporter_attachments")).scalars())
        assert "bijlage" not in raw and "Jansen" not in raw  # still encrypted
    finally:
        eng.dispose()
    expected = {1: "bijlage-1.docx", 2: "Notulen gesprek.pdf", 3: "bijlage-2.jpeg", 4: "bijlage-1.png",
                5: "bijlage-2.pdf"}
    database = Database(empty_url)
    try:
        with database.session() as s:
            assert dict(s.execute(select(ReporterAttachment.id, ReporterAttachment.filename)).all()) == expected
            # the numbering goes on where the new code takes over
            row = attachments.add(session=s, case_id=7, filename="Nog een verklaring van Jan.txt", content=b"tekst")
            assert row.filename == "bijlage-3.txt"
            s.rollback()
        command.downgrade(alembic_config(empty_url), "0041_saved_view_names_encrypted")
        with database.session() as s:
            assert dict(s.execute(select(ReporterAttachment.id, ReporterAttachment.filename)).all()) == expected
    finally:
        database.dispose()


def test_a_staff_notice_seen_before_stays_seen_and_its_marker_has_read_it(empty_url):
    """0043: a staff notice marked seen before per-reader storage stays dealt with for everyone, and whoever marked
    it (``seen_by_id``) has read it, at the time she marked it; an unseen notice is read by nobody, and a seen one
    whose marker is not recorded stays seen for everyone without a reader. The downgrade drops the readers only."""
    from alembic import command

    upgrade(empty_url, "0042_reporter_file_names_neutral")
    eng = create_engine(empty_url)
    try:
        with eng.begin() as conn:
            for user_id in (1, 2):
                _insert_minimal(conn, "users", {"id": user_id, "username": f"coordinator{user_id}"})
            for notice_id, seen_at, seen_by in ((1, "2026-11-03 10:00:00+00:00", 2), (2, None, None),
                                                (3, "2026-11-04 11:00:00+00:00", None)):
                _insert_minimal(conn, "staff_notices", {"id": notice_id, "items": "[]", "seen_at": seen_at,
                                                        "seen_by_id": seen_by})
        upgrade(empty_url, "0043_staff_notice_reads")
        with eng.connect() as conn:
            reads = conn.execute(text("SELECT notice_id, user_id, seen_at FROM staff_notice_reads")).all()
            seen = conn.execute(text("SELECT id FROM staff_notices WHERE seen_at IS NOT NULL ORDER BY id")).scalars()
            assert [tuple(r[:2]) for r in reads] == [(1, 2)] and list(seen) == [1, 3]
            assert "2026-11-03" in str(reads[0][2])
        command.downgrade(alembic_config(empty_url), "0042_reporter_file_names_neutral")
        with eng.connect() as conn:
            assert "staff_notice_reads" not in inspect(conn).get_table_names()
            seen = conn.execute(text("SELECT id FROM staff_notices WHERE seen_at IS NOT NULL ORDER BY id")).scalars()
            assert list(seen) == [1, 3]
    finally:
        eng.dispose()
