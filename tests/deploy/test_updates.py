"""Webhook updates are taken once across instances, and old ids are pruned."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from storage.db import make_engine
from storage.updates import KEEP, PRUNE_EVERY, SeenUpdate, claim_update, prune_updates


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(SeenUpdate.__table__)).scalar_one())


def test_an_update_is_claimed_once(migrated: Engine) -> None:
    assert claim_update(migrated, 7001) is True
    assert claim_update(migrated, 7001) is False
    assert claim_update(migrated, 7002) is True


def test_two_instances_racing_for_the_same_updates_each_get_a_disjoint_share(migrated: Engine) -> None:
    # Two engines stand for two instances behind a load balancer that both got every delivery.
    other = make_engine(migrated.url.render_as_string(hide_password=False))
    ids = list(range(10_000, 10_200))
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            mine = pool.submit(lambda: [u for u in ids if claim_update(migrated, u)])
            theirs = pool.submit(lambda: [u for u in ids if claim_update(other, u)])
            a, b = set(mine.result()), set(theirs.result())
    finally:
        other.dispose()
    assert a.isdisjoint(b)
    assert a | b == set(ids)


def test_old_updates_are_pruned_and_recent_ones_kept(migrated: Engine) -> None:
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    claim_update(migrated, 1, now=now - KEEP - timedelta(minutes=1))
    claim_update(migrated, 2, now=now - KEEP + timedelta(minutes=1))
    assert prune_updates(migrated, now=now) == 1
    assert claim_update(migrated, 2, now=now) is False  # still remembered
    assert _count(migrated) == 1


def test_claiming_every_thousandth_update_prunes_on_the_way(migrated: Engine) -> None:
    now = datetime.now(UTC)
    claim_update(migrated, 5, now=now - KEEP - timedelta(hours=1))
    claim_update(migrated, 6, now=now)
    assert _count(migrated) == 2
    assert claim_update(migrated, 3 * PRUNE_EVERY, now=now) is True
    assert _count(migrated) == 2  # id 5 went, 6 and the new one stay
