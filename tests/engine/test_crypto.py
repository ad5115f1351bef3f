"""Field encryption: no plaintext at rest, tamper detection, key rotation."""
from __future__ import annotations

import pytest
from sqlalchemy import Integer, MetaData, String, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from engine import crypto
from engine.crypto import DecryptionFailed, EncryptedText, EncryptionKeyMissing, KeyRing, InvalidKey

SECRET_NAME = "Jantje Geheimzinnig"
SECRET_TEXT = "Mijn leidinggevende sjoemelt met declaraties — details volgen."


class _Base(DeclarativeBase):
    metadata = MetaData()


class Confidential(_Base):
    """A test-only table with two encrypted columns (as the case model will have)."""

    __tablename__ = "test_confidential"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(40))
    melder_naam: Mapped[str | None] = mapped_column(EncryptedText("test_confidential.melder_naam"))
    omschrijving: Mapped[str | None] = mapped_column(EncryptedText("test_confidential.omschrijving"))


@pytest.fixture
def table(db):
    _Base.metadata.create_all(db.engine)
    try:
        yield db
    finally:
        _Base.metadata.drop_all(db.engine)


@pytest.fixture
def keys():
    """Two keys; installs a ring with only the first; restores the previous ring after."""
    k_old, k_new = crypto.generate_key(), crypto.generate_key()
    previous = crypto.set_keyring(KeyRing.from_string(k_old))
    try:
        yield k_old, k_new
    finally:
        crypto.set_keyring(previous)


def raw_values(db) -> list[tuple]:
    with db.engine.connect() as conn:
        return list(conn.execute(text("SELECT melder_naam, omschrijving FROM test_confidential ORDER BY id")))


def test_round_trip_and_fresh_nonce(keys):
    a = crypto.encrypt_text(SECRET_TEXT, purpose="p")
    b = crypto.encrypt_text(SECRET_TEXT, purpose="p")
    assert a != b and SECRET_TEXT not in a
    assert crypto.decrypt_text(a, purpose="p") == SECRET_TEXT


def test_tampering_and_wrong_purpose_are_detected(keys):
    token = crypto.encrypt_text(SECRET_TEXT, purpose="cases.omschrijving")
    with pytest.raises(DecryptionFailed):
        crypto.decrypt_text(token, purpose="cases.melder_naam")  # moved to another column
    version, kid, blob = token.split(":")
    flipped = blob[:-2] + ("A" if blob[-2] != "A" else "B") + blob[-1]
    with pytest.raises(DecryptionFailed) as exc:
        crypto.decrypt_text(f"{version}:{kid}:{flipped}", purpose="cases.omschrijving")
    assert SECRET_TEXT not in str(exc.value)
    with pytest.raises(DecryptionFailed):
        crypto.decrypt_text("not-a-ciphertext")


def test_bad_or_missing_keys():
    with pytest.raises(InvalidKey):
        KeyRing.from_string("c2hvcnQ=")  # 5 bytes
    with pytest.raises(EncryptionKeyMissing):
        KeyRing.from_string("").encrypt("x")


def test_keyring_from_environment(monkeypatch):
    key = crypto.generate_key()
    monkeypatch.setenv(crypto.ENV_VAR, f" {key} , {crypto.generate_key()}")
    ring = crypto.load_keyring()
    assert len(ring.keys) == 2 and ring.primary_id == crypto.key_id(ring.keys[0])


@pytest.mark.db
def test_raw_columns_hold_no_plaintext(table, keys):
    db = table
    with db.session() as s:
        s.add(Confidential(label="a", melder_naam=SECRET_NAME, omschrijving=SECRET_TEXT))
    for naam, omschrijving in raw_values(db):
        assert SECRET_NAME not in naam and "Jantje" not in naam
        assert SECRET_TEXT not in omschrijving and "declaraties" not in omschrijving
        assert naam.startswith("v1:") and omschrijving.startswith("v1:")
    with db.session() as s:
        row = s.scalar(select(Confidential))
        assert (row.melder_naam, row.omschrijving) == (SECRET_NAME, SECRET_TEXT)


@pytest.mark.db
def test_rotation_re_encrypts_and_old_key_stops_working(table, keys):
    db = table
    k_old, k_new = keys
    with db.session() as s:
        s.add_all([Confidential(label=str(i), melder_naam=f"{SECRET_NAME} {i}", omschrijving=None) for i in range(3)])
    before = raw_values(db)
    old_kid = crypto.key_id(KeyRing.from_string(k_old).keys[0])
    assert all(naam.split(":")[1] == old_kid for naam, _ in before)

    # New key first, old key still in the ring: old ciphertexts stay readable, new writes use the new key.
    crypto.set_keyring(KeyRing.from_string(f"{k_new},{k_old}"))
    with db.session() as s:
        assert sorted(r.melder_naam for r in s.scalars(select(Confidential))) == [f"{SECRET_NAME} {i}" for i in range(3)]
        s.add(Confidential(label="new", melder_naam="Nieuw", omschrijving=SECRET_TEXT))

    with db.session() as s:
        counts = crypto.rotate(session=s, metadata=_Base.metadata, batch_size=2)
    assert counts == {"test_confidential.melder_naam": 3, "test_confidential.omschrijving": 0}
    after = raw_values(db)
    new_kid = crypto.key_id(KeyRing.from_string(k_new).keys[0])
    assert all(v.split(":")[1] == new_kid for row in after for v in row if v is not None)
    with db.session() as s:  # idempotent
        assert sum(crypto.rotate(session=s, metadata=_Base.metadata).values()) == 0

    # Drop the old key: rotated rows read fine, an old ciphertext no longer decrypts.
    crypto.set_keyring(KeyRing.from_string(k_new))
    with db.session() as s:
        names = sorted(r.melder_naam for r in s.scalars(select(Confidential)))
    assert names == sorted([f"{SECRET_NAME} {i}" for i in range(3)] + ["Nieuw"])
    with pytest.raises(DecryptionFailed):
        crypto.decrypt_text(before[0][0], purpose="test_confidential.melder_naam")


@pytest.mark.db
def test_unrotated_value_unreadable_without_its_key(table, keys):
    db = table
    k_old, k_new = keys
    with db.session() as s:
        s.add(Confidential(label="a", melder_naam=SECRET_NAME))
    crypto.set_keyring(KeyRing.from_string(k_new))
    with pytest.raises(Exception) as exc:
        with db.session() as s:
            s.scalar(select(Confidential)).melder_naam
    assert SECRET_NAME not in str(exc.value)


def test_encrypted_columns_discovers_model_columns():
    assert [(t.name, c.name) for t, c in crypto.encrypted_columns(_Base.metadata)] == [
        ("test_confidential", "melder_naam"), ("test_confidential", "omschrijving")]
