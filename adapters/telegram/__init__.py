"""Telegram: groups, supergroups, forum topics and private chats through python-telegram-bot 22.

`create(settings, context)` builds the adapter from `ATOU_TELEGRAM_*` settings, or returns None when
no token is set. python-telegram-bot is imported only then, so the command line stays quick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.telegram.adapter import TelegramAdapter
    from bot.config import Settings
    from bot.protocol import AdapterContext
    from bot.render.formatter import Formatter


def create(settings: Settings, context: AdapterContext) -> TelegramAdapter | None:
    """The Telegram adapter: polling, or webhook mode when `ATOU_TELEGRAM_WEBHOOK_URL` is set (each
    update is claimed through `context.claim_update`, so several instances handle it once)."""
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value().strip():
        return None
    from adapters.telegram.adapter import TelegramAdapter, WebhookConfig, derived_secret

    token = settings.telegram_token.get_secret_value().strip()
    webhook = None
    if settings.telegram_webhook_url:
        secret = (
            settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else ""
        )
        webhook = WebhookConfig(
            url=settings.telegram_webhook_url,
            secret=secret or derived_secret(token),
            listen=settings.telegram_listen,
            port=settings.telegram_port,
            claim=context.claim_update,
        )
    return TelegramAdapter(
        token,
        context.handler,
        api_url=settings.telegram_api_url,
        webhook=webhook,
        default_lang=settings.default_lang,
    )


def formatter() -> Formatter:
    """How this platform lays documents out and splits them into messages (`atou render` shows it)."""
    from adapters.telegram.format import TelegramFormatter

    return TelegramFormatter()
