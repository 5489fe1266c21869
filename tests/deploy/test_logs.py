"""Logs: plain or JSON lines, and no token in any line whatever logs it."""

from __future__ import annotations

import json
import logging
import sys
import threading
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import Settings
from bot.observability import configure_logging
from bot.observability.redact import Redactor

# Made-up tokens of the real shapes.
TELEGRAM_TOKEN = "7012345678:AAHk3v9Qd2Xw-Lr8ZpT0sYb4Nc6Ue1Fg7Hj"
DISCORD_TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GaBcDe.xYz0123456789abcdefGHIJKLmnopqRSTu"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level, factory = list(root.handlers), root.level, logging.getLogRecordFactory()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.setLogRecordFactory(factory)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


def test_the_bot_api_url_httpx_logs_has_the_token_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(settings(telegram_token=TELEGRAM_TOKEN, log_level="DEBUG"))
    server = HTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        httpx.get(f"http://127.0.0.1:{server.server_port}/bot{TELEGRAM_TOKEN}/getMe")
    finally:
        server.shutdown()
    err = capsys.readouterr().err
    assert "HTTP Request: GET" in err and "/bot[redacted]/getMe" in err
    assert TELEGRAM_TOKEN not in err and TELEGRAM_TOKEN.split(":")[1] not in err


def test_configured_secrets_are_redacted_from_messages_arguments_and_tracebacks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(settings(discord_token=DISCORD_TOKEN, secret_key="an-archive-link-signing-key"))
    log = logging.getLogger("atou.test")
    log.warning("connecting with %s", DISCORD_TOKEN)
    try:
        raise RuntimeError(f"rejected key an-archive-link-signing-key for {DISCORD_TOKEN}")
    except RuntimeError:
        log.exception("signing failed")
    err = capsys.readouterr().err
    assert "connecting with [redacted]" in err
    assert "RuntimeError: rejected key [redacted] for [redacted]" in err
    assert DISCORD_TOKEN not in err and "an-archive-link-signing-key" not in err


def test_json_lines_carry_level_logger_message_and_extra_fields(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(settings(log_json=True, telegram_token=TELEGRAM_TOKEN))
    logging.getLogger("atou.engine").info("posted %s", "brief", extra={"group": "telegram:-100", "t": TELEGRAM_TOKEN})
    logging.getLogger("atou.engine").debug("not shown at INFO")
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["level"] == "INFO" and line["logger"] == "atou.engine" and line["msg"] == "posted brief"
    assert line["group"] == "telegram:-100" and line["t"] == "[redacted]"
    assert line["ts"].endswith("+00:00")


def test_in_json_mode_an_uncaught_exception_and_a_warning_are_json_lines_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logging.captureWarnings(False)  # an earlier test's capture outlived pytest's own warning hook
    configure_logging(settings(log_json=True, telegram_token=TELEGRAM_TOKEN))
    try:
        raise RuntimeError(f"nobody caught this, with {TELEGRAM_TOKEN}")
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    warnings.showwarning("a library's warning", UserWarning, __file__, 1)  # what warnings.warn calls
    records = [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]
    uncaught, warned = records
    assert uncaught["level"] == "CRITICAL" and "Traceback" in uncaught["exc"]
    assert TELEGRAM_TOKEN not in json.dumps(uncaught) and "[redacted]" in uncaught["msg"]
    assert warned["logger"] == "py.warnings" and "a library's warning" in warned["msg"]
    configure_logging(settings())  # plain again: the hooks are put back
    assert sys.excepthook is sys.__excepthook__


def test_configuring_twice_does_not_double_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(settings())
    configure_logging(settings())
    logging.getLogger("atou.test").warning("once")
    assert capsys.readouterr().err.count("once") == 1


def test_an_unknown_log_level_is_named() -> None:
    with pytest.raises(ValueError, match="ATOU_LOG_LEVEL='LOUD'"):
        configure_logging(settings(log_level="LOUD"))


def test_words_and_short_settings_are_left_alone() -> None:
    redact = Redactor(["short", "x" * 8])
    assert redact("a short note at 12:30 about bot 123") == "a short note at 12:30 about bot 123"
    assert redact("key xxxxxxxx here") == "key [redacted] here"


@given(before=st.text(max_size=40), after=st.text(max_size=40), bot_id=st.integers(10_000, 10**12))
def test_no_token_survives_redaction_whatever_surrounds_it(before: str, after: str, bot_id: int) -> None:
    token = f"{bot_id}:{TELEGRAM_TOKEN.split(':')[1]}"
    redact = Redactor([DISCORD_TOKEN])
    out = redact(f"{before}{token}{after} {DISCORD_TOKEN}")
    assert token.split(":")[1] not in out and DISCORD_TOKEN not in out
