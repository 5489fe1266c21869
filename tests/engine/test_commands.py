"""Commands on fakes: admin rights on every call and button, clear answers to bad arguments."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from bot.links import verify_archive_token
from bot.protocol import BotAdded, ChatAccess, ChatRef, Member
from bot.render.document import Document
from bot.services import catalog
from bot.services.core import EngineConfig
from tests.engine.conftest import World, build_world, make_article
from tests.engine.fakes import utc

BOB = Member("bob", "Bob")


async def joined(w: World) -> World:
    await w.send(BotAdded(chat=w.chat, at=w.clock.now(), title="Readers"))
    w.platform.sent.clear()
    return w


ADMIN_CALLS = [
    "/schedule 10:00 UTC",
    "/pause",
    "/resume",
    "/skip",
    "/postnow",
    "/queue",
    "/drafts",
    "/move a2 1",
    "/close",
    "/export md",
    "/persona Investing @bob",
    "/lang en",
]


@pytest.mark.parametrize("call", ADMIN_CALLS)
async def test_a_member_is_refused_every_admin_command_and_nothing_changes(world: World, call: str) -> None:
    await joined(world)
    await world.command("/postnow")
    before = copy.deepcopy(world.store.state)
    order = world.articles.queue_ids()
    checks = world.platform.admin_checks
    sent = len(world.platform.sent)
    await world.command(call, author=BOB, mentions=[BOB])
    assert (
        world.responses.last
        == f"Only admins of this group can use /{call.split()[0][1:]}; nothing was changed."
    )
    assert world.responses.items[-1][1]  # privately, where the platform can
    assert world.store.state == before and world.articles.queue_ids() == order
    assert len(world.platform.sent) == sent and world.platform.files == []
    assert world.platform.admin_checks == checks + 1


async def test_admin_rights_are_asked_on_every_call_not_remembered(world: World) -> None:
    await joined(world)
    await world.command("/pause")
    assert world.responses.last.startswith("Paused")
    world.platform.admins.discard("admin")  # demoted
    await world.command("/resume")
    assert world.responses.last.startswith("Only admins")
    assert not world.group().active


async def test_admin_buttons_are_checked_on_every_press(world: World) -> None:
    await joined(world)
    await world.command("/queue")
    queue_doc = world.responses.items[-1][0]
    post_now = next(
        b.action for row in queue_doc.buttons for b in row if b.action and b.action.arg == "postnow"
    )
    await world.press(post_now, author=BOB)
    assert world.responses.last == "Only admins of this group can press this button; nothing was changed."
    assert world.platform.sent == []
    await world.press(post_now)
    assert world.platform.texts()[0].startswith("Headline of a1")


@pytest.mark.parametrize(
    ("call", "says"),
    [
        ("/schedule 25:00", "“25:00” is not a time of day: use HH:MM in 24-hour time, from 00:00 to 23:59"),
        (
            "/schedule 08:00 Mars/Base",
            "“Mars/Base” is not a known timezone: use an IANA name such as Asia/Shanghai",
        ),
        ("/schedule 08:00 UTC funday", "“funday” is neither a timezone nor a list of days"),
        ("/move nope 1", "There is no article “nope”; /queue lists the next ones."),
        ("/move a2 first", "Use /move ID POS, e.g. /move a2 1"),
        ("/move a2 999999", "Position 999999 is past the end of the queue: choose a number from 1 to "),
        ("/skip nope", "There is no article “nope”"),
        ("/skip 2020-01-01", "2020-01-01 has passed; give today or a later date."),
        ("/lang fr", "“fr” is not a language I speak: use zh-Hans, zh-Hant or en."),
        ("/export pdf", "“pdf” is not an export format: use md, json, csv or html."),
        ("/bilingual two", "“two” is not a page number"),
    ],
)
async def test_bad_arguments_say_what_is_accepted_and_change_nothing(
    world: World, call: str, says: str
) -> None:
    await joined(world)
    before = copy.deepcopy(world.store.state)
    await world.command(call)
    assert says in world.responses.last
    assert world.store.state == before


async def test_schedule_sets_time_zone_and_days_and_status_shows_the_next_post(world: World) -> None:
    await joined(world)
    world.clock.current = utc(2025, 3, 7, 12, 0)  # a Friday
    await world.command("/schedule 21:30 America/New_York mon-fri")
    s = world.group().schedule
    assert (s.timezone, s.post_time.strftime("%H:%M"), s.days_text()) == (
        "America/New_York",
        "21:30",
        "mon-fri",
    )
    answer = world.responses.last
    assert "Posting at 21:30 (America/New_York), days: mon-fri." in answer
    assert "Next post: 2025-03-07 21:30 (UTC-5)." in answer
    await world.command("/skip 2025-03-07")
    await world.command("/status", author=BOB)
    assert "No post on: 2025-03-07." in world.responses.last
    assert "Next post: 2025-03-10 21:30 (UTC-4)." in world.responses.last  # Monday, after the clocks changed
    await world.command("/schedule 07:00")  # the time alone keeps the zone and days
    assert world.group().schedule.timezone == "America/New_York"


async def test_skip_and_move_change_what_comes_next(world: World) -> None:
    w = build_world(now=utc(2025, 3, 3), articles=[make_article(f"x{i}") for i in range(3)])
    await joined(w)
    await w.command("/move x2 1")
    assert w.responses.last == "Moved x2 to position 1 of the queue."
    await w.command("/skip")
    assert w.responses.last.startswith("Skipped: Title of x2.")
    await w.command("/queue")
    assert w.responses.last.split("\n\n")[1:] == ["2. x0 Title of x0", "3. x1 Title of x1"]
    await w.command("/postnow")
    assert w.platform.texts()[0].startswith("Headline of x0")


async def test_lang_changes_the_bots_language(world: World) -> None:
    await joined(world)
    await world.command("/lang zh-Hant")
    assert world.group().lang == "zh-Hant"
    await world.command("/lang EN")
    assert world.group().lang == "en"


async def test_persona_mentions_the_member_in_the_brief(world: World) -> None:
    await joined(world)
    await world.command("/persona Investing @bob", mentions=[BOB])
    assert world.responses.last == "The note for Investing now mentions Bob."
    await world.command("/postnow")
    brief = world.platform.sent[0].doc
    mentions = [s.mention for p in brief.paras for s in p.spans if s.mention is not None]
    assert [(m.member_id, m.display_name) for m in mentions] == [("bob", "Bob")]
    await world.command("/persona Investing")
    assert world.group().personas == {}


async def test_archive_explains_exports_without_a_web_address_and_links_with_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    w = await joined(build_world(now=utc(2025, 3, 3), articles=[make_article("a1")]))
    await w.command("/archive", author=BOB)
    await w.command("/archive", author=BOB)
    assert "/export md, json, csv or html" in w.responses.last
    # The operator's settings are not the members' business: the log names them, once.
    assert "ATOU_" not in w.responses.last
    told = [r for r in caplog.records if "ATOU_WEB_URL and ATOU_SECRET_KEY" in r.getMessage()]
    assert len(told) == 1
    config = EngineConfig(
        instance_id="x", default_lang="en", web_url="https://read.example", secret_key="s3cret"
    )
    w2 = await joined(build_world(now=utc(2025, 3, 3), articles=[make_article("a1")], config=config))
    await w2.command("/postnow")
    await w2.command("/archive", author=BOB)
    doc = w2.responses.items[-1][0]
    [link] = [s.link for p in doc.paras for s in p.spans if s.link]
    assert link is not None and link.startswith("https://read.example/a/a1?")
    query = dict(part.split("=", 1) for part in link.split("?", 1)[1].split("&"))
    grant = verify_archive_token(
        "s3cret", "a1", "fake:c1", query["exp"], query["sig"].replace("%3D", "="), now=w2.clock.now()
    )
    assert grant.expires - w2.clock.now() == timedelta(days=30)


def _brief_links(doc: Document) -> list[str]:
    return [b.url for row in doc.buttons for b in row if b.url] + [
        s.link for p in doc.paras for s in p.spans if s.link
    ]


async def test_the_briefs_open_page_link_is_signed_for_the_group_unless_texts_are_public() -> None:
    private = EngineConfig(instance_id="x", default_lang="en", web_url="https://read.example", secret_key="k")
    w = await joined(build_world(now=utc(2025, 3, 3), articles=[make_article("a1")], config=private))
    await w.command("/postnow")
    [link] = _brief_links(w.platform.sent[0].doc)
    query = dict(part.split("=", 1) for part in link.split("?", 1)[1].split("&"))
    assert link.startswith("https://read.example/a/a1?") and query["tab"] == "brief"
    verify_archive_token("k", "a1", "fake:c1", query["exp"], query["sig"].replace("%3D", "="), now=w.clock.now())

    public = EngineConfig(
        instance_id="x", default_lang="en", web_url="https://read.example", secret_key="k", public_texts=True
    )
    w2 = await joined(build_world(now=utc(2025, 3, 3), articles=[make_article("a1")], config=public))
    await w2.command("/postnow")
    assert _brief_links(w2.platform.sent[0].doc) == ["https://read.example/a/a1"]


async def test_export_sends_the_file_with_every_reply(world: World) -> None:
    await joined(world)
    await world.command("/postnow")
    p2 = world.platform.sent[2].ids[0]
    await world.say(BOB, "my answer to two", reply_to=p2)
    await world.command("/export csv")
    [(chat, filename, data, caption)] = world.platform.files
    assert chat == world.chat and filename == "a1-archive.csv"
    assert "my answer to two" in data.decode() and "Bob" in data.decode()
    assert caption == "Discussion archive of Title of a1 (csv)"


async def test_help_lists_every_command_and_unknown_ones_point_to_it(world: World) -> None:
    await joined(world)
    await world.command("/help", author=BOB)
    text = world.responses.last
    for command in catalog.COMMANDS:
        assert command.usage in text
    await world.command("/frobnicate", author=BOB)
    assert world.responses.last == "There is no command /frobnicate. /help lists the commands."


def test_every_catalog_command_has_a_handler(world: World) -> None:
    for command in catalog.COMMANDS:
        assert callable(world.engine.commands.handler(command)), command.name


def test_platform_options_become_the_cores_arguments_in_order() -> None:
    """A missing option before a given one takes its default, or is left out when it has none."""
    export, schedule = catalog.find("export"), catalog.find("schedule")
    assert export is not None and schedule is not None
    assert catalog.positional(export, {}) == []
    assert catalog.positional(export, {"format": "csv"}) == ["csv"]
    assert catalog.positional(export, {"article": "a1"}) == ["md", "a1"]
    assert catalog.positional(schedule, {"time": "08:00", "days": "mon"}) == ["08:00", "mon"]


async def test_first_admin_command_registers_an_unknown_chat(world: World) -> None:
    await world.command("/status", author=BOB)
    assert "not set up yet" in world.responses.last
    await world.command("/schedule 09:15 Europe/London")
    group = world.group()
    assert (group.chat, group.schedule.timezone) == (world.chat, "Europe/London")


async def test_status_tells_what_the_bot_sees_where_the_platform_says(world: World) -> None:
    await joined(world)
    await world.command("/status", author=BOB)
    assert "I see" not in world.responses.last  # this platform does not say

    class Reporting(type(world.platform)):  # type: ignore[misc]
        async def chat_access(self, chat: ChatRef) -> ChatAccess:
            return ChatAccess(sees_all_messages=False, bot_is_admin=False, can_open_threads=False)

    world.platform.__class__ = Reporting
    await world.command("/status", author=BOB)
    assert "privacy mode" in world.responses.last
