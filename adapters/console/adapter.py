"""The console platform: a group chat in a terminal (or a script on stdin) for `atou demo`.

Every message gets a number, printed as `[#12]`: the bot's messages and the members' lines alike,
so a member can reply to either. Buttons are printed under their message as `[1 label]`, numbered
across rows, and pressed with `name: !12 1`. The console cannot show a message to one member only,
so a private answer is printed with `(to NAME)` in front.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from adapters.console.events import BadLine, Command, Delete, Edit, Line, Press, Say, parse_line
from adapters.console.format import ConsoleFormatter
from bot.protocol import (
    BotAdded,
    ButtonEvent,
    ChatGone,
    ChatRef,
    CommandEvent,
    DeleteEvent,
    EditEvent,
    EventHandler,
    InboundEvent,
    Member,
    MessageEvent,
    Responder,
)
from bot.render.document import Button, Document
from bot.render.formatter import Formatter

PLATFORM = "console"
REMEMBERED = 1000  # how many of its own messages the console keeps for replies to them

log = logging.getLogger(__name__)


class ConsoleAdapter:
    """One console chat. `admin` is the member whose commands count as an admin's; None: the first
    member to write a line becomes admin. With `lines`, the chat reads its input from there once
    started, and calls `on_end` when it ends; otherwise lines are handed to `feed`."""

    name = PLATFORM

    def __init__(
        self,
        handler: EventHandler,
        *,
        out: TextIO,
        files: Path,
        chat_id: str = "demo",
        title: str = "atou demo",
        admin: str | None = None,
        first_id: int = 1,
        echo: bool = True,
        lines: TextIO | None = None,
        on_end: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.handler = handler
        self._text = ConsoleFormatter()
        self.formatter: Formatter = self._text
        self.chat = ChatRef(PLATFORM, chat_id)
        self.title = title
        self.admin = admin
        self.files = files
        self.echo = echo
        self._out = out
        self._clock = clock
        self._ids = itertools.count(first_id)
        self._buttons: dict[int, list[Button]] = {}
        self._authors: dict[int, str] = {}
        self._lines = lines
        self._on_end = on_end
        self._reader: asyncio.Task[None] | None = None
        self._said: dict[int, str] = {}  # the bot's recent messages, for a reply to one of them

    # Lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Join the chat: the engine registers the group (and greets it the first time)."""
        await self.handler(BotAdded(chat=self.chat, at=self._clock(), title=self.title))
        if self._lines is not None:
            self._reader = asyncio.create_task(self._read(self._lines), name="atou-console-input")

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self._out.flush()

    async def _read(self, source: TextIO) -> None:
        """Feed every line of `source` in turn; at its end (or a failure) call `on_end`."""
        try:
            next_line = _terminal_lines(source) if source.isatty() else _script_lines(source)
            while line := await next_line():
                await self.feed(line)
        except Exception:
            log.exception("the console chat stopped reading its input")
        finally:
            self._on_end()

    async def feed(self, raw: str) -> None:
        """Handle one input line: print it with its number, then hand its event to the engine."""
        try:
            line = parse_line(raw)
        except BadLine as exc:
            self._print(f"(?) {exc}")
            return
        if line is None:
            return
        if self.admin is None:
            self.admin = line.name
        event = self._event(line, raw.strip())
        if event is not None:
            await self.handler(event)

    def _event(self, line: Line, raw: str) -> InboundEvent | None:
        now = self._clock()
        author = Member(line.name, line.name)
        match line:
            case Press():
                buttons = self._buttons.get(line.message, [])
                if not 1 <= line.button <= len(buttons) or buttons[line.button - 1].action is None:
                    self._print(f"(?) message #{line.message} has no button {line.button}")
                    return None
                action = buttons[line.button - 1].action
                assert action is not None
                self._print(
                    f"{line.name} pressed [{line.button} {buttons[line.button - 1].label}] of #{line.message}"
                )
                return ButtonEvent(
                    chat=self.chat,
                    at=now,
                    respond=self._responder(line.name, line.message),
                    author=author,
                    action=action,
                    message_id=str(line.message),
                )
            case Edit():
                if self._authors.get(line.message) != line.name:
                    self._print(f"(?) #{line.message} is not a message of {line.name}")
                    return None
                self._print(f"[#{line.message}] {line.name} (edited): {line.text}")
                return EditEvent(chat=self.chat, at=now, message_id=str(line.message), text=line.text)
            case Delete():
                if self._authors.get(line.message) != line.name:
                    self._print(f"(?) #{line.message} is not a message of {line.name}")
                    return None
                self._print(f"[#{line.message}] (deleted by {line.name})")
                return DeleteEvent(chat=self.chat, at=now, message_id=str(line.message))
        number = self._member_line(line.name, raw)
        if isinstance(line, Command):
            return CommandEvent(
                chat=self.chat,
                at=now,
                respond=self._responder(line.name, None),
                author=author,
                name=line.command,
                args=line.args,
                message_id=str(number),
                mentions=tuple(Member(name, name) for name in line.mentions),
            )
        assert isinstance(line, Say)
        return MessageEvent(
            chat=self.chat,
            at=now,
            respond=self._responder(line.name, None),
            author=author,
            message_id=str(number),
            text=line.text,
            reply_to=str(line.reply_to) if line.reply_to is not None else None,
            reply_to_bot_text=self._said.get(line.reply_to) if line.reply_to is not None else None,
        )

    def _member_line(self, name: str, raw: str) -> int:
        number = next(self._ids)
        self._authors[number] = name
        if self.echo:
            self._print(f"[#{number}] {raw}")
        else:
            self._print(f"  (#{number})")
        return number

    def _responder(self, member: str, message: int | None) -> Responder:
        async def respond(doc: Document, *, private: bool = False, replace: bool = False) -> None:
            prefix = f"(to {member}) " if private else ""
            if replace and message is not None:
                self._show(message, doc, prefix, edited=True)
            else:
                self._post(doc, prefix)

        return respond

    # Platform ------------------------------------------------------------------------------

    async def send(self, chat: ChatRef, doc: Document, *, reply_to: str | None = None) -> list[str]:
        self._check(chat)
        return [str(n) for n in self._post(doc, "")]

    async def edit(self, chat: ChatRef, message_id: str, doc: Document) -> None:
        self._check(chat)
        self._show(int(message_id), doc, "", edited=True)

    async def open_thread(self, chat: ChatRef, title: str, from_message: str | None) -> ChatRef | None:
        return None  # one flat chat: prompts and replies stay in it

    async def send_file(self, chat: ChatRef, filename: str, data: bytes, caption: str) -> str:
        self._check(chat)
        self.files.mkdir(parents=True, exist_ok=True)
        path = self.files / Path(filename).name
        path.write_bytes(data)
        number = next(self._ids)
        self._print(f"[#{number}] {caption}\n📎 {path} ({len(data):,} bytes)")
        return str(number)

    async def is_admin(self, chat: ChatRef, member: Member) -> bool:
        return self.admin is not None and member.id == self.admin

    def _check(self, chat: ChatRef) -> None:
        if chat.main() != self.chat:
            raise ChatGone(f"the console has only the chat {self.chat.key}, not {chat.key}")

    # Output ----------------------------------------------------------------------------------

    def _post(self, doc: Document, prefix: str) -> list[int]:
        texts = self._text.format(doc)
        numbers = [next(self._ids) for _ in texts]
        for number, text in zip(numbers, texts, strict=True):
            self._print(f"[#{number}] {prefix}{text}")
            self._remember(number, text)
        if numbers:
            self._buttons[numbers[-1]] = ConsoleFormatter.buttons(doc)
        return numbers

    def _show(self, number: int, doc: Document, prefix: str, *, edited: bool) -> None:
        text = "\n".join(self._text.format(doc))
        self._print(f"[#{number}] {prefix}{'(edited) ' if edited else ''}{text}")
        self._remember(number, text)
        self._buttons[number] = ConsoleFormatter.buttons(doc)

    def _remember(self, number: int, text: str) -> None:
        self._said[number] = text
        if len(self._said) > REMEMBERED:
            del self._said[next(iter(self._said))]

    def _print(self, text: str) -> None:
        self._out.write(text.rstrip("\n") + "\n\n")
        self._out.flush()


def _script_lines(source: TextIO) -> Callable[[], Awaitable[str]]:
    """Lines of a script or a pipe, read in turn (each line is handled before the next is read)."""

    async def next_line() -> str:
        return source.readline()

    return next_line


def _terminal_lines(source: TextIO) -> Callable[[], Awaitable[str]]:
    """Lines typed at a terminal, read by a daemon thread: a stop (Ctrl-C) does not wait for Enter."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def pump() -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: the demo is over
            for line in iter(source.readline, ""):
                loop.call_soon_threadsafe(queue.put_nowait, line)
            loop.call_soon_threadsafe(queue.put_nowait, "")

    threading.Thread(target=pump, name="atou-console-input", daemon=True).start()
    return queue.get
