"""Making a draft from a link or a file: fetch, extract, write with the model when there is one, store.

A draft is stored whole or not at all: a fetch, an extraction or a model call that fails leaves no
draft behind (the model answers already received are kept, so trying again costs only the rest).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from bot.config import Settings
from bot.drafting.extract import Extracted, decode_page, extract_html, extract_markdown, extract_text
from bot.drafting.fetch import Fetcher
from bot.drafting.problem import SourceProblem
from bot.drafting.writer import Writer
from bot.llm import ModelClient, ModelError, missing_settings
from bot.model import ARTICLE_ID_RE, Article, BilingualPair, Brief
from storage.drafts import Draft, DraftStore, NewDraft

HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = {"text/plain": "text", "text/markdown": "markdown", "text/x-markdown": "markdown"}
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.5,text/markdown;q=0.5"
TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref)$")
DEFAULT_AUDIENCES = {"zh": "读书会成员", "en": "the reading group"}


@dataclass(frozen=True)
class Outcome:
    """The draft made (or found: `existing`), and for a new one what the editor still has to supply."""

    draft: Draft
    existing: bool = False


def is_url(source: str) -> bool:
    return urlsplit(source).scheme in ("http", "https")


def canonical_url(url: str) -> str:
    """The URL a page is known by: no fragment, no tracking parameters, default port and case dropped."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if parts.port in (None, default) else f"{host}:{parts.port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)])
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", query, ""))


@dataclass(frozen=True)
class Loaded:
    extracted: Extracted
    canonical: str | None


async def load(source: str, settings: Settings, fetcher: Fetcher) -> Loaded:
    """The article behind a URL or in a local file; raises SourceProblem naming the source."""
    if is_url(source):
        fetched = await fetcher.get(source, accept=PAGE_ACCEPT)
        kind = fetched.content_type
        if kind in HTML_TYPES:
            page = decode_page(fetched.body, fetched.charset)
            extracted = extract_html(page, source=source, url=fetched.url)
            canonical = canonical_url(urljoin(fetched.url, extracted.url or fetched.url))
            return Loaded(extracted, canonical)
        if kind in TEXT_TYPES:
            return Loaded(_from_text(decode_page(fetched.body, fetched.charset), TEXT_TYPES[kind], source), canonical_url(fetched.url))
        raise SourceProblem(source, f"not a web page: the server sent {kind}, which cannot be drafted")
    return await asyncio.to_thread(_load_file, source, settings)


def _load_file(source: str, settings: Settings) -> Loaded:
    path = Path(source)
    if not path.is_file():
        what = "a directory, not a file" if path.is_dir() else "no such file (and not an http or https URL)"
        raise SourceProblem(source, what)
    size = path.stat().st_size
    if size > settings.max_import_bytes:
        raise SourceProblem(source, f"the file is larger than the {settings.max_import_bytes // 1024} KiB cap")
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm", ".xhtml"):
        return Loaded(extract_html(data, source=source), None)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceProblem(source, f"the file is not UTF-8 text (byte {exc.start})") from exc
    kind = "markdown" if suffix in (".md", ".markdown") else "text"
    return Loaded(_from_text(text, kind, source, fallback=path.stem.replace("-", " ").replace("_", " ")), None)


def _from_text(text: str, kind: str, source: str, fallback: str = "") -> Extracted:
    title = fallback or urlsplit(source).path.rsplit("/", 1)[-1] or source
    if kind == "markdown":
        return extract_markdown(text, source=source, fallback_title=title)
    return extract_text(text, source=source, fallback_title=title)


def source_language(extracted: Extracted, given: str | None) -> str:
    """The article's language: as given, else the page's, else guessed from its script."""
    if given:
        return given
    declared = (extracted.lang or "").strip()
    if declared:
        base = declared.split("-")[0].lower()
        if base == "zh":
            return "zh-Hant" if declared.lower() in ("zh-tw", "zh-hk", "zh-hant", "zh-mo") else "zh-Hans"
        return base
    sample = "".join(p.text for p in extracted.pieces[:20])
    han = sum(1 for ch in sample if unicodedata.name(ch, "").startswith("CJK UNIFIED"))
    return "zh-Hans" if sample and han / len(sample) > 0.2 else "en"


def target_language(source_lang: str, settings: Settings) -> str:
    """The group's language, unless the article is already in it (then English)."""
    wanted = settings.default_lang
    if source_lang.split("-")[0] == wanted.split("-")[0]:
        return "en"
    return wanted


def audiences(target_lang: str, settings: Settings) -> list[str]:
    return settings.draft_audiences or [DEFAULT_AUDIENCES.get(target_lang.split("-")[0], DEFAULT_AUDIENCES["en"])]


def new_id(title: str, key: str, taken: Callable[[list[str]], set[str]]) -> str:
    """A short id from the title's Latin words (or a hash for other scripts) that no article or draft has."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_title)
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 30:
            break
        slug = f"{slug}-{word}" if slug else word
    if not slug:
        slug = "draft-" + hashlib.sha256(key.encode()).hexdigest()[:8]
    candidates = [slug] + [f"{slug}-{n}" for n in range(2, 50)]
    used = taken(candidates)
    chosen = next((c for c in candidates if c not in used), None)
    if chosen is None or not ARTICLE_ID_RE.fullmatch(chosen):
        chosen = "draft-" + hashlib.sha256((key + title).encode()).hexdigest()[:12]
    return chosen


def needs_model(settings: Settings) -> str:
    """What a draft made without a model lacks, and how to supply it."""
    unset = ", ".join(missing_settings(settings))
    return (
        f"translation and brief: no model is configured (set {unset}), "
        "or supply them with `atou export ID --format md`, edit, then `atou import --replace FILE`"
    )


def placeholder_brief(title: str) -> Brief:
    return Brief(headline=title, verdict="Not drafted yet: this draft holds the original text only.")


async def make_draft(
    source: str,
    *,
    settings: Settings,
    engine: Engine,
    fetcher: Fetcher,
    model: ModelClient | None,
    lang: str | None = None,
    feed_id: int | None = None,
    entry_id: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Draft one source, or find the draft already made from it (same canonical URL or feed entry)."""
    store = DraftStore(engine)
    if is_url(source):
        found = store.find(url=canonical_url(source), feed_id=feed_id, entry_id=entry_id)
        if found is not None:
            return Outcome(found, existing=True)
    loaded = await load(source, settings, fetcher)
    if loaded.canonical is not None:
        found = store.find(url=loaded.canonical)
        if found is not None:
            return Outcome(found, existing=True)
    new = await _written(
        loaded, source, settings=settings, store=store, model=model, lang=lang, on_progress=on_progress
    )
    new = replace(new, feed_id=feed_id, entry_id=entry_id)
    try:
        return Outcome(store.add(new))
    except IntegrityError:
        # Another run drafted the same page meanwhile: that draft stands.
        found = store.find(url=loaded.canonical, feed_id=feed_id, entry_id=entry_id)
        if found is None:
            raise
        return Outcome(found, existing=True)


async def _written(
    loaded: Loaded,
    source: str,
    *,
    settings: Settings,
    store: DraftStore,
    model: ModelClient | None,
    lang: str | None,
    on_progress: Callable[[int, int], None] | None = None,
    article_id: str | None = None,
    fresh: bool = False,
) -> NewDraft:
    """The draft of an extracted article: written by the model when there is one (`fresh`: asked
    anew, not answered from kept answers), checked as a whole article document."""
    extracted = loaded.extracted
    original = extracted.blocks
    source_lang = source_language(extracted, lang)
    target_lang = target_language(source_lang, settings)
    title = extracted.title
    written = None
    if model is not None:
        writer = Writer(model, store, on_progress=on_progress, fresh=fresh)
        try:
            written = await writer.write(
                title=title,
                original=original,
                source_lang=source_lang,
                target_lang=target_lang,
                audiences=audiences(target_lang, settings),
            )
        except ModelError as exc:
            raise SourceProblem(source, f"drafting with the model failed: {exc}") from exc
    article = Article(
        id=article_id or new_id(title, loaded.canonical or source, store.taken_ids),
        title=title,
        brief=written.brief if written else placeholder_brief(title),
        source_url=loaded.canonical or extracted.url,
        published=extracted.published,
        source_lang=source_lang,
        target_lang=target_lang,
        original=original,
        translation=written.translation if written else (),
        bilingual=tuple(BilingualPair(s, t) for s, t in zip(original, written.translation, strict=True))
        if written
        else (),
    )
    _check_document(article, source)
    return NewDraft(
        article=article,
        source=source,
        canonical_url=loaded.canonical,
        author=extracted.author,
        missing=None if written else needs_model(settings),
        model=model.config.model if model else None,
        prompt_tokens=written.usage.prompt_tokens if written else 0,
        completion_tokens=written.usage.completion_tokens if written else 0,
        calls=written.usage.calls if written else 0,
        elapsed_s=written.elapsed_s if written else 0.0,
    )


async def redraft(
    draft_id: str, *, settings: Settings, engine: Engine, fetcher: Fetcher, model: ModelClient
) -> Draft:
    """Draft a waiting draft again from its source, asking the model anew; the draft keeps its id."""
    store = DraftStore(engine)
    draft = store.get(draft_id)
    if draft is None or draft.status != "ready":
        raise SourceProblem(draft_id, "no draft with this id is waiting for review")
    loaded = await load(draft.source, settings, fetcher)
    new = await _written(
        loaded, draft.source, settings=settings, store=store, model=model, lang=None, article_id=draft_id, fresh=True
    )
    updated = store.redrafted(new)
    if updated is None:
        raise SourceProblem(draft_id, "the draft was reviewed while it was drafted again")
    return updated


def _check_document(article: Article, source: str) -> None:
    """The draft must read back as a valid article document, or nothing is stored."""
    from bot.formats import ImportProblem
    from bot.formats.jsondoc import article_from_dict, article_to_dict

    try:
        article_from_dict(article_to_dict(article), source_name=source)
    except ImportProblem as problem:
        raise SourceProblem(source, f"the drafted article is not valid: {problem}") from problem
