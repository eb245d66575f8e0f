"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('edition',
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('date')
    )
    op.create_table('fetch_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('edition_date', sa.Date(), nullable=True),
    sa.Column('source_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('new_papers', sa.Integer(), nullable=False),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('etag', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('last_modified', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('health', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('fetched_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fetch_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fetch_log_run_id'), ['run_id'], unique=False)
        batch_op.create_index('ix_fetch_log_source_time', ['source_key', 'fetched_at'], unique=False)

    op.create_table('paper',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('arxiv_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('arxiv_version', sa.Integer(), nullable=True),
    sa.Column('doi', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('title_key', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('abstract', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('authors', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('source_labels', sa.JSON(), nullable=False),
    sa.Column('server', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('abs_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('pdf_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('doi_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('journal_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('announce_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('published', sa.Date(), nullable=True),
    sa.Column('first_seen', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('paper', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_arxiv_id'), ['arxiv_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_paper_doi'), ['doi'], unique=False)
        batch_op.create_index(batch_op.f('ix_paper_title_key'), ['title_key'], unique=False)

    op.create_table('subscriber',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('interests', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('delivery_hour', sa.Integer(), nullable=False),
    sa.Column('papers_per_email', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('confirmed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscriber_email'), ['email'], unique=True)

    op.create_table('edition_paper',
    sa.Column('edition_date', sa.Date(), nullable=False),
    sa.Column('paper_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('source_label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['edition_date'], ['edition.date'], ),
    sa.ForeignKeyConstraint(['paper_id'], ['paper.id'], ),
    sa.PrimaryKeyConstraint('edition_date', 'paper_id')
    )
    op.create_table('listing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('paper_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('announce_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('edition_date', sa.Date(), nullable=False),
    sa.Column('seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['paper_id'], ['paper.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_key', 'paper_id', 'announce_type', 'edition_date')
    )
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_edition_date'), ['edition_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_paper_id'), ['paper_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_source_key'), ['source_key'], unique=False)

    op.create_table('paper_alias',
    sa.Column('alias', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('paper_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['paper_id'], ['paper.id'], ),
    sa.PrimaryKeyConstraint('alias')
    )
    with op.batch_alter_table('paper_alias', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_alias_paper_id'), ['paper_id'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('paper_alias', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_alias_paper_id'))

    op.drop_table('paper_alias')
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_source_key'))
        batch_op.drop_index(batch_op.f('ix_listing_paper_id'))
        batch_op.drop_index(batch_op.f('ix_listing_edition_date'))

    op.drop_table('listing')
    op.drop_table('edition_paper')
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriber_email'))

    op.drop_table('subscriber')
    with op.batch_alter_table('paper', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_title_key'))
        batch_op.drop_index(batch_op.f('ix_paper_doi'))
        batch_op.drop_index(batch_op.f('ix_paper_arxiv_id'))

    op.drop_table('paper')
    with op.batch_alter_table('fetch_log', schema=None) as batch_op:
        batch_op.drop_index('ix_fetch_log_source_time')
        batch_op.drop_index(batch_op.f('ix_fetch_log_run_id'))

    op.drop_table('fetch_log')
    op.drop_table('edition')
    
