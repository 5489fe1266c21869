"""`atou serve` as an operator runs it: a process on 127.0.0.1 answering /healthz and pages, stopped by Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine

from bot.links import mint_archive_link


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_atou_serve_serves_signed_pages_and_stops_on_ctrl_c(web_engine: Engine, tmp_path: Path) -> None:
    port = free_port()
    secret = "serve command secret"
    env = os.environ | {
        "ATOU_DATABASE_URL": web_engine.url.render_as_string(hide_password=False),
        "ATOU_SECRET_KEY": secret,
        "ATOU_WEB_URL": "https://read.example/atou",
        "ATOU_PUBLIC_TEXTS": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", "from bot.cli.main import main; main()", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "atou serve did not answer within 30 s"
                time.sleep(0.1)
        assert health.status_code == 200 and health.json()["database"] == "ok"
        link = mint_archive_link(
            base, secret, "telegram:-1001", "ai-rd", now=datetime.now(UTC), ttl=timedelta(hours=1)
        )
        page = httpx.get(link, timeout=10)
        assert page.status_code == 200 and "执行层确实在被自动化" in page.text
        assert httpx.get(f"{base}/a/ai-rd", timeout=10).status_code == 403
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert (
        "reading pages at http://127.0.0.1" in output and "public address https://read.example/atou" in output
    )
    assert "GET /a/ai-rd 200" in output and "sig=" not in output
