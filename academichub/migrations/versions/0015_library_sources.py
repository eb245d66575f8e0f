"""Library sources: a radar's library synced from Zotero (library id, API key, collections, the
library version for incremental refreshes) or from an ORCID iD's works in OpenAlex.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "library_source",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subscriber_id", sa.Integer(), sa.ForeignKey("subscriber.id"), nullable=False),
        sa.Column("profile_id", sa.Integer(), sa.ForeignKey("interest_profile.id"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=True),
        sa.Column("collections", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("synced_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("attempted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("not_before", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("profile_id", "kind", "ref", name="uq_library_source_profile_kind_ref"),
    )
    op.create_index("ix_library_source_subscriber_id", "library_source", ["subscriber_id"])
    op.create_index("ix_library_source_profile_id", "library_source", ["profile_id"])


def downgrade() -> None:
    op.drop_index("ix_library_source_profile_id", table_name="library_source")
    op.drop_index("ix_library_source_subscriber_id", table_name="library_source")
    op.drop_table("library_source")
