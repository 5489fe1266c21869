"""`atou render`: what the bot would send, read from a real database, readable and as JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli.main import app
from bot.model import Article, BilingualPair, Block, BlockKind, Brief, KeyPoint, RelevanceNote
from bot.render.document import decode_action
from tests.render.render_checks import check_telegram, discord_problems

RENDERING_DOC = Path(__file__).resolve().parents[2] / "docs" / "rendering.md"

ARTICLE = Article(
    id="cli-demo",
    title="一个 <标题> & 判断",
    brief=Brief(
        headline="一个 <标题> & 判断",
        verdict="结论：*重要* @everyone",
        key_points=(KeyPoint("要点", "说明。"),),
        relevance=(RelevanceNote("ATou", "关联说明。"),),
        prompts=("问题一？", "问题二？", "问题三？"),
    ),
    source_url="https://example.com/a?b=1&c=2",
    original=tuple(
        Block(BlockKind.PARAGRAPH, (f"Paragraph {i} says something. " * 30).strip()) for i in range(12)
    ),
    translation=tuple(Block(BlockKind.PARAGRAPH, f"第{i}段说了一些话。" * 80) for i in range(12)),
    bilingual=tuple(
        BilingualPair(Block(BlockKind.PARAGRAPH, f"Paragraph {i}."), Block(BlockKind.PARAGRAPH, f"第{i}段。"))
        for i in range(12)
    ),
)


@pytest.fixture
def atou(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    url = f"sqlite:///{tmp_path / 'atou.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ATOU_DATABASE_URL", url)
    monkeypatch.delenv("ATOU_AUTO_UPGRADE", raising=False)
    from storage.articles import ArticleStore
    from storage.db import make_engine, upgrade

    engine = make_engine(url)
    upgrade(engine)
    ArticleStore(engine).add(ARTICLE)
    engine.dispose()
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args))

    return run


def _json(result: Result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_brief_for_telegram_as_json(atou) -> None:
    data = _json(atou("render", "cli-demo", "--json"))
    assert {k: data[k] for k in ("article", "part", "platform", "lang", "page", "pages")} == {
        "article": "cli-demo",
        "part": "brief",
        "platform": "telegram",
        "lang": "zh-Hans",
        "page": None,
        "pages": None,
    }
    (message,) = data["messages"]
    payload = message["payload"]
    assert message["document"] == 1 and payload["parse_mode"] == "HTML"
    assert payload["text"].startswith("<b>一个 &lt;标题&gt; &amp; 判断</b>")
    keyboard = payload["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in keyboard[0]] == ["双语对照", "完整翻译", "原文", "讨论归档"]
    assert decode_action(keyboard[0][3]["callback_data"]).part == "archive"

    class Message:  # the checker reads attributes, as on TelegramMessage
        text = payload["text"]
        parse_mode = payload["parse_mode"]
        reply_markup = keyboard

    check_telegram(Message)


def test_a_page_for_discord_as_json(atou) -> None:
    data = _json(
        atou("render", "cli-demo", "--part", "translation", "--page", "2", "--platform", "discord", "--json")
    )
    assert (data["page"], data["pages"] > 2) == (2, True)
    (message,) = data["messages"]
    payload = message["payload"]
    assert set(payload) == {"content", "embeds", "components", "allowed_mentions"}
    assert payload["allowed_mentions"] == {"parse": [], "users": []}
    buttons = payload["components"][0]["components"]
    assert [b["label"] for b in buttons] == ["◀", f"2/{data['pages']}", "▶"]

    class Message:
        content = payload["content"]
        embeds = payload["embeds"]
        components = [row["components"] for row in payload["components"]]

    assert discord_problems(Message) == []


def test_prompts_are_one_message_each_and_a_page_past_the_end_shows_the_last(atou) -> None:
    data = _json(atou("render", "cli-demo", "--part", "prompts", "--platform", "discord", "--json"))
    assert [m["document"] for m in data["messages"]] == [1, 2, 3]
    last = _json(atou("render", "cli-demo", "--part", "original", "--page", "999", "--json"))
    assert last["page"] == last["pages"]


def test_readable_output_names_what_it_shows(atou) -> None:
    result = atou("render", "cli-demo", "--part", "bilingual", "--lang", "zh-Hant")
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first == "cli-demo · bilingual, page 1 of 1 · telegram · zh-Hant · 1 message"
    assert "parse_mode=HTML" in result.stdout and "第0段。" in result.stdout
    console = atou("render", "cli-demo", "--platform", "console", "--lang", "en")
    assert "[1 Bilingual]  [2 Translation]  [3 Original]  [4 Discussion archive]" in console.stdout


def test_clear_errors(atou) -> None:
    missing = atou("render", "no-such-article")
    assert missing.exit_code == 1 and "No article with id 'no-such-article'" in missing.output
    misplaced = atou("render", "cli-demo", "--page", "2")
    assert (
        misplaced.exit_code == 1
        and "--page applies to bilingual, translation and original" in misplaced.output
    )
    bad = atou("render", "cli-demo", "--platform", "irc")
    assert bad.exit_code == 2


def test_the_rendering_doc_documents_the_real_json_shape(atou) -> None:
    section = RENDERING_DOC.read_text(encoding="utf-8")
    example = re.search(r"```json\n(.*?)```", section, re.DOTALL)
    assert example is not None, "the rendering section shows no JSON example"
    documented = json.loads(example.group(1))
    real = _json(atou("render", "cli-demo", "--part", "bilingual", "--json"))
    assert list(documented) == list(real)
    assert list(documented["messages"][0]) == list(real["messages"][0])
    assert list(documented["messages"][0]["payload"]) == list(real["messages"][0]["payload"])
