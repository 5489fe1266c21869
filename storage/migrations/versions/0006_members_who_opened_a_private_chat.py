"""members who opened a private chat with the bot

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 17:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('private_chats',
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('platform', 'member_id')
    )


def downgrade() -> None:
    op.drop_table('private_chats')
