"""One article discussed in a Telegram group and a Discord channel ends up in one archive.

Both real adapters run on one engine and one SQLite file, in one loop: python-telegram-bot over
HTTP against the local Bot API fake, discord.py under simcord.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest
import simcord
import sqlalchemy

from adapters.discord.adapter import DiscordAdapter
from adapters.telegram.adapter import TelegramAdapter
from adapters.telegram.pacing import Limits as PacingLimits
from bot.bootstrap import build_engine
from bot.model import Article
from bot.services.engine import Engine
from storage.discussions import load_archive
from tests.discord.support import make_settings
from tests.telegram.fake_bot_api import FakeBotApi, Limits


@pytest.fixture
def engine(sqlite_url: str, database: sqlalchemy.Engine, article: Article) -> Engine:
    return build_engine(make_settings(database_url=sqlite_url), database)


@pytest.fixture
def adapter(engine: Engine, sqlite_url: str) -> DiscordAdapter:
    adapter = DiscordAdapter(make_settings(database_url=sqlite_url), engine.handle, retry_delays=(0.0, 0.0))
    engine.register_platform(adapter)
    return adapter


@pytest.fixture
async def telegram(engine: Engine) -> AsyncIterator[tuple[FakeBotApi, TelegramAdapter]]:
    async with FakeBotApi(limits=Limits.telegram(scale=100)) as api:
        adapter = TelegramAdapter(
            api.token,
            engine.handle,
            api_url=api.base_url,
            limits=PacingLimits.telegram(scale=100),
            poll_timeout=1,
            network_backoff=0.01,
            set_menus=False,
        )
        engine.register_platform(adapter)
        await adapter.start()
        try:
            yield api, adapter
        finally:
            await adapter.stop()


async def test_telegram_and_discord_replies_share_the_articles_archive(
    simcord_env: simcord.Env, adapter: DiscordAdapter, telegram, article: Article, database
) -> None:
    api, _ = telegram

    # Telegram: an admin posts the article in a group; a member replies to the second prompt.
    ann = api.add_user("Ann")
    bo = api.add_user("Bo")
    group = api.add_group("Readers TG", admins=[ann], members=[bo])
    api.post(group, ann, "/postnow")
    *_, second, last = article.brief.prompts

    def showing(text: str) -> list[dict]:
        return [m for m in api.sent(group) if text in m.get("text", "")]

    # The brief lists every prompt too; each prompt then gets a message of its own.
    await api.wait_until(lambda: len(showing(last)) == 2, within=15)
    prompt = showing(second)[-1]
    api.post(group, bo, "从 Telegram 回复第二个问题", reply_to=prompt["message_id"])

    # Discord: an admin posts the same article in a channel; a member answers the third prompt in the thread.
    guild = simcord_env.create_guild("Readers DC")
    channel = guild.create_text_channel("reading")
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    ada = guild.add_member(simcord_env.create_user("ada"), roles=[mods])
    mei = guild.add_member(simcord_env.create_user("mei"))
    await ada.slash(channel, "postnow")
    (thread,) = channel.threads
    *_, third_prompt = [m for m in thread.history() if m.author.bot]
    await mei.send(thread, "从 Discord 在讨论串里回复", reply_to=third_prompt)

    def replies() -> dict[str, list[tuple[str, int | None]]]:
        archive = load_archive(database, article.id)
        assert archive is not None
        return {d.platform: [(r.text, r.prompt) for r in d.replies] for d in archive.discussions}

    await api.wait_until(lambda: bool(replies().get("telegram")), within=15)
    assert replies() == {
        "telegram": [("从 Telegram 回复第二个问题", 1)],  # 0-based: the second prompt
        "discord": [("从 Discord 在讨论串里回复", 2)],
    }
