"""A reader's own papers on their interest profile: ``library``, a JSON list of small dicts (id, title,
bounded abstract, year, source) read from a BibTeX, RIS, CSL-JSON or id-list export.

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interest_profile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("library", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("interest_profile", schema=None) as batch_op:
        batch_op.drop_column("library")
