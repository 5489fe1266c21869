"""Schedules: what admins type, and which posts are due at a given moment (a pure function)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render.i18n import Lang, convert_article_text
from bot.scheduling.due import next_slot, plan, slots_between
from bot.scheduling.runner import SWEEP_SECONDS, Scheduler, cron_trigger
from bot.scheduling.schedule import (
    EVERY_DAY,
    Schedule,
    ScheduleError,
    describe_days,
    format_days,
    parse_date,
    parse_days,
    parse_time,
    parse_timezone,
)

LONDON = "Europe/London"


def test_times_of_day_are_hh_mm_in_24_hours() -> None:
    assert parse_time("08:00") == time(8, 0)
    assert parse_time("7:05") == time(7, 5)
    assert parse_time("23:59") == time(23, 59)
    for bad in ("25:00", "24:00", "12:60", "noon", "8", "08:00:00", ""):
        with pytest.raises(ScheduleError, match="HH:MM"):
            parse_time(bad)


def test_timezones_are_iana_names_and_a_wrong_case_gets_a_suggestion() -> None:
    assert parse_timezone("Asia/Shanghai") == "Asia/Shanghai"
    assert parse_timezone("UTC") == "UTC"
    with pytest.raises(ScheduleError, match="IANA name"):
        parse_timezone("Mars/Olympus_Mons")
    with pytest.raises(ScheduleError, match="did you mean Asia/Shanghai"):
        parse_timezone("asia/shanghai")
    with pytest.raises(ScheduleError):
        parse_timezone("../../etc/passwd")


def test_day_lists() -> None:
    assert parse_days("daily") == EVERY_DAY
    assert parse_days("mon-fri") == frozenset(range(5))
    assert parse_days("weekends") == frozenset({5, 6})
    assert parse_days("mon,wed,Friday") == frozenset({0, 2, 4})
    assert parse_days("fri-mon") == frozenset({4, 5, 6, 0})
    assert parse_days("mon-wed,sat") == frozenset({0, 1, 2, 5})
    for bad in ("funday", "mon-", "", "m", "1-5"):
        with pytest.raises(ScheduleError, match="mon-fri"):
            parse_days(bad)


@settings(deadline=None)  # the first example loads OpenCC's dictionaries
@given(st.frozensets(st.integers(0, 6), min_size=1))
def test_day_lists_read_back_as_written(days: frozenset[int]) -> None:
    assert parse_days(format_days(days)) == days
    # What a Chinese group is shown, in either script, is what an admin can type back.
    chinese = describe_days(days, True)
    assert parse_days(chinese) == days
    assert parse_days(convert_article_text(chinese, Lang.ZH_HANT)) == days
    assert not any("a" <= c.lower() <= "z" for c in chinese)


def test_chinese_day_lists() -> None:
    assert parse_days("周一至周五") == parse_days("工作日") == parse_days("週一到週五") == frozenset(range(5))
    assert parse_days("星期六、星期日") == parse_days("周末") == frozenset({5, 6})
    assert parse_days("每天") == EVERY_DAY
    assert describe_days(frozenset({0, 2, 4}), True) == "周一、周三、周五"
    for bad in ("周八", "周一至", "星期"):
        with pytest.raises(ScheduleError):
            parse_days(bad)


def test_dates() -> None:
    assert parse_date("2025-05-01") == date(2025, 5, 1)
    with pytest.raises(ScheduleError, match="YYYY-MM-DD"):
        parse_date("May 1")


def test_local_post_time_follows_daylight_saving() -> None:
    s = Schedule(LONDON, time(8, 0))
    # London moved to BST at 01:00 UTC on 2025-03-30: 08:00 local is 08:00 UTC before, 07:00 UTC after.
    assert s.fire_at(date(2025, 3, 29)) == datetime(2025, 3, 29, 8, 0, tzinfo=UTC)
    assert s.fire_at(date(2025, 3, 30)) == datetime(2025, 3, 30, 7, 0, tzinfo=UTC)
    assert s.fire_at(date(2025, 10, 26)) == datetime(2025, 10, 26, 8, 0, tzinfo=UTC)


def test_a_time_skipped_by_the_clock_change_posts_just_after_it_and_a_repeated_one_once() -> None:
    gap = Schedule(LONDON, time(1, 30))
    at = gap.fire_at(date(2025, 3, 30))  # 01:30 does not exist that night in London
    assert at.astimezone(ZoneInfo(LONDON)).strftime("%H:%M %Z") == "02:30 BST"
    twice = Schedule(LONDON, time(1, 30))
    slots = slots_between(twice, datetime(2025, 10, 25, 12, tzinfo=UTC), datetime(2025, 10, 27, tzinfo=UTC))
    assert [s.local_date for s in slots] == [date(2025, 10, 26)]  # 01:30 happened twice; one post


def test_due_within_the_grace_window_missed_after_it() -> None:
    s = Schedule("Asia/Shanghai", time(8, 0))  # 00:00 UTC
    since = datetime(2025, 1, 1, tzinfo=UTC)
    grace = timedelta(hours=6)
    at_post = plan(s, now=datetime(2025, 1, 10, 0, 0, tzinfo=UTC), grace=grace, since=since)
    assert [d.local_date for d in at_post.due] == [date(2025, 1, 10)]
    late = plan(s, now=datetime(2025, 1, 10, 5, 59, tzinfo=UTC), grace=grace, since=since)
    assert [d.local_date for d in late.due] == [date(2025, 1, 10)]
    too_late = plan(s, now=datetime(2025, 1, 10, 6, 1, tzinfo=UTC), grace=grace, since=since)
    assert too_late.due == ()
    assert date(2025, 1, 10) in [m.local_date for m in too_late.missed]
    before = plan(s, now=datetime(2025, 1, 9, 23, 59, tzinfo=UTC), grace=grace, since=since)
    assert date(2025, 1, 10) not in [d.local_date for d in before.due + before.missed]


def test_slots_before_the_schedule_started_never_count() -> None:
    s = Schedule("UTC", time(8, 0))
    since = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)  # set after today's 08:00
    result = plan(s, now=datetime(2025, 1, 10, 9, 30, tzinfo=UTC), grace=timedelta(hours=6), since=since)
    assert result.due == () and result.missed == ()


def test_days_of_week_and_skip_dates() -> None:
    s = Schedule("UTC", time(8, 0), parse_days("mon-fri"), frozenset({date(2025, 1, 8)}))
    slots = slots_between(s, datetime(2025, 1, 4, tzinfo=UTC), datetime(2025, 1, 13, 23, tzinfo=UTC))
    # 4-5 Jan are a weekend, 8 Jan is skipped, 11-12 Jan a weekend.
    assert [x.local_date.day for x in slots] == [6, 7, 9, 10, 13]
    nxt = next_slot(s, datetime(2025, 1, 7, 9, 0, tzinfo=UTC))
    assert nxt is not None and nxt.local_date == date(2025, 1, 9)


zones = st.sampled_from(
    ["Asia/Shanghai", LONDON, "America/New_York", "Australia/Lord_Howe", "Pacific/Apia", "UTC"]
)


@settings(max_examples=150, deadline=None)
@given(
    zone=zones,
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 1, 29, 30, 59]),
    days=st.frozensets(st.integers(0, 6), min_size=1),
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 1, 1)),
    span=st.integers(1, 40),
)
def test_every_posting_day_has_exactly_one_slot_on_its_own_local_date(
    zone: str, hour: int, minute: int, days: frozenset[int], start: datetime, span: int
) -> None:
    s = Schedule(zone, time(hour, minute), days)
    begin = start.replace(tzinfo=UTC)
    end = begin + timedelta(days=span)
    slots = slots_between(s, begin, end)
    local_dates = [x.local_date for x in slots]
    assert len(local_dates) == len(set(local_dates))
    assert [x.at for x in slots] == sorted(x.at for x in slots)
    for x in slots:
        assert begin <= x.at <= end
        assert x.local_date.weekday() in days
        assert x.at.astimezone(ZoneInfo(zone)).date() == x.local_date
    # Every posting day strictly inside the window has its slot.
    first = begin.astimezone(ZoneInfo(zone)).date() + timedelta(days=1)
    last = end.astimezone(ZoneInfo(zone)).date() - timedelta(days=1)
    day = first
    while day <= last:
        if day.weekday() in days:
            assert day in local_dates
        day += timedelta(days=1)


def test_cron_trigger_fires_at_local_time_on_both_sides_of_a_clock_change() -> None:
    trigger = cron_trigger(Schedule(LONDON, time(8, 0), parse_days("sat,sun,mon")))
    fire = trigger.get_next_fire_time(None, datetime(2025, 3, 28, 12, tzinfo=UTC))
    seen = []
    for _ in range(3):
        seen.append(fire.astimezone(UTC))
        fire = trigger.get_next_fire_time(fire, fire)
    assert seen == [
        datetime(2025, 3, 29, 8, 0, tzinfo=UTC),  # Saturday, GMT
        datetime(2025, 3, 30, 7, 0, tzinfo=UTC),  # Sunday, BST
        datetime(2025, 3, 31, 7, 0, tzinfo=UTC),  # Monday, BST
    ]


async def test_scheduler_keeps_one_job_per_group_in_its_timezone() -> None:
    schedules = {1: Schedule("Asia/Shanghai", time(8, 0)), 2: Schedule("America/New_York", time(21, 30))}

    async def nothing(*_: object) -> None:
        return None

    scheduler = Scheduler(
        schedules=lambda: list(schedules.items()), wake=nothing, sweep=nothing, grace=timedelta(hours=6)
    )
    scheduler.start()
    try:
        jobs = scheduler.jobs
        assert set(jobs) == {"sweep", "group-1", "group-2"}
        assert str(jobs["group-2"].trigger.timezone) == "America/New_York"
        del schedules[1]
        schedules[2] = Schedule("Europe/London", time(7, 0))
        scheduler.rebuild()
        jobs = scheduler.jobs
        assert set(jobs) == {"sweep", "group-2"}
        assert str(jobs["group-2"].trigger.timezone) == LONDON
    finally:
        scheduler.shutdown()


async def test_a_sweep_that_knows_something_frees_up_sooner_brings_the_next_sweep_forward() -> None:
    swept = asyncio.Event()
    soon = datetime.now(UTC) + timedelta(seconds=5)

    async def sweep() -> datetime | None:
        swept.set()
        return soon

    async def nothing(*_: object) -> None:
        return None

    scheduler = Scheduler(schedules=list, wake=nothing, sweep=sweep, grace=timedelta(hours=6))
    regular = datetime.now(UTC) + timedelta(seconds=SWEEP_SECONDS)
    scheduler.start()
    try:
        await asyncio.wait_for(swept.wait(), 5)
        for _ in range(100):  # the job ends just after the sweep returns
            if scheduler.jobs["sweep"].next_run_time < regular - timedelta(seconds=30):
                break
            await asyncio.sleep(0.01)
        assert abs(scheduler.jobs["sweep"].next_run_time - soon) < timedelta(milliseconds=1)
        scheduler.sweep_by(soon + timedelta(hours=2))  # later than the next sweep: no change
        assert abs(scheduler.jobs["sweep"].next_run_time - soon) < timedelta(milliseconds=1)
    finally:
        scheduler.shutdown()
