"""File names of the case file's files encrypted at rest, like their content.

A reporter's file name can point at her as surely as the file's metadata: a phone names a photo after the moment
it was taken (``IMG_20261102_094512.jpg``, the time ``engine.cases.scrub`` removes from the EXIF), and people name
files after people. ``reporter_attachments.content`` was encrypted, ``filename`` was not. Now ``filename`` is an
``EncryptedText`` column (TEXT: the ciphertext is longer than the 200 characters of the name); this migration
encrypts the names already stored under the key ring of ``MELDPUNT_ENCRYPTION_KEYS`` (purpose
``reporter_attachments.filename``). Without a key and with files present the upgrade stops (EncryptionKeyMissing)
rather than leave them readable. Downgrade decrypts them back.

Revision ID: 0038_attachment_names_encrypted
Revises: 0037_case_state_tag_guard
"""
from alembic import op
import sqlalchemy as sa

revision = "0038_attachment_names_encrypted"
down_revision = "0037_case_state_tag_guard"
branch_labels = None
depends_on = None

PURPOSE = "reporter_attachments.filename"
FILES = sa.table("reporter_attachments", sa.column("id", sa.Integer), sa.column("filename", sa.Text))


def _convert(encrypt: bool) -> None:
    from engine.crypto import get_keyring

    bind = op.get_bind()
    rows = bind.execute(sa.select(FILES.c.id, FILES.c.filename).order_by(FILES.c.id)).all()
    if not rows:
        return
    ring = get_keyring()
    for file_id, name in rows:
        value = ring.encrypt(name, PURPOSE) if encrypt else ring.decrypt(name, PURPOSE)
        bind.execute(sa.update(FILES).where(FILES.c.id == file_id).values(filename=value))


def upgrade() -> None:
    with op.batch_alter_table("reporter_attachments") as batch_op:
        batch_op.alter_column("filename", type_=sa.Text(), existing_type=sa.String(200), existing_nullable=False)
    _convert(encrypt=True)


def downgrade() -> None:
    _convert(encrypt=False)
    with op.batch_alter_table("reporter_attachments") as batch_op:
        batch_op.alter_column("filename", type_=sa.String(200), existing_type=sa.Text(), existing_nullable=False)
