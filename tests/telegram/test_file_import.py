"""/import on Telegram: an admin sends an article file as a document captioned /import, or replies
/import to one; python-telegram-bot fetches it with getFile from the strict Bot API fake, and the real
engine on a SQLite file checks and stores it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import Engine as Database

from adapters.telegram.adapter import TelegramAdapter
from adapters.telegram.pacing import Limits as PacingLimits
from bot.bootstrap import build_engine
from bot.config import Settings
from storage.articles import ArticleStore
from storage.db import make_engine, upgrade
from tests.telegram.fake_bot_api import MAX_DOWNLOAD, FakeBotApi, FakeChat, FakeUser
from tests.waiting import eventually

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "commonplace-books.md"


@dataclass
class Chat:
    fake: FakeBotApi
    db: Database
    group: FakeChat
    ada: FakeUser  # an admin
    mei: FakeUser  # a member

    async def answer(self, after: int) -> str:
        """The bot's next message in the group after the first `after` ones."""
        await eventually(lambda: len(self.fake.sent(self.group)) > after)
        return str(self.fake.sent(self.group)[after].get("text", ""))

    def stored(self) -> list[str]:
        return ArticleStore(self.db).queue_ids()


@pytest.fixture
async def chat(fake: FakeBotApi, sqlite_url: str) -> AsyncIterator[Chat]:
    db = make_engine(sqlite_url)
    upgrade(db)
    # A cap over Telegram's 20 MB, so that the platform's own limit is the one a big file meets.
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=sqlite_url, default_lang="en", max_import_bytes=2 * MAX_DOWNLOAD
    )
    engine = build_engine(settings, db)
    adapter = TelegramAdapter(
        fake.token,
        engine.handle,
        api_url=fake.base_url,
        limits=PacingLimits.telegram(scale=100),
        poll_timeout=1,
        set_menus=False,
        network_backoff=0.01,
    )
    engine.register_platform(adapter)
    await adapter.start()
    ada, mei = fake.add_user("Ada"), fake.add_user("Mei")
    group = fake.add_group("Readers", admins=[ada], members=[mei])
    group.members[fake.bot.id].status = "left"
    fake.set_bot_status(group, "member", by=ada)  # Ada adds the bot: it greets the group
    await eventually(lambda: fake.sent(group))  # the greeting
    try:
        yield Chat(fake, db, group, ada, mei)
    finally:
        await adapter.stop()
        await engine.close()
        db.dispose()


async def test_an_admin_imports_a_document_captioned_import(chat: Chat) -> None:
    before = len(chat.fake.sent(chat.group))
    chat.fake.post_document(chat.group, chat.ada, "commonplace-books.md", DEMO.read_bytes(), caption="/import")
    answer = await chat.answer(before)
    assert "Imported demo-commonplace-books: The Commonplace Book" in answer
    assert "number 1 in the queue" in answer
    assert chat.stored() == ["demo-commonplace-books"]
    assert len(chat.fake.downloads) == 1


async def test_an_admin_replies_import_to_a_file_a_member_posted(chat: Chat) -> None:
    # In privacy mode the bot does not see the file itself, only the command that replies to it.
    posted = chat.fake.post_document(chat.group, chat.mei, "commonplace-books.md", DEMO.read_bytes())
    before = len(chat.fake.sent(chat.group))
    chat.fake.post(chat.group, chat.ada, "/import", reply_to=posted["message_id"])
    assert "Imported demo-commonplace-books" in await chat.answer(before)
    assert chat.stored() == ["demo-commonplace-books"]


async def test_a_member_is_refused_and_nothing_is_downloaded(chat: Chat) -> None:
    before = len(chat.fake.sent(chat.group))
    chat.fake.post_document(chat.group, chat.mei, "commonplace-books.md", DEMO.read_bytes(), caption="/import")
    assert "Only admins of this group can use /import" in await chat.answer(before)
    assert chat.fake.calls_to("getFile") == [] and chat.fake.downloads == []
    assert chat.stored() == []


async def test_a_file_over_telegrams_download_limit_is_refused_before_getfile(chat: Chat) -> None:
    before = len(chat.fake.sent(chat.group))
    big = b"+++\n" + b"x" * MAX_DOWNLOAD
    chat.fake.post_document(chat.group, chat.ada, "big.md", big, caption="/import")
    answer = await chat.answer(before)
    assert f"big.md is {len(big):,} bytes, more than this platform lets a bot download" in answer
    assert chat.fake.calls_to("getFile") == [] and chat.stored() == []


async def test_a_wrong_file_is_explained_and_nothing_stored(chat: Chat) -> None:
    before = len(chat.fake.sent(chat.group))
    chat.fake.post_document(chat.group, chat.ada, "notes.json", b'{"title": "no id"', caption="/import")
    answer = await chat.answer(before)
    assert answer.startswith("Not imported, nothing was stored: notes.json: ")
    assert chat.stored() == []


async def test_the_fake_hands_out_files_as_telegram_does(fake: FakeBotApi) -> None:
    """getFile refuses files over 20 MB and unknown ids; a download needs the path getFile gave."""
    ada = fake.add_user("Ada")
    group = fake.add_group("Readers", admins=[ada])
    small = fake.post_document(group, ada, "a.md", b"hello")["document"]["file_id"]
    big = fake.post_document(group, ada, "b.md", b"x" * (MAX_DOWNLOAD + 1))["document"]["file_id"]
    api = f"{fake.base_url}{fake.token}/getFile"
    async with aiohttp.ClientSession() as http:
        async with http.post(api, json={"file_id": small}) as response:
            found = (await response.json())["result"]
        async with http.get(f"http://127.0.0.1:{fake.port}/file/bot{fake.token}/{found['file_path']}") as got:
            assert got.status == 200 and await got.read() == b"hello"
        for file_id, description in ((big, "Bad Request: file is too big"), ("nope", "Bad Request: invalid file_id")):
            async with http.post(api, json={"file_id": file_id}) as response:
                assert response.status == 400 and (await response.json())["description"] == description
        async with http.get(f"http://127.0.0.1:{fake.port}/file/bot{fake.token}/documents/unknown") as missing:
            assert missing.status == 404
