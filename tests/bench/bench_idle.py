"""10,000 scheduled groups, idle: what `atou run` costs at rest, against the Bot API fake.

A SQLite file holds 10,000 Telegram groups with ten articles queued, each scheduled at a local time
hours away (nothing is due while the benchmark runs). `atou run` starts against the Bot API fake (in
a process of its own), with the default log level. Measured:

- start-up: from launching the process to its "polling Telegram" line;
- log lines written in the first minute (library loggers stay at WARNING unless asked);
- CPU time (user + system) used in the second minute, when nothing is due: the scheduler's wake-ups
  and sweeps at rest;
- resident memory at the end of that minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.bootstrap import build_engine
from bot.config import Settings
from bot.scheduling.schedule import Schedule
from bot.services.domain import Group
from storage.articles import ArticleStore
from storage.db import make_engine, upgrade
from tests.bench.harness import Result
from tests.engine.conftest import make_article
from tests.telegram.fake_process import FakeProcess

GROUPS = 10_000
QUEUED = 10
ZONES = ("Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC", "Asia/Tokyo")
ATOU = Path(sys.executable).parent / "atou"
STARTUP_TARGET_S = 10.0
RSS_TARGET_MB = 150.0
CPU_TARGET_S = 1.2
LOG_LINES_TARGET = 100
FIRST_MINUTE = 60.0
IDLE_MINUTE = 60.0


def _seed(folder: Path) -> str:
    url = f"sqlite:///{folder / 'atou.db'}"
    db = make_engine(url)
    upgrade(db)
    store = ArticleStore(db)
    for n in range(QUEUED):  # enough that no group's queue runs dry soon: nothing to tell admins
        store.add(make_article(f"queued-{n}"))
    engine = build_engine(Settings(_env_file=None, database_url=url), db)  # type: ignore[call-arg]
    now = datetime.now(UTC)
    with engine.core.uow() as uow:
        for n in range(GROUPS):
            zone = ZONES[n % len(ZONES)]
            # Hours away from now in the group's own zone, spread over an hour of the day.
            local = (now + timedelta(hours=8, minutes=n % 60)).astimezone(Schedule(zone, now.time()).zone)
            uow.groups.add(
                Group(
                    id=0,
                    platform="telegram",
                    chat_id=str(-1_000_000_000_000 - n),
                    thread_id=None,
                    title=f"Reading group {n}",
                    schedule=Schedule(zone, local.time().replace(second=0, microsecond=0)),
                    schedule_since=now,
                    lang="zh-Hans",
                    created_at=now,
                )
            )
        uow.commit()
    db.dispose()
    return url


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bench_idle_10000_groups() -> list[Result]:
    if not ATOU.exists() or not Path("/proc/self/stat").exists():
        return []
    with tempfile.TemporaryDirectory() as tmp, FakeProcess() as fake:
        url = _seed(Path(tmp))
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATOU_")} | {
            "ATOU_DATABASE_URL": url,
            "ATOU_TELEGRAM_TOKEN": fake.token,
            "ATOU_TELEGRAM_API_URL": fake.base_url,
            "ATOU_HEALTH_PORT": "0",
        }
        lines: list[tuple[float, str]] = []
        started = time.monotonic()
        process = subprocess.Popen(
            [str(ATOU), "run"], cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )

        def read() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                lines.append((time.monotonic() - started, line))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            time.sleep(FIRST_MINUTE)
            cpu_before = _cpu_seconds(process.pid)
            time.sleep(IDLE_MINUTE)
            cpu = _cpu_seconds(process.pid) - cpu_before
            rss = _rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(30)
            reader.join(5)
        polling = next((at for at, line in lines if "polling Telegram for updates" in line), float("inf"))
        first_minute = sum(1 for at, _ in lines if at <= FIRST_MINUTE)
    extra = {"groups": GROUPS}
    return [
        Result("idle 10,000 groups: start to polling", polling, "s", target=STARTUP_TARGET_S, extra=extra),
        Result("idle 10,000 groups: resident memory", rss, "MB", target=RSS_TARGET_MB, extra=extra),
        Result("idle 10,000 groups: CPU per idle minute", cpu, "s", target=CPU_TARGET_S, extra=extra),
        Result(
            "idle 10,000 groups: log lines in the first minute",
            first_minute,
            "lines",
            target=LOG_LINES_TARGET,
            extra=extra | {"first_lines": [line.rstrip() for _, line in lines[:5]]},
        ),
    ]
