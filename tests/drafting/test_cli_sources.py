"""`atou sources`: feeds polled with conditional requests, each entry drafted once, failures marked."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Atou, atou, db_url  # noqa: F401
from tests.drafting.site import ENGLISH, Site
from tests.drafting.test_cli_draft import cli, drafts  # noqa: F401


def sources(cli: Atou) -> list[dict[str, object]]:  # noqa: F811
    result = cli("sources", "--json")
    assert result.exit_code == 0, result.output
    listed: list[dict[str, object]] = json.loads(result.stdout)
    return listed


def poll(cli: Atou) -> tuple[int, list[dict[str, object]]]:  # noqa: F811
    result = cli("sources", "poll", "--json")
    return result.exit_code, json.loads(result.stdout)


def test_rss_atom_and_json_feed_entries_are_drafted_once(cli: Atou, site: Site) -> None:  # noqa: F811
    for name in ("rss.xml", "atom.xml", "feed.json"):
        added = cli("sources", "add", site.url(f"/feeds/{name}"), "--every", "30m")
        assert added.exit_code == 0, added.output
    code, polls = poll(cli)
    assert code == 0
    assert [len(p["drafted"]) for p in polls] == [2, 0, 0]  # the Atom and JSON entries are the same pages
    assert [p["known"] for p in polls] == [0, 1, 1]
    assert sorted(str(d["title"]) for d in drafts(cli)) == ["Field Notes on Slow Gardens", "老茶馆的最后一个冬天"]
    listed = sources(cli)
    assert [s["title"] for s in listed] == ["The Allotment Review", "City South Weekly", "The Allotment Review"]
    assert all(s["last_error"] is None and s["every_s"] == 1800 for s in listed)
    # The next poll asks with the ETag, and the unchanged feed answers 304.
    code, polls = poll(cli)
    assert code == 0 and all(p["not_modified"] for p in polls)
    rss_asks = [headers for path, headers in site.seen if path == "/feeds/rss.xml"]
    assert rss_asks[-1]["If-None-Match"] == '"rss.xml-v1"'
    assert len(drafts(cli)) == 2


def test_a_link_drafted_by_hand_is_not_drafted_again_from_a_feed(cli: Atou, site: Site) -> None:  # noqa: F811
    assert cli("draft", site.url(ENGLISH)).exit_code == 0
    assert cli("sources", "add", site.url("/feeds/feed.json")).exit_code == 0
    code, [polled] = poll(cli)
    assert code == 0 and polled["drafted"] == [] and polled["known"] == 1
    assert len(drafts(cli)) == 1


@pytest.mark.parametrize(
    ("path", "says"),
    [("/feeds/not-a-feed", "not a feed (RSS, Atom or JSON Feed): the server sent text/html"),
     ("/feeds/gone.xml", "the server answered 404 Not Found")],
)
def test_a_failing_source_is_marked_with_its_last_error(cli: Atou, site: Site, path: str, says: str) -> None:  # noqa: F811
    assert cli("sources", "add", site.url(path)).exit_code == 0
    result = cli("sources", "poll")
    assert result.exit_code == 1 and f"failed: {site.url(path)}: {says}" in result.stderr
    cli("sources", "poll")
    [source] = sources(cli)
    assert source["last_error"] == says and source["failures"] == 2
    assert "not a feed" in cli("sources").stdout or "404" in cli("sources").stdout
    assert drafts(cli, "--all") == []


def test_an_entry_that_cannot_be_drafted_marks_the_source_and_is_tried_again(cli: Atou, site: Site) -> None:  # noqa: F811
    site.put("/articles/slow-gardens", b"", status=500)
    assert cli("sources", "add", site.url("/feeds/rss.xml")).exit_code == 0
    code, [polled] = poll(cli)
    assert code == 1 and len(polled["drafted"]) == 1
    assert "500 Internal Server Error" in str(sources(cli)[0]["last_error"])
    site.reset()
    site.put("/feeds/rss.xml", site.pages["/feeds/rss.xml"].body, "application/rss+xml")  # no ETag: read again
    code, [polled] = poll(cli)
    assert code == 0 and len(polled["drafted"]) == 1 and polled["known"] == 1
    assert sources(cli)[0]["last_error"] is None


def test_adding_and_removing_sources(cli: Atou, site: Site) -> None:  # noqa: F811
    too_often = cli("sources", "add", site.url("/feeds/rss.xml"), "--every", "5s")
    assert too_often.exit_code == 1 and "too often" in too_often.stderr
    not_url = cli("sources", "add", "feeds.example")
    assert not_url.exit_code == 1 and "http or https" in not_url.stderr
    assert cli("sources", "add", site.url("/feeds/rss.xml"), "--lang", "en").exit_code == 0
    twice = cli("sources", "add", site.url("/feeds/rss.xml"))
    assert twice.exit_code == 1 and "already a source" in twice.stderr
    [source] = sources(cli)
    assert source["lang"] == "en" and source["every_s"] == 3600
    assert cli("sources", "remove", str(source["id"])).exit_code == 0
    assert sources(cli) == []
    gone = cli("sources", "remove", "99")
    assert gone.exit_code == 1 and "no source with id 99" in gone.stderr
