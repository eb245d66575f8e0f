"""A random link key per reader, in every signed link and checked on every use, so a deleted reader's
links never act on a new subscriber who gets the same id (SQLite reuses ids).

Existing readers get a key marked ``legacy.``: the links in the emails they were already sent carry no
key and keep working for them (and only for them: readers added later get plain keys).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
import secrets

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    conn = op.get_bind()
    ids = conn.execute(sa.text("SELECT id FROM subscriber")).scalars().all()
    if ids:
        conn.execute(
            sa.text("UPDATE subscriber SET link_key = :k WHERE id = :i"),
            [{"k": "legacy." + secrets.token_urlsafe(12), "i": i} for i in ids],
        )
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.alter_column("link_key", existing_type=sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.drop_column("link_key")
