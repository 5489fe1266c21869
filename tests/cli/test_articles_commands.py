"""`atou import`, `atou articles`, `atou show` as an operator uses them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len

from bot.formats import ImportProblem, load_file
from bot.formats.jsondoc import article_to_dict
from bot.model import Article, Block, SpanKind
from bot.render.document import superscript
from tests.cli.conftest import Atou

KEY_POINTS_LABEL = "核心观点"
RELEVANCE_LABEL = "跟我们的关联"


def _without_key_points(sample: Path, folder: Path) -> Path:
    """The sample page with its key points removed: a page missing a section's content."""
    lines = sample.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == KEY_POINTS_LABEL)
    end = next(i for i, line in enumerate(lines) if line.strip() == RELEVANCE_LABEL)
    bad = folder / "no-key-points.txt"
    bad.write_text("\n".join(lines[: start + 1] + lines[end:]) + "\n", encoding="utf-8")
    return bad


def _problem(path: Path) -> ImportProblem:
    with pytest.raises(ImportProblem) as caught:
        load_file(path)
    return caught.value


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _as_shown(block: Block) -> str:
    """A block's text as the terminal shows it: footnote references in superscript."""
    return "".join(superscript(s.text) if s.kind is SpanKind.FOOTNOTE_REF else s.text for s in block.spans)


def _stored_ids(atou: Atou) -> list[str]:
    result = atou("articles", "--json")
    assert result.exit_code == 0, result.output
    return [entry["id"] for entry in json.loads(result.stdout)]


@pytest.fixture
def sample_article(sample_page: Path) -> Article:
    return load_file(sample_page)


def test_a_good_and_a_bad_file_in_one_command(ready: Atou, sample_page: Path, sample_article: Article,
                                              tmp_path: Path) -> None:
    bad = _without_key_points(sample_page, tmp_path)
    problem = _problem(bad)
    assert problem.where  # the formats name the section or line at fault

    result = ready("import", bad, sample_page)

    assert result.exit_code == 1
    assert f"rejected {bad}: {problem.where}: {problem.what}" in result.stderr
    assert f"imported {sample_article.id} ← {sample_page}" in result.stdout
    assert "1 of 2 files imported, 1 rejected." in result.stdout
    assert _stored_ids(ready) == [sample_article.id]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.txt", b""),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        ("gb18030.txt", "核心观点\n这是一段中文。\n".encode("gb18030")),
        ("unknown.txt", b"just some words\n"),
    ],
)
def test_unreadable_files_are_rejected_with_file_and_place(ready: Atou, tmp_path: Path, name: str,
                                                            content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    problem = _problem(path)
    result = ready("import", path)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"rejected {path}: {problem.where}: {problem.what}"
    assert _stored_ids(ready) == []


def test_a_file_over_the_size_cap_is_rejected(ready: Atou, sample_page: Path) -> None:
    result = ready("import", sample_page, env={"ATOU_MAX_IMPORT_BYTES": "1000"})
    assert result.exit_code == 1
    assert f"rejected {sample_page}: file:" in result.stderr
    assert "cap" in result.stderr
    assert _stored_ids(ready) == []


def test_a_missing_path_is_reported_and_the_rest_imported(ready: Atou, sample_page: Path, sample_article: Article,
                                                          tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.txt"
    result = ready("import", sample_page, missing, tmp_path)
    assert result.exit_code == 1
    assert f"rejected {missing}: file: no such file" in result.stderr
    assert f"rejected {tmp_path}: file: a directory, not a file" in result.stderr
    assert "1 of 3 files imported, 2 rejected." in result.stdout
    assert _stored_ids(ready) == [sample_article.id]


def test_reimporting_an_id_needs_replace(ready: Atou, sample_page: Path, sample_article: Article,
                                         tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    first = ready("import", sample_page)
    assert first.exit_code == 0, first.output

    again = ready("import", sample_page)
    assert again.exit_code == 1
    assert f"rejected {sample_page}: id: an article with id '{sample_article.id}' is already stored" in again.stderr
    assert "--replace" in again.stderr

    # A second article after it, then the first replaced: it keeps its place at the head of the queue.
    document = article_to_dict(sample_article) | {"id": "second-article"}
    other.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert ready("import", other).exit_code == 0
    replaced = ready("import", "--replace", sample_page)
    assert replaced.exit_code == 0, replaced.output
    assert f"replaced {sample_article.id} ← {sample_page}" in replaced.stdout
    assert _stored_ids(ready) == [sample_article.id, "second-article"]


def test_the_same_id_twice_in_one_command_stores_the_first(ready: Atou, sample_page: Path, sample_article: Article,
                                                           tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    copy.write_bytes(sample_page.read_bytes())
    result = ready("import", sample_page, copy)
    assert result.exit_code == 1
    assert f"rejected {copy}: id:" in result.stderr
    assert _stored_ids(ready) == [sample_article.id]


def test_articles_json_shape(ready: Atou, sample_page: Path, sample_article: Article) -> None:
    ready("import", sample_page)
    result = ready("articles", "--json")
    assert result.exit_code == 0
    (entry,) = json.loads(result.stdout)
    assert list(entry) == ["position", "id", "title", "published", "source_url", "imported_at"]
    assert entry["position"] == 1
    assert entry["id"] == sample_article.id
    assert entry["title"] == sample_article.title
    assert entry["published"] == "2026-06-05"
    assert entry["source_url"] == sample_article.source_url
    assert datetime.fromisoformat(entry["imported_at"]).utcoffset() == timedelta(0)


def test_articles_lists_the_queue_for_people(ready: Atou, sample_page: Path, sample_article: Article) -> None:
    empty = ready("articles")
    assert empty.exit_code == 0
    assert "No articles yet" in empty.stdout
    ready("import", sample_page)
    listing = ready("articles")
    assert sample_article.id in listing.stdout
    assert "2026-06-05" in listing.stdout


def test_show_brief_has_every_part_of_the_brief(ready: Atou, sample_page: Path, sample_article: Article) -> None:
    ready("import", sample_page)
    result = ready("show", sample_article.id)
    assert result.exit_code == 0, result.output
    shown = _squeeze(result.stdout)
    brief = sample_article.brief
    for text in [brief.headline, brief.verdict, *(p.lead for p in brief.key_points),
                 *(n.audience for n in brief.relevance), *brief.prompts]:
        assert _squeeze(text) in shown


def test_show_bilingual_gives_each_english_block_then_its_chinese(ready: Atou, sample_page: Path,
                                                                  sample_article: Article) -> None:
    ready("import", sample_page)
    result = ready("show", sample_article.id, "--part", "bilingual", env={"COLUMNS": "72"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # Wrapped to the terminal, counting Chinese characters as two columns.
    assert max(cell_len(line) for line in lines) <= 72
    shown = _squeeze(result.stdout)
    at = 0
    for pair in sample_article.bilingual:
        for block in (pair.source, pair.target):
            if block is not None:
                found = shown.find(_squeeze(_as_shown(block)), at)
                assert found >= at, f"not in order: {block.text[:40]!r}"
                at = found


@pytest.mark.parametrize("part", ["translation", "original"])
def test_show_a_text_part_gives_all_its_blocks_in_order(ready: Atou, sample_page: Path, sample_article: Article,
                                                        part: str) -> None:
    ready("import", sample_page)
    result = ready("show", sample_article.id, "-p", part)
    assert result.exit_code == 0, result.output
    shown = _squeeze(result.stdout)
    at = 0
    for block in getattr(sample_article, part):
        found = shown.find(_squeeze(_as_shown(block)), at)
        assert found >= at
        at = found


def test_show_json_is_the_document_and_imports_back_identically(ready: Atou, sample_page: Path,
                                                                sample_article: Article, tmp_path: Path) -> None:
    ready("import", sample_page)
    shown = ready("show", sample_article.id, "--json")
    assert shown.exit_code == 0
    assert json.loads(shown.stdout) == article_to_dict(sample_article)
    exported = tmp_path / "exported.json"
    exported.write_text(shown.stdout, encoding="utf-8")
    assert ready("import", "--replace", exported).exit_code == 0
    assert ready("show", sample_article.id, "--json").stdout == shown.stdout


def test_show_part_json_holds_that_part_of_the_document(ready: Atou, sample_page: Path,
                                                        sample_article: Article) -> None:
    ready("import", sample_page)
    document = article_to_dict(sample_article)
    for part in ("brief", "bilingual", "translation", "original"):
        result = ready("show", sample_article.id, "--part", part, "--json")
        assert result.exit_code == 0
        assert json.loads(result.stdout) == {"id": sample_article.id, "part": part, part: document[part]}


def test_show_an_unknown_id(ready: Atou) -> None:
    result = ready("show", "no-such-article")
    assert result.exit_code == 1
    assert "No article with id 'no-such-article'" in result.stderr


def test_the_installed_command_imports_and_exits_1_on_a_bad_file(db_url: str, sample_page: Path,
                                                                 sample_article: Article, tmp_path: Path) -> None:
    """The real `atou` process, as a shell would run it."""
    bad = tmp_path / "empty.md"
    bad.write_text("")
    atou = [sys.executable, "-c", "from bot.cli.main import main; main()"]
    env = os.environ | {"ATOU_DATABASE_URL": db_url, "ATOU_AUTO_UPGRADE": "true"}
    done = subprocess.run([*atou, "import", str(sample_page), str(bad)], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert f"imported {sample_article.id}" in done.stdout
    assert f"rejected {bad}: file: " in done.stderr
    listed = subprocess.run([*atou, "articles", "--json"], env=env, capture_output=True, text=True, check=True)
    assert [a["id"] for a in json.loads(listed.stdout)] == [sample_article.id]


def test_help_does_not_load_the_heavy_libraries() -> None:
    """`atou --help` must start fast: storage, Alembic and the formats load only when a command runs."""
    probe = (
        "import sys\n"
        "sys.argv = ['atou', '--help']\n"
        "from bot.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ['sqlalchemy', 'sqlmodel', 'alembic', 'bot.formats', 'storage.db', 'rich.console', 'pydantic']\n"
        "print(' '.join(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "Usage: atou" in done.stdout
    assert done.stderr.strip() == ""
