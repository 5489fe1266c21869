"""`atou demo` driven by a script on stdin, as a user would pipe one: a real process, a real SQLite file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ATOU = str(Path(sys.executable).with_name("atou"))

# The demo numbers every message in order. On a new database: #1 the bot's greeting, #2 the first
# command, #3 its answer, #4 /postnow, #5 the brief, #6–#8 the three prompts.
SCRIPT = """\
# ada speaks first, so ada is the group's admin
ada: /lang en
ada: /postnow
bob ^6: I file notes by source, like a library.
cy ^6: By question: it changes what I notice.
dee ^6: Both, with a cross index.
cy ^9: bob, a library has a subject index too!
bob ^7: Copying by hand slows me down, which helps.
cy ^7: Quotes keep the author's voice.
dee ^7: Only for short passages.
bob ^8: Habits, attention, memory.
cy ^8: Doubt, evidence, change.
dee ^8: Time, place, people.
bob: just chatting, not a reply
cy: /bilingual
cy: !21 2
cy: /bilingual 2
bob: /close
ada: /close
ada: /export md
"""

REPLIES = {
    1: [
        ("bob", "I file notes by source, like a library."),
        ("cy", "By question: it changes what I notice."),
        ("dee", "Both, with a cross index."),
        ("cy", "bob, a library has a subject index too!"),
    ],
    2: [
        ("bob", "Copying by hand slows me down, which helps."),
        ("cy", "Quotes keep the author's voice."),
        ("dee", "Only for short passages."),
    ],
    3: [
        ("bob", "Habits, attention, memory."),
        ("cy", "Doubt, evidence, change."),
        ("dee", "Time, place, people."),
    ],
}


def run_demo(db: Path, script: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATOU_")}
    done = subprocess.run(
        [ATOU, "demo", "--db", str(db), *args],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=db.parent,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def messages(transcript: str) -> dict[int, str]:
    """The last text printed for each message number."""
    found: dict[int, str] = {}
    for chunk in re.split(r"\n\n(?=\[#\d+\] )", transcript):
        match = re.match(r"\[#(\d+)\] (.*)", chunk, re.S)
        if match:
            found[int(match.group(1))] = match.group(2)
    return found


def sections(markdown: str) -> dict[str, list[tuple[str, str]]]:
    """Each `### heading` of the export with the (author, text) of the replies under it, in order."""
    out: dict[str, list[tuple[str, str]]] = {}
    heading = None
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("### "):
            heading = line[4:]
            out[heading] = []
        elif heading is not None and (author := re.match(r"\s*- \*\*(.+?)\*\* · ", line)):
            text = next(x.strip() for x in lines[i + 1 :] if x.strip())
            out[heading].append((author.group(1), text.replace("\\", "")))
    return out


def test_a_scripted_discussion_from_brief_to_export(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    transcript = run_demo(db, SCRIPT)
    shown = messages(transcript)

    # The brief and the three prompts, each its own message.
    assert "Key points" in shown[5] and "[1 Bilingual]" in shown[5]
    for number, prompt in zip((6, 7, 8), (1, 2, 3), strict=True):
        assert shown[number].startswith(f"Discussion prompt {prompt} of 3")

    # Paging, for cy alone: /bilingual opened page 1 as #21; pressing ▶ turned it to page 2 in place.
    assert re.search(r"\[#21\] \(to cy\) [^\n]*\nBilingual · page 1 of 2", transcript)
    assert shown[21].startswith("(to cy) (edited) ") and "page 2 of 2" in shown[21]
    assert shown[23].startswith("(to cy) ") and "page 2 of 2" in shown[23]

    # A member is refused an admin command; the admin closes with a recap.
    assert "(to bob) Only admins of this group can use /close; nothing was changed." in transcript
    recap = next(text for text in shown.values() if text.startswith("Discussion closed:"))
    assert "Participants: bob, cy, dee" in recap
    assert "— 4" in recap and recap.count("— 3") == 2

    # The export holds every reply under its prompt, with its author; chatter is not in it.
    export = tmp_path / "demo-commonplace-books-archive.md"
    assert f"📎 {export}" in transcript
    markdown = export.read_text(encoding="utf-8")
    by_prompt = sections(markdown)
    headings = list(by_prompt)
    assert [h.split(".", 1)[0] for h in headings] == ["1\\", "2\\", "3\\"]
    for number, heading in enumerate(headings, start=1):
        # Answers to a reply are shown under it (threaded), so compare regardless of order.
        assert sorted(by_prompt[heading]) == sorted(REPLIES[number])
    assert "just chatting" not in markdown


def test_the_demo_continues_where_it_left_off_and_admin_can_be_named(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    first = messages(run_demo(db, "ada: /lang en\nada: /postnow\n"))
    assert first[6].startswith("Discussion prompt 1 of 3")
    # A second session on the same file: no second greeting, numbers go on after the stored ones,
    # and a reply to a prompt of the first session still lands in its discussion.
    second = run_demo(db, "zed: /pause\nbob ^6: late but counted\nada: /close\n", "--admin", "ada")
    assert "Hello!" not in second
    assert "(to zed) Only admins of this group can use /pause" in second
    numbers = [int(n) for n in re.findall(r"^\[#(\d+)\]", second, re.M)]
    assert min(numbers) > 8
    assert "Participants: bob" in second


def test_lines_outside_the_protocol_are_explained_and_the_rest_still_run(tmp_path: Path) -> None:
    out = run_demo(tmp_path / "demo.db", "hello there\nada: /lang en\nada: !99 1\nada: /help\n")
    assert "(?) not understood: 'hello there'" in out
    assert "(?) message #99 has no button 1" in out
    assert "/schedule HH:MM [TZ] [days]" in out
