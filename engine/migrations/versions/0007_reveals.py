"""identity reveals and reporter attachments

Revision ID: 0007_reveals
Revises: 0006_messages
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0007_reveals'
down_revision = '0006_messages'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'identity_reveals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('grantee_id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('requested_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('decision_note', sa.Text(), nullable=True),
        sa.Column('reporter_informed_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_identity_reveals_case_id_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['grantee_id'], ['users.id'], name=op.f('fk_identity_reveals_grantee_id_users')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_identity_reveals_requested_by_id_users')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_identity_reveals_decided_by_id_users')),
        sa.ForeignKeyConstraint(['message_id'], ['case_messages.id'], name=op.f('fk_identity_reveals_message_id_case_messages')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_reveals')),
    )
    with op.batch_alter_table('identity_reveals', schema=None) as batch_op:
        batch_op.create_index('ix_identity_reveals_case_user', ['case_id', 'grantee_id', 'state'], unique=False)
    op.create_table(
        'reporter_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('media_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('created_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_reporter_attachments_case_id_cases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reporter_attachments')),
    )
    with op.batch_alter_table('reporter_attachments', schema=None) as batch_op:
        batch_op.create_index('ix_reporter_attachments_case', ['case_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reporter_attachments', schema=None) as batch_op:
        batch_op.drop_index('ix_reporter_attachments_case')
    op.drop_table('reporter_attachments')
    with op.batch_alter_table('identity_reveals', schema=None) as batch_op:
        batch_op.drop_index('ix_identity_reveals_case_user')
    op.drop_table('identity_reveals')
