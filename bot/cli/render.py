"""`atou render`: print exactly what the bot would send for a part of an article, on one platform.

Heavy libraries (storage, the formatters, Babel, OpenCC) are imported inside the command body, so
`atou --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from bot.model import Article
    from bot.render.document import Document
    from bot.render.formatter import Formatter


class RenderPart(StrEnum):
    BRIEF = "brief"
    PROMPTS = "prompts"
    BILINGUAL = "bilingual"
    TRANSLATION = "translation"
    ORIGINAL = "original"


class RenderPlatform(StrEnum):
    TELEGRAM = "telegram"
    DISCORD = "discord"
    CONSOLE = "console"


class RenderLang(StrEnum):
    ZH_HANS = "zh-Hans"
    ZH_HANT = "zh-Hant"
    EN = "en"


def _payload(platform: RenderPlatform, message: Any) -> dict[str, Any]:
    """One message as the platform's API receives it (Telegram sendMessage, Discord Create Message)."""
    if platform is RenderPlatform.CONSOLE:
        return {"text": message}
    payload: dict[str, Any] = message.payload()
    if platform is RenderPlatform.TELEGRAM:
        payload.setdefault("reply_markup", None)
    return payload


def _documents(
    article: Article, part: RenderPart, lang: RenderLang, formatter: Formatter, page: int
) -> tuple[list[Document], int | None, int | None]:
    """The documents to send, and for a paged view the page shown and the page count."""
    from bot.render.i18n import Lang
    from bot.render.views import Part, brief_document, prompt_documents, text_page

    language = Lang(lang.value)
    if part is RenderPart.BRIEF:
        return [brief_document(article, lang=language)], None, None
    if part is RenderPart.PROMPTS:
        return prompt_documents(article, lang=language), None, None
    shown = text_page(article, Part(part.value), page, lang=language, formatter=formatter)
    return [shown.doc], shown.number, shown.total


def _print_readable(
    platform: RenderPlatform, payloads: list[tuple[int, dict[str, Any]]], heading: str
) -> None:
    out = sys.stdout
    out.write(f"{heading}\n")
    documents = len({d for d, _ in payloads})
    for index, (document, payload) in enumerate(payloads, start=1):
        where = f"message {index} of {len(payloads)}" + (f", prompt {document}" if documents > 1 else "")
        if platform is RenderPlatform.TELEGRAM:
            out.write(f"\n── {where} · parse_mode={payload['parse_mode']} ──\n{payload['text']}\n")
            markup = payload["reply_markup"]
            for row in (markup or {}).get("inline_keyboard", []):
                cells = [f"[{b['text']} → {b.get('callback_data') or b.get('url')}]" for b in row]
                out.write("  " + "  ".join(cells) + "\n")
        elif platform is RenderPlatform.DISCORD:
            out.write(f"\n── {where} ──\n{payload['content']}\n")
            for embed in payload["embeds"]:
                out.write(f"[embed] {json.dumps(embed, ensure_ascii=False)}\n")
            for row in payload["components"]:
                cells = [f"[{b['label']} → {b.get('custom_id') or b.get('url')}]" for b in row["components"]]
                out.write("  " + "  ".join(cells) + "\n")
        else:
            out.write(f"\n── {where} ──\n{payload['text']}\n")


def render_command(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article's id (see `atou articles`).")],
    part: Annotated[
        RenderPart, typer.Option("--part", "-p", help="Which part to render.")
    ] = RenderPart.BRIEF,
    platform: Annotated[
        RenderPlatform, typer.Option("--platform", help="Whose messages to print.")
    ] = RenderPlatform.TELEGRAM,
    page: Annotated[
        int | None,
        typer.Option(
            "--page",
            min=1,
            help="Page of bilingual, translation or original (default 1).",
            show_default=False,
        ),
    ] = None,
    lang: Annotated[RenderLang, typer.Option("--lang", help="The group's language.")] = RenderLang.ZH_HANS,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (shape in docs/rendering.md).")] = False,
) -> None:
    """Print exactly what the bot would send for a part of an article: Telegram text, parse mode and
    keyboard; Discord content, embeds and components; or the console's text."""
    from bot.bootstrap import platform_formatter
    from bot.cli.db import fail, stored_article

    if page is not None and part in (RenderPart.BRIEF, RenderPart.PROMPTS):
        fail(f"--page applies to bilingual, translation and original, not to {part.value}.")
    article = stored_article(article_id)
    formatter = platform_formatter(platform.value)
    docs, number, total = _documents(article, part, lang, formatter, page or 1)
    try:
        payloads = [
            (i, _payload(platform, message))
            for i, doc in enumerate(docs, start=1)
            for message in formatter.format(doc)
        ]
    except ValueError as exc:
        fail(f"cannot render {part.value} of {article_id} for {platform.value}: {exc}")
    if as_json:
        data = {
            "article": article.id,
            "part": part.value,
            "platform": platform.value,
            "lang": lang.value,
            "page": number,
            "pages": total,
            "messages": [{"document": d, "payload": p} for d, p in payloads],
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    where = f", page {number} of {total}" if number is not None else ""
    count = f"{len(payloads)} message{'s' if len(payloads) != 1 else ''}"
    if part is RenderPart.PROMPTS:
        count += f" for {len(docs)} prompt{'s' if len(docs) != 1 else ''}"
    _print_readable(
        platform, payloads, f"{article.id} · {part.value}{where} · {platform.value} · {lang.value} · {count}"
    )


def register(app: typer.Typer) -> None:
    app.command("render")(render_command)
