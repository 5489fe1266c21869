"""The benchmark harness: each `bench_*.py` module here exposes `bench_*` functions returning Results."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass
class Result:
    """One measured figure, with the target it is judged against."""

    name: str
    value: float
    unit: str
    target: float | None = None
    better: Literal["lower", "higher"] = "lower"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool | None:
        if self.target is None:
            return None
        return self.value <= self.target if self.better == "lower" else self.value >= self.target

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ok": self.ok}


def best_ms(fn: Callable[[], object], *, repeat: int = 7, number: int = 1) -> tuple[float, float]:
    """Run `fn` `number` times per round for `repeat` rounds; return (best, median) ms per call."""
    fn()  # warm caches and imports
    rounds = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - start) * 1000 / number)
    return min(rounds), statistics.median(rounds)
