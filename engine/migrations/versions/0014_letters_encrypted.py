"""Letters encrypted at rest (issue 16).

The schema does not change: ``letters.content`` keeps the bytes, ``letters.storage`` says how. New letters
are stored AES-256-GCM encrypted (``storage = 'db-aes-gcm'``, documents.storage); this migration encrypts
the letters stored in plain (``storage = 'db'``) under the key ring of ``MELDPUNT_ENCRYPTION_KEYS``, bound to
the purpose ``letters.content:<sha256>``. The recorded sha256 is that of the plain .docx and stays as it is.
Without a key and with plain letters present the upgrade stops (EncryptionKeyMissing) rather than leave
them readable. Downgrade decrypts them back.

Revision ID: 0014_letters_encrypted
Revises: 0013_audit_keyed
"""
from alembic import op
import sqlalchemy as sa

revision = "0014_letters_encrypted"
down_revision = "0013_audit_keyed"
branch_labels = None
depends_on = None

LETTERS = sa.table("letters", sa.column("id", sa.Integer), sa.column("sha256", sa.String),
                   sa.column("storage", sa.String), sa.column("content", sa.LargeBinary))


def _convert(source: str, target: str, encrypt: bool) -> None:
    from engine.crypto import get_keyring

    bind = op.get_bind()
    ids = [row[0] for row in bind.execute(sa.select(LETTERS.c.id).where(LETTERS.c.storage == source)
                                          .order_by(LETTERS.c.id))]
    if not ids:
        return
    ring = get_keyring()
    for letter_id in ids:  # one row at a time: letters can be large
        sha256, content = bind.execute(sa.select(LETTERS.c.sha256, LETTERS.c.content)
                                       .where(LETTERS.c.id == letter_id)).one()
        purpose = f"letters.content:{sha256}"
        if content is not None:
            content = ring.encrypt_bytes(content, purpose) if encrypt else ring.decrypt_bytes(content, purpose)
        bind.execute(sa.update(LETTERS).where(LETTERS.c.id == letter_id).values(storage=target, content=content))


def upgrade() -> None:
    _convert("db", "db-aes-gcm", encrypt=True)


def downgrade() -> None:
    _convert("db-aes-gcm", "db", encrypt=False)
