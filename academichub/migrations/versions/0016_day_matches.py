"""Day matches: each reader's papers of a day's edition as prepare-edition matched them, read by
deliver-due instead of matching everyone again (valid while the edition and the reader's radars,
feedback and library are unchanged).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "day_match",
        sa.Column("edition_date", sa.Date(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("edition_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("reader_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("matches", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscriber.id"]),
        sa.PrimaryKeyConstraint("edition_date", "subscriber_id"),
    )


def downgrade() -> None:
    op.drop_table("day_match")
