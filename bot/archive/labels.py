"""The words exports and the reading page put around the archive, in the reading page's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from zoneinfo import ZoneInfo

from bot.archive.select import as_utc
from bot.scheduling.schedule import offset_label

ARCHIVE = "讨论归档"
PROMPTS = "讨论引子"
GENERAL = "其他讨论"
IN_PROGRESS = "讨论进行中…"
NO_REPLIES = "还没有回复。"
NO_DISCUSSIONS = "这篇文章还没有讨论。"
EDITED = "已编辑"
SOURCE = "原文链接"
PUBLISHED = "发布日期"
OPENED = "开始"
CLOSED = "结束"
REPLIES = "条回复"
ANSWERS = "回复"
FILTERS = "筛选"
PSEUDONYMIZED = "已匿名化"
BY_PARAGRAPH = "按段落"
EXCERPT_LENGTH = 80  # how much of a paragraph a section heading quotes


def stamp(moment: datetime) -> str:
    """A reply's time as readers see it in files: minutes, in UTC, saying so."""
    return as_utc(moment).isoformat(sep=" ", timespec="minutes")[:16] + " UTC"


def local_stamp(moment: datetime, zone: ZoneInfo) -> str:
    """A reply's time as a group sees it: minutes in the group's timezone, with its UTC offset."""
    local = as_utc(moment).astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {offset_label(local.utcoffset() or timedelta(0))}"


_minute_of = attrgetter("year", "month", "day", "hour", "minute")
_TWO_DIGITS = tuple(f"{n:02d}" for n in range(60))


def stampers() -> tuple[Callable[[datetime], str], Callable[[datetime], str]]:
    """`stamp` and ISO 8601 (UTC) formatters that cache by minute, for one file of many replies.

    Formatting a datetime costs microseconds; replies come minutes apart at most, so an export
    of 100,000 replies formats a few thousand minutes instead of 100,000 moments.
    """
    minutes: dict[tuple[int, ...], tuple[str, str]] = {}

    def parts(moment: datetime) -> tuple[str, str]:
        key = _minute_of(moment)
        found = minutes.get(key)
        if found is None:
            found = minutes[key] = (stamp(moment), moment.isoformat(timespec="minutes")[:16])
        return found

    def shown(moment: datetime) -> str:
        return parts(moment)[0] if moment.tzinfo is UTC else stamp(moment)

    def iso(moment: datetime) -> str:
        if moment.tzinfo is not UTC:
            return as_utc(moment).isoformat()
        micro = moment.microsecond
        second = _TWO_DIGITS[moment.second] if not micro else f"{_TWO_DIGITS[moment.second]}.{micro:06d}"
        return f"{parts(moment)[1]}:{second}+00:00"

    return shown, iso
