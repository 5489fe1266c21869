"""Import formats: a copied reading page, the native digest (Markdown + TOML), and JSON.

`load_file` reads bytes and refuses, with the file, the line or section, and the reason: an empty
file, binary data, text that is not UTF-8, a file over the size cap. `load_text` picks the format
from the text itself: JSON starts with `{`, a native digest with a `+++` front-matter fence, and a
page copy carries the app's section labels (核心观点, 跟我们的关联, 讨论引子).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from bot.formats.problem import ImportProblem
from bot.model import Article

__all__ = ["DEFAULT_MAX_BYTES", "ImportProblem", "load_bytes", "load_file", "load_text"]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024  # 5 MiB: a long article with its translation is well under 1 MiB.


def load_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Article:
    """Read one article file of any supported format; raise ImportProblem when it cannot be imported."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ImportProblem(name, "file", f"{size:,} bytes is over the import cap of {size_text(max_bytes)}")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise ImportProblem(name, "file", f"cannot be read: {error.strerror or error}") from None
    return load_bytes(data, source_name=name, max_bytes=max_bytes)


def load_bytes(data: bytes, *, source_name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Article:
    """Read one article from a file's bytes (a file on disk, or one sent to the bot in chat)."""
    if len(data) > max_bytes:  # a file that grew after its size was taken
        raise ImportProblem(source_name, "file", f"over the import cap of {size_text(max_bytes)}")
    return load_text(decode(data, source_name), source_name=source_name)


def load_text(text: str, *, source_name: str) -> Article:
    """Read one article from text, detecting its format."""
    # Imported here, not at module level, so that `bot.formats` stays cheap to import.
    from bot.formats import jsondoc, native, pagecopy

    body = text.removeprefix("\ufeff")
    start = body.lstrip()
    if not start:
        raise ImportProblem(source_name, "file", "the file is empty")
    if start.startswith("{"):
        return jsondoc.parse_json(text, source_name=source_name)
    if start.startswith("+++"):
        return native.parse_native(text, source_name=source_name)
    if pagecopy.looks_like_page(text):
        return pagecopy.parse_page(text, source_name=source_name)
    first = body[: len(body) - len(start)].count("\n") + 1
    raise ImportProblem(
        source_name,
        f"line {first}",
        "not a format atou reads: expected JSON (starting with '{'), a native digest (starting with a"
        f" '+++' front matter) or a copied reading page (with {', '.join(pagecopy.SECTION_LABELS)})",
    )


def decode(data: bytes, source_name: str) -> str:
    """UTF-8 text from `data`, or an ImportProblem that says what the bytes look like instead."""
    if not data.strip():
        raise ImportProblem(
            source_name, "file", "the file is empty" if not data else "the file has only blank lines"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportProblem(source_name, "line 1", "not UTF-8 (it is UTF-16); save it as UTF-8")
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise ImportProblem(
            source_name, f"line {line}", f"binary data, not text (a NUL byte at offset {nul})"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        guess = (
            " (it looks like GB18030/GBK; convert it with: iconv -f GB18030 -t UTF-8)"
            if _looks_gb(data)
            else ""
        )
        raise ImportProblem(
            source_name,
            f"line {line}",
            f"not UTF-8{guess}: byte 0x{data[error.start]:02X} at column {column} cannot be decoded",
        ) from None


def _looks_gb(data: bytes) -> bool:
    """Whether `data` decodes as GB18030 into Chinese text (and not into accidental ideographs)."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    wide = [ch for ch in text if ord(ch) > 0x7F]
    cjk = sum(1 for ch in wide if unicodedata.east_asian_width(ch) in "WF")
    return bool(wide) and cjk >= 0.9 * len(wide)


def size_text(n: int) -> str:
    """A byte count as people read it: `5 MiB (5,242,880 bytes)`, or `1,234 bytes`."""
    return f"{n / 1024 / 1024:g} MiB ({n:,} bytes)" if n >= 1024 * 1024 else f"{n:,} bytes"
