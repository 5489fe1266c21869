""" "Read privately" deep links: `https://t.me/<bot>?start=<payload>` carrying a button action.

A bot may not write first to someone who never opened a chat with it. When a member asks for a text
privately and the bot cannot write to them yet, the button press is answered with a deep link: it
opens the private chat, the member presses Start, and the bot receives `/start <payload>`; the payload
is the button's action, so the member gets what they asked for, and pages through it there without
flooding the group.

Telegram allows 1–64 characters from `A-Z a-z 0-9 _ -` in a start payload: the action's encoding
(`bot.render.document.encode_action`) goes in as unpadded URL-safe base64.
"""

from __future__ import annotations

import base64
import binascii
import re

from bot.render.document import Action, decode_action, encode_action

MAX_PAYLOAD = 64
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


def start_payload(action: Action) -> str | None:
    """The start payload for `action`, or None when it does not fit in 64 characters."""
    try:
        encoded = encode_action(action)
    except ValueError:
        return None
    payload = base64.urlsafe_b64encode(encoded.encode("utf-8")).decode("ascii").rstrip("=")
    return payload if len(payload) <= MAX_PAYLOAD else None


def start_link(bot_username: str, action: Action) -> str | None:
    payload = start_payload(action)
    return None if payload is None else f"https://t.me/{bot_username}?start={payload}"


def action_of_payload(payload: str) -> Action | None:
    """The action a start payload carries, or None for anything else (an old or foreign link)."""
    if not _PAYLOAD.fullmatch(payload):
        return None
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decode_action(raw)
