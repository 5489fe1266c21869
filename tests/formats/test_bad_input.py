"""Files that cannot be imported: each refusal names the file, the line or section, and what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.formats import DEFAULT_MAX_BYTES, ImportProblem, load_file, load_text
from bot.formats.text import has_han


def _refused(path: Path, **kwargs: int) -> ImportProblem:
    with pytest.raises(ImportProblem) as caught:
        load_file(path, **kwargs)
    problem = caught.value
    assert problem.path == str(path)
    assert str(problem) == f"{path}: {problem.where}: {problem.what}"
    assert problem.where and problem.what
    return problem


def _write(tmp_path: Path, data: bytes, name: str = "article.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "data", [b"", b"\n\n  \r\n", "\ufeff".encode()], ids=["zero-bytes", "blank-lines", "bom-only"]
)
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    problem = _refused(_write(tmp_path, data))
    assert problem.where == "file" and "empty" in problem.what or "blank" in problem.what


def test_binary_data(tmp_path: Path) -> None:
    problem = _refused(_write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
    assert problem.where == "line 3" and "binary" in problem.what and "offset 8" in problem.what


def test_gb18030_is_named(tmp_path: Path, sample_page: Path) -> None:
    text = sample_page.read_text(encoding="utf-8")
    problem = _refused(_write(tmp_path, text.encode("gb18030")))
    assert problem.where == "line 1" and "not UTF-8" in problem.what and "GB18030" in problem.what


def test_short_gbk_text_is_named(tmp_path: Path) -> None:
    problem = _refused(_write(tmp_path, "标题\n核心观点\n".encode("gbk")))
    assert "GB18030" in problem.what


def test_latin1_is_not_mistaken_for_chinese(tmp_path: Path) -> None:
    problem = _refused(_write(tmp_path, "first line\ncafé au lait\n".encode("latin-1")))
    assert problem.where == "line 2" and "not UTF-8" in problem.what and "GB18030" not in problem.what
    assert "0xE9" in problem.what and "column 4" in problem.what


def test_utf16(tmp_path: Path) -> None:
    problem = _refused(_write(tmp_path, "核心观点\n".encode("utf-16")))
    assert "UTF-16" in problem.what


def test_control_characters(tmp_path: Path) -> None:
    problem = _refused(_write(tmp_path, "核心观点\nfine\nbell \x07 here\n".encode()))
    assert problem.where == "line 3" and "U+0007" in problem.what


def test_over_the_cap(tmp_path: Path) -> None:
    problem = _refused(_write(tmp_path, b"x" * 2000), max_bytes=1000)
    assert problem.where == "file" and "2,000 bytes" in problem.what and "1,000 bytes" in problem.what


def test_default_cap_is_five_mib(tmp_path: Path) -> None:
    assert DEFAULT_MAX_BYTES == 5 * 1024 * 1024
    problem = _refused(_write(tmp_path, b" " * (DEFAULT_MAX_BYTES + 1)))
    assert "5 MiB" in problem.what


def test_not_a_known_format(tmp_path: Path) -> None:
    problem = _refused(_write(tmp_path, b"\n\nJust some notes.\n"))
    assert problem.where == "line 3" and "JSON" in problem.what and "核心观点" in problem.what


def test_unreadable_path(tmp_path: Path) -> None:
    problem = _refused(tmp_path)
    assert problem.where == "file" and "cannot be read" in problem.what


def _drop_section_label(text: str) -> str:
    return text.replace("\n跟我们的关联\n", "\n\n", 1)


def _drop_original(text: str) -> str:
    lines = text.split("\n")
    marker = max(i for i, line in enumerate(lines) if line.strip() == "📋 讨论归档")
    last_han = max(i for i, line in enumerate(lines[:marker]) if has_han(line))
    return "\n".join(lines[: last_han + 1] + lines[marker:])


def _bilingual_start(lines: list[str]) -> tuple[int, int]:
    """(index of the first line of the bilingual section, index of the line after the prompts)."""
    marker = max(i for i, line in enumerate(lines) if line.strip() == "📋 讨论归档")
    original_start = max(i for i, line in enumerate(lines[:marker]) if has_han(line)) + 1
    first = next(line for line in lines[original_start:] if line.strip())
    prompts = lines.index("讨论引子")
    after_prompts = next(i for i in range(prompts + 1, len(lines)) if lines[i].strip()) + 1
    return lines.index(first, after_prompts), after_prompts


def _drop_translation(text: str) -> str:
    lines = text.split("\n")
    start, after_prompts = _bilingual_start(lines)
    return "\n".join(lines[:after_prompts] + lines[start:])


def _change_a_bilingual_source_block(text: str) -> str:
    lines = text.split("\n")
    start, _ = _bilingual_start(lines)
    # The third source-language paragraph of the bilingual section gets a word it does not have.
    english = [i for i in range(start, len(lines)) if lines[i].strip() and not has_han(lines[i])][2]
    lines[english] = lines[english].rstrip(".") + " indeed."
    return "\n".join(lines)


def _drop_a_bilingual_source_block(text: str) -> str:
    lines = text.split("\n")
    start, _ = _bilingual_start(lines)
    english = [i for i in range(start, len(lines)) if lines[i].strip() and not has_han(lines[i])][1]
    return "\n".join(lines[:english] + lines[english + 1 :])


@pytest.mark.parametrize(
    ("change", "where", "what"),
    [
        (_drop_section_label, "跟我们的关联", "section missing"),
        (_drop_original, "line", "原文 (original) is missing"),
        (_drop_translation, "line", "完整翻译 (translation) is missing"),
        (_change_a_bilingual_source_block, "line", "does not match the original"),
        (_drop_a_bilingual_source_block, "line", "is missing before this line"),
    ],
    ids=[
        "missing-relevance",
        "missing-original",
        "missing-translation",
        "changed-bilingual",
        "dropped-bilingual",
    ],
)
def test_broken_sample_pages(
    tmp_path: Path, sample_page: Path, change: Callable[[str], str], where: str, what: str
) -> None:
    text = sample_page.read_text(encoding="utf-8")
    path = _write(tmp_path, change(text).encode(), "broken.txt")
    problem = _refused(path)
    assert problem.where.startswith(where) and what in problem.what, str(problem)


def test_changed_bilingual_block_is_named_by_its_line(tmp_path: Path, sample_page: Path) -> None:
    text = _change_a_bilingual_source_block(sample_page.read_text(encoding="utf-8"))
    changed = next(n for n, line in enumerate(text.split("\n"), 1) if line.endswith(" indeed."))
    problem = _refused(_write(tmp_path, text.encode()))
    assert problem.where == f"line {changed}" and problem.what.startswith("双语对照 (bilingual)")


def test_load_text_names_the_source(tmp_path: Path) -> None:
    with pytest.raises(ImportProblem) as caught:
        load_text("   \n", source_name="pasted text")
    assert str(caught.value) == "pasted text: file: the file is empty"
