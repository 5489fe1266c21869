"""Reviewing drafts from chat (`/drafts`): the engine's `DraftReview` port, with redrafting."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from bot.config import Settings
from bot.drafting.fetch import Fetcher
from bot.drafting.problem import SourceProblem
from bot.drafting.service import redraft
from bot.llm import ModelClient, ModelConfig
from bot.model import Article
from bot.ports import WaitingDraft
from storage.drafts import DraftStore

log = logging.getLogger(__name__)


class Review:
    """Drafts waiting for review, in the database; redrafted with the configured model."""

    def __init__(self, settings: Settings, database: Engine) -> None:
        self.settings = settings
        self.store = DraftStore(database)
        self.database = database

    def pending(self) -> list[tuple[str, str]]:
        return self.store.pending()

    def waiting(self) -> list[WaitingDraft]:
        return [WaitingDraft(d.id, d.title, d.source, d.updated_at.isoformat()) for d in self.store.listed()]

    def approve(self, id: str) -> Article:
        return self.store.approve(id)

    def reject(self, id: str, reason: str | None = None) -> None:
        self.store.reject(id, reason)

    def can_redraft(self) -> bool:
        return ModelConfig.from_settings(self.settings) is not None

    async def redraft(self, id: str) -> bool:
        """Draft it again from its source with the model; False when that failed (the reason is logged)."""
        model = ModelClient.from_settings(self.settings)
        if model is None:
            log.warning("could not redraft %s: no model is configured", id)
            return False
        try:
            async with Fetcher(self.settings) as fetcher, model:
                await redraft(id, settings=self.settings, engine=self.database, fetcher=fetcher, model=model)
        except SourceProblem as problem:
            log.warning("could not redraft %s: %s", id, problem)
            return False
        return True
