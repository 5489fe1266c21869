"""The four export files: each parses with a standard reader, shows the right replies, escapes member text."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from markdown_it import MarkdownIt

from bot.archive.csvfile import COLUMNS
from bot.archive.export import ARCHIVE_FORMATS, UnknownFormat, export_archive, export_filename
from bot.archive.jsonfile import archive_schema
from bot.archive.model import Archive
from bot.archive.select import REDACTED_MENTION
from tests.archive.builders import HOSTILE, SCRIPT, DiscussionBuilder, article, sample_archive

# --- JSON -----------------------------------------------------------------------------------------


def validator() -> Draft202012Validator:
    schema = archive_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_the_json_file_matches_its_schema_and_keeps_text_exactly() -> None:
    sample = sample_archive()
    data = json.loads(export_archive(sample.archive, "json"))
    validator().validate(data)
    replies = [r for d in data["discussions"] for r in d["replies"]]
    assert len(replies) == len(sample.visible)
    by_id = {r["id"]: r for r in replies}
    carol = next(r for r in sample.visible if HOSTILE in r.text)
    assert by_id[carol.id]["text"] == f"回复 {REDACTED_MENTION}：{HOSTILE}"
    assert data["article"]["prompts"] == list(sample.archive.article.brief.prompts)


def test_json_replies_record_their_prompt_thread_and_edits() -> None:
    data = json.loads(export_archive(sample_archive().archive, "json"))
    tg = data["discussions"][0]
    first, second, third = tg["replies"][:3]
    assert (first["prompt"], first["in_reply_to"]) == (0, None)
    assert (second["in_reply_to"], second["reply_to_message_id"]) == (first["id"], first["message_id"])
    assert (third["edited"], third["history"]) == (True, ["方向层靠判断。"])
    assert tg["closed_at"] == "2026-06-12T08:00:00+00:00"
    assert data["discussions"][1]["closed_at"] is None


def test_the_schema_rejects_a_file_that_breaks_it() -> None:
    data = json.loads(export_archive(sample_archive().archive, "json"))
    data["discussions"][0]["replies"][0]["author"] = "Alice"
    assert list(validator().iter_errors(data))


def test_an_archive_without_discussions_is_still_a_valid_file_in_every_format() -> None:
    empty = Archive(article(), ())
    validator().validate(json.loads(export_archive(empty, "json")))
    rows = list(csv.reader(io.StringIO(export_archive(empty, "csv").decode("utf-8-sig"))))
    assert rows == [list(COLUMNS)]
    assert "这篇文章还没有讨论" in export_archive(empty, "md").decode()
    assert "这篇文章还没有讨论" in export_archive(empty, "html").decode()


# --- CSV ------------------------------------------------------------------------------------------


def csv_rows(archive: Archive, **filters) -> list[dict[str, str]]:
    raw = export_archive(archive, "csv", **filters)
    assert raw.startswith("\ufeff".encode())  # spreadsheets read Chinese correctly only with it
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_the_csv_file_has_one_row_per_visible_reply() -> None:
    sample = sample_archive()
    rows = csv_rows(sample.archive)
    assert list(rows[0]) == list(COLUMNS)
    assert sorted(int(r["reply_id"]) for r in rows) == sorted(r.id for r in sample.visible)
    first = rows[0]
    assert (first["group_key"], first["author"], first["prompt"], first["prompt_text"]) == (
        "telegram:-1001",
        "Alice",
        "1",
        "第一题：哪些环节已经自动化？",
    )
    multiline = next(r for r in rows if HOSTILE in r["text"])
    assert multiline["text"] == f"回复 {REDACTED_MENTION}：{HOSTILE}"


def test_csv_cells_that_would_run_as_formulas_are_defused() -> None:
    rows = csv_rows(sample_archive().archive)
    formula = next(r for r in rows if "SUM" in r["text"])
    assert formula["text"] == "'=SUM(A1:A9) 不是公式"
    assert formula["prompt"] == "" and formula["prompt_text"] == ""
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())


def test_csv_rows_follow_the_filters() -> None:
    rows = csv_rows(sample_archive().archive, group="discord:42/77", pseudonymize=True)
    assert [(r["author"], r["author_key"]) for r in rows] == [
        ("member-1", "member-1"),
        ("member-2", "member-2"),
    ]
    assert rows[1]["in_reply_to"] == rows[0]["reply_id"]


# --- HTML -----------------------------------------------------------------------------------------


class Page(HTMLParser):
    """Collects elements, attributes and text, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            while self._in.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        (self.styles if self._in and self._in[-1] == "style" else self.text).append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def test_the_html_file_is_self_contained() -> None:
    page = parse(export_archive(sample_archive().archive, "html").decode())
    names = {tag for tag, _ in page.tags}
    assert "script" not in names and "link" not in names and "iframe" not in names and "img" not in names
    for tag, attrs in page.tags:
        assert not {"src", "href", "srcset", "action", "style"} & attrs.keys(), (tag, attrs)
        assert not any(a.startswith("on") for a in attrs), (tag, attrs)
    css = "".join(page.styles)
    assert css.strip() and "url(" not in css and "@import" not in css
    csp = next(
        a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in csp


def test_the_html_file_shows_every_visible_reply_as_text_under_its_prompt() -> None:
    sample = sample_archive()
    html = export_archive(sample.archive, "html").decode()
    page = parse(html)
    text = "".join(page.text)
    for reply in sample.visible:
        assert reply.text.replace("@Dave", REDACTED_MENTION) in text
    for reply in sample.hidden:
        assert reply.text not in text
    assert SCRIPT in text  # shown as text …
    assert SCRIPT not in html and "&lt;script&gt;" in html  # … because it was escaped
    prompt_at = text.index("第一题：哪些环节已经自动化？", text.index("读书会 Telegram"))
    assert prompt_at < text.index("执行层确实在被自动化") < text.index("第二题：瓶颈移到了哪里？", prompt_at)


def test_html_threads_are_indented_by_depth() -> None:
    page = parse(export_archive(sample_archive().archive, "html").decode())
    depths = [a["class"] for t, a in page.tags if t == "article"]
    assert depths[:3] == ["reply depth-0", "reply depth-1", "reply depth-2"]


# --- Markdown -------------------------------------------------------------------------------------


def test_the_markdown_file_has_title_and_prompts_first_then_replies_under_their_prompt() -> None:
    md = export_archive(sample_archive().archive, "md").decode()
    lines = md.splitlines()
    assert lines[0] == "# AI 研发自动化的边界"
    prompts_at = lines.index("## 讨论引子")
    assert lines[prompts_at + 2 : prompts_at + 5] == [
        "1. 第一题：哪些环节已经自动化？",
        "2. 第二题：瓶颈移到了哪里？",
        "3. 第三题：你同意作者吗？",
    ]
    first_group = next(i for i, line in enumerate(lines) if line.startswith("## 讨论归档 · 读书会 Telegram"))
    assert prompts_at < first_group
    section = lines.index("### 1\\. 第一题：哪些环节已经自动化？")
    heads = [line for line in lines[section:] if line.lstrip().startswith("- **")][:3]
    assert heads[0].startswith("- **Alice**")
    assert heads[1].startswith("  - **Bob**") and heads[1].endswith("回复 Alice")
    assert heads[2].startswith("    - **Alice**") and heads[2].endswith("已编辑")


def test_markdown_renders_member_text_as_typed_and_runs_nothing() -> None:
    md = export_archive(sample_archive().archive, "md").decode()
    html = MarkdownIt("commonmark").render(md)  # raw HTML allowed, as most renderers do
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    rendered_text = re.sub(r"<[^>]+>", "", html)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in rendered_text
    assert "=SUM(A1:A9) 不是公式" in rendered_text
    assert "\\@everyone" in md and "\\@here" in md  # chat apps show these without pinging anyone


@pytest.mark.parametrize(
    "text",
    [
        "# not a heading",
        "- not a list",
        "1. not a list",
        "> not a quote",
        "[link](javascript:x)",
        "***",
        "    code?",
    ],
)
def test_markdown_block_syntax_in_member_text_stays_text(text: str) -> None:
    d = DiscussionBuilder("g", "g", "telegram")
    d.say("A", text)
    md = export_archive(Archive(article(), (d.build(),)), "md").decode()
    html = MarkdownIt("commonmark").render(md)
    reply_html = html[html.index("<strong>A</strong>") :]
    for tag in ("<h1", "<h2", "<blockquote", "<a ", "<hr", "<pre", "<code"):
        assert tag not in reply_html, (text, reply_html)
    assert text.strip() in re.sub(r"<[^>]+>", "", reply_html).replace("&gt;", ">")


def test_markdown_keeps_line_breaks_and_paragraphs_of_a_reply() -> None:
    d = DiscussionBuilder("g", "g", "telegram")
    d.say("A", "line one\nline two\n\nnew paragraph")
    html = MarkdownIt("commonmark").render(export_archive(Archive(article(), (d.build(),)), "md").decode())
    assert "line one<br />\nline two</p>" in html and "<p>new paragraph</p>" in html


# --- the entry point ------------------------------------------------------------------------------


def test_an_unknown_format_is_named_in_the_error() -> None:
    with pytest.raises(UnknownFormat, match="'pdf'.*md, json, csv, html"):
        export_archive(sample_archive().archive, "pdf")


def test_export_file_names_are_safe() -> None:
    assert export_filename("ai-rd", "md") == "ai-rd-archive.md"
    assert export_filename("ai-rd", "csv", group="discord:42/77") == "ai-rd-archive-discord_42_77.csv"
    assert set(ARCHIVE_FORMATS) == {"md", "json", "csv", "html"}


line_text = (
    st.tuples(
        # What would start a Markdown block, then text with Markdown's marks often and anything now and then.
        st.sampled_from(
            ["", "", "# ", "- ", "+ ", "* ", "1. ", "2) ", "> ", "=", "---", "    ", "```", "<div>"]
        ),
        st.text(
            alphabet=st.one_of(
                st.sampled_from("#*_-+=>`<[]()!|~&\\ 1.)@:abc中文"),
                st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")),
            ),
            max_size=40,
        ),
    )
    .map(lambda parts: (parts[0] + parts[1]).strip())
    .filter(bool)
)


@given(st.lists(line_text, min_size=1, max_size=4))
def test_any_member_text_renders_in_markdown_exactly_as_typed(lines: list[str]) -> None:
    d = DiscussionBuilder("g", "g", "telegram")
    d.say("A", "\n".join(lines))
    html = MarkdownIt("commonmark").render(export_archive(Archive(article(), (d.build(),)), "md").decode())
    start = html.index("<strong>A</strong>")
    item = html[html.rindex("<li>", 0, start) : html.index("</li>", start)]
    paragraphs = re.findall(r"<p>(.*?)</p>", item, flags=re.S)
    assert len(paragraphs) == 2, item  # the author line, then the text as one paragraph
    assert unescape(paragraphs[1].replace("<br />\n", "\n")) == "\n".join(lines)
