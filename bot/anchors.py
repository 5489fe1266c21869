"""Which paragraph a reply is about: a citation at its start, a quote, or the paragraph it answers.

A reply cites a paragraph when its text starts (after blanks) with one of:

    ¶12    ¶ 12         the paragraph mark
    第12段  第十二段       Chinese, with digits or Chinese numerals
    p12  p.12  P 12     the letter p (not followed by a letter: "p2p" cites nothing)
    para 12  paragraph 12

Full-width digits and marks count as their ASCII forms. Only the first citation counts; a number
outside the article (¶0, ¶999 in a 40-paragraph article) anchors nothing, and the reply is kept.
"""

from __future__ import annotations

import re
import unicodedata

from bot.paragraphs import MARK

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUMBER = "[零〇一二两三四五六七八九十百千]{1,8}"

_CITATION = re.compile(
    rf"""\A\s*(?:
        {MARK}\s*(?P<mark>[0-9]{{1,6}})(?![0-9])
      | 第\s*(?P<cn>[0-9]{{1,6}}|{_CN_NUMBER})\s*段
      | (?:p|para|paragraph)\.?\s*(?P<p>[0-9]{{1,6}})(?![0-9A-Za-z])
    )""",
    re.VERBOSE | re.IGNORECASE,
)
# A bot message that shows a paragraph starts a line with its number (after a bullet, quote or
# bold mark that a platform's formatting may put first).
_SHOWN = re.compile(rf"(?:\A|\n)[^\w\n]{{0,4}}{MARK}([0-9]{{1,6}})(?![0-9])")


def chinese_number(text: str) -> int | None:
    """A number written in Chinese numerals (一, 十二, 二十一, 一百零五 …), or None if it is not one."""
    if not text:
        return None
    total = current = 0
    after_digit = False
    for char in text:
        if char in _CN_DIGITS:
            if after_digit and current:
                return None  # two digits in a row ("一二") are not a numeral
            current, after_digit = _CN_DIGITS[char], True
        elif char in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[char]  # 十 alone is ten
            current, after_digit = 0, False
        else:
            return None
    return total + current


def cited_paragraph(text: str) -> int | None:
    """The paragraph number `text` cites at its start, whatever the article (None: no citation)."""
    match = _CITATION.match(unicodedata.normalize("NFKC", text))
    if match is None:
        return None
    raw = match["mark"] or match["cn"] or match["p"]
    return int(raw) if raw.isdigit() else chinese_number(raw)


def shown_paragraph(text: str) -> int | None:
    """The one paragraph a message of the bot shows (its lines start with ¶N), or None if it shows
    none or several."""
    numbers = {int(n) for n in _SHOWN.findall(text)}
    return numbers.pop() if len(numbers) == 1 else None
