"""Import speed: parsing the sample reading page (target: under 50 ms)."""

from __future__ import annotations

from pathlib import Path

from tests.bench.harness import Result, best_ms

SAMPLE_PAGE = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "000_921efcdb88e63008.txt"
TARGET_MS = 50.0


def bench_parse_sample_page() -> list[Result]:
    """Read, decode and parse the sample page (`load_file`); and the same with JSON and native exports."""
    if not SAMPLE_PAGE.is_file():
        note = {"note": "skipped: the sample page ../shared/seed/000_921efcdb88e63008.txt is absent"}
        return [Result("parse sample page", float("nan"), "ms", extra=note)]

    from bot.formats import load_file, load_text
    from bot.formats.jsondoc import dump_json
    from bot.formats.native import dump_native

    best, median = best_ms(lambda: load_file(SAMPLE_PAGE), repeat=9, number=5)
    article = load_file(SAMPLE_PAGE)
    as_json, as_native = dump_json(article), dump_native(article)
    json_best, json_median = best_ms(
        lambda: load_text(as_json, source_name="sample.json"), repeat=9, number=5
    )
    native_best, native_median = best_ms(
        lambda: load_text(as_native, source_name="sample.md"), repeat=9, number=5
    )
    size = {
        "bytes": SAMPLE_PAGE.stat().st_size,
        "blocks": len(article.original),
        "pairs": len(article.bilingual),
    }
    return [
        Result("parse sample page", best, "ms", target=TARGET_MS, extra={"median_ms": median, **size}),
        Result("import sample as JSON", json_best, "ms", target=TARGET_MS, extra={"median_ms": json_median}),
        Result(
            "import sample as native digest",
            native_best,
            "ms",
            target=TARGET_MS,
            extra={"median_ms": native_median},
        ),
    ]
