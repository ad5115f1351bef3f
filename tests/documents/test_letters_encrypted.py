"""Letters are encrypted at rest (issue 16): the database holds no .docx and no reporter's name, the
download still returns the real letter, tampering is caught by the sha256 check, migration 0014 encrypts
letters stored in plain, and key rotation re-encrypts letters."""
from __future__ import annotations

import importlib

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import select, update

from documents.models import Letter
from documents.render import docx_text
from engine import crypto
from tests.web.test_one_door import NAME, _app, _letters, _login, _worked_case

pytestmark = pytest.mark.db

ZIP = b"PK\x03\x04"


def _stored(db) -> dict[int, tuple[str, bytes]]:
    with db.session() as s:
        return {i: (storage, content) for i, storage, content in
                s.execute(select(Letter.id, Letter.storage, Letter.content)).all()}


def test_letters_are_stored_encrypted_and_download_as_the_real_letter(demo):
    case_id = _worked_case(demo)
    to_reporter, others = _letters(demo, case_id)
    stored = _stored(demo)
    assert to_reporter and set(to_reporter) | set(others) <= set(stored)
    for letter_id, (storage, content) in stored.items():
        assert storage == "db-aes-gcm"
        assert ZIP not in content and NAME.encode() not in content and b"word/document.xml" not in content
    desk = _login(_app(), "meldpunt")
    for letter_id in to_reporter:
        r = desk.get(f"/api/v1/zaken/{case_id}/documenten/{letter_id}")
        assert r.status_code == 200 and r.content.startswith(ZIP)
        assert NAME in docx_text(r.content)
        web = desk.get(f"/zaken/{case_id}/brieven/{letter_id}")
        assert web.status_code == 200 and web.content == r.content


def test_an_altered_or_moved_ciphertext_is_reported_as_damaged(demo):
    case_id = _worked_case(demo)
    to_reporter, others = _letters(demo, case_id)
    stored = _stored(demo)
    victim, donor = to_reporter[0], others[0]
    altered = bytearray(stored[victim][1])
    altered[-1] ^= 1
    with demo.engine.begin() as conn:  # letters are immutable through the ORM; this is an attacker's edit
        conn.execute(update(Letter.__table__).where(Letter.id == victim).values(content=bytes(altered)))
        conn.execute(update(Letter.__table__).where(Letter.id == donor).values(content=stored[victim][1]))
    desk = _login(_app(), "meldpunt")
    for letter_id in (victim, donor):
        r = desk.get(f"/api/v1/zaken/{case_id}/documenten/{letter_id}")
        assert r.status_code >= 500 and ZIP not in r.content and NAME not in r.text, (letter_id, r.status_code)


def test_migration_0014_encrypts_plain_letters_and_rotation_re_encrypts(demo):
    case_id = _worked_case(demo)
    to_reporter, _ = _letters(demo, case_id)
    migration = importlib.import_module("engine.migrations.versions.0014_letters_encrypted")
    with demo.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        migration.downgrade()  # back to plain: what a database from before this change holds
    storage, content = _stored(demo)[to_reporter[0]]
    assert storage == "db" and content.startswith(ZIP)
    with demo.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        migration.upgrade()
    storage, content = _stored(demo)[to_reporter[0]]
    assert storage == "db-aes-gcm" and ZIP not in content
    desk = _login(_app(), "meldpunt")
    before = desk.get(f"/api/v1/zaken/{case_id}/documenten/{to_reporter[0]}")
    assert before.status_code == 200 and NAME in docx_text(before.content)

    old = crypto.get_keyring()
    new = crypto.KeyRing((crypto.KeyRing.from_string(crypto.generate_key()).keys[0], *old.keys))
    crypto.set_keyring(new)
    try:
        count = len(_stored(demo))
        with demo.session() as s:
            assert crypto.rotate(session=s)["letters.content"] == count
        assert all(new.is_current_bytes(content) for _, content in _stored(demo).values())
        crypto.set_keyring(crypto.KeyRing(new.keys[:1]))  # the old key dropped after rotation
        again = desk.get(f"/api/v1/zaken/{case_id}/documenten/{to_reporter[0]}")
        assert again.status_code == 200 and again.content == before.content
    finally:
        crypto.set_keyring(old)
