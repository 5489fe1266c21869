"""The answer outbox: what the bot owes a member or an admin survives an outage and a restart, and an
answer too old to make sense any more is dropped with a log line instead of arriving late."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.protocol import ChatGone, ChatRef, Member, PlatformError, PlatformUnreachable
from bot.render.document import Document
from bot.services.core import Core, EngineConfig
from bot.services.engine import Engine
from tests.engine.conftest import Responses, World, build_world, make_article
from tests.engine.fakes import MemoryStore, RecordingPlatform, utc

BOB = Member("bob", "Bob")


class FlakyResponses(Responses):
    """The adapter's live responder while the platform is unreachable: every answer fails."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error
        self.tried: list[Document] = []

    async def __call__(self, doc: Document, *, private: bool = False, replace: bool = False) -> None:
        self.tried.append(doc)
        raise self.error


def owed(w: World) -> int:
    with w.store() as uow:
        return len(uow.answers.owed(["fake"]))


def outage(w: World, error: Exception | None = None) -> FlakyResponses:
    flaky = FlakyResponses(error or PlatformUnreachable("Telegram could not be reached after 6 attempts"))
    w.responses = flaky
    return flaky


async def test_an_answer_lost_to_an_outage_is_sent_when_the_platform_is_back(world: World) -> None:
    flaky = outage(world)
    await world.command("/help", author=BOB)
    assert len(flaky.tried) == 1 and owed(world) == 1
    # Not before its retry is due; then once, as a reply to the command in its chat.
    assert await world.engine.answers.deliver_owed() is not None
    assert world.platform.sent == []
    world.advance(seconds=3)
    await world.engine.answers.deliver_owed()
    [sent] = world.platform.sent
    assert sent.chat == world.chat and sent.doc == flaky.tried[0] and sent.reply_to is not None
    assert owed(world) == 0
    world.advance(minutes=1)
    await world.engine.answers.deliver_owed()
    assert len(world.platform.sent) == 1


async def test_retries_back_off_while_the_outage_lasts(world: World) -> None:
    outage(world)
    await world.command("/help", author=BOB)
    waits = []
    world.platform.failures.extend(OSError("connection refused") for _ in range(4))
    for _ in range(5):
        next_at = await world.engine.answers.deliver_owed()
        assert next_at is not None
        waits.append((next_at - world.clock.now()).total_seconds())
        world.clock.current = next_at
    assert waits == [2, 4, 8, 16, 30]
    await world.engine.answers.deliver_owed()
    assert len(world.platform.sent) == 1 and owed(world) == 0


async def test_an_export_owed_across_an_outage_arrives_as_the_file(world: World) -> None:
    await world.command("/schedule 09:00 UTC")
    await world.command("/postnow")
    world.platform.failures.append(PlatformUnreachable("network down"))
    await world.command("/export json")
    assert world.platform.files == [] and owed(world) == 1
    world.advance(seconds=3)
    await world.engine.answers.deliver_owed()
    [(chat, filename, data, _)] = world.platform.files
    assert chat == world.chat and filename == "a1-archive.json" and data.startswith(b"{")


async def test_an_answer_too_old_is_dropped_with_a_log_line(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    outage(world)
    await world.command("/help", author=BOB)
    world.advance(minutes=11)
    with caplog.at_level(logging.WARNING):
        assert await world.engine.answers.deliver_owed() is None
    assert world.platform.sent == [] and owed(world) == 0
    assert any("was dropped" in r.getMessage() and "fake:c1" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "error", [ChatGone("bot was kicked"), PlatformError("Telegram refused: bad request")]
)
async def test_an_answer_the_platform_refuses_for_good_is_not_retried(world: World, error: Exception) -> None:
    outage(world, error)
    await world.command("/help", author=BOB)
    assert owed(world) == 0


async def test_answers_owed_by_a_process_that_died_are_sent_by_the_next_one() -> None:
    store = MemoryStore()
    alive: dict[str, object] = {"before": True}
    w = build_world(
        now=utc(2025, 3, 3),
        articles=[make_article("a1")],
        store=store,
        config=EngineConfig(instance_id="before", default_lang="en"),
    )
    w.core.liveness = lambda now: {name: now + timedelta(seconds=30) for name in alive}

    class Killed(BaseException):
        """The process dies while the platform holds the answer back."""

    w.responses = FlakyResponses(Killed())
    with pytest.raises(Killed):
        await w.command("/status", author=BOB)
    assert owed(w) == 1

    # The next run: another instance name; the old one no longer reports.
    del alive["before"]
    core = Core(uow=store, articles=w.articles, clock=w.clock, config=EngineConfig(instance_id="after"))
    core.liveness = w.core.liveness
    after = Engine(core)
    platform = RecordingPlatform()
    after.register_platform(platform)
    await after.answers.deliver_owed()
    [sent] = platform.sent
    assert sent.chat == ChatRef("fake", "c1") and "not set up yet" in sent.doc.plain
    assert owed(w) == 0
