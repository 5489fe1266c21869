"""`atou draft`, `drafts`, `approve`, `reject` without a model: drafts from links and files, reviewed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Atou, atou, db_url  # noqa: F401
from tests.drafting.site import CHINESE, ENGLISH, Site


@pytest.fixture
def cli(atou: Atou, monkeypatch: pytest.MonkeyPatch) -> Atou:  # noqa: F811
    monkeypatch.setenv("ATOU_AUTO_UPGRADE", "true")
    monkeypatch.setenv("ATOU_FETCH_ALLOW", "127.0.0.1")
    for name in ("ATOU_LLM_BASE_URL", "ATOU_LLM_API_KEY", "ATOU_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    return atou


def drafts(cli: Atou, *extra: str) -> list[dict[str, object]]:
    result = cli("drafts", "--json", *extra)
    assert result.exit_code == 0, result.output
    listed: list[dict[str, object]] = json.loads(result.stdout)
    return listed


def test_a_link_becomes_one_draft_that_holds_the_original(cli: Atou, site: Site) -> None:
    first = cli("draft", site.url(ENGLISH), "--json")
    assert first.exit_code == 0, first.output
    draft = json.loads(first.stdout)
    assert draft["id"] == "field-notes-on-slow-gardens" and draft["status"] == "ready"
    assert draft["author"] == "Marta Quill" and draft["url"] == site.url(ENGLISH)
    assert "no model is configured" in draft["missing"] and "ATOU_LLM_MODEL" in draft["missing"]
    # The same page again, by a redirect with a tracking parameter: the same draft.
    again = cli("draft", site.url("/go/slow-gardens"))
    assert again.exit_code == 0 and "Already drafted: field-notes-on-slow-gardens" in again.stdout
    assert len(drafts(cli)) == 1
    original = json.loads(cli("show", draft["id"], "--json", "--part", "original").stdout)["original"]
    assert {"kind": "list_item", "text": "Cardboard, laid flat to starve the grass below.", "number": 1} in original
    assert {"kind": "footnote", "text": "We counted. It was not a long count.", "number": 2} in original
    assert {"kind": "heading", "text": "The three layers", "level": 3} in original
    first = original[0]
    assert first["spans"][-1] == {"kind": "footnote_ref", "text": "1"}
    assert cli("articles", "--json").stdout.strip() == "[]"  # a draft is not in the queue


def test_approve_puts_the_draft_at_the_end_of_the_queue(cli: Atou, site: Site, sample_page: Path) -> None:
    assert cli("import", sample_page).exit_code == 0
    made = json.loads(cli("draft", site.url(CHINESE), "--json").stdout)
    approved = cli("approve", made["id"])
    assert approved.exit_code == 0, approved.output
    assert "number 2 in the queue" in approved.stdout
    queue = [a["id"] for a in json.loads(cli("articles", "--json").stdout)]
    assert queue[-1] == made["id"] and len(queue) == 2
    assert drafts(cli) == [] and drafts(cli, "--all")[0]["status"] == "approved"
    twice = cli("approve", made["id"])
    assert twice.exit_code == 1 and "already approved" in twice.stderr


def test_reject_drops_a_draft_and_it_does_not_come_back(cli: Atou, site: Site) -> None:
    made = json.loads(cli("draft", site.url(ENGLISH), "--json").stdout)
    rejected = cli("reject", made["id"], "--reason", "off topic")
    assert rejected.exit_code == 0 and "rejected field-notes-on-slow-gardens: off topic" in rejected.stdout
    assert drafts(cli) == []
    assert drafts(cli, "--all")[0]["reason"] == "off topic"
    assert "Already drafted" in cli("draft", site.url(ENGLISH)).stdout
    assert cli("approve", made["id"]).exit_code == 1


def test_reading_commands_work_on_a_draft(cli: Atou, site: Site, tmp_path: Path) -> None:
    made = json.loads(cli("draft", site.url(ENGLISH), "--json").stdout)
    shown = cli("show", made["id"])
    assert shown.exit_code == 0 and "Field Notes on Slow Gardens" in shown.stdout
    out = tmp_path / "draft.md"
    assert cli("export", made["id"], "--output", out).exit_code == 0
    assert "Field Notes on Slow Gardens" in out.read_text(encoding="utf-8")
    rendered = cli("render", made["id"], "--platform", "telegram")
    assert rendered.exit_code == 0, rendered.output


def test_an_editor_supplies_the_brief_with_import_replace(cli: Atou, site: Site, tmp_path: Path) -> None:
    made = json.loads(cli("draft", site.url(ENGLISH), "--json").stdout)
    document = json.loads(cli("show", made["id"], "--json").stdout)
    document["brief"] = {"headline": "Gardens that remember", "verdict": "A patient piece.", "key_points": [],
                         "relevance": [], "prompts": ["Would you stop digging?"]}
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    refused = cli("import", edited)
    assert refused.exit_code == 1 and "is a draft waiting for review" in refused.stderr
    replaced = cli("import", "--replace", edited)
    assert replaced.exit_code == 0 and "replaced draft field-notes-on-slow-gardens" in replaced.stdout
    [listed] = drafts(cli)
    assert listed["missing"] is None
    assert json.loads(cli("show", made["id"], "--json").stdout)["brief"]["headline"] == "Gardens that remember"
    assert cli("articles", "--json").stdout.strip() == "[]"


def test_local_files(cli: Atou, site: Site, tmp_path: Path) -> None:
    page = tmp_path / "tea.html"
    page.write_text((Path(__file__).parent / "pages" / "tea-house.html").read_text(encoding="utf-8"), encoding="utf-8")
    notes = tmp_path / "canal-walk.md"
    notes.write_text("# A Walk by the Canal\n\nWe left early, before the locks opened and the boats came.\n", encoding="utf-8")
    for path in (page, notes):
        result = cli("draft", path)
        assert result.exit_code == 0, result.output
    titles = sorted(str(d["title"]) for d in drafts(cli))
    assert titles == ["A Walk by the Canal", "老茶馆的最后一个冬天"]


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/no-such-page", "the server answered 404 Not Found"),
        ("/image.png", "not a web page: the server sent image/png"),
        ("/paper.pdf", "not a web page: the server sent application/pdf"),
        ("/furniture-only", "no article text was found on the page"),
        ("/slow", "no answer from 127.0.0.1:{port} within 0.5 s"),
    ],
)
def test_bad_pages_give_a_clear_error_and_store_nothing(cli: Atou, site: Site, path: str, says: str) -> None:
    site.put("/slow", b"<p>late</p>", delay=3)
    result = cli("draft", site.url(path), env={"ATOU_FETCH_TIMEOUT": "0.5"})
    assert result.exit_code == 1
    assert f"Could not draft {site.url(path)}: {says.format(port=site.port)}" in result.stderr
    assert drafts(cli, "--all") == []


def test_a_page_over_the_cap_and_a_closed_port(cli: Atou, site: Site) -> None:
    too_big = cli("draft", site.url(ENGLISH), env={"ATOU_FETCH_MAX_BYTES": "2048"})
    assert too_big.exit_code == 1 and "larger than the 2 KiB cap" in too_big.stderr
    closed = cli("draft", "http://127.0.0.1:9/article")
    assert closed.exit_code == 1 and "could not connect to 127.0.0.1:9" in closed.stderr
    private = cli("draft", site.url(ENGLISH), env={"ATOU_FETCH_ALLOW": ""})
    assert private.exit_code == 1 and "loopback address" in private.stderr
    missing = cli("draft", "no-such-file.html")
    assert missing.exit_code == 1 and "no-such-file.html: no such file" in missing.stderr
    assert drafts(cli, "--all") == []
