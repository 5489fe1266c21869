"""The Bot API fake in a process of its own, for benchmarks: the bot under test gets the other CPU.

    with FakeProcess(limits=Limits.telegram(10)) as fake:
        chat_ids = fake.call("groups", 500)
        ...                       # point the bot at fake.base_url with fake.token
        stats = fake.call("stats")

Commands go over a pipe and run in the fake's event loop: `groups` (n, bot_admin) → chat ids;
`replies` (chat ids, per chat) → queues member replies to a bot message in each chat; `stats` →
messages the bot sent per chat, 429s answered, updates pending; `reset_counts`; `forget_messages`.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

from tests.telegram.fake_bot_api import FakeBotApi, FakeChat


def _run(conn: Connection, options: dict[str, Any]) -> None:
    asyncio.run(_serve(conn, options))


async def _serve(conn: Connection, options: dict[str, Any]) -> None:
    async with FakeBotApi(**options) as fake:
        conn.send(("ready", fake.port, fake.token))
        loop = asyncio.get_running_loop()
        members = [fake.add_user(f"Member {n}") for n in range(50)]
        while True:
            command, args = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                conn.send(("ok", None))
                return
            try:
                result = _command(fake, members, command, *args)
            except Exception as exc:  # reported to the benchmark, which fails loudly
                conn.send(("error", repr(exc)))
            else:
                conn.send(("ok", result))


def _command(fake: FakeBotApi, members: list[Any], command: str, *args: Any) -> Any:
    if command == "groups":
        count, bot_admin = args
        return [fake.add_group(f"group {n}", members=members, bot_admin=bot_admin).id for n in range(count)]
    if command == "replies":
        chat_ids, per_chat = args
        total = 0
        for chat_id in chat_ids:
            chat: FakeChat = fake.chats[chat_id]
            prompt = fake._store(chat, fake.bot, {"text": "What do you think?"})
            for n in range(per_chat):
                fake.post(
                    chat,
                    members[n % len(members)],
                    f"reply {n} in {chat.title}",
                    reply_to=prompt["message_id"],
                )
                total += 1
        return total
    if command == "stats":
        per_chat = {cid: len(fake.sent(chat)) for cid, chat in fake.chats.items() if chat.type != "private"}
        return {
            "per_chat": per_chat,
            "too_many_requests": fake.too_many_requests,
            "pending": fake.pending_updates,
        }
    if command == "reset_counts":
        fake.too_many_requests = 0
        fake.calls.clear()
        return None
    if command == "forget_messages":  # keep the fake's state the same size from one run to the next
        for chat in fake.chats.values():
            chat.messages.clear()
        fake.calls.clear()
        return None
    raise ValueError(f"unknown command {command!r}")


class FakeProcess:
    def __init__(self, **options: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_run, args=(child, options), daemon=True)
        self.port = 0
        self.token = ""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def __enter__(self) -> FakeProcess:
        self._process.start()
        _, self.port, self.token = self._conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        self.call("stop")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()

    def call(self, command: str, *args: Any) -> Any:
        self._conn.send((command, args))
        status, result = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"the fake Bot API failed {command}: {result}")
        return result
