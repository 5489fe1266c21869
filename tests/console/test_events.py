"""The console line protocol."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.console.events import BadLine, Command, Delete, Edit, Press, Say, parse_line


def test_the_forms_of_a_line() -> None:
    assert parse_line("alice: hello there") == Say("alice", "hello there")
    assert parse_line("bob ^12: I agree") == Say("bob", "I agree", 12)
    assert parse_line("bob^#12: I agree") == Say("bob", "I agree", 12)
    assert parse_line("carol: /bilingual 2") == Command("carol", "bilingual", ("2",), ())
    assert parse_line("ada: /persona 读书会 @bob") == Command("ada", "persona", ("读书会", "@bob"), ("bob",))
    assert parse_line("ada: /PostNow@atou_bot") == Command("ada", "postnow", (), ())
    assert parse_line("dan: !12 3") == Press("dan", 12, 3)
    assert parse_line("dan ~15: fixed") == Edit("dan", 15, "fixed")
    assert parse_line("dan -15") == Delete("dan", 15)
    assert parse_line("小明: 你好") == Say("小明", "你好")
    assert parse_line("   ") is None
    assert parse_line("# a comment") is None


@pytest.mark.parametrize(
    "line", ["no colon here", ": no name", "alice:", "alice ^x: text", "two words: text"]
)
def test_lines_outside_the_protocol_say_which_forms_work(line: str) -> None:
    with pytest.raises(BadLine, match=r"name: text"):
        parse_line(line)


names = st.text(
    st.characters(blacklist_categories=("Z", "C"), blacklist_characters=":^~#!-/"), min_size=1, max_size=12
)
texts = st.text(st.characters(blacklist_categories=("C",)), min_size=1, max_size=80).filter(
    lambda t: t.strip() and not t.strip().startswith(("/", "!"))
)


@given(name=names, text=texts, ref=st.none() | st.integers(1, 10**6))
def test_any_name_and_text_come_back_as_written(name: str, text: str, ref: int | None) -> None:
    line = f"{name} ^{ref}: {text}" if ref else f"{name}: {text}"
    assert parse_line(line) == Say(name, text.strip(), ref)
