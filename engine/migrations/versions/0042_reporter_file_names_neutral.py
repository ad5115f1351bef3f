"""A reporter's files stored before her file names were dropped get the neutral name the code now gives.

Since ``engine.cases.attachments.add`` keeps a reporter's file as ``bijlage-<n>.<ext>`` (the name she gave can name
her: "Verklaring_Jan_Jansen.docx"), files uploaded before that change still carried her name (encrypted at rest
since 0038, but shown to every handler who may read her files). This migration renames them the same way.

Which files: ``source = 'melder'``, the column ``add`` fills for every file that came in through her channel (the
public form, "Mijn melding", the reporter API); a handler's file (``behandelaar``) keeps its name. The column exists
since 0027 with server default ``melder``: files from before it were all hers.

The rule, the one ``add`` follows (it counts the case's reporter files and adds one; no file of hers is ever
removed on its own, only with the whole case): ``n`` is the file's place among the case's reporter files in order
of ``id``, the extension the one of her name in lower case (the extension was checked against the allowed types
on upload; a name without one falls back to its media type). A file uploaded after the change already has exactly
that name and keeps it. The name is decrypted only to read its extension and written back encrypted (purpose
``reporter_attachments.filename``); without a key and with reporter files present the upgrade stops
(EncryptionKeyMissing), as 0038 does. Nothing is logged, least of all a name.

Downgrade: the names she gave are gone (that is the point) and cannot be restored; it changes nothing.

Revision ID: 0042_reporter_file_names_neutral
Revises: 0041_saved_view_names_encrypted
"""
from alembic import op
import sqlalchemy as sa

revision = "0042_reporter_file_names_neutral"
down_revision = "0041_saved_view_names_encrypted"
branch_labels = None
depends_on = None

PURPOSE = "reporter_attachments.filename"
REPORTER = "melder"
FILES = sa.table("reporter_attachments", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                 sa.column("filename", sa.Text), sa.column("media_type", sa.String), sa.column("source", sa.String))
# The extension of an allowed media type, for a stored name without one (engine.cases.attachments.ALLOWED).
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "text/plain": ".txt",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx"}


def _extension(name: str, media_type: str | None) -> str:
    # as attachments.add reads it from the name she gave
    if "." in name:
        return "." + name.rsplit(".", 1)[-1].lower()
    return EXTENSIONS.get(media_type or "", "")


def upgrade() -> None:
    from engine.crypto import get_keyring

    bind = op.get_bind()
    rows = bind.execute(sa.select(FILES.c.id, FILES.c.case_id, FILES.c.filename, FILES.c.media_type)
                        .where(FILES.c.source == REPORTER).order_by(FILES.c.case_id, FILES.c.id)).all()
    if not rows:
        return
    ring = get_keyring()
    numbers: dict[int, int] = {}
    for file_id, case_id, stored, media_type in rows:
        numbers[case_id] = numbers.get(case_id, 0) + 1
        name = ring.decrypt(stored, PURPOSE)
        neutral = f"bijlage-{numbers[case_id]}{_extension(name, media_type)}"
        if neutral != name:
            bind.execute(sa.update(FILES).where(FILES.c.id == file_id)
                         .values(filename=ring.encrypt(neutral, PURPOSE)))


def downgrade() -> None:
    # The names the reporters gave were dropped by the upgrade and exist nowhere: they cannot be restored.
    pass
