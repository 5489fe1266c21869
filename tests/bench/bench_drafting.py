"""Drafting: the sample page's original against the model fake answering each call after 300 ms
(concurrent batches against one call at a time), and extraction speed on 20 fixture pages."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from tests.bench.harness import Result

SAMPLE_PAGE = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "000_921efcdb88e63008.txt"
PAGES = Path(__file__).resolve().parents[1] / "drafting" / "pages"
DELAY_S = 0.3
TARGET_RATIO = 0.25
AUDIENCES = ["读书会成员"]


async def _draft_once(fake: object, concurrency: int, database: Path) -> tuple[float, object]:
    from bot.config import Settings
    from bot.drafting.writer import Writer
    from bot.formats import load_file
    from bot.llm import ModelClient, ModelConfig
    from storage.db import make_engine, upgrade
    from storage.drafts import DraftStore

    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    config = ModelConfig.from_settings(Settings(**fake.settings(llm_concurrency=concurrency)))  # type: ignore[attr-defined]
    assert config is not None
    original = load_file(SAMPLE_PAGE).original
    try:
        async with ModelClient(config) as model:
            start = time.perf_counter()
            written = await Writer(model, DraftStore(engine)).write(
                title="sample", original=original, source_lang="en", target_lang="zh-Hans", audiences=AUDIENCES
            )
            return time.perf_counter() - start, written
    finally:
        engine.dispose()


def bench_drafting_sample_page() -> list[Result]:
    """Wall time of drafting the sample's original at the default concurrency vs one call at a time."""
    if not SAMPLE_PAGE.is_file():
        note = {"note": "skipped: the sample page ../shared/seed/000_921efcdb88e63008.txt is absent"}
        return [Result("draft sample page (concurrent / sequential)", float("nan"), "ratio", extra=note)]
    from bot.config import Settings
    from bot.formats import load_file
    from tests.llm.process import FakeChatProcess

    blocks = len(load_file(SAMPLE_PAGE).original)
    default = Settings().llm_concurrency
    with FakeChatProcess() as fake, tempfile.TemporaryDirectory() as scratch:
        asyncio.run(_draft_once(fake, default, Path(scratch) / "warm-up.db"))  # imports, first connections
        fake.delay(DELAY_S)
        # Each run has a database of its own: kept answers would otherwise make the second run free.
        concurrent_s, written = asyncio.run(_draft_once(fake, default, Path(scratch) / "a.db"))
        sequential_s, _ = asyncio.run(_draft_once(fake, 1, Path(scratch) / "b.db"))
    usage = written.usage  # type: ignore[attr-defined]
    extra = {
        "blocks": blocks,
        "calls": usage.calls,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "concurrency": default,
        "delay_per_call_s": DELAY_S,
    }
    return [
        Result("draft sample page, concurrent", concurrent_s, "s", extra=extra),
        Result("draft sample page, one call at a time", sequential_s, "s", extra=extra),
        Result("draft sample page (concurrent / sequential)", concurrent_s / sequential_s, "ratio",
               target=TARGET_RATIO, extra=extra),
    ]


def bench_extraction_pages_per_second() -> Result:
    """trafilatura plus our passes over 20 fixture pages (the two articles, ten variants each)."""
    from bot.drafting.extract import extract_html

    english = (PAGES / "field-notes.html").read_text(encoding="utf-8")
    chinese = (PAGES / "tea-house.html").read_text(encoding="utf-8")
    pages = [
        page.replace("</h1>", f" ({n})</h1>").replace("<p>", f"<p>Part {n}. ", 1)
        for n in range(10)
        for page in (english, chinese)
    ]
    extract_html(pages[0], source="warm-up")
    rounds = []
    for _ in range(3):
        start = time.perf_counter()
        for n, page in enumerate(pages):
            extract_html(page, source=f"page {n}", url=f"http://127.0.0.1/{n}")
        rounds.append(time.perf_counter() - start)
    best = min(rounds)
    return Result("extract fixture pages", len(pages) / best, "pages/s", better="higher",
                  extra={"pages": len(pages), "best_round_s": best})
