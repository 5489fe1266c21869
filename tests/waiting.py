"""Waiting for a state the code under test reaches on its own, instead of sleeping a fixed time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


async def eventually(check: Callable[[], Any], within: float = 10.0) -> Any:
    """The first truthy result of `check()`, asked every few milliseconds; fails the test after `within` s."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the expected state was not reached in time")
        await asyncio.sleep(0.01)
