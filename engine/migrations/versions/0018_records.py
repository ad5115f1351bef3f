"""records lifecycle: legal holds and destruction lists (issue 20)

Revision ID: 0018_records
Revises: 0014_letters_encrypted
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0018_records'
down_revision = '0014_letters_encrypted'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'legal_holds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('placed_by', sa.String(length=100), nullable=False),
        sa.Column('placed_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('lifted_by', sa.String(length=100), nullable=True),
        sa.Column('lifted_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_legal_holds_case_id_cases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_holds')),
    )
    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.create_index('ix_legal_holds_case', ['case_id', 'id'], unique=False)
    op.create_table(
        'destruction_lists',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('built_at', engine.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('built_by', sa.String(length=100), nullable=False),
        sa.Column('proposed_by', sa.String(length=100), nullable=True),
        sa.Column('proposed_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('approved_by', sa.String(length=100), nullable=True),
        sa.Column('approved_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('certificate', sa.LargeBinary(), nullable=True),
        sa.Column('certificate_filename', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_destruction_lists')),
    )
    op.create_table(
        'destruction_list_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('list_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=40), nullable=False),
        sa.Column('outcome_class', sa.String(length=40), nullable=False),
        sa.Column('closed_on', sa.Date(), nullable=False),
        sa.Column('end_of_term', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=True),
        sa.Column('destroyed_at', engine.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['list_id'], ['destruction_lists.id'],
                                name=op.f('fk_destruction_list_items_list_id_destruction_lists'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_destruction_list_items')),
    )
    with op.batch_alter_table('destruction_list_items', schema=None) as batch_op:
        batch_op.create_index('ix_destruction_items_case', ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_destruction_list_items_list_id'), ['list_id'], unique=False)


def downgrade() -> None:
    op.drop_table('destruction_list_items')
    op.drop_table('destruction_lists')
    op.drop_table('legal_holds')
