"""Chat and webhook channels (Apprise URLs) per reader, their ledger, and the "no email" choice.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_enabled", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "channel",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subscriber_id", sa.Integer(), sa.ForeignKey("subscriber.id"), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_channel_subscriber_id", "channel", ["subscriber_id"])
    op.create_table(
        "channel_delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subscriber_id", sa.Integer(), sa.ForeignKey("subscriber.id"), nullable=False),
        sa.Column("channel_id", sa.Integer(), sa.ForeignKey("channel.id"), nullable=False),
        sa.Column("edition_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("failure_kind", sa.String(length=10), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("channel_id", "edition_date"),
    )
    op.create_index("ix_channel_delivery_subscriber_id", "channel_delivery", ["subscriber_id"])
    op.create_index("ix_channel_delivery_channel_id", "channel_delivery", ["channel_id"])
    op.create_index("ix_channel_delivery_edition_date", "channel_delivery", ["edition_date"])


def downgrade() -> None:
    op.drop_table("channel_delivery")
    op.drop_table("channel")
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.drop_column("email_enabled")
