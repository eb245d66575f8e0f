"""Subscriber lifecycle: the empty-day choice and the record of every change.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.add_column(sa.Column("empty_day", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default="short"))
    op.create_table(
        "subscriber_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("via", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscriber.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("subscriber_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriber_change_subscriber_id"), ["subscriber_id"], unique=False)


def downgrade() -> None:
    op.drop_table("subscriber_change")
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.drop_column("empty_day")
