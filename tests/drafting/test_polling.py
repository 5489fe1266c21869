"""The running bot polls due feeds while it leads the sources, and stops when leadership is lost."""

from __future__ import annotations

import asyncio

import sqlalchemy

from bot.config import Settings
from bot.drafting.polling import poll_while_leading
from storage.drafts import DraftStore
from storage.leader import Leadership
from storage.sources import SourceStore
from tests.drafting.site import Site
from tests.waiting import eventually


class Handover(Leadership):
    """Leadership that, once lost, is won back only when the test hands it over again."""

    def __init__(self) -> None:
        super().__init__()
        self.turn = asyncio.Event()
        self.turn.set()

    async def wait_until_leader(self) -> None:
        await self.turn.wait()
        self._won()

    async def release(self) -> None:
        self.turn.clear()
        self._lose()


async def test_due_sources_are_polled_by_the_leader(site: Site, engine: sqlalchemy.Engine) -> None:
    SourceStore(engine).add(site.url("/feeds/rss.xml"), every_s=3600, lang=None)
    leadership = Handover()
    settings = Settings(fetch_allow=["127.0.0.1"], llm_base_url=None, llm_model=None)
    task = asyncio.create_task(poll_while_leading(settings, engine, leadership, every=0.1))
    try:
        await eventually(lambda: len(DraftStore(engine).listed()) == 2, within=20)
        [source] = SourceStore(engine).listed()
        assert source.last_polled_at is not None and source.last_error is None
        await leadership.release()  # lost: polling stops
        SourceStore(engine).add(site.url("/feeds/atom.xml"), every_s=0, lang=None)
        await asyncio.sleep(0.5)
        assert "/feeds/atom.xml" not in [path for path, _ in site.seen]
        leadership.turn.set()  # won back: polling goes on
        await eventually(lambda: "/feeds/atom.xml" in [path for path, _ in site.seen])
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
