"""What an export may show: filters, opt-outs, deletions, pseudonyms (the same for every format)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.archive.export import ARCHIVE_FORMATS, export_archive
from bot.archive.model import Archive
from bot.archive.select import REDACTED_MENTION, Filters, select_archive
from tests.archive.builders import T0, DiscussionBuilder, article, sample_archive


def texts(archive: Archive) -> list[str]:
    return [r.text for d in archive.discussions for r in d.replies]


def authors(archive: Archive) -> list[str]:
    return [r.author_name for d in archive.discussions for r in d.replies]


@pytest.mark.parametrize("fmt", ARCHIVE_FORMATS)
def test_opted_out_members_and_deleted_replies_appear_in_no_format(fmt: str) -> None:
    sample = sample_archive()
    out = export_archive(sample.archive, fmt).decode("utf-8")
    for reply in sample.hidden:
        assert reply.text not in out
    assert "Dave" not in out  # neither his replies, nor his name in others' @mentions
    assert "telegram:dave" not in out
    assert f"回复 {REDACTED_MENTION}" in out


def test_replies_answering_a_hidden_reply_are_kept() -> None:
    selected = select_archive(sample_archive().archive)
    assert "回复那条后来隐藏的话" in texts(selected)


def test_without_filters_every_visible_reply_is_kept_in_time_order() -> None:
    sample = sample_archive()
    selected = select_archive(sample.archive)
    assert sorted(texts(selected)) == sorted(
        r.text.replace("@Dave", REDACTED_MENTION) for r in sample.visible
    )
    for discussion in selected.discussions:
        times = [r.at for r in discussion.replies]
        assert times == sorted(times)
    assert selected.opted_out == frozenset()


@pytest.mark.parametrize("group", ["discord:42/77", "Reading club", "READING CLUB"])
def test_the_group_filter_takes_a_key_or_a_title(group: str) -> None:
    selected = select_archive(sample_archive().archive, Filters(group=group))
    assert [d.group_key for d in selected.discussions] == ["discord:42/77"]


def test_an_unknown_group_selects_nothing() -> None:
    assert select_archive(sample_archive().archive, Filters(group="telegram:-999")).discussions == ()


def test_since_and_until_dates_are_whole_utc_days() -> None:
    archive = sample_archive().archive
    first_day = select_archive(archive, Filters(until=date(2026, 6, 5)))
    second_day = select_archive(archive, Filters(since=date(2026, 6, 6)))
    assert set(authors(first_day)) == {"Alice", "Bob", "Carol"}
    assert [d.replies for d in first_day.discussions][1] == ()
    assert set(texts(second_day)) == {r.text for r in archive.discussions[1].replies}
    both = select_archive(archive, Filters(since=date(2026, 6, 5), until=date(2026, 6, 5)))
    assert texts(both) == texts(first_day)


def test_since_and_until_times_are_inclusive_and_offsets_count() -> None:
    archive = sample_archive().archive
    third = T0 + timedelta(minutes=3)
    exactly = select_archive(archive, Filters(since=third, until=third))
    assert texts(exactly) == ["方向层要靠判断力。"]
    # 16:03 at UTC+8 is 08:03 UTC.
    shifted = datetime.fromisoformat("2026-06-05T16:03:00+08:00")
    assert texts(select_archive(archive, Filters(since=shifted, until=shifted))) == ["方向层要靠判断力。"]


def test_naive_times_are_utc() -> None:
    archive = sample_archive().archive
    naive = (T0 + timedelta(minutes=3)).replace(tzinfo=None)
    assert texts(select_archive(archive, Filters(since=naive, until=naive))) == ["方向层要靠判断力。"]


def test_since_after_until_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="after until"):
        Filters(since=date(2026, 6, 6), until=date(2026, 6, 5))


@pytest.mark.parametrize("member", ["Bob", "bob", "telegram:bob"])
def test_the_member_filter_takes_a_key_or_a_name(member: str) -> None:
    selected = select_archive(sample_archive().archive, Filters(member=member))
    assert set(authors(selected)) == {"Bob"}
    assert len(texts(selected)) == 2  # his deleted reply is not among them


def test_the_member_filter_never_finds_an_opted_out_member() -> None:
    assert texts(select_archive(sample_archive().archive, Filters(member="Dave"))) == []


def test_pseudonyms_follow_first_appearance_and_cover_mentions() -> None:
    selected = select_archive(sample_archive().archive, Filters(pseudonymize=True))
    tg, dc = selected.discussions
    assert [r.author_name for r in tg.replies] == [
        "member-1",
        "member-2",
        "member-1",
        "member-3",
        "member-3",
        "member-2",
    ]
    assert all(r.author_key == r.author_name for d in selected.discussions for r in d.replies)
    assert tg.replies[0].text == "执行层确实在被自动化。@member-2 你怎么看？"
    assert tg.replies[1].text == "同意 @member-1，但方向层没有。"
    # Another member with the same display name on Discord gets their own pseudonym.
    assert [r.author_name for r in dc.replies] == ["member-4", "member-5"]
    assert dc.replies[1].text.endswith("@member-4")
    assert tg.replies[2].history == ("方向层靠判断。",)


@pytest.mark.parametrize("fmt", ARCHIVE_FORMATS)
def test_a_pseudonymized_export_names_no_member(fmt: str) -> None:
    out = export_archive(sample_archive().archive, fmt, pseudonymize=True, member="Alice").decode("utf-8")
    for name in ("Alice", "Bob", "Carol", "Dave", "Eve", "telegram:alice", "telegram:bob", "discord:eve"):
        assert name not in out
    assert "member-1" in out


def test_a_mention_is_only_rewritten_for_the_whole_name() -> None:
    d = DiscussionBuilder("telegram:1", "g", "telegram")
    d.say("Ann", "hi")
    d.say("Anna", "@Ann and @Anna and @ann, mail ann@example.org, @Annabel")
    selected = select_archive(Archive(article(), (d.build(),)), Filters(pseudonymize=True))
    assert selected.discussions[0].replies[1].text == (
        "@member-1 and @member-2 and @member-1, mail ann@example.org, @Annabel"
    )


def test_longer_names_win_over_their_prefixes() -> None:
    d = DiscussionBuilder("telegram:1", "g", "telegram")
    d.say("Ann", "hi")
    d.say("Ann Lee", "hello")
    d.say("Bo", "@Ann Lee and @Ann")
    selected = select_archive(Archive(article(), (d.build(),)), Filters(pseudonymize=True))
    assert selected.discussions[0].replies[2].text == "@member-2 and @member-1"


names = st.text(alphabet=st.characters(categories=("L", "N")), min_size=1, max_size=12)


@given(st.lists(names, min_size=1, max_size=6, unique_by=str.casefold), st.data())
def test_pseudonymizing_any_names_leaves_no_mention_of_them(people: list[str], data: st.DataObject) -> None:
    d = DiscussionBuilder("telegram:1", "g", "telegram")
    for i, name in enumerate(people):
        mentioned = data.draw(st.lists(st.sampled_from(people), max_size=4))
        d.say(name, " ".join(f"@{m} 你好" for m in mentioned) or "…", key=f"telegram:{i}")
    selected = select_archive(Archive(article(), (d.build(),)), Filters(pseudonymize=True))
    pseudonyms = {r.author_name for r in selected.discussions[0].replies}
    assert pseudonyms == {f"member-{i}" for i in range(1, len(people) + 1)}
    for reply in selected.discussions[0].replies:
        words = [w for w in reply.text.split() if w.startswith("@")]
        assert all(w[1:] in pseudonyms or w[1:].startswith("member-") for w in words), reply.text


def test_the_json_file_records_the_selection_without_naming_a_pseudonymized_member() -> None:
    out = json.loads(export_archive(sample_archive().archive, "json", member="Bob", since=date(2026, 6, 5)))
    assert out["selection"] == {
        "group": None,
        "since": "2026-06-05",
        "until": None,
        "member": "Bob",
        "pseudonymized": False,
    }
    out = json.loads(export_archive(sample_archive().archive, "json", member="Bob", pseudonymize=True))
    assert out["selection"]["member"] == "(pseudonymized)"
