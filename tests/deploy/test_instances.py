"""Heartbeat rows: what `atou health` reads to know which instances run, lead, and are connected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from storage.instances import ALIVE_WITHIN, FORGET_AFTER, InstanceStatus, forget, live_instances, report

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def status(name: str, seen: datetime, *, leader: bool = False, **adapters: bool) -> InstanceStatus:
    return InstanceStatus(name=name, version="1.0", started_at=T0, seen_at=seen, leader=leader, adapters=adapters)


def test_a_report_is_refreshed_not_duplicated(migrated: Engine) -> None:
    report(migrated, status("a:1", T0, telegram=False))
    report(migrated, status("a:1", T0 + timedelta(seconds=10), leader=True, telegram=True))
    [only] = live_instances(migrated, now=T0 + timedelta(seconds=11))
    assert only.leader and only.adapters == {"telegram": True}
    assert only.seen_at == T0 + timedelta(seconds=10)


def test_silent_instances_are_not_alive_and_stopped_ones_are_gone(migrated: Engine) -> None:
    report(migrated, status("a:1", T0, leader=True))
    report(migrated, status("b:2", T0 + ALIVE_WITHIN))
    report(migrated, status("c:3", T0 + ALIVE_WITHIN))
    alive = live_instances(migrated, now=T0 + ALIVE_WITHIN + timedelta(seconds=1))
    assert [s.name for s in alive] == ["b:2", "c:3"]
    forget(migrated, "c:3")
    assert [s.name for s in live_instances(migrated, now=T0 + ALIVE_WITHIN + timedelta(seconds=1))] == ["b:2"]


def test_the_leader_is_listed_first(migrated: Engine) -> None:
    report(migrated, status("a:1", T0))
    report(migrated, status("z:9", T0, leader=True))
    assert [s.name for s in live_instances(migrated, now=T0)] == ["z:9", "a:1"]


def test_rows_of_long_dead_instances_are_pruned_by_later_reports(migrated: Engine) -> None:
    report(migrated, status("old:1", T0))
    report(migrated, status("new:2", T0 + FORGET_AFTER + timedelta(minutes=1)))
    assert [s.name for s in live_instances(migrated, now=T0, within=FORGET_AFTER * 10)] == ["new:2"]
