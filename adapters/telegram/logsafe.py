"""Keep the bot token out of every log line.

The token is part of every Bot API URL (`…/bot<token>/sendMessage`), and httpx logs each request URL
at INFO; python-telegram-bot logs its base URL at DEBUG, and exceptions may quote URLs. Redaction
happens where log records are made (the log record factory), so it covers every logger and every
handler, whoever configured them.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

REDACTED = "[redacted]"
# A Telegram bot token: `<bot id>:<35 characters>`.
TOKEN_PATTERN = re.compile(r"\d{5,20}:[A-Za-z0-9_-]{30,}")

_secrets: set[str] = set()
_secret_pattern: re.Pattern[str] | None = None
_installed_factory: Any = None


def scrub(text: str) -> str:
    """`text` with every known secret and every token-shaped string replaced by `[redacted]`."""
    if _secret_pattern is not None:
        text = _secret_pattern.sub(REDACTED, text)
    return TOKEN_PATTERN.sub(REDACTED, text)


def protect(*secrets: str) -> None:
    """Redact these secrets (and anything shaped like a bot token) from all log records from now on."""
    global _secret_pattern, _installed_factory
    _secrets.update(s for s in secrets if s and len(s) >= 8)
    if _secrets:
        ordered = sorted(_secrets, key=len, reverse=True)
        _secret_pattern = re.compile("|".join(re.escape(s) for s in ordered))
    current = logging.getLogRecordFactory()
    if current is _installed_factory:
        return
    base = current

    def scrubbed_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = base(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed logging call: let logging report it as usual
            return record
        clean = scrub(message)
        if clean != message:  # records without a secret stay exactly as they were made
            record.msg = clean
            record.args = None
        if record.exc_info and not record.exc_text:
            rendered = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            clean = scrub(rendered)
            if clean != rendered:
                # Formatters reuse exc_text when set, so the traceback is shown as redacted here.
                record.exc_text = clean
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return record

    _installed_factory = scrubbed_record
    logging.setLogRecordFactory(scrubbed_record)
