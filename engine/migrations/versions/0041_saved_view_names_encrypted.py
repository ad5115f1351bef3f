"""The names of saved views encrypted at rest, like their search.

People name a search after whom it looks for ("Melding over J. Jansen", "Betrokkene Gaai"): the name can identify a
reporter or a subject as surely as the search itself, whose ``query`` was encrypted while ``name`` was not. Now
``name`` is an ``EncryptedText`` column (TEXT: the ciphertext is longer than the 100 characters of a name); this
migration encrypts the names already stored under the key ring of ``MELDPUNT_ENCRYPTION_KEYS`` (purpose
``saved_views.name``). A unique index cannot compare ciphertexts (each has its own nonce), so the unique constraint
on (user_id, name) goes; ``engine.cases.views.save_view`` keeps a user's names unique (case folded) under a lock on
the user's row. Without a key and with views present the upgrade stops (EncryptionKeyMissing) rather than leave
them readable. Downgrade decrypts them back and restores the constraint.

Revision ID: 0041_saved_view_names_encrypted
Revises: 0040_saved_view_notices
"""
from alembic import op
import sqlalchemy as sa

revision = "0041_saved_view_names_encrypted"
down_revision = "0040_saved_view_notices"
branch_labels = None
depends_on = None

PURPOSE = "saved_views.name"
VIEWS = sa.table("saved_views", sa.column("id", sa.Integer), sa.column("name", sa.Text))


def _convert(encrypt: bool) -> None:
    from engine.crypto import get_keyring

    bind = op.get_bind()
    rows = bind.execute(sa.select(VIEWS.c.id, VIEWS.c.name).order_by(VIEWS.c.id)).all()
    if not rows:
        return
    ring = get_keyring()
    for view_id, name in rows:
        value = ring.encrypt(name, PURPOSE) if encrypt else ring.decrypt(name, PURPOSE)
        bind.execute(sa.update(VIEWS).where(VIEWS.c.id == view_id).values(name=value))


def upgrade() -> None:
    with op.batch_alter_table("saved_views") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_saved_views_user_id"), type_="unique")
        batch_op.alter_column("name", type_=sa.Text(), existing_type=sa.String(100), existing_nullable=False)
    _convert(encrypt=True)


def downgrade() -> None:
    _convert(encrypt=False)
    with op.batch_alter_table("saved_views") as batch_op:
        batch_op.alter_column("name", type_=sa.String(100), existing_type=sa.Text(), existing_nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_saved_views_user_id"), ["user_id", "name"])
