"""Take secrets out of text before it reaches a log line."""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[redacted]"

# A Telegram bot token is `<bot id>:<35 characters>`; it appears in Bot API URLs (`/bot<token>/sendMessage`).
_TELEGRAM_TOKEN = r"\d{5,16}:[A-Za-z0-9_-]{30,}"
# A Discord bot token is three dot-separated base64url parts; the first encodes the bot's id.
_DISCORD_TOKEN = r"[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"
_TOKEN_PATTERN = re.compile(f"{_TELEGRAM_TOKEN}|{_DISCORD_TOKEN}")


class Redactor:
    """Replaces every token-shaped string and every configured secret with `[redacted]`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Short values would blank out ordinary words; a real secret is never this short.
        known = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)
        self._secrets = re.compile("|".join(re.escape(s) for s in known)) if known else None

    def __call__(self, text: str) -> str:
        if self._secrets is not None:
            text = self._secrets.sub(REDACTED, text)
        return _TOKEN_PATTERN.sub(REDACTED, text)
