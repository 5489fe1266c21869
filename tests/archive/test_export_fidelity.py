"""`atou export` keeps what makes the text readable: the JSON document and the native digest of the
sample page and of our own page hold every footnote number and reference, list number, emphasised
word and heading level, counted in the exported text itself and compared with the source page."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from bot.cli.main import app
from bot.formats import load_file, load_text
from bot.model import Article
from storage.articles import ArticleStore
from storage.db import make_engine, upgrade
from tests.conftest import SAMPLE_PAGE
from tests.fidelity.census import GARDEN, Census, Expected, expected_garden, expected_sample, of_blocks

Atou = Callable[..., Result]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[tuple[Article, Expected]]]:
    if not SAMPLE_PAGE.is_file():
        pytest.skip("the sample page is not beside this checkout")
    pages = [(SAMPLE_PAGE, expected_sample), (GARDEN, expected_garden)]
    articles = [(load_file(path), expect(path.read_text(encoding="utf-8"))) for path, expect in pages]
    url = f"sqlite:///{tmp_path_factory.mktemp('fidelity') / 'atou.db'}"
    engine = make_engine(url)
    upgrade(engine)
    ArticleStore(engine).add_all(a for a, _ in articles)
    engine.dispose()
    return url, articles


@pytest.fixture
def atou(stored: tuple[str, list[Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Atou:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ATOU_DATABASE_URL", stored[0])
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def _json_census(blocks: list[dict[str, Any]]) -> Census:
    total = Census()
    for block in blocks:
        spans = block.get("spans", [])
        total = total + Census(
            notes=(block["number"],) if block["kind"] == "footnote" else (),
            refs=tuple(int(s["text"]) for s in spans if s["kind"] == "footnote_ref"),
            lists=(block["number"],) if block["kind"] == "list_item" and "number" in block else (),
            emphasis=tuple(s["text"] for s in spans if s["kind"] == "emphasis"),
            headings=((block["text"], block["level"]),) if block["kind"] == "heading" else (),
            leads=1 if spans and spans[0]["kind"] == "strong" else 0,
        )
    return total


def _native_census(section: str) -> Census:
    lines = section.split("\n")
    return Census(
        notes=tuple(int(n) for n in re.findall(r"(?m)^\[\^(\d+)\]: ", section)),
        refs=tuple(int(n) for n in re.findall(r"\[\^(\d+)\](?!:)", section)),
        lists=tuple(int(n) for n in re.findall(r"(?m)^(\d+)\. ", section)),
        emphasis=tuple(re.findall(r"(?<![*\\])\*([^*\s][^*]*?)\*(?!\*)", section.replace("**", "\0"))),
        headings=tuple((m[2], len(m[1])) for line in lines if (m := re.match(r"^(#{2,6}) (.*)$", line))),
        leads=sum(1 for line in lines if re.match(r"^(?:\d+\. |- )?\*\*", line)),
    )


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"(?m)^# (\w[\w ]*)$", text)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _export(
    atou: Atou, stored: tuple[str, list[tuple[Article, Expected]]], which: int, fmt: str
) -> tuple[Article, Expected, str]:
    article, expected = stored[1][which]
    result = atou("export", article.id, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert load_text(result.stdout, source_name=f"export.{fmt}") == article
    return article, expected, result.stdout


@pytest.mark.parametrize("which", [0, 1], ids=["sample", "garden"])
def test_the_json_export_counts_what_the_page_shows(
    atou: Atou, stored: tuple[str, list[tuple[Article, Expected]]], which: int
) -> None:
    _, expected, text = _export(atou, stored, which, "json")
    document = json.loads(text)
    assert _json_census(document["original"]) == expected.source
    assert _json_census(document["translation"]) == expected.target


@pytest.mark.parametrize("which", [0, 1], ids=["sample", "garden"])
def test_the_native_export_counts_what_the_page_shows(
    atou: Atou, stored: tuple[str, list[tuple[Article, Expected]]], which: int
) -> None:
    article, expected, text = _export(atou, stored, which, "md")
    sections = _sections(text)
    assert _native_census(sections["Original"]) == expected.source
    assert _native_census(sections["Translation"]) == expected.target
    assert of_blocks(article.original) == expected.source
