"""Failover: how long after the leader process dies (SIGKILL) a standby leads, with the default timings."""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time

from storage.leader import CHECK_SECONDS, RETRY_SECONDS, PostgresLeadership
from tests.bench.harness import Result
from tests.conftest import REPO
from tests.postgres import pg_up, throwaway_database

CONTENDER = REPO / "tests" / "deploy" / "leader_contender.py"
ROUNDS = 8


async def _one_takeover(url: str) -> float:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(CONTENDER), url, str(RETRY_SECONDS), str(CHECK_SECONDS),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
    )
    standby = PostgresLeadership(url)
    try:
        assert process.stdout is not None
        while (await process.stdout.readline()).strip() != b"leading":
            pass
        waiting = asyncio.create_task(standby.wait_until_leader())
        # Kill at a random point of the standby's retry cycle, after it has tried and lost once.
        await asyncio.sleep(RETRY_SECONDS * random.uniform(1.05, 1.95))
        process.kill()
        killed = time.monotonic()
        await asyncio.wait_for(waiting, 60)
        return time.monotonic() - killed
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
        await standby.release()


def bench_takeover() -> list[Result]:
    if not pg_up():
        return []
    with throwaway_database("atou_bench") as url:
        times = [asyncio.run(_one_takeover(url)) for _ in range(ROUNDS)]
    extra = {"retry_seconds": RETRY_SECONDS, "rounds": ROUNDS}
    return [
        Result("leader takeover after SIGKILL (median)", statistics.median(times), "s", target=5.0, extra=extra),
        Result("leader takeover after SIGKILL (worst)", max(times), "s", target=5.0, extra=extra),
    ]


