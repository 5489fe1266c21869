"""The adapter's small parts: deep links, the plain-text fallback, the transport, error mapping, pacing."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, TimedOut

from adapters.telegram.deeplink import action_of_payload, start_link, start_payload
from adapters.telegram.errors import Kind, kind_of, neutral
from adapters.telegram.pacing import SlidingWindow
from adapters.telegram.plaintext import html_to_plain, plain_chunks
from adapters.telegram.replies import private_invitation, reading_action
from adapters.telegram.transport import AiohttpRequest
from bot.protocol import ChatGone, ChatMoved, ThreadGone
from bot.render.document import Action, ActionKind, Button, Document, Para, Span, encode_action
from tests.local_server import serve_locally

fields = st.text(alphabet=st.characters(blacklist_characters="|", blacklist_categories=("Cs",)), max_size=12)


@given(st.builds(Action, kind=st.sampled_from(ActionKind), article_id=fields, part=fields, page=st.integers(0, 999), arg=fields))
def test_a_start_payload_carries_the_action_or_nothing(action: Action) -> None:
    payload = start_payload(action)
    try:
        encode_action(action)
    except ValueError:
        assert payload is None
        return
    if payload is not None:
        assert 1 <= len(payload) <= 64 and all(c.isascii() and (c.isalnum() or c in "_-") for c in payload)
        assert action_of_payload(payload) == action


def test_deep_links_and_foreign_payloads() -> None:
    action = Action("tab", "921efcdb88e63008", "bilingual")
    link = start_link("atou_bot", action)
    assert link is not None and link.startswith("https://t.me/atou_bot?start=")
    assert (
        action_of_payload("hello") is None
        and action_of_payload("a b") is None
        and action_of_payload("") is None
    )


@given(st.text(min_size=1))
def test_plain_chunks_fit_and_keep_the_text(text: str) -> None:
    chunks = plain_chunks(text, limit=50)
    for chunk in chunks:
        assert 0 < len(chunk.encode("utf-16-le")) // 2 <= 50
    assert "".join("".join(c.split()) for c in chunks) == "".join(text.split())


def test_html_to_plain() -> None:
    assert html_to_plain('<b>a &amp; b</b> <a href="https://e.org/?x=1&amp;y=2">l</a> &lt;3') == "a & b l <3"


def test_error_kinds() -> None:
    assert kind_of(Forbidden("Forbidden: bot was kicked from the group chat")) is Kind.GONE
    assert isinstance(neutral(Forbidden("Forbidden: bot was blocked by the user")), ChatGone)
    moved = neutral(ChatMigrated(-1001))
    assert isinstance(moved, ChatMoved) and moved.new_chat_id == "-1001"
    assert isinstance(neutral(BadRequest("Bad Request: TOPIC_CLOSED")), ThreadGone)
    assert isinstance(neutral(BadRequest("Bad Request: message thread not found")), ThreadGone)
    assert kind_of(BadRequest("Bad Request: can't parse entities: Unsupported start tag")) is Kind.FORMAT
    assert kind_of(BadRequest("Bad Request: message is too long")) is Kind.FORMAT
    assert (
        kind_of(BadRequest("Bad Request: message is not modified: specified new message content"))
        is Kind.NOT_MODIFIED
    )
    assert kind_of(BadRequest("Bad Request: chat not found")) is Kind.GONE
    assert kind_of(TimedOut()) is Kind.TRANSIENT and kind_of(NetworkError("x")) is Kind.TRANSIENT


async def test_the_transport_reports_unreachable_and_slow_servers_as_python_telegram_bot_expects() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    token = "123456789:AAF-fakeTOKEN-for-tests-0123456789abc"
    bot = Bot(token, base_url=f"http://127.0.0.1:{closed_port}/bot", request=AiohttpRequest())
    await bot.request.initialize()  # type: ignore[attr-defined]
    with pytest.raises(NetworkError, match="could not reach"):
        await bot.get_me()
    await bot.request.shutdown()  # type: ignore[attr-defined]

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", slow)
    runner, port = await serve_locally(app)
    try:
        request = AiohttpRequest(read_timeout=0.2)
        bot = Bot(token, base_url=f"http://127.0.0.1:{port}/bot", request=request)
        await request.initialize()
        with pytest.raises(TimedOut):
            await bot.get_me()
        await request.shutdown()
    finally:
        await runner.cleanup()


async def test_a_sliding_window_counts_a_message_until_period_after_its_answer() -> None:
    loop = asyncio.get_running_loop()
    window = SlidingWindow(2, 0.1)
    window.take()
    window.take()
    waiting = asyncio.create_task(window.until_free())
    await asyncio.sleep(0.05)
    assert not waiting.done()  # both places are taken while the messages are on their way
    answered = loop.time()
    window.release()
    await waiting
    assert loop.time() - answered >= 0.099  # free a period after the answer, not after the send
    window.take()
    window.release()
    window.release()
    window.block(0.05)
    started = loop.time()
    await window.until_free()
    assert loop.time() - started >= 0.049


def test_a_private_page_becomes_its_heading_and_a_link_to_the_same_page() -> None:
    heading = Para((Span("Title · 双语对照 2/9"),))
    page = Document(
        (heading, Para((Span("the text of page 2"),))),
        buttons=(
            (
                Button("◀", Action("page", "a1", "bilingual", 1)),
                Button("2/9", Action("page", "a1", "bilingual", 2), current=True),
                Button("▶", Action("page", "a1", "bilingual", 3)),
            ),
        ),
    )
    invitation = private_invitation(page, "atou_bot")
    assert invitation is not None and invitation.paras == (heading,)
    ((button,),) = invitation.buttons
    assert button.url is not None and action_of_payload(button.url.split("start=")[1]) == Action(
        "page", "a1", "bilingual", 2
    )
    unlabelled = Document((heading,), buttons=((Button("▶", Action("page", "a1", "original", 2)),),))
    assert reading_action(unlabelled) == Action("tab", "a1", "original")
    assert private_invitation(Document((Para((Span("Only admins can do that."),)),)), "atou_bot") is None
