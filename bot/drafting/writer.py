"""Drafting a brief and an aligned translation with a model.

The translation goes block by block, in batches that carry each block's id (`b1`, `b2`, …): every
source block gets exactly one translated block, so the bilingual pairs are aligned by construction.
A batch that comes back with ids missing, extra or out of order is asked again (never padded); one
that does not fit the model's context is split in two. Batches run concurrently in waves of the
client's concurrency; the names and terms each batch reports join a running glossary that the next
wave is given, so the same name is rendered the same way throughout. The brief is asked for at the
same time as the first wave.

Every answer is kept by the hash of its whole request (`DraftStore.keep_answer`): a run that stopped
half-way (a crash, a failed call, Ctrl-C) is resumed by drafting the same source again, and the
answers already paid for are reused.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, create_model

from bot.llm import DATA_NOTICE, ContextOverflow, ModelClient, Usage, data_block
from bot.llm.schema import strict_schema
from bot.model import Block, Brief, KeyPoint, RelevanceNote
from storage.drafts import DraftStore

T = TypeVar("T", bound=BaseModel)
T_batch = TypeVar("T_batch")

BATCH_BLOCKS = 8
BATCH_CHARS = 3000
BRIEF_CHARS = 24000  # of the original shown to the model for the brief

LANGUAGE_NAMES = {
    "zh-Hans": "Simplified Chinese",
    "zh-Hant": "Traditional Chinese",
    "zh": "Chinese",
    "en": "English",
    "ja": "Japanese",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, LANGUAGE_NAMES.get(code.split("-")[0], code))


# --- what the model answers -----------------------------------------------------------------------


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TranslatedBlock(_Closed):
    id: str
    text: str = Field(min_length=1)


class GlossaryEntry(_Closed):
    term: str
    rendering: str


class TranslationBatch(_Closed):
    translations: list[TranslatedBlock]
    glossary: list[GlossaryEntry]


class BriefPoint(_Closed):
    lead: str = Field(min_length=1)
    body: str


class BriefNote(_Closed):
    audience: str
    text: str = Field(min_length=1)


class BriefAnswer(_Closed):
    headline: str = Field(min_length=1)
    verdict: str = Field(min_length=1)
    key_points: list[BriefPoint] = Field(min_length=3, max_length=7)
    relevance: list[BriefNote]
    prompts: list[str] = Field(min_length=2, max_length=5)


def brief_answer(audiences: Sequence[str]) -> type[BriefAnswer]:
    """The brief's schema for these audiences: exactly one note each, the audience named as given."""
    audience = cast(Any, Literal).__getitem__(tuple(audiences))
    note = create_model("BriefNote", __base__=_Closed, audience=(audience, ...), text=(str, Field(min_length=1)))
    count = len(audiences)
    relevance = (list[note], Field(min_length=count, max_length=count))
    return create_model("BriefAnswer", __base__=BriefAnswer, relevance=relevance)


# --- the prompts ----------------------------------------------------------------------------------


def translation_system(source_lang: str, target_lang: str) -> str:
    return (
        f"You translate an article from {language_name(source_lang)} into {language_name(target_lang)} "
        "for a reading group, block by block. Each block has an id; answer with exactly one translation "
        "per block, with the same id, in the same order: never merge, split, skip or add blocks. "
        "Translate the whole block faithfully and naturally; keep numbers, footnote numbers and list "
        "numbers as they are. Render each name and term as the glossary says; in `glossary`, list the "
        "names and terms of these blocks that are not in it yet, with the rendering you used. "
        + DATA_NOTICE
    )


def translation_user(batch: Sequence[tuple[str, Block]], glossary: dict[str, str]) -> str:
    terms = [{"term": t, "rendering": r} for t, r in sorted(glossary.items())]
    blocks = [{"id": block_id, "kind": str(block.kind), "text": block.text} for block_id, block in batch]
    return "\n".join(
        [
            "Glossary so far:",
            data_block("glossary", terms),
            "Translate these blocks:",
            data_block("blocks", {"blocks": blocks}),
        ]
    )


def brief_system(target_lang: str, audiences: Sequence[str]) -> str:
    names = "; ".join(audiences)
    return (
        f"You write the brief of an article for a reading group, in {language_name(target_lang)}. "
        "The headline states a judgement of the article in one line; the verdict is one paragraph on "
        "what the article gets right and what it misses; 3 to 7 key points, each a short bold lead "
        "and a body; one relevance note for each of these audiences, in this order, naming the "
        f"audience exactly as given: {names}; and 2 to 5 open discussion prompts. "
        "Write every part in plain prose, one line each. " + DATA_NOTICE
    )


def brief_user(title: str, original: Sequence[Block]) -> str:
    text = "\n\n".join(block.text for block in original)
    if len(text) > BRIEF_CHARS:
        text = text[:BRIEF_CHARS] + " […]"
    return "\n".join(["Write the brief of this article:", data_block("article", {"title": title, "text": text})])


# --- drafting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """What the model wrote for one article, and what it cost (answers reused from a stopped run included)."""

    translation: tuple[Block, ...]
    brief: Brief
    usage: Usage
    fresh: Usage  # what this run paid for
    elapsed_s: float


def batches(original: Sequence[Block]) -> list[list[tuple[str, Block]]]:
    """The original's blocks with their ids, cut into batches of at most BATCH_BLOCKS and BATCH_CHARS."""
    out: list[list[tuple[str, Block]]] = []
    current: list[tuple[str, Block]] = []
    size = 0
    for n, block in enumerate(original, start=1):
        if current and (len(current) >= BATCH_BLOCKS or size + len(block.text) > BATCH_CHARS):
            out.append(current)
            current, size = [], 0
        current.append((f"b{n}", block))
        size += len(block.text)
    if current:
        out.append(current)
    return out


def _waves(work: list[T_batch], concurrency: int) -> list[list[T_batch]]:
    """Batches in waves that fill the concurrency: the first leaves a place for the brief."""
    first = max(1, concurrency - 1)
    rest = max(1, concurrency)
    waves = [work[:first]]
    waves += [work[n : n + rest] for n in range(first, len(work), rest)]
    return [w for w in waves if w]


class Writer:
    """Drafts with one model client; keeps every answer in `store` so that nothing is paid twice."""

    def __init__(
        self,
        model: ModelClient,
        store: DraftStore,
        *,
        on_progress: Callable[[int, int], None] | None = None,
        fresh: bool = False,
    ) -> None:
        self.model = model
        self.store = store
        self.on_progress = on_progress
        self.fresh = fresh  # ask anew (a redraft) instead of reusing kept answers
        self._usage = Usage()
        self._fresh = Usage()

    async def write(
        self,
        *,
        title: str,
        original: Sequence[Block],
        source_lang: str,
        target_lang: str,
        audiences: Sequence[str],
    ) -> Written:
        start = time.monotonic()
        self._usage = self._fresh = Usage()
        work = batches(original)
        total = len(original)
        done = 0
        self._progress(done, total)
        brief_task = asyncio.create_task(self._brief(title, original, target_lang, audiences))
        # When the translation fails first, its error is the one reported; the brief's is dropped.
        brief_task.add_done_callback(lambda task: task.cancelled() or task.exception())
        translated: dict[str, str] = {}
        glossary: dict[str, str] = {}
        try:
            for wave in _waves(work, self.model.config.concurrency):
                results = await asyncio.gather(
                    *(self._translate(batch, glossary, source_lang, target_lang) for batch in wave)
                )
                for texts, terms in results:
                    translated.update(texts)
                    for term, rendering in terms.items():
                        glossary.setdefault(term, rendering)
                    done += len(texts)
                    self._progress(done, total)
            brief = await brief_task
        finally:
            if not brief_task.done():
                brief_task.cancel()
        translation = tuple(Block(block.kind, translated[f"b{n}"]) for n, block in enumerate(original, start=1))
        return Written(translation, brief, self._usage, self._fresh, time.monotonic() - start)

    def _progress(self, done: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(done, total)

    async def _translate(
        self,
        batch: list[tuple[str, Block]],
        glossary: dict[str, str],
        source_lang: str,
        target_lang: str,
    ) -> tuple[dict[str, str], dict[str, str]]:
        ids = [block_id for block_id, _ in batch]

        def same_ids(answer: TranslationBatch) -> str | None:
            got = [t.id for t in answer.translations]
            if got == ids:
                return None
            missing = [i for i in ids if i not in got]
            extra = [i for i in got if i not in ids]
            parts = [f"expected the ids {', '.join(ids)} in this order"]
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if extra:
                parts.append(f"not asked for {', '.join(extra)}")
            return "; ".join(parts)

        try:
            answer = await self.ask(
                system=translation_system(source_lang, target_lang),
                user=translation_user(batch, glossary),
                schema=TranslationBatch,
                name="translation_batch",
                model=self.model.config.translation_model,
                check=same_ids,
            )
        except ContextOverflow:
            if len(batch) == 1:
                raise
            half = len(batch) // 2
            first, second = await asyncio.gather(
                self._translate(batch[:half], glossary, source_lang, target_lang),
                self._translate(batch[half:], glossary, source_lang, target_lang),
            )
            return first[0] | second[0], first[1] | second[1]
        texts = {t.id: t.text.strip() for t in answer.translations}
        terms = {g.term.strip(): g.rendering.strip() for g in answer.glossary if g.term.strip() and g.rendering.strip()}
        return texts, terms

    async def _brief(
        self, title: str, original: Sequence[Block], target_lang: str, audiences: Sequence[str]
    ) -> Brief:
        def one_note_each(answer: BriefAnswer) -> str | None:
            got = [n.audience.strip() for n in answer.relevance]
            if got != list(audiences):
                return f"relevance must have one note for each audience, in order: {'; '.join(audiences)}"
            return None

        answer = await self.ask(
            system=brief_system(target_lang, audiences),
            user=brief_user(title, original),
            schema=brief_answer(audiences),
            name="brief",
            check=one_note_each,
        )
        return Brief(
            headline=answer.headline.strip(),
            verdict=answer.verdict.strip(),
            key_points=tuple(KeyPoint(p.lead.strip(), p.body.strip()) for p in answer.key_points),
            relevance=tuple(RelevanceNote(n.audience.strip(), n.text.strip()) for n in answer.relevance),
            prompts=tuple(p.strip() for p in answer.prompts),
        )

    async def ask(
        self,
        *,
        system: str,
        user: str,
        schema: type[T],
        name: str,
        model: str | None = None,
        check: Callable[[T], str | None] | None = None,
    ) -> T:
        """`ModelClient.ask`, answered from the kept answers when this exact request was answered before."""
        chosen = model or self.model.config.model
        key = _request_key(chosen, name, system, user, strict_schema(schema))
        kept = None if self.fresh else await asyncio.to_thread(self.store.answer, key)
        if kept is not None:
            content, prompt_tokens, completion_tokens = kept
            answer = schema.model_validate(content)
            if check is None or check(answer) is None:
                self._usage += Usage(prompt_tokens, completion_tokens, 1)
                return answer
        answer, used = await self.model.ask(
            system=system, user=user, schema=schema, name=name, model=chosen, check=check
        )
        self._usage += used
        self._fresh += used
        await asyncio.to_thread(
            self.store.keep_answer,
            key,
            answer.model_dump(mode="json"),
            used.prompt_tokens,
            used.completion_tokens,
            replace=self.fresh,
        )
        return answer


def _request_key(model: str, name: str, system: str, user: str, schema: dict[str, Any]) -> str:
    payload = json.dumps([model, name, system, user, schema], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()

