"""/import in the core: a file sent by an admin is checked as `atou import` checks it, stored whole or
not at all, and refused before download when too big or sent by a member."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.protocol import Attachment, CommandEvent, Member, PlatformError
from tests.engine.conftest import World

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "commonplace-books.md"
MEMBER = Member("bob", "Bob")


class Upload:
    """A file the platform holds; counts downloads."""

    def __init__(self, name: str, data: bytes, *, size: int | None = None, max_size: int | None = None,
                 failure: Exception | None = None) -> None:
        self.fetched = 0
        self.failure = failure
        self.data = data
        self.attachment = Attachment(name, len(data) if size is None else size, self._fetch, max_size)

    async def _fetch(self) -> bytes:
        self.fetched += 1
        if self.failure is not None:
            raise self.failure
        return self.data


async def _import(w: World, upload: Upload | None, *args: str, author: Member | None = None) -> str:
    before = len(w.responses.items)
    await w.engine.handle(
        CommandEvent(
            chat=w.chat,
            at=w.clock.now(),
            respond=w.responses,
            author=author or Member("admin", "Ada"),
            name="import",
            args=args,
            attachment=upload.attachment if upload is not None else None,
        )
    )
    return "\n".join(w.responses.texts()[before:])


async def test_an_admin_imports_a_native_file(world: World) -> None:
    upload = Upload("commonplace-books.md", DEMO.read_bytes())
    answer = await _import(world, upload)
    assert "Imported demo-commonplace-books: The Commonplace Book" in answer
    assert "number 3 in the queue" in answer
    assert world.articles.queue_ids()[-1] == "demo-commonplace-books"


async def test_a_member_is_refused_and_the_file_is_not_even_downloaded(world: World) -> None:
    upload = Upload("commonplace-books.md", DEMO.read_bytes())
    answer = await _import(world, upload, author=MEMBER)
    assert "Only admins of this group can use /import" in answer
    assert upload.fetched == 0 and len(world.articles.queue_ids()) == 2


async def test_without_a_file_the_admin_is_told_how_to_send_one(world: World) -> None:
    assert "as the file's caption, or as a reply to the file" in await _import(world, None)


@pytest.mark.parametrize(
    ("size", "max_size", "said"),
    [
        (5 * 1024 * 1024 + 1, None, "is 5,242,881 bytes, over the import limit of 5,242,880 bytes"),
        (3_000, 2_000, "more than this platform lets a bot download (2,000 bytes)"),
    ],
)
async def test_a_file_too_big_is_refused_by_its_reported_size_before_download(
    world: World, size: int, max_size: int | None, said: str
) -> None:
    upload = Upload("big.md", b"+++", size=size, max_size=max_size)
    answer = await _import(world, upload)
    assert said in answer and "nothing was imported" in answer
    assert upload.fetched == 0


async def test_a_broken_file_is_explained_and_nothing_is_stored(world: World) -> None:
    upload = Upload("broken.md", b'+++\ntitle = "never closed"\n')
    answer = await _import(world, upload)
    assert "Not imported, nothing was stored: broken.md: line 1: the front matter" in answer
    assert len(world.articles.queue_ids()) == 2


async def test_an_id_already_stored_is_refused_unless_replace_is_asked(world: World) -> None:
    data = DEMO.read_bytes()
    await _import(world, Upload("a.md", data))
    again = await _import(world, Upload("a.md", data))
    assert "already stored; nothing was imported. /import replace" in again
    replaced = await _import(world, Upload("a.md", data), "replace")
    assert "Replaced demo-commonplace-books" in replaced and "keeps its place in the queue (3)" in replaced
    assert world.articles.queue_ids().count("demo-commonplace-books") == 1
    assert "is not an option of /import" in await _import(world, Upload("a.md", data), "overwrite")


async def test_a_file_the_platform_will_not_hand_out_is_reported(world: World) -> None:
    upload = Upload("gone.md", b"x", failure=PlatformError("file is temporarily unavailable"))
    answer = await _import(world, upload)
    assert "gone.md could not be downloaded (file is temporarily unavailable)" in answer
