"""Logging set-up: plain lines or JSON lines, with secrets taken out of every record.

Redaction happens where records are made (a log record factory), so it covers every handler —
ours, the test runner's, a web server's — and every library, including httpx, whose request
lines carry the Telegram token inside the Bot API URL.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TextIO

from bot.config import Settings
from bot.observability.redact import Redactor

# Attributes every LogRecord has; anything else on a record came from `extra=` and goes into JSON lines.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's copy of the message with terminal colour codes
}
_PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries that log at INFO what is useful only when debugging: a line per HTTP request (httpx),
# per job added or run (APScheduler: 20,000 lines at the start with 10,000 groups), per migration
# plugin (Alembic, on every start). They stay at WARNING unless ATOU_LOG_LEVEL=DEBUG.
_CHATTY_LOGGERS = ("httpx", "httpcore", "apscheduler", "alembic")

_redactor = Redactor()
_installed_factory: Callable[..., logging.LogRecord] | None = None


def _secrets(settings: Settings) -> list[str]:
    values = [settings.telegram_token, settings.discord_token, settings.telegram_webhook_secret, settings.secret_key]
    return [v.get_secret_value() for v in values if v is not None]


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:
        # A malformed call (wrong % arguments): let logging report it as it always does.
        return
    record.msg = _redactor(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        # Formatters reuse exc_text when it is set, so the traceback is rendered once, redacted.
        record.exc_text = _redactor("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    if record.stack_info:
        record.stack_info = _redactor(record.stack_info)


def _install_record_factory() -> None:
    """Wrap whatever record factory is in place (another module may have wrapped it too)."""
    global _installed_factory
    base = logging.getLogRecordFactory()
    if base is _installed_factory:
        return

    def scrubbed_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        _scrub(record)
        return record

    _installed_factory = scrubbed_record
    logging.setLogRecordFactory(scrubbed_record)


class PlainFormatter(logging.Formatter):
    """`time LEVEL logger: message`, redacted once more for anything passed through `extra=`."""

    def __init__(self) -> None:
        super().__init__(_PLAIN_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return _redactor(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, exc (when any) and every `extra=` field."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in line:
                line[key] = value
        return _redactor(json.dumps(line, ensure_ascii=False, default=str))


def _log_uncaught(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """An exception nothing caught goes out as a log line (in JSON mode, a JSON line with its traceback)."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    logging.getLogger("atou").critical("uncaught %s: %s", kind.__name__, value, exc_info=(kind, value, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Our handler, told apart so that configuring again replaces it instead of doubling lines."""


def configure_logging(settings: Settings) -> None:
    """Send logs to stderr as plain or JSON lines (ATOU_LOG_JSON) at ATOU_LOG_LEVEL, secrets redacted."""
    global _redactor
    level = logging.getLevelName(settings.log_level.upper())
    if not isinstance(level, int):
        raise ValueError(f"ATOU_LOG_LEVEL={settings.log_level!r} is not a log level (DEBUG, INFO, WARNING, ERROR)")
    _redactor = Redactor(_secrets(settings))
    _install_record_factory()

    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(old)
    handler = _StderrHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_json else PlainFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else logging.WARNING)
    if settings.log_json:
        # Every line on stderr stays JSON: uncaught exceptions and warnings go through logging too.
        sys.excepthook = _log_uncaught
        threading.excepthook = _log_uncaught_in_thread
        logging.captureWarnings(True)
    elif sys.excepthook is _log_uncaught:
        sys.excepthook, threading.excepthook = sys.__excepthook__, threading.__excepthook__
        logging.captureWarnings(False)


def report_fatal(message: str, cause: BaseException | None = None) -> None:
    """The last words of a process that cannot go on: `message`, one sentence for the operator.

    Plain text on stderr, or a JSON line when logs are JSON; the traceback of `cause` only at DEBUG
    level (as a log record, so it is JSON too when logs are).
    """
    fatal = logging.getLogger("atou")
    if cause is not None and fatal.isEnabledFor(logging.DEBUG):
        fatal.debug("what led to it", exc_info=cause)
    if any(isinstance(h, _StderrHandler) and isinstance(h.formatter, JsonFormatter) for h in logging.getLogger().handlers):
        fatal.critical(message)
    else:
        print(_redactor(message), file=sys.stderr, flush=True)
