"""Subscriber lifecycle fields, interest profiles and feedback.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.add_column(sa.Column("frequency", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default="daily"))
        batch_op.add_column(sa.Column("weekly_day", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True))
        batch_op.add_column(sa.Column("paused_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_table(
        "interest_profile",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("interests", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("exclude", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("expanded", sa.JSON(), nullable=False),
        sa.Column("expanded_for", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False, server_default=sa.func.now()),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscriber.id"]),
        sa.PrimaryKeyConstraint("subscriber_id"),
    )
    # Move each subscriber's free-text interests into their profile.
    op.execute(
        "INSERT INTO interest_profile (subscriber_id, interests, keywords, exclude, categories, authors, expanded, expanded_for) "
        "SELECT id, interests, '[]', '[]', '[]', '[]', '[]', '' FROM subscriber"
    )
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.drop_column("interests")
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["paper.id"]),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscriber.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscriber_id", "paper_id"),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_subscriber_id"), ["subscriber_id"], unique=False)


def downgrade() -> None:
    op.drop_table("feedback")
    # A plain ADD COLUMN (no table rebuild): the profile table still references subscriber here.
    op.add_column("subscriber", sa.Column("interests", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""))
    op.execute("UPDATE subscriber SET interests = (SELECT interests FROM interest_profile p WHERE p.subscriber_id = subscriber.id)")
    op.drop_table("interest_profile")
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("paused_until")
        batch_op.drop_column("weekly_day")
        batch_op.drop_column("frequency")
