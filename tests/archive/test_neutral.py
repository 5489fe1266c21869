"""Exports neutralise bidirectional overrides and control characters in names, titles and reply texts."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.archive.export import ARCHIVE_FORMATS, export_archive
from bot.archive.model import Archive
from bot.archive.neutral import neutral_name, neutral_text
from tests.archive.builders import DiscussionBuilder, article

RLO, PDF, RLI, PDI = "\u202e", "\u202c", "\u2067", "\u2069"
UNSAFE = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@given(st.text())
def test_neutral_text_keeps_everything_but_overrides_and_controls(text: str) -> None:
    out = neutral_text(text)
    assert UNSAFE.search(out) is None
    assert out == "".join(ch for ch in text if not UNSAFE.match(ch))


@given(st.text())
def test_a_neutral_name_is_one_line_without_overrides_or_controls(name: str) -> None:
    out = neutral_name(name)
    assert UNSAFE.search(out) is None and "\n" not in out and "\t" not in out
    if UNSAFE.search(name) is None and not re.search("[\t\n\r\x85\u2028\u2029]", name):
        assert out is name  # nothing to take out: the very same string


def hostile_archive() -> Archive:
    chat = DiscussionBuilder("telegram:-1009", f"Readers{RLO}puorg", "telegram")
    first = chat.say(f"Eve{RLO}gnp.exe", f"I agree{RLO} with this\x07 and {RLI}that{PDI}.", prompt=0, key="telegram:501")
    chat.say("Mallory", f"answer\x1b[31m red {PDF}", answers=first, history=(f"old{RLO}",))
    return Archive(article(), (chat.build(),))


@pytest.mark.parametrize("fmt", ARCHIVE_FORMATS)
def test_no_export_carries_an_override_or_a_control_character(fmt: str) -> None:
    data = export_archive(hostile_archive(), fmt).decode("utf-8")
    text = json.dumps(json.loads(data), ensure_ascii=False) if fmt == "json" else data
    assert RLO not in text and RLI not in text and PDF not in text and "\x07" not in text and "\x1b" not in text
    assert "Evegnp.exe" in text and "Readerspuorg" in text
    assert "I agree with this and that." in text or "I agree with this and that\\." in text


def test_the_html_export_isolates_names() -> None:
    html = export_archive(hostile_archive(), "html").decode("utf-8")
    assert '<bdi class="author">Evegnp.exe</bdi>' in html
    assert "<bdi>Evegnp.exe</bdi>" in html  # Mallory answers Eve
    assert "<bdi>Readerspuorg</bdi>" in html
