"""A failed delivery's kind (transient: retried by the next run; permanent: recorded, never retried)
in its own column, instead of a ``transient: `` / ``permanent: `` prefix on the reason text.

Existing rows are split: the prefix becomes the column, the rest stays the reason.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failure_kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
    conn = op.get_bind()
    for kind in ("transient", "permanent"):
        prefix = f"{kind}: "
        conn.execute(
            sa.text(
                "UPDATE delivery SET failure_kind = :kind, reason = substr(reason, :start) "
                "WHERE state = 'failed' AND reason LIKE :pattern"
            ),
            {"kind": kind, "start": len(prefix) + 1, "pattern": prefix + "%"},
        )


def downgrade() -> None:
    conn = op.get_bind()
    for kind in ("transient", "permanent"):
        conn.execute(
            sa.text("UPDATE delivery SET reason = :prefix || coalesce(reason, '') WHERE failure_kind = :kind"),
            {"kind": kind, "prefix": f"{kind}: "},
        )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("failure_kind")
