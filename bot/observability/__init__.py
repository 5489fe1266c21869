"""Logs and metrics: `configure_logging(settings)` once at start, `metrics.*` from anywhere."""

from bot.observability.logs import configure_logging

__all__ = ["configure_logging"]
