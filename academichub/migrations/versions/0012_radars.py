"""Several radars per reader: the interest profile table holds named radars (an integer id, a name
unique per reader), and feedback remembers the radar a paper was shown under.

Every existing profile becomes its reader's first radar, named ``main``; existing feedback has no
radar (``NULL``), which counts for the reader's first radar, so nothing a reader sees changes.

The table is rebuilt (a new table, the rows copied, the old one dropped, the new one renamed): its
primary key changes, which SQLite cannot alter in place; the same steps run on PostgreSQL.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-05
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None

_COPIED = "interests, keywords, exclude, categories, authors, expanded, expanded_for, updated_at"


def _profile_columns() -> list[sa.Column]:
    return [
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("interests", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("exclude", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("expanded", sa.JSON(), nullable=False),
        sa.Column("expanded_for", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "interest_profile_v2",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False, server_default="main"),
        *_profile_columns(),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscriber.id"], name="fk_interest_profile_subscriber_id"),
        sa.PrimaryKeyConstraint("id", name="pk_interest_profile"),
        sa.UniqueConstraint("subscriber_id", "name", name="uq_interest_profile_subscriber_name"),
    )
    op.execute(
        f"INSERT INTO interest_profile_v2 (subscriber_id, name, {_COPIED}) "
        f"SELECT subscriber_id, 'main', {_COPIED} FROM interest_profile ORDER BY subscriber_id"
    )
    op.drop_table("interest_profile")
    op.rename_table("interest_profile_v2", "interest_profile")
    op.create_index("ix_interest_profile_subscriber_id", "interest_profile", ["subscriber_id"], unique=False)
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("radar_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_feedback_radar_id", "interest_profile", ["radar_id"], ["id"])


def downgrade() -> None:
    """Back to one profile per reader: each reader's first radar is kept, the others are dropped."""
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_constraint("fk_feedback_radar_id", type_="foreignkey")
        batch_op.drop_column("radar_id")
    op.create_table(
        "interest_profile_v1",
        *_profile_columns(),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscriber.id"]),
        sa.PrimaryKeyConstraint("subscriber_id", name="pk_interest_profile_v1"),
    )
    op.execute(
        f"INSERT INTO interest_profile_v1 (subscriber_id, {_COPIED}) "
        f"SELECT subscriber_id, {_COPIED} FROM interest_profile p "
        "WHERE p.id = (SELECT min(q.id) FROM interest_profile q WHERE q.subscriber_id = p.subscriber_id)"
    )
    op.drop_index("ix_interest_profile_subscriber_id", table_name="interest_profile")
    op.drop_table("interest_profile")
    op.rename_table("interest_profile_v1", "interest_profile")
