"""A group's posting schedule in its own timezone, and parsing of what admins type for it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.render.i18n import N_

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
EVERY_DAY = frozenset(range(7))
_DAY_WORDS = {
    "daily": EVERY_DAY,
    "everyday": EVERY_DAY,
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


class ScheduleError(ValueError):
    """An admin typed a time, timezone, day list or date the schedule cannot take; says what is accepted.

    `template` is the English message id, formatted with `params`, so the caller can translate it.
    """

    def __init__(self, template: str, **params: str) -> None:
        self.template = template
        self.params = params
        super().__init__(template.format(**params))


@dataclass(frozen=True, slots=True)
class Schedule:
    """Post at `post_time` local time in `timezone` on `days` (0 = Monday), except on `skip_dates`."""

    timezone: str
    post_time: time
    days: frozenset[int] = EVERY_DAY
    skip_dates: frozenset[date] = field(default_factory=frozenset)

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.timezone)

    def posts_on(self, local_date: date) -> bool:
        return local_date.weekday() in self.days and local_date not in self.skip_dates

    def fire_at(self, local_date: date) -> datetime:
        """The UTC instant of the post on `local_date`.

        A local time that does not exist (the hour skipped when clocks go forward) falls after the
        gap; one that happens twice (clocks go back) is its first occurrence. Either way each local
        date has exactly one instant.
        """
        local = datetime.combine(local_date, self.post_time).replace(tzinfo=self.zone, fold=0)
        return local.astimezone(UTC)

    def local_date(self, moment: datetime) -> date:
        """The date in this schedule's timezone at `moment` (an aware datetime)."""
        return moment.astimezone(self.zone).date()

    def days_text(self) -> str:
        """The day list as admins type it: `daily`, `mon-fri`, or `mon,wed,fri`."""
        return format_days(self.days)


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_time(text: str) -> time:
    """`HH:MM` in 24-hour time, 00:00 to 23:59."""
    match = _TIME_RE.match(text.strip())
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ScheduleError(
        N_("“{text}” is not a time of day: use HH:MM in 24-hour time, from 00:00 to 23:59"), text=text
    )


def is_timezone(text: str) -> bool:
    if text != text.strip() or not text or text.startswith("/") or ".." in text:
        return False
    try:
        zone(text)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_timezone(text: str) -> str:
    """An IANA timezone name such as `Asia/Shanghai`, `Europe/London` or `UTC`."""
    if is_timezone(text):
        return text
    # Offer the names that differ only in case: `asia/shanghai` is a common typo.
    close = sorted(n for n in available_timezones() if n.casefold() == text.casefold())
    if close:
        raise ScheduleError(
            N_("“{text}” is not a known timezone; did you mean {name}?"), text=text, name=close[0]
        )
    raise ScheduleError(
        N_(
            "“{text}” is not a known timezone: use an IANA name such as Asia/Shanghai, Europe/London, "
            "America/New_York or UTC"
        ),
        text=text,
    )


def parse_days(text: str) -> frozenset[int]:
    """Days of the week: `daily`, `weekdays`, `weekends`, `mon-fri`, `mon,wed,fri`, or a mix (`mon-wed,sat`).

    The Chinese that `describe_days` writes is read too (每天, 工作日, 周一至周五, 周一、周三、周五,
    週 or 星期 for 周), so an admin can type back what the bot shows.
    """
    words = text.strip().casefold()
    if words in _DAY_WORDS:
        return _DAY_WORDS[words]
    if words in _CHINESE_DAY_WORDS:
        return _CHINESE_DAY_WORDS[words]
    days: set[int] = set()
    items = re.split(r"[,，、]", words)
    for item in items:
        first, dash, last = re.sub(r"[至到~～—–]", "-", item).partition("-")
        start, end = _day_index(first), _day_index(last) if dash else _day_index(first)
        if start is None or end is None:
            break
        # mon-fri, and also fri-mon wrapping over the weekend.
        days.update((start + i) % 7 for i in range((end - start) % 7 + 1))
    else:
        if days:
            return frozenset(days)
    raise ScheduleError(
        N_(
            "“{text}” is not a list of days: use daily, weekdays, weekends, a range such as mon-fri, "
            "or days separated by commas such as mon,wed,fri"
        ),
        text=text,
    )


_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


_CHINESE_DAY_WORDS = {
    "每天": EVERY_DAY,
    "每日": EVERY_DAY,
    "天天": EVERY_DAY,
    "工作日": frozenset(range(5)),
    "周末": frozenset({5, 6}),
    "週末": frozenset({5, 6}),
}
_CHINESE_DAY = re.compile(r"^(?:周|週|星期|礼拜|禮拜)([一二三四五六日天])$")
_CHINESE_DAY_NUMBERS = "一二三四五六日"


def _day_index(word: str) -> int | None:
    """0 for `mon`, `mond` … `monday` (a prefix of a day name of at least three letters) or 周一, etc."""
    chinese = _CHINESE_DAY.match(word)
    if chinese:
        return _CHINESE_DAY_NUMBERS.index(chinese.group(1).replace("天", "日"))
    if len(word) < 3:
        return None
    return next((i for i, name in enumerate(_FULL_DAY_NAMES) if name.startswith(word)), None)


def looks_like_days(text: str) -> bool:
    try:
        parse_days(text)
    except ScheduleError:
        return False
    return True


def format_days(days: frozenset[int]) -> str:
    if days == EVERY_DAY:
        return "daily"
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{WEEKDAYS[ordered[0]]}-{WEEKDAYS[ordered[-1]]}"
    return ",".join(WEEKDAYS[d] for d in ordered)


_CHINESE_WEEKDAYS = tuple(f"周{n}" for n in _CHINESE_DAY_NUMBERS)


def describe_days(days: frozenset[int], chinese: bool) -> str:
    """The day list for people: `format_days` in English; 每天, 周一至周五 or 周一、周三、周五 in Chinese
    (Traditional readers get it converted with the rest of the message: 週一至週五)."""
    if not chinese:
        return format_days(days)
    if days == EVERY_DAY:
        return "每天"
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{_CHINESE_WEEKDAYS[ordered[0]]}至{_CHINESE_WEEKDAYS[ordered[-1]]}"
    return "、".join(_CHINESE_WEEKDAYS[d] for d in ordered)


def offset_label(offset: timedelta) -> str:
    """A UTC offset as people read it: `UTC+8`, `UTC-3`, `UTC+5:30`, or `UTC` for none."""
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    hours, rest = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def parse_date(text: str) -> date:
    """A calendar date as YYYY-MM-DD."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ScheduleError(
            N_("“{text}” is not a date: use YYYY-MM-DD, for example 2025-01-29"), text=text
        ) from None


def schedule_from_args(args: Sequence[str], current: Schedule) -> Schedule:
    """The schedule `HH:MM [TZ] [DAYS]` asks for (/schedule in chat, `atou groups schedule` in a shell).

    The timezone and the days may come in either order; what is left out stays as in `current`,
    and so do its skip dates.
    """
    post_time = parse_time(args[0] if args else "")
    timezone, days = current.timezone, current.days
    seen_zone = seen_days = False
    for arg in args[1:]:
        if not seen_zone and is_timezone(arg):
            timezone, seen_zone = arg, True
        elif not seen_days and looks_like_days(arg):
            days, seen_days = parse_days(arg), True
        elif "/" in arg or arg.isupper():
            parse_timezone(arg)  # a mistyped timezone: raises saying what is accepted
        else:
            raise ScheduleError(
                N_(
                    "“{text}” is neither a timezone nor a list of days. Use /schedule HH:MM [TZ] [days], "
                    "e.g. /schedule 08:00 Asia/Shanghai mon-fri"
                ),
                text=arg,
            )
    return Schedule(timezone, post_time, days, current.skip_dates)
