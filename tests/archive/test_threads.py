"""Replies under their prompt, each answer under the reply it answers."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from bot.archive.threads import MAX_DEPTH, thread_sections
from tests.archive.builders import DiscussionBuilder

PROMPTS = ("p1", "p2", "p3")


def layout(discussion) -> list[tuple[int | None, list[tuple[str, int]]]]:
    return [
        (s.index, [(e.reply.text, e.depth) for e in s.entries]) for s in thread_sections(discussion, PROMPTS)
    ]


def test_sections_follow_the_prompt_order_and_general_replies_come_last() -> None:
    d = DiscussionBuilder("g", "g", "telegram")
    d.say("A", "general first", prompt=None)
    d.say("B", "to p3", prompt=2)
    d.say("C", "to p1", prompt=0)
    d.say("D", "to a prompt the brief no longer has", prompt=7)
    assert layout(d.build()) == [
        (0, [("to p1", 0)]),
        (2, [("to p3", 0)]),
        (None, [("general first", 0), ("to a prompt the brief no longer has", 0)]),
    ]


def test_answers_sit_under_what_they_answer_in_time_order() -> None:
    d = DiscussionBuilder("g", "g", "telegram")
    a = d.say("A", "a", prompt=0)
    b = d.say("B", "b", prompt=0)
    d.say("C", "a.1", answers=a)
    a2 = d.say("D", "a.2", answers=a)
    d.say("E", "a.2.1", answers=a2)
    d.say("F", "b.1", answers=b)
    (section,) = thread_sections(d.build(), PROMPTS)
    assert [(e.reply.text, e.depth) for e in section.entries] == [
        ("a", 0),
        ("a.1", 1),
        ("a.2", 1),
        ("a.2.1", 2),
        ("b", 0),
        ("b.1", 1),
    ]
    assert [e.parent.text if e.parent else None for e in section.entries] == [
        None,
        "a",
        "a",
        "a.2",
        None,
        "b",
    ]


def test_an_answer_recorded_for_another_prompt_still_sits_under_its_parent() -> None:
    d = DiscussionBuilder("g", "g", "telegram")
    a = d.say("A", "a", prompt=0)
    answer = d.say("B", "answer", answers=a)
    d.replies[-1] = replace(answer, prompt=1)
    assert layout(d.build()) == [(0, [("a", 0), ("answer", 1)])]


def test_a_reply_to_a_missing_message_starts_a_thread_under_its_prompt() -> None:
    d = DiscussionBuilder("g", "g", "telegram")
    orphan = d.say("A", "answers a message that is not in the archive", prompt=1)
    d.replies[-1] = replace(orphan, reply_to_message_id="the prompt message")
    assert layout(d.build()) == [(1, [("answers a message that is not in the archive", 0)])]


def test_long_chains_stop_indenting_at_the_maximum_depth() -> None:
    d = DiscussionBuilder("g", "g", "telegram")
    last = d.say("A", "0", prompt=0)
    for n in range(1, 3000):
        last = d.say("A", str(n), answers=last)
    (section,) = thread_sections(d.build(), PROMPTS)
    depths = [e.depth for e in section.entries]
    assert depths[: MAX_DEPTH + 2] == [*range(MAX_DEPTH + 1), MAX_DEPTH]
    assert max(depths) == MAX_DEPTH and len(depths) == 3000


@given(st.lists(st.integers(min_value=-1, max_value=40), min_size=1, max_size=40), st.data())
def test_every_reply_is_shown_exactly_once_whatever_the_links(links: list[int], data: st.DataObject) -> None:
    """Even corrupt data (loops, self-replies, links forward in time) loses and repeats nothing."""
    d = DiscussionBuilder("g", "g", "telegram")
    for n in range(len(links)):
        d.say("A", str(n), prompt=data.draw(st.sampled_from([None, 0, 1, 2, 9])))
    d.replies = [
        replace(r, reply_to_message_id=None if target < 0 else f"g#{target + 1}")
        for r, target in zip(d.replies, links, strict=True)
    ]
    shown = [e.reply.id for s in thread_sections(d.build(), PROMPTS) for e in s.entries]
    assert sorted(shown) == sorted(r.id for r in d.replies)
