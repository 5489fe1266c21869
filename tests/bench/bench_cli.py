"""Start-up time of the command line: `atou --help` in a fresh process, as an operator would run it."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.harness import Result

ROUNDS = 9
TARGET_MS = 300.0


def _atou_command() -> list[str]:
    script = Path(sys.executable).with_name("atou")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from bot.cli.main import main; main()"]


def _wall_ms(command: list[str]) -> list[float]:
    subprocess.run(command, capture_output=True, check=True)  # warm the file cache
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return times


def bench_help_startup() -> Result:
    """Best of ROUNDS runs of `atou --help`; the bare interpreter's start-up is given for scale."""
    help_times = _wall_ms([*_atou_command(), "--help"])
    bare_times = _wall_ms([sys.executable, "-c", "pass"])
    return Result(
        name="atou --help start-up",
        value=min(help_times),
        unit="ms",
        target=TARGET_MS,
        extra={
            "median_ms": statistics.median(help_times),
            "rounds": ROUNDS,
            "python_startup_ms": min(bare_times),
        },
    )
