"""What each delivered email said (for "view in browser" and the personal feed), and each edition's
themes, found once.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content", sa.JSON(), nullable=True))
    with op.batch_alter_table("edition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("themes", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("themes_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("edition", schema=None) as batch_op:
        batch_op.drop_column("themes_key")
        batch_op.drop_column("themes")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("content")
