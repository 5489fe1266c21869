"""Documents as JSON and back, to keep what the bot owes people in the database (the answer outbox).

Generic over the frozen dataclasses a `Document` is made of, guided by their type hints, so that a
field added to a span or a paragraph is stored without touching this module.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from enum import Enum
from typing import Any

from bot.render.document import Document


def document_to_json(doc: Document) -> str:
    return json.dumps(_encode(doc), ensure_ascii=False, separators=(",", ":"))


def document_from_json(text: str) -> Document:
    decoded = _decode(Document, json.loads(text))
    assert isinstance(decoded, Document)
    return decoded


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(hint: Any, data: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        if data is None:
            return None
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return _decode(inner, data)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], item) for item in data)
        return tuple(_decode(a, item) for a, item in zip(args, data, strict=True))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        names = {f.name for f in dataclasses.fields(hint)}
        return hint(**{k: _decode(hints[k], v) for k, v in data.items() if k in names})
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(data)
    return data
