"""Build copied reading pages in the app's layout from parts, for tests that need pages other than the sample."""

from __future__ import annotations

import re

TABS = ("阅读简报", "双语对照", "完整翻译", "原文", "讨论归档")


def build_page(
    *,
    headline: str,
    verdict: str,
    day: str,
    key_points: list[tuple[str, str]],
    notes: list[tuple[str, str]],
    prompts: list[str],
    translation: list[str],
    bilingual: list[str],
    original: list[str],
) -> str:
    """A page copy; each text entry is one chunk (several lines when it holds line breaks)."""
    lines = [
        "返回列表",
        "🧠 读书会 · 💬 讨论题",
        "",
        headline,
        "",
        verdict,
        "打开原文 ↗",
        "",
        f"{day} 原文链接 ↗",
    ]
    lines += [*TABS, "", "核心观点", ""]
    lines += [f"  • {lead} {body}" for lead, body in key_points]
    lines += ["", "跟我们的关联", ""]
    for audience, text in notes:
        label = (
            f"对{audience}意味着什么"
            if re.search(r"[\u4e00-\u9fff]", audience)
            else f"对 {audience} 意味着什么"
        )
        lines.append(f"  • {label}、下一步怎么用 {text}")
    lines += ["", "讨论引子", "", " ".join(f"{i}. {p}" for i, p in enumerate(prompts, 1)), ""]
    for chunk in [*translation, *bilingual, *original]:
        lines += [chunk, ""]
    lines += ["📋 讨论归档", "", "讨论进行中…"]
    return "\n".join(lines)


def simple_page(**changes: list[str]) -> str:
    """A small page of our own: a heading, a caption left untranslated, a year label shown twice,
    a list, and footnotes given as a block of English items then a block of Chinese items."""
    parts: dict[str, list[str]] = {
        "translation": [
            "灯塔的故事从一盏油灯开始。",
            "1850–1900",
            "早期",
            "Image 1: A lighthouse at dusk.",
            "守塔人每晚都要点灯。",
            "  1. 第一条注释。",
            "  2. 第二条注释。",
        ],
        "bilingual": [
            "The story of the lighthouse starts with an oil lamp.",
            "灯塔的故事从一盏油灯开始。",
            "1850–1900",
            "1850–1900",
            "Early years",
            "早期",
            "Image 1: A lighthouse at dusk.",
            "The keeper lit the lamp every night.",
            "守塔人每晚都要点灯。",
            "  1. The first note.\n  2. The second note.\n  1. 第一条注释。\n  2. 第二条注释。",
        ],
        "original": [
            "The story of the lighthouse starts with an oil lamp.",
            "1850–1900",
            "Early years",
            "Image 1: A lighthouse at dusk.",
            "The keeper lit the lamp every night.",
            "  1. The first note.\n  2. The second note.",
        ],
    }
    parts.update(changes)
    return build_page(
        headline="灯塔值得重读",
        verdict="这是一篇关于灯塔的短文。",
        day="2024-02-03",
        key_points=[("灯是起点", "油灯决定了灯塔的样子。"), ("AI 也会看灯塔", "拉丁词出现在导语里。")],
        notes=[("Alex", "可以读一读。"), ("投资", "没有直接关系。")],
        prompts=["你见过 2.5 米高的灯塔吗?", "灯塔还有用吗?"],
        **parts,
    )
