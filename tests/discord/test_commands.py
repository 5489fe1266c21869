"""Slash commands: synced at start, typed options delivered as `CommandEvent`s, answered in time."""

from __future__ import annotations

import asyncio
import logging

import discord
import pytest
import simcord

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.commands import IMPORT_MENU
from bot.protocol import BotAdded, ChatRef, CommandEvent, InboundEvent
from bot.render.document import text_document
from bot.render.i18n import Lang
from bot.services import catalog
from bot.services.catalog import ArgKind
from tests.discord.support import Recorder, as_member, make_settings

ALL_COMMANDS = {c.name for c in catalog.COMMANDS}
MEMBER_COMMANDS = [c.name for c in catalog.MEMBER_COMMANDS]
ADMIN_COMMANDS = [c.name for c in catalog.ADMIN_COMMANDS]


@pytest.fixture
def world(simcord_env: simcord.Env):
    guild = simcord_env.create_guild("Readers")
    channel = guild.create_text_channel("reading")
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(simcord_env.create_user("ada"), roles=[mods])
    member = guild.add_member(simcord_env.create_user("mei"))
    return guild, channel, admin, member


OPTION_TYPES = {
    ArgKind.TEXT: discord.AppCommandOptionType.string,
    ArgKind.CHOICE: discord.AppCommandOptionType.string,
    ArgKind.TIMEZONE: discord.AppCommandOptionType.string,
    ArgKind.INTEGER: discord.AppCommandOptionType.integer,
    ArgKind.MEMBER: discord.AppCommandOptionType.user,
    ArgKind.FILE: discord.AppCommandOptionType.attachment,
}


async def test_the_synced_commands_are_the_catalog(simcord_env) -> None:
    """Every catalog command is synced with its description, admin flag and typed options, and nothing else
    (besides the message menu entry that is Discord's form of /import in reply to a file)."""
    fetched = await simcord_env.bot.tree.fetch_commands()
    synced = {c.name: c for c in fetched if c.type is discord.AppCommandType.chat_input}
    assert list(synced) == [c.name for c in catalog.COMMANDS]
    menus = [c for c in fetched if c.type is not discord.AppCommandType.chat_input]
    assert [(m.name, m.type) for m in menus] == [(IMPORT_MENU, discord.AppCommandType.message)]
    assert menus[0].default_member_permissions is not None and menus[0].default_member_permissions.manage_guild
    assert menus[0].name_localizations[discord.Locale.chinese] == "导入文章"
    for command in catalog.COMMANDS:
        got = synced[command.name]
        assert got.description == command.help
        assert got.description_localizations[discord.Locale.chinese] == command.describe(Lang.ZH_HANS)
        assert got.description_localizations[discord.Locale.taiwan_chinese] == command.describe(Lang.ZH_HANT)
        hidden = got.default_member_permissions is not None and got.default_member_permissions.manage_guild
        assert hidden == command.admin
        options = {o.name: o for o in got.options}
        assert set(options) == {a.name for a in command.args}
        for arg in command.args:
            option = options[arg.name]
            assert (option.type, option.required, option.description) == (
                OPTION_TYPES[arg.kind],
                arg.required,
                arg.help,
            )
            assert [c.value for c in option.choices] == list(arg.choices)
            assert option.autocomplete == (arg.kind is ArgKind.TIMEZONE)
            assert (option.min_value, option.max_value) == (arg.minimum, arg.maximum)


async def test_commands_are_synced_and_admin_ones_hidden_from_members(simcord_env, world) -> None:
    _, channel, admin, member = world
    assert set(admin.available_commands(channel)) == ALL_COMMANDS
    assert set(member.available_commands(channel)) == set(MEMBER_COMMANDS)
    for name in ADMIN_COMMANDS:
        with pytest.raises(simcord.SetupError, match="not visible"):
            await member.slash(channel, name)


async def test_a_command_arrives_as_a_command_event(simcord_env, world, recorder: Recorder) -> None:
    _, channel, _, member = world
    result = await member.slash(channel, "bilingual", page=3)

    (event,) = recorder.of(CommandEvent)
    assert (event.name, event.args, event.mentions) == ("bilingual", ("3",), ())
    assert event.chat.chat_id == str(channel.id) and event.chat.thread_id is None
    assert event.author.id == str(member.id) and event.author.display_name == "mei"
    assert result.acknowledged and result.ephemeral
    assert result.response.content == "bilingual 3"


async def test_typed_options_become_arguments_in_order(simcord_env, world, recorder: Recorder) -> None:
    _, channel, admin, member = world
    await admin.slash(channel, "schedule", time="07:30", timezone="Europe/London", days="mon-fri")
    await admin.slash(channel, "schedule", time="21:00")
    await admin.slash(channel, "move", article="921efcdb88e63008", position=2)
    await admin.slash(channel, "export", format="csv")
    await admin.slash(channel, "export", article="921efcdb88e63008")
    await admin.slash(channel, "lang", language="zh-Hant")
    await admin.slash(channel, "persona", name="Neta", member=member)
    await member.slash(channel, "original")

    got = [(e.name, e.args) for e in recorder.of(CommandEvent)]
    assert got == [
        ("schedule", ("07:30", "Europe/London", "mon-fri")),
        ("schedule", ("21:00",)),
        ("move", ("921efcdb88e63008", "2")),
        ("export", ("csv",)),
        ("export", ("md", "921efcdb88e63008")),
        ("lang", ("zh-Hant",)),
        ("persona", ("Neta", "@mei")),
        ("original", ()),
    ]
    persona = recorder.of(CommandEvent)[6]
    assert [(m.id, m.display_name) for m in persona.mentions] == [(str(member.id), "mei")]


async def test_choices_and_ranges_are_enforced_by_discord(simcord_env, world) -> None:
    _, channel, admin, member = world
    with pytest.raises(simcord.OptionError):
        await admin.slash(channel, "lang", language="fr")
    with pytest.raises(simcord.OptionError):
        await admin.slash(channel, "export", format="pdf")
    with pytest.raises(simcord.OptionError):
        await member.slash(channel, "bilingual", page=0)


async def test_timezone_is_autocompleted(simcord_env, world) -> None:
    _, channel, admin, _ = world
    choices = await admin.autocomplete(channel, "schedule", "timezone", "shang", time="08:00")
    assert [c["value"] for c in choices] == ["Asia/Shanghai"]


async def test_public_and_private_answers(simcord_env, world, recorder: Recorder) -> None:
    _, channel, _, member = world

    async def answer(event: InboundEvent) -> None:
        assert isinstance(event, CommandEvent)
        await event.respond(text_document("for everyone"), private=False)
        await event.respond(text_document("just for you"), private=True)

    recorder.answer = answer
    result = await member.slash(channel, "brief")
    assert not result.ephemeral and result.response.content == "for everyone"
    assert [(f.content, f.ephemeral) for f in result.followups] == [("just for you", True)]


# A settle deadline below the 2 s acknowledgement timer leaves that timer to the virtual clock.
@pytest.mark.simcord(settle_timeout=1.0)
async def test_a_slow_core_is_deferred_within_three_seconds(simcord_env, world, recorder: Recorder) -> None:
    _, channel, _, member = world

    async def slow(event: InboundEvent) -> None:
        assert isinstance(event, CommandEvent)
        await asyncio.sleep(10)
        await event.respond(text_document("public, late"), private=False)
        await event.respond(text_document("private, late"), private=True)

    recorder.answer = slow
    result = await member.slash(channel, "status")
    assert not result.acknowledged
    await simcord_env.advance_time(2.5)
    assert result.deferred and result.ephemeral  # "thinking…", seen by the asker only
    await simcord_env.advance_time(10)
    assert channel.last_message.content == "public, late"
    assert result.response.content == "private, late" and result.response.ephemeral


@pytest.mark.simcord(settle_timeout=1.0)
async def test_a_slow_public_answer_removes_the_placeholder(simcord_env, world, recorder: Recorder) -> None:
    _, channel, _, member = world

    async def slow(event: InboundEvent) -> None:
        await asyncio.sleep(5)
        await event.respond(text_document("the brief again"), private=False)

    recorder.answer = slow
    result = await member.slash(channel, "brief")
    await simcord_env.advance_time(6)
    assert result.deferred and result.response is None  # the "thinking…" placeholder is gone
    assert [m.content for m in channel.history()] == ["the brief again"]


async def test_a_failing_core_gets_an_apology_and_a_log(
    simcord_env, world, recorder: Recorder, caplog
) -> None:
    _, channel, _, member = world

    async def broken(event: InboundEvent) -> None:
        raise RuntimeError("database is down")

    recorder.answer = broken
    with caplog.at_level(logging.ERROR, logger="adapters.discord"):
        result = await member.slash(channel, "brief")
    assert result.ephemeral and "went wrong" in result.response.content
    assert "database is down" in caplog.text


async def test_an_unanswered_command_leaves_nothing_behind(simcord_env, world, recorder: Recorder) -> None:
    _, channel, _, member = world

    async def silent(event: InboundEvent) -> None:
        return None

    recorder.answer = silent
    result = await member.slash(channel, "optout")
    assert result.acknowledged and result.response is None
    assert channel.history() == []


async def test_admin_check_uses_manage_server_or_manage_channels(
    simcord_env, world, adapter, recorder
) -> None:
    guild, channel, admin, member = world
    keeper = guild.create_role("Keepers", permissions=discord.Permissions(manage_channels=True))
    channel_keeper = guild.add_member(simcord_env.create_user("kai"), roles=[keeper])
    await member.slash(channel, "status")
    ref = recorder.of(CommandEvent)[0].chat

    async def verdict(actor) -> bool:
        return await adapter.is_admin(ref, as_member(actor))

    assert await verdict(admin)
    assert await verdict(channel_keeper)
    assert not await verdict(member)
    assert await verdict(guild.owner)


async def test_a_server_override_does_not_make_an_admin(simcord_env, world, adapter, recorder) -> None:
    """A server may show /pause to everyone; the core still asks `is_admin`, and it says no."""
    guild, channel, _, member = world
    verdicts: list[bool] = []

    async def check(event: InboundEvent) -> None:
        assert isinstance(event, CommandEvent)
        verdicts.append(await adapter.is_admin(event.chat, event.author))
        await event.respond(text_document("checked"), private=True)

    recorder.answer = check
    commands = await simcord_env.bot.tree.fetch_commands()
    pause = next(c for c in commands if c.name == "pause")
    guild.set_command_permissions(pause, {member: True})
    await member.slash(channel, "pause")
    assert verdicts == [False]


async def test_commands_sync_to_the_configured_servers_only() -> None:
    """Global commands first; then, with ATOU_DISCORD_GUILD_IDS set, only those servers have them."""
    recorder = Recorder()
    global_run = DiscordAdapter(make_settings(), recorder)
    env = simcord.Env(global_run.bot)
    configured = env.create_guild("Configured", id=4242424242424242)
    other = env.create_guild("Other")
    await env.start()
    try:
        with env.time_context():
            reader = configured.add_member(env.create_user("rui"))
            stranger = other.add_member(env.create_user("sam"))
            here = configured.create_text_channel("reading")
            there = other.create_text_channel("reading")
            assert set(stranger.available_commands(there)) == set(MEMBER_COMMANDS)

            guild_run = DiscordAdapter(make_settings(discord_guild_ids="4242424242424242"), recorder)
            await env.restart_bot(guild_run.bot)
            assert set(reader.available_commands(here)) == set(MEMBER_COMMANDS)
            assert stranger.available_commands(there) == ()
            await reader.slash(here, "help")
            assert [e.name for e in recorder.of(CommandEvent)] == ["help"]
    finally:
        await env.shutdown()


async def test_an_admins_first_command_sets_the_channel_up_as_a_group(simcord_env, world, recorder) -> None:
    guild, channel, admin, member = world
    await member.slash(channel, "status")
    await admin.slash(channel, "pause")
    await admin.slash(channel, "resume")

    kinds = [(type(e).__name__, getattr(e, "name", None)) for e in recorder.events]
    assert kinds == [
        ("CommandEvent", "status"),
        ("BotAdded", None),
        ("CommandEvent", "pause"),
        ("CommandEvent", "resume"),
    ]
    (added,) = recorder.of(BotAdded)
    assert added.chat == ChatRef("discord", str(channel.id))
    assert added.forum and added.title == "#reading (Readers)"
    assert added.added_by is not None and added.added_by.id == str(admin.id)


async def test_a_non_admin_never_sets_a_channel_up(simcord_env, world, recorder) -> None:
    guild, channel, _, member = world
    commands = await simcord_env.bot.tree.fetch_commands()
    guild.set_command_permissions(next(c for c in commands if c.name == "schedule"), {member: True})
    await member.slash(channel, "schedule", time="08:00")
    assert recorder.of(BotAdded) == []


async def test_text_pages_asked_by_command_are_private(simcord_env, world, recorder) -> None:
    _, channel, _, member = world

    async def public_page(event: InboundEvent) -> None:
        await event.respond(text_document("page 1 of 9"), private=False)

    recorder.answer = public_page
    for name in ("bilingual", "translation", "original"):
        result = await member.slash(channel, name)
        assert result.ephemeral and result.response.content == "page 1 of 9"
    assert not (await member.slash(channel, "brief")).ephemeral
    assert [m.content for m in channel.history()] == ["page 1 of 9"]  # /brief is the only public answer


async def test_descriptions_are_localized_for_chinese_clients(simcord_env) -> None:
    commands = {c.name: c for c in await simcord_env.bot.tree.fetch_commands()}
    brief = commands["brief"]
    assert brief.description == "the brief of the current article, with buttons for the other tabs"
    assert brief.description_localizations[discord.Locale.chinese] == "当前文章的阅读简报，附带其他标签页的按钮"
    assert discord.Locale.taiwan_chinese in brief.description_localizations
    assert brief.name_localizations == {}  # command names stay the same in every language
