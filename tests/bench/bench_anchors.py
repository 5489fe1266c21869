"""Anchoring speed: the citation check every reply pays, a quote matched against the sample page, the
paragraph numbers of the sample page, and /catchup counted over a large discussion."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.bench.bench_parse import SAMPLE_PAGE
from tests.bench.harness import Result, best_ms

REPLY = "An ordinary reply to a prompt, with no citation at its start, about as long as most are."
REPLIES = 100_000


def bench_anchoring() -> list[Result]:
    from bot.anchors import cited_paragraph
    from bot.services.anchoring import may_anchor

    plain, _ = best_ms(lambda: may_anchor(REPLY, None, None), repeat=5, number=20_000)
    cited, _ = best_ms(lambda: cited_paragraph("¶12 " + REPLY), repeat=5, number=20_000)
    results = [
        # Every recorded reply pays this on the hot path.
        Result("reply without an anchor: citation check", plain * 1000, "µs", target=20.0),
        Result("reply citing ¶N: parse", cited * 1000, "µs", target=20.0),
    ]
    if not SAMPLE_PAGE.is_file():
        return results
    from bot.formats import load_file
    from bot.paragraphs import _number, paragraph_of_quote

    article = load_file(SAMPLE_PAGE)
    quote = article.original[5].text[10:60]
    numbered, _ = best_ms(lambda: _number(article), repeat=7, number=5)
    matched, _ = best_ms(lambda: paragraph_of_quote(article, quote), repeat=7, number=50)
    extra = {"blocks": len(article.original)}
    return [
        *results,
        Result("sample page: paragraph numbers (uncached)", numbered, "ms", target=50.0, extra=extra),
        Result("sample page: a quote matched (folded texts cached)", matched, "ms", target=5.0, extra=extra),
    ]


def bench_catchup() -> list[Result]:
    from bot.services.catchup import catch_up, catchup_doc
    from bot.services.domain import ReplyStat
    from tests.engine.conftest import make_article

    article = make_article("bench", prompts=3, paragraphs=60)
    stats = [
        ReplyStat(
            f"fake:m{i % 400}",
            f"Member {i % 400}",
            i % 4 if i % 4 < 3 else None,
            (i % 60) + 1 if i % 3 == 0 else None,
            f"m{i}",
            f"m{i // 2}" if i % 5 == 0 else None,
            REPLY,
            i,
        )
        for i in range(REPLIES)
    ]
    hidden = frozenset({"fake:m7"})
    started = datetime.now(UTC)
    best, median = best_ms(
        lambda: catchup_doc("en", article, catch_up(article, stats, hidden), is_open=True), repeat=5
    )
    return [
        Result(
            f"/catchup over {REPLIES:,} replies",
            best,
            "ms",
            target=500.0,
            extra={"median_ms": median, "members": 400, "at": started.isoformat()},
        )
    ]
