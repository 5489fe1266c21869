"""Prometheus metrics of one bot process, in a registry of its own (served at /metrics).

The engine and the adapters call the small functions below; the metric objects are public too,
for tests and for anything that needs a label this module does not offer yet.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = CONTENT_TYPE_LATEST

posts_sent = Counter(
    "atou_posts_sent",
    "Postings completed: a day's brief and its prompts delivered to one group.",
    ["platform"],
    registry=REGISTRY,
)
messages_sent = Counter(
    "atou_messages_sent",
    "Messages the platform confirmed (every part of a brief, prompt, page or answer).",
    ["platform"],
    registry=REGISTRY,
)
post_failures = Counter(
    "atou_post_failures",
    "Sends that failed, by reason (chat_gone, thread_gone, rate_limited, network, error, ...).",
    ["platform", "reason"],
    registry=REGISTRY,
)
replies_recorded = Counter(
    "atou_replies_recorded",
    "Member replies recorded in a discussion archive.",
    ["platform"],
    registry=REGISTRY,
)
rate_limited = Counter(
    "atou_rate_limited",
    "Answers of HTTP 429 (too many requests) from a platform.",
    ["platform"],
    registry=REGISTRY,
)
duplicate_updates = Counter(
    "atou_duplicate_updates",
    "Webhook updates dropped because another instance (or an earlier delivery) already took them.",
    ["platform"],
    registry=REGISTRY,
)


class _QueueLengths(Collector):
    """`atou_queue_length{group}`: articles waiting in each group's queue, kept in a plain dict and
    turned into samples when scraped. A labelled Gauge child per group costs about 0.8 KB; with
    10,000 groups that was most of the memory over the at-rest target."""

    NAME = "atou_queue_length"
    HELP = "Articles waiting in a group's queue."

    def __init__(self) -> None:
        self.values: dict[str, float] = {}

    def describe(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(self.NAME, self.HELP, labels=["group"])

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(self.NAME, self.HELP, labels=["group"])
        for group_key, length in list(self.values.items()):
            family.add_metric([group_key], length)
        yield family


queue_lengths = _QueueLengths()
REGISTRY.register(queue_lengths)
is_leader = Gauge(
    "atou_leader",
    "1 while this instance holds the scheduler and sender role, else 0.",
    registry=REGISTRY,
)
adapter_connected = Gauge(
    "atou_adapter_connected",
    "1 while the platform adapter is started and connected, else 0.",
    ["platform"],
    registry=REGISTRY,
)


def record_post_sent(platform: str) -> None:
    """A posting to one group finished: every message of it is confirmed."""
    posts_sent.labels(platform=platform).inc()


def record_message_sent(platform: str, count: int = 1) -> None:
    messages_sent.labels(platform=platform).inc(count)


def record_post_failure(platform: str, reason: str) -> None:
    """A send failed; `reason` is a short fixed word (e.g. the PlatformError class in snake case)."""
    post_failures.labels(platform=platform, reason=reason).inc()


def record_reply(platform: str) -> None:
    replies_recorded.labels(platform=platform).inc()


def record_rate_limited(platform: str) -> None:
    rate_limited.labels(platform=platform).inc()


def record_duplicate_update(platform: str) -> None:
    duplicate_updates.labels(platform=platform).inc()


def set_queue_length(group_key: str, length: int) -> None:
    queue_lengths.values[group_key] = float(length)


def forget_group(group_key: str) -> None:
    """Drop a group's queue gauge (the bot left the group), so it stops being exported."""
    queue_lengths.values.pop(group_key, None)


def set_leader(leading: bool) -> None:
    is_leader.set(1 if leading else 0)


# The same states as the gauge, readable: /healthz reports them.
_adapter_states: dict[str, bool] = {}


# Adapters still trying to make their first connection (the platform could not be reached yet).
_connecting: set[str] = set()


def set_adapter_connected(platform: str, connected: bool) -> None:
    """An adapter connected, or stopped or lost its connection (adapters may call this on reconnects)."""
    _adapter_states[platform] = connected
    _connecting.discard(platform)
    adapter_connected.labels(platform=platform).set(1 if connected else 0)


def set_adapter_connecting(platform: str) -> None:
    """An adapter is trying to connect (at start, while its platform cannot be reached): not connected."""
    set_adapter_connected(platform, False)
    _connecting.add(platform)


def adapters_connecting() -> list[str]:
    """The adapters still trying to make their first connection."""
    return sorted(_connecting)


def adapter_states() -> dict[str, bool]:
    """Each adapter that reported so far, and whether it is connected now."""
    return dict(sorted(_adapter_states.items()))


def forget_adapters() -> None:
    """The run that reported adapters ended: a later run in this process starts with none known."""
    for platform in _adapter_states:
        adapter_connected.remove(platform)
    _adapter_states.clear()
    _connecting.clear()


def render() -> bytes:
    """The registry in Prometheus text format (served with CONTENT_TYPE)."""
    return generate_latest(REGISTRY)
