"""Formatter output → what discord.py sends: embeds, and persistent views of action buttons.

Every action button is an `ActionButton`, a `DynamicItem` whose template matches any
versioned payload (`v1|tab|…`, see `bot.render.document.encode_action`). Registered once in
`setup_hook`, it answers presses on every message the bot ever sent, including messages
sent before a restart, without keeping a view per message in memory. Payloads of another
version still match, so a stale button gets a polite answer instead of "interaction failed".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import discord

from bot.render.document import Document

if TYPE_CHECKING:
    from adapters.discord.format import DiscordMessage

BUTTON_TEMPLATE = r"(?P<payload>v\d+\|.*)"


class ButtonPressHandler(Protocol):
    async def on_action_button(self, interaction: discord.Interaction, payload: str) -> None: ...


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=BUTTON_TEMPLATE):
    def __init__(
        self,
        payload: str,
        *,
        label: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(label=label, custom_id=payload, style=style, row=row, disabled=disabled)
        )
        self.payload = payload

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ActionButton:
        button = item if isinstance(item, discord.ui.Button) else None
        return cls(
            match["payload"],
            label=None if button is None else button.label,
            style=discord.ButtonStyle.secondary if button is None else button.style,
            row=None if button is None else button.row,
        )

    async def callback(self, interaction: discord.Interaction) -> None:
        client: ButtonPressHandler = interaction.client  # type: ignore[assignment]
        await client.on_action_button(interaction, self.payload)


def build_view(rows: Sequence[Sequence[Mapping[str, Any]]]) -> discord.ui.View | None:
    """A persistent view (`timeout=None`) for rows of Discord button components."""
    view = discord.ui.View(timeout=None)
    for row_index, row in enumerate(rows):
        for spec in row:
            label = spec.get("label")
            disabled = bool(spec.get("disabled", False))
            if spec.get("url"):
                view.add_item(
                    discord.ui.Button(label=label, url=spec["url"], row=row_index, disabled=disabled)
                )
            elif spec.get("custom_id"):
                style = discord.ButtonStyle(int(spec.get("style", discord.ButtonStyle.secondary.value)))
                view.add_item(
                    ActionButton(
                        spec["custom_id"], label=label, style=style, row=row_index, disabled=disabled
                    )
                )
            else:
                raise ValueError(f"a button needs a custom_id or a url: {dict(spec)!r}")
    return view if view.children else None


def send_kwargs(message: DiscordMessage) -> dict[str, Any]:
    """Keyword arguments for `Messageable.send` and interaction sends."""
    kwargs: dict[str, Any] = {
        "content": message.content or None,
        "embeds": [discord.Embed.from_dict(dict(embed)) for embed in message.embeds],
    }
    view = build_view(message.components)
    if view is not None:
        kwargs["view"] = view
    return kwargs


def edit_kwargs(message: DiscordMessage) -> dict[str, Any]:
    """Keyword arguments for an edit that makes the message exactly `message` (buttons removed if none)."""
    return {
        "content": message.content or None,
        "embeds": [discord.Embed.from_dict(dict(embed)) for embed in message.embeds],
        "view": build_view(message.components),
    }


def persona_mentions(content: str, doc: Document) -> discord.AllowedMentions:
    """Pings for the members the document mentions on purpose (persona mentions), nobody else.

    Only ids that the document names in a `Mention` span *and* that appear in this message's
    text are allowed; @everyone, roles and any other `<@id>` stay silent.
    """
    wanted = {
        span.mention.member_id
        for para in doc.paras
        for span in para.spans
        if span.mention is not None and span.mention.member_id.isdigit()
    }
    present = {match for match in re.findall(r"<@!?(\d+)>", content) if match in wanted}
    if not present:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(
        everyone=False,
        roles=False,
        replied_user=False,
        users=[discord.Object(int(member_id)) for member_id in sorted(present)],
    )
