"""What a platform's formatter offers the core: a fit test for pagination, and the split messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.render.document import Document


class Formatter(Protocol):
    """Turns neutral documents into the messages one platform accepts."""

    platform: str

    def fits(self, doc: Document) -> bool:
        """True when `doc` goes out as a single message within every limit of the platform."""
        ...

    def format(self, doc: Document) -> Sequence[object]:
        """The platform messages for `doc`, split so that each is within the platform's limits."""
        ...
