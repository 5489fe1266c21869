"""discussions hold a generated synthesis for an admin's approval

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 17:25:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("discussions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("synthesis", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("synthesis_approved", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("discussions", schema=None) as batch_op:
        batch_op.drop_column("synthesis_approved")
        batch_op.drop_column("synthesis")
