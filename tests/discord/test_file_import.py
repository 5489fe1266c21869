"""/import on Discord: an admin attaches an article file to the slash command; the real engine on a
SQLite file checks and stores it, under simcord."""

from __future__ import annotations

from pathlib import Path

import pytest
import simcord

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.commands import IMPORT_MENU
from bot.config import Settings
from storage.articles import ArticleStore
from tests.discord.support import make_settings

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "commonplace-books.md"


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(database_url=sqlite_url, default_lang="en", max_import_bytes=100_000)


@pytest.fixture
def adapter(engine_adapter: DiscordAdapter) -> DiscordAdapter:
    return engine_adapter


def _said(result: simcord.InteractionResult) -> str:
    texts = [result.response.content] if result.response is not None else []
    return "\n".join(texts + [f.content for f in result.followups])


async def test_an_admin_imports_an_attached_file(simcord_env, world, adapter, database) -> None:
    _, channel, admin, _, _ = world
    result = await admin.slash(channel, "import", file=("commonplace-books.md", DEMO.read_bytes()))
    assert "Imported demo-commonplace-books: The Commonplace Book" in _said(result)
    assert ArticleStore(database).queue_ids() == ["demo-commonplace-books"]

    again = await admin.slash(channel, "import", file=("copy.md", DEMO.read_bytes()))
    assert "already stored; nothing was imported" in _said(again)
    replaced = await admin.slash(channel, "import", file=("copy.md", DEMO.read_bytes()), replace="replace")
    assert "Replaced demo-commonplace-books" in _said(replaced)


async def test_a_wrong_file_is_explained_and_nothing_stored(simcord_env, world, adapter, database) -> None:
    _, channel, admin, _, _ = world
    result = await admin.slash(channel, "import", file=("notes.txt", b"just some notes\n"))
    said = _said(result)
    assert "Not imported, nothing was stored: notes.txt: line 1: not a format atou reads" in said
    assert ArticleStore(database).queue_ids() == []


async def test_members_and_oversized_files_are_refused(simcord_env, world, adapter, database) -> None:
    _, channel, admin, mei, _ = world
    # Discord hides /import from members; a server may still show it to one: the core refuses them.
    commands = await simcord_env.bot.tree.fetch_commands()
    channel.guild.set_command_permissions(next(c for c in commands if c.name == "import"), {mei: True})
    refused = await mei.slash(channel, "import", file=("commonplace-books.md", DEMO.read_bytes()))
    assert "Only admins of this group can use /import" in _said(refused)
    big = await admin.slash(channel, "import", file=("big.md", b"+++\n" + b"x" * 200_000))
    assert "is 200,004 bytes, over the import limit of 100,000 bytes" in _said(big)
    assert ArticleStore(database).queue_ids() == []


async def test_an_admin_imports_a_file_already_posted_from_the_message_menu(
    simcord_env, world, adapter, database
) -> None:
    _, channel, admin, mei, _ = world
    posted = await mei.send(channel, "here is tomorrow's article", attachments=[("a.md", DEMO.read_bytes())])
    result = await admin.context_menu(channel, IMPORT_MENU, posted)
    assert "Imported demo-commonplace-books" in _said(result)
    assert ArticleStore(database).queue_ids() == ["demo-commonplace-books"]
    plain = await mei.send(channel, "no file here")
    none = await admin.context_menu(channel, IMPORT_MENU, plain)
    assert "as the file's caption, or as a reply to the file" in _said(none)
