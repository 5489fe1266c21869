"""Asking an OpenAI-compatible model for structured answers (drafting, synthesis); off when unconfigured."""

from bot.llm.client import ContextOverflow, ModelClient, ModelConfig, ModelError, Usage, missing_settings
from bot.llm.data import DATA_NOTICE, data_block

__all__ = [
    "DATA_NOTICE",
    "ContextOverflow",
    "ModelClient",
    "ModelConfig",
    "ModelError",
    "Usage",
    "data_block",
    "missing_settings",
]
