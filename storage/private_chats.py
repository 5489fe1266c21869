"""Who has opened a private chat with the bot: the members it may write to first, per platform.

A member is recorded when the bot sees them in their private chat with it (Telegram's Start, or
any message there), and forgotten when the platform refuses a message to them (they blocked the
bot). Offers meant for one admin's eyes go only to recorded members (`bot.services.draft_offers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime, Engine, String, delete
from sqlmodel import Field, Session, SQLModel, col, select

from storage.groups import to_db


class PrivateChatRow(SQLModel, table=True):
    __tablename__ = "private_chats"

    platform: str = Field(sa_type=String(20), primary_key=True)
    member_id: str = Field(sa_type=String(64), primary_key=True)
    opened_at: datetime = Field(sa_type=DateTime(timezone=True))


class PrivateChatStore:
    """`PrivateChatBook` in the database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def open(self, platform: str, member_id: str, at: datetime) -> None:
        with Session(self._engine) as session:
            if session.get(PrivateChatRow, (platform, member_id)) is None:
                session.add(PrivateChatRow(platform=platform, member_id=member_id, opened_at=to_db(at)))
                session.commit()

    def close(self, platform: str, member_id: str) -> None:
        with Session(self._engine) as session:
            session.execute(
                delete(PrivateChatRow).where(
                    col(PrivateChatRow.platform) == platform, col(PrivateChatRow.member_id) == member_id
                )
            )
            session.commit()

    def opened(self, platform: str, member_ids: Sequence[str]) -> set[str]:
        if not member_ids:
            return set()
        with Session(self._engine) as session:
            query = select(PrivateChatRow.member_id).where(
                col(PrivateChatRow.platform) == platform, col(PrivateChatRow.member_id).in_(member_ids)
            )
            return set(session.exec(query))
