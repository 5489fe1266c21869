"""Building the adapter from settings, webhook mode, and logs that never show the token."""

from __future__ import annotations

import io
import logging
import socket
import traceback
from collections.abc import Iterator
from functools import partial

import aiohttp
import pytest
from pydantic import SecretStr

from adapters.telegram import create
from adapters.telegram.adapter import DEFAULT_API_URL, TelegramAdapter, WebhookConfig, derived_secret
from adapters.telegram.webhook import SECRET_HEADER, secret_matches
from bot.config import Settings
from bot.observability import metrics
from bot.protocol import (
    AdapterContext,
    ChatRef,
    CommandEvent,
    MessageEvent,
    PlatformError,
    PlatformUnreachable,
)
from bot.render.document import text_document
from storage.db import make_engine, upgrade
from storage.updates import claim_update
from tests.netfault import Forwarder, Mode
from tests.telegram.conftest import AdapterFactory, Recorder, api_url_through
from tests.telegram.fake_bot_api import FakeBotApi


async def ignore(event: object) -> None:
    return None


CONTEXT = AdapterContext(handler=ignore, claim_update=lambda update_id: True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_no_token_no_adapter() -> None:
    assert create(Settings(_env_file=None), CONTEXT) is None
    assert create(Settings(_env_file=None, telegram_token=SecretStr("  ")), CONTEXT) is None


def test_settings_choose_polling_or_webhook() -> None:
    token = "123456789:AAF-fakeTOKEN-for-tests-0123456789abc"
    polling = create(Settings(_env_file=None, telegram_token=SecretStr(token)), CONTEXT)
    assert isinstance(polling, TelegramAdapter) and polling.webhook is None
    assert polling.application.bot.base_url == DEFAULT_API_URL + token
    hooked = create(
        Settings(
            _env_file=None,
            telegram_token=SecretStr(token),
            telegram_api_url="http://127.0.0.1:8081/bot",
            telegram_webhook_url="https://bot.example.org/telegram/updates",
            telegram_listen="0.0.0.0",
            telegram_port=9000,
        ),
        CONTEXT,
    )
    assert isinstance(hooked, TelegramAdapter) and hooked.webhook is not None
    assert hooked.webhook.secret == derived_secret(token) and hooked.webhook.path == "/telegram/updates"
    assert (hooked.webhook.listen, hooked.webhook.port) == ("0.0.0.0", 9000)
    assert hooked.application.bot.base_url == "http://127.0.0.1:8081/bot" + token
    chosen = create(
        Settings(
            _env_file=None,
            telegram_token=SecretStr(token),
            telegram_webhook_url="https://bot.example.org/hook",
            telegram_webhook_secret=SecretStr("chosen-secret_1"),
        ),
        CONTEXT,
    )
    assert chosen is not None and chosen.webhook is not None and chosen.webhook.secret == "chosen-secret_1"


def test_secret_comparison() -> None:
    assert secret_matches("s3cret", "s3cret")
    assert not secret_matches("s3cret", "s3cre")
    assert not secret_matches("s3cret", None)
    assert not secret_matches("s3cret", "")


async def test_webhook_mode_receives_updates_and_refuses_wrong_secrets(
    fake: FakeBotApi, make_adapter: AdapterFactory, recorder: Recorder
) -> None:
    port = free_port()
    hook = WebhookConfig(url=f"http://127.0.0.1:{port}/tg/updates", secret="right_secret-1", port=port)
    adapter = await make_adapter(webhook=hook)
    assert fake.webhook is not None and fake.webhook["secret_token"] == "right_secret-1"
    group = fake.add_group("readers")
    ann = fake.add_user("Ann")
    (prompt,) = await adapter.send(ChatRef("telegram", str(group.id)), text_document("prompt"))
    fake.post(group, ann, "a reply via webhook", reply_to=int(prompt))
    fake.post(group, ann, "/status")
    (message,) = await recorder.wait_for(MessageEvent)
    (command,) = await recorder.wait_for(CommandEvent)
    assert message.reply_to == prompt and command.name == "status"
    assert not fake.calls_to("getUpdates")

    update = {
        "update_id": 1,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "forged"},
    }
    async with aiohttp.ClientSession() as session:
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: "right_secret-"}):
            async with session.post(hook.url, json=update, headers=headers) as response:
                assert response.status == 403
        async with session.post(hook.url, data="not json", headers={SECRET_HEADER: hook.secret}) as response:
            assert response.status == 400
    assert [e for e in recorder.events if getattr(e, "text", None) == "forged"] == []


@pytest.fixture
def all_logs() -> Iterator[io.StringIO]:
    """Every log record of every logger, at every level, as text."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "telegram", "asyncio")}
    for name in quiet:
        logging.getLogger(name).setLevel(logging.DEBUG)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level)


async def test_logs_never_contain_the_token(
    fake: FakeBotApi, recorder: Recorder, all_logs: io.StringIO
) -> None:
    adapter = TelegramAdapter(
        fake.token, recorder, api_url=fake.base_url, poll_timeout=1, network_backoff=0.01
    )
    await adapter.start()
    group = fake.add_group("readers")
    fake.post(group, fake.add_user("Ann"), "/help")
    await recorder.wait_for(CommandEvent)
    await adapter.send(ChatRef("telegram", str(group.id)), text_document("hello"))
    fake.fail_next("sendMessage", 2)  # network trouble is logged, with the request URL
    await adapter.send(ChatRef("telegram", str(group.id)), text_document("after trouble"))
    fake.kick_bot(group)
    with pytest.raises(Exception, match="(?i)kicked"):
        await adapter.send(ChatRef("telegram", str(group.id)), text_document("x"))
    await adapter.stop()
    text = all_logs.getvalue()
    assert "Set Bot API URL: http://127.0.0.1" in text  # python-telegram-bot did log the URL with the token
    assert "network trouble" in text
    assert fake.token not in text and fake.token.split(":")[1] not in text
    assert "[redacted]" in text


async def test_a_refused_token_is_reported_without_quoting_it(
    fake: FakeBotApi, all_logs: io.StringIO
) -> None:
    wrong = "123456789:" + "W" * 35
    adapter = TelegramAdapter(wrong, ignore, api_url=fake.base_url, set_menus=False)
    with pytest.raises(PlatformError) as caught:
        await adapter.start()
    shown = "".join(traceback.format_exception(caught.value))
    assert "BotFather" in shown and "W" * 35 not in shown
    assert "W" * 35 not in all_logs.getvalue()
    assert not adapter.application.running



async def test_a_webhook_update_delivered_twice_is_handled_once(
    fake: FakeBotApi, make_adapter: AdapterFactory, recorder: Recorder, sqlite_url: str
) -> None:
    """Behind a load balancer, instances share the database that says which update ids are taken."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    port = free_port()
    hook = WebhookConfig(
        url=f"http://127.0.0.1:{port}/tg/updates", secret="s_1", port=port, claim=partial(claim_update, engine)
    )
    await make_adapter(webhook=hook)
    group = fake.add_group("readers")
    ann = fake.add_user("Ann")
    update = {
        "update_id": 42,
        "message": {
            "message_id": 999,
            "date": 0,
            "chat": {"id": group.id, "type": "supergroup", "title": "readers"},
            "from": {"id": ann.id, "is_bot": False, "first_name": "Ann"},
            "text": "/status",
            "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
        },
    }
    duplicates = metrics.duplicate_updates.labels(platform="telegram")
    before = duplicates._value.get()
    async with aiohttp.ClientSession() as session:
        for _ in range(2):
            async with session.post(hook.url, json=update, headers={SECRET_HEADER: "s_1"}) as response:
                assert response.status == 200
    (command,) = await recorder.wait_for(CommandEvent)
    await fake.wait_until(lambda: duplicates._value.get() == before + 1)  # the second delivery, turned away
    assert command.name == "status" and command.message_id == "999"
    assert [e for e in recorder.events if isinstance(e, CommandEvent)] == [command]
    assert duplicates._value.get() == before + 1
    engine.dispose()


@pytest.mark.parametrize("mode", ["refuse", "hang"])
async def test_polling_comes_back_after_the_link_to_telegram_is_cut(
    fake: FakeBotApi, link: Forwarder, make_adapter: AdapterFactory, recorder: Recorder, mode: Mode
) -> None:
    await make_adapter(api_url=api_url_through(link))
    group = fake.add_group("readers")
    ann = fake.add_user("Ann")
    fake.post(group, ann, "/help")
    await recorder.wait_for(CommandEvent)

    connections = link.accepted
    await link.cut(mode)
    fake.post(group, ann, "/status")  # waits at Telegram while the bot cannot reach it
    if mode == "hang":
        await link.wait_accepted(connections + 1)  # polling tried again and got stuck
    await link.restore()
    commands = await recorder.wait_for(CommandEvent, count=2, within=15)
    assert [c.name for c in commands] == ["help", "status"]


@pytest.mark.parametrize("mode", ["refuse", "hang"])
async def test_telegram_unreachable_at_start_is_unreachable_and_the_same_adapter_starts_later(
    fake: FakeBotApi, link: Forwarder, recorder: Recorder, mode: Mode
) -> None:
    await link.cut(mode)
    adapter = TelegramAdapter(
        fake.token, recorder, api_url=api_url_through(link), poll_timeout=1, set_menus=False
    )
    with pytest.raises(PlatformUnreachable, match=r"^Telegram \(127\.0\.0\.1:\d+\) cannot be reached"):
        await adapter.start()  # a hanging link: after the request's read timeout
    await link.restore()
    await adapter.start()  # what the start-up retry does: the same adapter, once more
    try:
        group = fake.add_group("readers")
        fake.post(group, fake.add_user("Ann"), "/help")
        await recorder.wait_for(CommandEvent)
    finally:
        await adapter.stop()
