"""A process that contends for leadership and says so on stdout: `python leader_contender.py URL [RETRY CHECK]`.

Tests start it, wait for `leading`, and kill it with SIGKILL to see a standby take over.
"""

from __future__ import annotations

import asyncio
import sys

from storage.leader import PostgresLeadership


async def main(url: str, retry: float, check: float) -> None:
    leadership = PostgresLeadership(url, retry_seconds=retry, check_seconds=check)
    print("contending", flush=True)
    await leadership.wait_until_leader()
    print("leading", flush=True)
    await leadership.wait_until_lost()
    print("lost", flush=True)


if __name__ == "__main__":
    timings = [float(t) for t in sys.argv[2:4]] or [0.2, 0.5]
    asyncio.run(main(sys.argv[1], *timings))
